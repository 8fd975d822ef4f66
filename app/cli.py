"""Command-line tasks: `flask --app wsgi seed-demo | create-admin | worker | mail receive`."""

import click
from flask import Flask
from flask.cli import with_appcontext

from .extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @with_appcontext
    def seed_demo_command():
        """Load the demo organisations, groups and logins (safe to run again)."""
        from .demo.seed import seed_demo

        added = seed_demo()
        db.session.commit()
        click.echo("Demo data: " + ", ".join(f"{n} {kind} added" for kind, n in added.items()))

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    @with_appcontext
    def create_admin_command(email: str, name: str, password: str):
        """Create a project-manager account (or make an existing one project manager)."""
        from .auth.services import create_admin
        from .core.errors import DomainError

        try:
            user = create_admin(email, name, password)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        db.session.commit()
        click.echo(f"{user.email} is now a project manager.")

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Send everything that is due, then exit.")
    @click.option(
        "--poll", default=1.0, show_default=True, help="Seconds between looks at the outbox."
    )
    @with_appcontext
    def worker_command(once: bool, poll: float):
        """Deliver queued mail (runs until stopped with Ctrl-C / SIGTERM)."""
        from .mail.worker import run_worker

        sent = run_worker(once=once, poll_seconds=poll, echo=click.echo)
        click.echo(f"Worker stopped after delivering {sent} message(s).")

    @app.cli.group("mail")
    def mail_group():
        """Inbound mail."""

    @mail_group.command("receive")
    @click.option(
        "--recipient",
        default=None,
        help="The envelope recipient, as the MTA passes it (e.g. Postfix's ${original_recipient}).",
    )
    @with_appcontext
    def mail_receive_command(recipient: str | None):
        """Read one message on standard input (an MTA's pipe transport): bounces, calendar
        replies and unsubscribe requests are applied, every message is recorded. Exits with
        75 (EX_TEMPFAIL, the MTA tries again later) when the database is unreachable."""
        import sys

        import sqlalchemy as sa

        from .mail.inbound import receive

        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise click.ClickException("no message on standard input")
        try:
            record = receive(raw, "stdin", envelope_recipient=recipient)
            db.session.commit()
        except sa.exc.OperationalError as error:
            db.session.rollback()
            click.echo(f"database unreachable, try again later: {error}", err=True)
            sys.exit(75)
        click.echo(f"{record.kind.value}: {record.outcome.value}: {record.detail}")

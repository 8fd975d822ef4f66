"""`flask consensus close-due`: closes the rounds whose closing time has passed."""

import click

from ..extensions import db
from . import bp

bp.cli.short_help = "Consensus rounds."


@bp.cli.command("close-due")
def close_due_command():
    """Close every round whose closing time has passed and record its outcome."""
    from .services import close_due_rounds

    closed = close_due_rounds()
    db.session.commit()
    click.echo(f"Closed {len(closed)} round(s).")

"""`flask --app wsgi newsletter send EDITION_ID`: start sending a draft edition (the mail
worker renders and delivers it in the background)."""

import click

from ..core.errors import DomainError
from ..extensions import db
from . import bp, services
from .models import Edition


@bp.cli.command("send")
@click.argument("edition_id", type=int)
def send_command(edition_id: int) -> None:
    """Send a draft edition to every confirmed subscriber."""
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        raise click.ClickException(f"There is no edition {edition_id}.")
    try:
        recipients = services.queue_edition(None, edition)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(
        f"Sending {edition.quarter} to {recipients} subscriber(s) has started; "
        "`flask worker` delivers it."
    )

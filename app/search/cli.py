"""`flask search reindex`: rebuilds the search index from the content."""

import click

from ..extensions import db
from . import bp

bp.cli.short_help = "The search index."


@bp.cli.command("reindex")
def reindex_command():
    """Empty the search index and index every organisation, person, group, meeting,
    proposal, document, visit, learning point and newsletter edition again."""
    from .index import rebuild

    count = rebuild()
    db.session.commit()
    click.echo(f"Indexed {count} entries.")

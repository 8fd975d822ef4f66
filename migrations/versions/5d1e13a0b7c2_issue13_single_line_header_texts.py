"""Texts that become mail subjects or names in mail headers hold no line breaks

Until the input boundary (app/core/forms.py) refused them, a line break could be saved in
a visit's or meeting's title, a newsletter edition's title or a registrant's name; a mail
built from such a value fails. Line breaks in these single-line columns become spaces.
Nothing to undo on downgrade (the old texts were unusable in a header anyway).

Revision ID: 5d1e13a0b7c2
Revises: a18c0e5e4a01
Create Date: 2026-12-02 00:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '5d1e13a0b7c2'
down_revision = 'a18c0e5e4a01'
branch_labels = None
depends_on = None

SINGLE_LINE_COLUMNS = {
    "visits": ("title_nl", "title_de", "title_en", "contact_name"),
    "meetings": ("title_nl", "title_de", "title_en"),
    "newsletter_editions": ("title_nl", "title_de", "title_en"),
    "registrations": ("name", "function"),
    "newsletter_subscribers": ("name", "organisation"),
    "users": ("name", "function"),
}


def upgrade():
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    for table, columns in SINGLE_LINE_COLUMNS.items():
        if table not in existing:
            continue
        for column in columns:
            for char in ("\r", "\n"):
                bind.execute(
                    sa.text(
                        f'UPDATE "{table}" SET "{column}" = REPLACE("{column}", :char, \' \') '
                        f'WHERE "{column}" LIKE :pattern'
                    ),
                    {"char": char, "pattern": f"%{char}%"},
                )


def downgrade():
    pass

"""search index: search_entries with FTS5 (SQLite) or tsvector + pg_trgm (PostgreSQL); users.is_minutes_mail_wanted; introductions

Revision ID: a18c0e5e4a01
Revises: 4dd55616262e
Create Date: 2026-12-02 00:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.search.models import (
    POSTGRES_DDL,
    POSTGRES_DROP,
    POSTGRES_EXTENSIONS,
    SQLITE_DDL,
    SQLITE_DROP,
)

# revision identifiers, used by Alembic.
revision = 'a18c0e5e4a01'
down_revision = '4dd55616262e'
branch_labels = None
depends_on = None


def _dialect():
    return op.get_bind().dialect.name


def upgrade():
    if _dialect() == "postgresql":
        for statement in POSTGRES_EXTENSIONS:
            op.execute(statement)
    op.create_table(
        'search_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('ref_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('is_public', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('title', sa.String(length=1000), server_default='', nullable=False),
        sa.Column('titles', sa.JSON(), nullable=False),
        sa.Column('body', sa.Text(), server_default='', nullable=False),
        sa.Column('sections', sa.JSON(), nullable=False),
        sa.Column('happened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('document', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_search_entries_group_id_working_groups'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_search_entries_meeting_id_meetings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
        sa.UniqueConstraint('source', 'ref_id', name=op.f('uq_search_entries_source')),
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entries_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_search_entries_document', ['document'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_entries_title_trgm', ['title'], unique=False, postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})
    for statement in POSTGRES_DDL if _dialect() == "postgresql" else SQLITE_DDL:
        op.execute(statement)
    # Existing content enters the index with `flask search reindex` (see the README).
    op.create_table(
        'introductions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('text_nl', sa.Text(), server_default='', nullable=False),
        sa.Column('text_de', sa.Text(), server_default='', nullable=False),
        sa.Column('text_en', sa.Text(), server_default='', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_introductions_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_introductions')),
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_minutes_mail_wanted', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    op.drop_table('introductions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_minutes_mail_wanted')
    for statement in POSTGRES_DROP if _dialect() == "postgresql" else SQLITE_DROP:
        op.execute(statement)
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entries_title_trgm', postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})
        batch_op.drop_index('ix_search_entries_document', postgresql_using='gin')
        batch_op.drop_index(batch_op.f('ix_search_entries_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_kind'))
        batch_op.drop_index(batch_op.f('ix_search_entries_group_id'))
    op.drop_table('search_entries')

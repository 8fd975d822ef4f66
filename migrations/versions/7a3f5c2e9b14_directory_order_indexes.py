"""Indexes for the partner directory's default order and its city choices, so the first
page and the choices no longer sort every organisation (issue 19, 10x data)

Revision ID: 7a3f5c2e9b14
Revises: c41e7a9d2b10
Create Date: 2026-12-07 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '7a3f5c2e9b14'
down_revision = 'c41e7a9d2b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_organisations_sort_name', 'organisations', [sa.text('lower(name)'), 'id'])
    op.create_index(
        'ix_organisations_active_sort_name',
        'organisations',
        ['is_active', sa.text('lower(name)'), 'id'],
    )
    op.create_index('ix_organisations_country_city', 'organisations', ['country', 'city'])
    op.create_index(
        'ix_organisations_active_country_city', 'organisations', ['is_active', 'country', 'city']
    )


def downgrade():
    op.drop_index('ix_organisations_active_country_city', table_name='organisations')
    op.drop_index('ix_organisations_country_city', table_name='organisations')
    op.drop_index('ix_organisations_active_sort_name', table_name='organisations')
    op.drop_index('ix_organisations_sort_name', table_name='organisations')

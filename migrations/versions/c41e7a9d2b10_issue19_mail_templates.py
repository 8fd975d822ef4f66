"""Mail templates: a newsletter edition is rendered once per language and each outbox row
holds only the reader's values (issue 19)

Revision ID: c41e7a9d2b10
Revises: 5d1e13a0b7c2
Create Date: 2026-12-07 14:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = 'c41e7a9d2b10'
down_revision = '5d1e13a0b7c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('skeleton', sa.LargeBinary(), nullable=False),
        sa.Column('parts', sa.JSON(), nullable=False),
        sa.Column('marks', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_templates')),
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fields', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_messages_template_id_mail_templates'),
            'mail_templates', ['template_id'], ['id'],
        )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_outbox_messages_template_id_mail_templates'), type_='foreignkey'
        )
        batch_op.drop_column('fields')
        batch_op.drop_column('template_id')
    op.drop_table('mail_templates')

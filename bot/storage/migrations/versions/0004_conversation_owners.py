"""conversation owners: a conversation belongs to one borrower

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'conversation_owners',
        sa.Column('conversation_id', sa.String(length=128), nullable=False),
        sa.Column('borrower_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_conversation_owners')),
    )
    op.create_index(op.f('ix_conversation_owners_borrower_id'), 'conversation_owners',
                    ['borrower_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_conversation_owners_borrower_id'), table_name='conversation_owners')
    op.drop_table('conversation_owners')

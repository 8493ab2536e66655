"""review items: messages the assistant missed, masked, for editors to label

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'review_items',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('conversation_id', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('intent', sa.String(length=128), nullable=True),
        sa.Column('confidence', sa.Numeric(precision=6, scale=5, asdecimal=False), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('label', sa.String(length=128), nullable=True),
        sa.Column('editor', sa.String(length=64), nullable=True),
        sa.Column('labelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "reason IN ('low_confidence', 'fallback', 'correction', 'handoff_after_fallback')",
            name=op.f('ck_review_items_reason')),
        sa.CheckConstraint("status IN ('new', 'labelled', 'new_intent', 'dismissed')",
                           name=op.f('ck_review_items_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
    )
    op.create_index(op.f('ix_review_items_conversation_id'), 'review_items',
                    ['conversation_id'], unique=False)
    op.create_index(op.f('ix_review_items_status'), 'review_items', ['status'], unique=False)


def downgrade() -> None:
    # Dropping the table drops its indexes too.
    op.drop_table('review_items')

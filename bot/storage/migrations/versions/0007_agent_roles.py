"""agent roles: an account is an agent (agent console) or an editor (review page)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_CHECK = "role IN ('agent', 'editor')"


def upgrade() -> None:
    # Existing accounts are agents (server default). SQLite takes a CHECK inside ADD COLUMN
    # (checked against the existing rows); rebuilding the table in batch mode instead would
    # drop and re-create `agents`, which the tickets' ON DELETE SET NULL foreign keys follow.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE agents ADD COLUMN role VARCHAR(16) DEFAULT 'agent' NOT NULL "
                   f"CONSTRAINT ck_agents_role CHECK ({_CHECK})")
        return
    op.add_column('agents', sa.Column('role', sa.String(length=16), nullable=False,
                                      server_default='agent'))
    op.create_check_constraint(op.f('ck_agents_role'), 'agents', _CHECK)


def downgrade() -> None:
    # Editors have no place in the old schema: they go first.
    op.execute("DELETE FROM agents WHERE role = 'editor'")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE agents DROP COLUMN role")  # SQLite >= 3.35
        return
    op.drop_constraint(op.f('ck_agents_role'), 'agents', type_='check')
    op.drop_column('agents', 'role')

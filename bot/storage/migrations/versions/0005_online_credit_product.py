"""online consumer credit (花呗/借呗 kind) as an account product

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_OLD = ("credit_card", "consumer_loan")
_NEW = _OLD + ("online_credit",)


def _in(values) -> str:
    return "product IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(values) -> None:
    # batch mode rebuilds the table on SQLite, which cannot alter a CHECK constraint
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("product", type_="check")
        batch.create_check_constraint("product", _in(values))


def upgrade() -> None:
    _replace(_NEW)


def downgrade() -> None:
    # rows of the new product would break the old constraint: they go first
    op.execute("DELETE FROM accounts WHERE product = 'online_credit'")
    _replace(_OLD)

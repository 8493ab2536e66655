"""possible crisis and scam as case and ticket categories

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_OLD = {
    "case_records": ("dispute", "complaint", "fee_waiver", "human", "distress", "crisis"),
    "tickets": ("crisis", "distress", "human", "dispute", "complaint", "fee_waiver", "fallback"),
}
_NEW = {table: values + ("possible_crisis", "scam") for table, values in _OLD.items()}


def _in(values) -> str:
    return "category IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(categories) -> None:
    for table, values in categories.items():
        # batch mode rebuilds the table on SQLite, which cannot alter a CHECK constraint
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint("category", type_="check")
            batch.create_check_constraint("category", _in(values))


def upgrade() -> None:
    _replace(_NEW)


def downgrade() -> None:
    _replace(_OLD)

"""The Alembic head must create exactly what the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.storage import db
from bot.storage.models import Base

TABLES = {"borrowers", "accounts", "repayments", "plan_applications", "payment_promises",
          "reminders", "case_records", "agents", "tickets", "ticket_messages",
          "conversation_owners", "review_items"}


def _diff(url):
    with db.get_engine(url).connect() as conn:
        return compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )


def _tables(url):
    return set(inspect(db.get_engine(url)).get_table_names()) - {"alembic_version"}


def test_single_head_with_script_location_resolved_in_code():
    script = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_head_matches_models(db_url):
    assert _tables(db_url) == TABLES
    assert _diff(db_url) == []


def test_upgrade_is_repeatable_and_downgrade_drops_everything(db_url):
    db.upgrade_to_head(db_url)  # already at head: no-op
    db.downgrade_to_base(db_url)
    assert _tables(db_url) == set()
    db.upgrade_to_head(db_url)
    assert _diff(db_url) == []


def test_upgrade_uses_database_url_when_no_url_given(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.upgrade_to_head()
    try:
        assert _tables(url) == TABLES
    finally:
        db.dispose_engine(url)

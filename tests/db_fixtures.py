"""Database fixtures shared by tests/storage and tests/review (imported by their
conftest.py): a fresh SQLite file per test, and the same on PostgreSQL in a
throw-away schema (marker `postgres`; skipped only when the server is unreachable).

PostgreSQL URL: env TEST_POSTGRES_URL, default the local trust-auth server.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bot.storage import db

PG_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
_pg_state = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server (TEST_POSTGRES_URL)")


def pytest_collection_modifyitems(config, items):
    # Marked here rather than in the fixture params: the marker is registered by then,
    # whichever directory pytest was started on. Select with -m postgres / -m "not postgres".
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgres":
            item.add_marker(pytest.mark.postgres)


def _pg_unreachable_reason():
    """None when PostgreSQL answers, else why not (checked once per run)."""
    if "reason" not in _pg_state:
        try:
            engine = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"
    return _pg_state["reason"]


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    db.upgrade_to_head(url)
    yield url
    db.dispose_engine(url)


@pytest.fixture
def pg_url():
    reason = _pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    schema = f"test_storage_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, future=True)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # search_path puts every table (and alembic_version) into the private schema.
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        db.upgrade_to_head(url)
        yield url
    finally:
        db.dispose_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request):
    """A migrated, empty database; every test using it runs on both backends."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def session(db_url):
    s = Session(db.get_engine(db_url), future=True, expire_on_commit=False)
    try:
        yield s
    finally:
        s.rollback()
        s.close()

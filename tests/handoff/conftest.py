"""Handoff fixtures: the storage tests' databases (fresh SQLite file; PostgreSQL in a
throw-away schema, skipped only when the server is unreachable), agents and a queue."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.handoff import agents
from bot.handoff.sql_queue import SqlHandoffQueue
from bot.storage.db import session_scope
from tests.db_fixtures import db_url, pg_url, sqlite_url  # noqa: F401  (fixtures)

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai, a Monday


def pytest_collection_modifyitems(config, items):
    # Same marking as tests/storage: -m postgres / -m "not postgres" select the backend.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgres":
            item.add_marker(pytest.mark.postgres)


class StepClock:
    """Each call is one second later than the previous one: a deterministic waiting order."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock():
    return StepClock()


@pytest.fixture
def queue(db_url, clock):
    return SqlHandoffQueue(db_url, clock=clock)


def make_agent(url: str, username: str, name: str, password: str = "correct-horse-1") -> str:
    with session_scope(url) as session:
        return agents.create_agent(session, username, name, password).id


@pytest.fixture
def two_agents(db_url):
    return make_agent(db_url, "li", "客服小李"), make_agent(db_url, "wang", "客服小王")

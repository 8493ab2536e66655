"""Fresh SQLite and PostgreSQL databases per test: tests/db_fixtures.py."""
from tests.db_fixtures import *  # noqa: F401,F403

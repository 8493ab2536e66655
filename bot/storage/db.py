"""Database URL, engines, sessions and migrations.

SQLite file under var/ by default (zero setup for demos and tests); any SQLAlchemy
URL via the DATABASE_URL environment variable (PostgreSQL in production).
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

STORAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = STORAGE_DIR.parents[1]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "bot.sqlite"
ALEMBIC_INI = STORAGE_DIR / "alembic.ini"
MIGRATIONS_DIR = STORAGE_DIR / "migrations"

_engines: Dict[str, Engine] = {}
_engines_lock = threading.Lock()

# A database that does not answer must not hold a borrower's message for long: a new
# PostgreSQL connection gives up after this many seconds (libpq connect_timeout).
CONNECT_TIMEOUT_SECONDS = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))


def database_url() -> str:
    """DATABASE_URL if set, else the default SQLite file (its folder is created)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Some hosts hand out "postgres://", which SQLAlchemy 1.4 no longer accepts.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg2://" + url[len("postgres://"):]
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # pysqlite's own implicit BEGIN handling breaks SAVEPOINTs (used for idempotent
    # inserts); let SQLAlchemy emit BEGIN itself (SQLAlchemy docs, "pysqlite
    # serializable isolation / savepoints").
    dbapi_connection.isolation_level = None
    # SQLite ignores foreign keys unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # The Rasa server (handoff API, socket channel) and the action server share the file:
    # WAL lets readers and one writer work at once; a second writer waits, not fails.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def get_engine(url: Optional[str] = None) -> Engine:
    """One engine per URL for the whole process (engines own connection pools)."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            # pool_pre_ping: after an outage, stale pooled connections are replaced
            # before use, so the first message once the database is back works.
            engine = create_engine(url, future=True, pool_pre_ping=True,
                                   connect_args=_connect_args(url))
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_on_connect)
                event.listen(engine, "begin", _sqlite_on_begin)
            _engines[url] = engine
        return engine


def _connect_args(url: str) -> Dict[str, object]:
    if make_url(url).drivername in ("postgresql", "postgresql+psycopg2"):
        return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return {}


def ping(url: Optional[str] = None) -> bool:
    """True when the database answers a trivial query (raises when it does not)."""
    with get_engine(url).connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    return True


# What "the database is down or unreachable" looks like, as opposed to a bug in a query.
_UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError,
                exc.TimeoutError)


def is_unavailable(error: BaseException) -> bool:
    """Did this error (or one it was raised from) come from a database that cannot be
    reached? Then retrying later helps; a bug in a query is not this."""
    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE):
            return True
        if isinstance(current, exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def dispose_engine(url: Optional[str] = None) -> None:
    """Close and forget the engine for a URL (tests, schema drops)."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_engines() -> None:
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """One Session per request: commit on success, roll back on error, always close."""
    session = Session(get_engine(url), future=True, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: Optional[str] = None):
    """Alembic Config for bot/storage/alembic.ini, usable from any working directory."""
    from alembic.config import Config

    url = url or database_url()
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates "%", which URL-encoded passwords/options contain.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["url"] = url
    # Called from code: keep the application's logging setup untouched.
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade_to_head(url: Optional[str] = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def downgrade_to_base(url: Optional[str] = None) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), "base")

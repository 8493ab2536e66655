"""Alembic environment: URL from the Config (set by bot.storage.db.alembic_config)
or else bot.storage.db.database_url() (DATABASE_URL / default SQLite file)."""
from logging.config import fileConfig

from alembic import context

from bot.storage.db import database_url, get_engine
from bot.storage.models import Base, ExactNumeric, JSONText

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return (
        config.attributes.get("url")
        or config.get_main_option("sqlalchemy.url")
        or database_url()
    )


def _render_item(type_, obj, autogen_context):
    # Migrations should not import our model code: write plain NUMERIC(p, s).
    if type_ == "type" and isinstance(obj, ExactNumeric):
        return f"sa.Numeric(precision={obj.impl.precision}, scale={obj.impl.scale})"
    if type_ == "type" and isinstance(obj, JSONText):
        return "sa.Text()"
    return False


def _configure_kwargs(dialect_name: str) -> dict:
    return dict(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        # SQLite cannot ALTER most things; batch mode recreates tables instead.
        render_as_batch=dialect_name == "sqlite",
    )


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_configure_kwargs(url.split(":", 1)[0].split("+", 1)[0]),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = get_engine(_url())
    with engine.connect() as connection:
        context.configure(connection=connection, **_configure_kwargs(engine.dialect.name))
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

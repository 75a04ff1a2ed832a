"""Alembic environment for the state database; mailbot.store.engine passes in an open connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from mailbot.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Plain `alembic -x url=...` use from the command line, without mailbot's opener.
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("Pass the database with `alembic -x url=postgresql+psycopg://...`.")
    engine = create_engine(url)
    try:
        with engine.begin() as own:
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("mailbot migrations run online only; open the store with mailbot.store.open_store().")
run_migrations()

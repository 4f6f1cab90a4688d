"""Alembic environment of the app database; run through chainsight.appdb.migrate, not alembic.ini."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from chainsight.appdb.migrate import PG_LOCK_KEY, VERSION_TABLE, target_metadata

config = context.config
OPTIONS: dict[str, Any] = {
    "target_metadata": target_metadata(),
    "version_table": VERSION_TABLE,
    # SQLite cannot ALTER most things: batch mode copies the table; other backends ALTER in place
    "render_as_batch": True,
    "compare_type": True,
}


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **OPTIONS)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # one migrator at a time; the next one finds the database already at head
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.attributes.get("url"), literal_binds=True, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()
else:
    conn = config.attributes.get("connection")
    if conn is not None:
        _run(conn)
    else:
        engine = create_engine(config.attributes["url"], poolclass=NullPool)
        with engine.begin() as new_conn:
            _run(new_conn)
        engine.dispose()

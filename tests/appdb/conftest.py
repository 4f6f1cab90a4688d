"""App-database backends: SQLite files always; PostgreSQL when CHAINSIGHT_TEST_POSTGRES_URL names a server.

``make test-postgres`` (scripts/ci-postgres) starts a throw-away PostgreSQL server and sets the URL;
each PostgreSQL test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chainsight.appdb import AppDB

PG_ENV = "CHAINSIGHT_TEST_POSTGRES_URL"


def cheap_db(url: str, **kw) -> AppDB:  # type: ignore[no-untyped-def]
    """An AppDB whose argon2id hashing is cheap enough for tests."""
    from argon2 import PasswordHasher

    return AppDB(url, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), **kw)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server; dropped after the test."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.fail(f"{PG_ENV} is not set: run PostgreSQL tests with `make test-postgres`")
    name = f"cs_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty app database on each backend: a SQLite file, and (marked postgres) a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def open_db() -> Iterator[Callable[..., AppDB]]:
    """``open_db(url, **kw)``: an AppDB closed after the test."""
    opened: list[AppDB] = []

    def _open(url: str, **kw) -> AppDB:  # type: ignore[no-untyped-def]
        db = cheap_db(url, **kw)
        opened.append(db)
        return db

    yield _open
    for db in opened:
        db.close()

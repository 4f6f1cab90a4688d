"""The app database on a real PostgreSQL server: migrations up and down, concurrent start-up, the web sign-in.

Run with ``make test-postgres`` (scripts/ci-postgres starts a throw-away server). The AppDB flow tests
in test_appdb_store.py also run here, through their ``postgresql`` parameter.
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from chainsight.appdb import AppDB, migrate
from chainsight.warehouse import Warehouse

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery staple"


def _revisions() -> list[str]:
    return [r.revision for r in reversed(list(migrate.script_directory().walk_revisions()))]


def _tables(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return set(inspect(engine).get_table_names()) - {migrate.VERSION_TABLE}


def test_migrations_upgrade_and_downgrade_on_postgres(pg_url: str) -> None:
    engine = create_engine(pg_url, poolclass=NullPool)
    assert engine.dialect.name == "postgresql"
    assert migrate.current_revision(engine) is None
    seen: list[set[str]] = [set()]
    for rev in _revisions():
        migrate.upgrade(engine, rev)
        assert migrate.current_revision(engine) == rev
        seen.append(_tables(engine))
    diff = migrate.schema_diff(engine)
    assert not diff, "\n".join(migrate.describe_diff(diff))  # head = the models, on PostgreSQL too
    for rev, tables in zip(reversed(["base", *_revisions()[:-1]]), reversed(seen[:-1]), strict=True):
        migrate.downgrade(engine, rev)
        assert _tables(engine) == tables
    assert migrate.current_revision(engine) is None and _tables(engine) == set()
    assert migrate.upgrade(engine) == migrate.head_revision()
    assert migrate.schema_diff(engine) == []
    engine.dispose()


def test_servers_starting_together_migrate_once(pg_url: str) -> None:
    """Four processes opening one empty database at once: the advisory lock lets one migrate, all succeed."""
    code = (
        "import sys; from chainsight.appdb import AppDB, migrate as m; "
        "db = AppDB(sys.argv[1]); print(m.current_revision(db.engine))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, pg_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in outs]
    assert [out.strip() for out, _ in outs] == [migrate.head_revision()] * 4
    # threads of one process share Alembic's process-global context safely
    engine = create_engine(pg_url, poolclass=NullPool)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    engine.dispose()
    with ThreadPoolExecutor(3) as pool:
        assert (
            list(pool.map(lambda _: migrate.upgrade(create_engine(pg_url, poolclass=NullPool)), range(3)))
            == [migrate.head_revision()] * 3
        )
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.connect() as c:
        assert c.execute(text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")).all() == [
            (migrate.head_revision(),)
        ]
    engine.dispose()


def test_cli_upgrades_and_reports_a_postgres_database(pg_url: str) -> None:
    import json

    from typer.testing import CliRunner

    from chainsight.cli import app

    run = CliRunner().invoke
    r = run(app, ["db", "upgrade", "--appdb", pg_url])
    assert r.exit_code == 0, r.output
    info = json.loads(run(app, ["db", "current", "--appdb", pg_url, "--json"]).output)
    assert info["current"] == migrate.head_revision() and info["pending"] == []
    r = run(
        app,
        ["users", "add", "boss", "--role", "admin", "--password-stdin", "--appdb", pg_url],
        input=PASSWORD,
    )
    assert r.exit_code == 0, r.output
    r = run(app, ["users", "list", "--json", "--appdb", pg_url])
    assert [u["username"] for u in json.loads(r.output)] == ["boss"]


@pytest.fixture(scope="module")
def demo_wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    from chainsight.demo import run

    root = tmp_path_factory.mktemp("pgdemo")
    run(root / "data", root / "w.duckdb", scale="tiny", seed=0)
    wh = Warehouse.open(root / "w.duckdb", read_only=True)
    yield wh
    wh.close()


def test_web_sign_in_against_postgres(pg_url: str, demo_wh: Warehouse, tmp_path: Path) -> None:
    """The web app with ``appdb=postgresql+psycopg://...``: sign in, cockpit, API, token, sign out."""
    from argon2 import PasswordHasher

    from chainsight.web import create_app

    admin = AppDB(pg_url, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    admin.add_user("boss", PASSWORD, role="admin")
    token = admin.create_token("boss", "bi")

    app = create_app(demo_wh, pg_url)  # the URL form, as `chainsight serve --appdb` passes it
    assert app.state.services.db.engine.dialect.name == "postgresql"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    c = TestClient(app)
    assert c.get("/api/me").status_code == 401
    page = c.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = c.post("/login", data={"username": "boss", "password": "wrong wrong wrong", "csrf_token": csrf})
    assert bad.status_code == 401
    r = c.post(
        "/login",
        data={"username": "boss", "password": PASSWORD, "csrf_token": csrf, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "cs_session" in c.cookies
    assert c.get("/api/me").json()["username"] == "boss"
    assert c.get("/").status_code == 200

    # the session, the failure and the sign-in are rows in PostgreSQL, seen from another connection
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cs_sessions")).scalar() == 1
        actions = [a for (a,) in conn.execute(text("SELECT action FROM cs_audit_log ORDER BY id"))]
    assert actions[-2:] == ["login_failure", "login"]

    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/me").json()["username"] == "boss"
    admin.revoke_token("boss", "bi")
    assert api.get("/api/me").status_code == 401

    admin.set_disabled("boss")  # ends the session held in PostgreSQL
    assert c.get("/api/me").status_code == 401
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cs_sessions")).scalar() == 0
    engine.dispose()
    admin.close()
    app.state.services.db.close()


def test_a_pre_migration_postgres_database_is_adopted(pg_url: str) -> None:
    """Tables made by create_all before migrations (PostgreSQL-named constraints): stamped, renamed, kept."""
    from sqlalchemy import MetaData

    from chainsight.appdb._models import Base

    legacy = MetaData()  # no naming convention: PostgreSQL names the constraints itself, as it did
    for name in ("cs_users", "cs_sessions", "cs_api_tokens", "cs_audit_log", "cs_settings"):
        t = Base.metadata.tables[name].to_metadata(legacy)
        for constraint in t.constraints:
            constraint.name = None
    engine = create_engine(pg_url, poolclass=NullPool)
    legacy.create_all(engine)
    uniques = inspect(engine).get_unique_constraints("cs_api_tokens")
    assert [u["name"] for u in uniques] == ["cs_api_tokens_user_id_name_key"]
    with engine.begin() as c:
        c.execute(text("INSERT INTO cs_settings VALUES ('secret_key', 'kept-secret')"))
    assert migrate.current_revision(engine) == migrate.INITIAL_REVISION

    db = AppDB(pg_url)
    assert db.secret_key() == "kept-secret"
    assert migrate.current_revision(engine) == migrate.head_revision()
    uniques = inspect(engine).get_unique_constraints("cs_api_tokens")
    assert [u["name"] for u in uniques] == ["uq_cs_api_tokens_user_id_name"]
    diff = migrate.schema_diff(engine)
    assert not diff, "\n".join(migrate.describe_diff(diff))
    db.close()
    engine.dispose()

"""App-database migrations on SQLite: head equals the models, every step reverses, old files are adopted.

A model change without a revision fails ``test_migrations_at_head_build_exactly_the_models``: add one
with ``chainsight db revision -m "..."`` (README, Development).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, String, Table, create_engine, inspect, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from chainsight._errors import UserInputError
from chainsight.appdb import AppDB, migrate
from chainsight.appdb._models import Base
from chainsight.appdb.migrate import AppDBVersionError

HERE = Path(__file__).parent
PASSWORD = "correct horse battery staple"


def cheap_db(url: str, **kw) -> AppDB:  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return AppDB(url, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), **kw)


def _engine(path: Path):  # type: ignore[no-untyped-def]
    return create_engine(f"sqlite:///{path}", poolclass=NullPool)


def _revisions() -> list[str]:
    return [r.revision for r in reversed(list(migrate.script_directory().walk_revisions()))]


def test_migrations_at_head_build_exactly_the_models(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "a.sqlite")
    migrate.upgrade(engine)
    diff = migrate.schema_diff(engine)
    assert not diff, "models differ from migrations; add a revision:\n" + "\n".join(
        migrate.describe_diff(diff)
    )
    # and the tables are exactly the models' tables (plus the version table)
    tables = set(inspect(engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {migrate.VERSION_TABLE}


def test_revisions_form_one_line_numbered_in_order() -> None:
    revs = _revisions()
    assert revs[0] == migrate.INITIAL_REVISION and revs[-1] == migrate.head_revision()
    assert revs == [f"{i:04d}" for i in range(1, len(revs) + 1)]
    names = sorted(p.name for p in migrate.VERSIONS.glob("[0-9]*.py"))
    assert [n[:4] for n in names] == revs


def test_each_revision_steps_up_and_down(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "a.sqlite")
    seen: list[set[str]] = [set()]
    for rev in _revisions():
        migrate.upgrade(engine, rev, backup=False)
        assert migrate.current_revision(engine) == rev
        seen.append(set(inspect(engine).get_table_names()) - {migrate.VERSION_TABLE})
    for rev, tables in zip(reversed(["base", *_revisions()[:-1]]), reversed(seen[:-1]), strict=True):
        migrate.downgrade(engine, rev)
        assert set(inspect(engine).get_table_names()) - {migrate.VERSION_TABLE} == tables
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.schema_diff(engine) == []


def test_a_pre_migration_file_is_adopted_kept_and_backed_up(tmp_path: Path) -> None:
    """A file made by create_all before migrations existed: stamped at 0001, upgraded, data kept."""
    path = tmp_path / "w.app.sqlite"
    con = sqlite3.connect(path)
    con.executescript((HERE / "legacy_schema.sql").read_text(encoding="utf-8"))
    con.execute(
        "INSERT INTO cs_users (id, username, display_name, password_hash, role, scope_json, disabled, created_at)"
        " VALUES (1, 'boss', 'boss', 'x', 'admin', '{\"all\": true}', 0, '2026-01-01 00:00:00')"
    )
    con.execute("INSERT INTO cs_settings VALUES ('secret_key', 'kept-secret')")
    con.execute(
        "INSERT INTO cs_api_tokens (id, user_id, name, token_hash, created_at, revoked)"
        " VALUES (1, 1, 'excel', :h, '2026-01-01 00:00:00', 0)",
        {"h": hashlib.sha256(b"cs_old-token").hexdigest()},
    )
    con.commit()
    con.close()
    engine = _engine(path)
    assert migrate.current_revision(engine) == migrate.INITIAL_REVISION  # recognised before stamping
    engine.dispose()

    db = cheap_db(f"sqlite:///{path}")
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    with db.engine.connect() as c:
        assert (
            c.execute(text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")).scalar()
            == migrate.head_revision()
        )
    assert db.secret_key() == "kept-secret"
    assert [u.username for u in db.list_users()] == ["boss"]
    db.add_user("zj", PASSWORD, role="viewer")  # the adopted tables work
    assert db.token_user("cs_old-token").username == "boss"  # type: ignore[union-attr]  # rows kept
    with pytest.raises(UserInputError, match="already exists"):  # the unique constraint, now named, holds
        db.create_token("boss", "excel")
    assert migrate.schema_diff(db.engine) == []  # exactly the models, constraint names included
    db.close()
    backup = path.with_name(f"{path.name}.before-{migrate.INITIAL_REVISION}.bak")
    if migrate.head_revision() != migrate.INITIAL_REVISION:
        with sqlite3.connect(backup) as b:  # the copy is the file as it was, before migrating
            assert b.execute("SELECT value FROM cs_settings").fetchall() == [("kept-secret",)]
            assert "cs_alembic_version" not in {r[0] for r in b.execute("SELECT name FROM sqlite_master")}


def test_a_database_from_a_newer_chainsight_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    cheap_db(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as con:
        con.execute(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '9999'")
    with pytest.raises(AppDBVersionError, match="newer Chainsight") as err:
        cheap_db(f"sqlite:///{path}")
    assert "升级 Chainsight" in err.value.message("zh")


def test_without_auto_upgrade_an_old_database_is_refused_with_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with pytest.raises(AppDBVersionError, match="chainsight db upgrade"):
        cheap_db(url, upgrade=False)
    monkeypatch.setenv("CHAINSIGHT_APPDB_AUTO_UPGRADE", "0")
    with pytest.raises(AppDBVersionError, match="chainsight db upgrade"):
        cheap_db(url)
    monkeypatch.delenv("CHAINSIGHT_APPDB_AUTO_UPGRADE")
    cheap_db(url).close()  # upgrades
    cheap_db(url, upgrade=False).close()  # now at head: opens


def test_cli_db_commands(tmp_path: Path) -> None:
    from chainsight.cli import app

    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    run = CliRunner().invoke
    r = run(app, ["db", "current", "--appdb", url, "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert (
        info["current"] is None
        and info["pending"] == _revisions()
        and info["head"] == migrate.head_revision()
    )
    r = run(app, ["db", "upgrade", "--appdb", url, "--to", migrate.INITIAL_REVISION])
    assert r.exit_code == 0 and f"→ {migrate.INITIAL_REVISION}" in r.output
    r = run(app, ["db", "upgrade", "--appdb", url])
    assert r.exit_code == 0 and f"→ {migrate.head_revision()}" in r.output
    assert json.loads(run(app, ["db", "current", "--appdb", url, "--json"]).output)["pending"] == []
    r = run(app, ["db", "downgrade", "base", "--appdb", url])
    assert r.exit_code == 0, r.output
    assert set(inspect(create_engine(url)).get_table_names()) <= {migrate.VERSION_TABLE}
    r = run(app, ["db", "check"])
    assert r.exit_code == 0 and "models match" in r.output, r.output


def test_revision_writes_a_migration_for_a_new_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`chainsight db revision` on a copy of the migrations: a new model table becomes a new revision."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    monkeypatch.setattr(migrate, "VERSIONS", scripts / "versions")
    monkeypatch.setattr(migrate, "_script", None)
    with pytest.raises(migrate.UserInputError, match="nothing to generate"):
        migrate.make_revision("nothing")
    widgets = Table(
        "cs_test_widgets",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(32), nullable=False, index=True),
    )
    try:
        path = migrate.make_revision("add widgets")
        assert path.parent == scripts / "versions" and path.name.endswith("_add_widgets.py")
        body = path.read_text(encoding="utf-8")
        assert '"cs_test_widgets"' in body and "drop_table" in body and "### " not in body
        assert migrate.head_revision() == path.name[:4]
        engine = _engine(tmp_path / "b.sqlite")
        migrate.upgrade(engine)
        assert "cs_test_widgets" in inspect(engine).get_table_names()
        assert migrate.schema_diff(engine) == []
        migrate.downgrade(engine, "-1")
        assert "cs_test_widgets" not in inspect(engine).get_table_names()
    finally:
        Base.metadata.remove(widgets)
        monkeypatch.setattr(migrate, "_script", None)

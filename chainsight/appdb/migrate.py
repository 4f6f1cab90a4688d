"""Schema migrations of the app database (Alembic, shipped inside the package; no alembic.ini needed).

``AppDB`` upgrades its database to the newest revision when it opens it (unless told not to), so a
new Chainsight version just works after ``pip install -U``; ``chainsight db upgrade|current|check``
does the same by hand. Databases made before migrations existed (``create_all``) are recognised and
stamped at the initial revision first.

>>> from sqlalchemy import create_engine
>>> engine = create_engine("sqlite://")
>>> upgrade(engine) == head_revision()
True
>>> pending_revisions(engine)
[]
"""

from __future__ import annotations

import importlib
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, create_engine, inspect
from sqlalchemy.pool import NullPool

from chainsight._errors import ChainsightError, UserInputError

MIGRATIONS = Path(__file__).with_name("migrations")
VERSIONS = MIGRATIONS / "versions"
# Our own name, so Chainsight can share a PostgreSQL database with another Alembic-managed app.
VERSION_TABLE = "cs_alembic_version"
INITIAL_REVISION = "0001"
# Held for the length of a migration on PostgreSQL: two servers starting at once do not race.
PG_LOCK_KEY = 0x43534D4947  # "CSMIG"
# Modules defining tables on chainsight.appdb Base, imported before autogenerate/compare: every
# chainsight/appdb/_*models.py is found by itself; a module elsewhere is listed here.
MODEL_MODULES: tuple[str, ...] = ("chainsight.appdb._models", "chainsight.appdb._alert_models")


class AppDBVersionError(UserInputError):
    """The app database's schema is not the one this version of Chainsight needs."""


def target_metadata() -> MetaData:
    """The models' metadata with every model module imported (what migrations must produce)."""
    here = Path(__file__).parent
    found = tuple(f"chainsight.appdb.{p.stem}" for p in sorted(here.glob("_*models.py")))
    for name in (*found, *MODEL_MODULES):
        importlib.import_module(name)
    from chainsight.appdb._models import Base

    return Base.metadata


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """A programmatic Alembic config; env.py uses ``connection`` when given, else ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(VERSIONS))
    # file names sort in revision order: 0002_add_alerts.py
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    cfg.attributes["url"] = url
    return cfg


_script: ScriptDirectory | None = None


def script_directory() -> ScriptDirectory:
    global _script
    if _script is None:
        _script = ScriptDirectory.from_config(alembic_config())
    return _script


def head_revision() -> str:
    """The newest revision this version of Chainsight knows."""
    heads = script_directory().get_heads()
    if len(heads) != 1:
        raise ChainsightError(f"app database migrations have {len(heads)} heads {heads}; merge them")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The database's revision: None for an empty database, INITIAL_REVISION for a pre-migration one."""
    with engine.connect() as conn:
        return _current(conn)


def _current(conn: Connection) -> str | None:
    rev = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
    if rev is None and _is_legacy(conn):
        return INITIAL_REVISION
    return rev


def _is_legacy(conn: Connection) -> bool:
    """Tables made by ``create_all`` before migrations existed, and no version table."""
    names = set(inspect(conn).get_table_names())
    return VERSION_TABLE not in names and "cs_users" in names


def _legacy(engine: Engine) -> bool:
    with engine.connect() as conn:
        return _is_legacy(conn)


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions between the database and head, oldest first (empty when up to date)."""
    current = current_revision(engine)
    _check_known(current)
    script = script_directory()
    revs = [r.revision for r in script.iterate_revisions(head_revision(), current)]
    return list(reversed(revs))


def _check_known(current: str | None) -> None:
    if current is None:
        return
    try:
        script_directory().get_revision(current)
    except Exception:  # alembic raises several kinds for an unknown revision id
        raise AppDBVersionError(
            f"应用数据库的版本 {current} 比当前 Chainsight 新(由更新版本升级过);请升级 Chainsight",
            f"the app database is at revision {current}, which this version of Chainsight does not know "
            "(a newer Chainsight upgraded it); upgrade Chainsight",
        ) from None


# Alembic's context is process-global: one migration at a time per process (PostgreSQL's advisory
# lock in env.py serialises processes).
_LOCK = threading.RLock()


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    with _LOCK, engine.begin() as conn:
        if _is_legacy(conn):
            # made by create_all before migrations: the initial revision's tables, one constraint unnamed
            _name_legacy_constraints(conn)
            command.stamp(alembic_config(conn), INITIAL_REVISION)
        yield conn


def _name_legacy_constraints(conn: Connection) -> None:
    """Give the one constraint ``create_all`` left unnamed the name revision 0001 gives it.

    Frozen history: pre-migration databases hold exactly the 0001 tables, so this never changes.
    """
    from alembic.operations import Operations
    from sqlalchemy import Table, UniqueConstraint

    table, cols, name = "cs_api_tokens", ["user_id", "name"], "uq_cs_api_tokens_user_id_name"
    found = [u for u in inspect(conn).get_unique_constraints(table) if u["column_names"] == cols]
    if any(u["name"] == name for u in found):
        return
    if conn.dialect.name == "sqlite":
        # SQLite cannot rename a constraint: copy the table with the constraint named (batch mode)
        t = Table(table, MetaData(), autoload_with=conn)
        for c in [c for c in t.constraints if isinstance(c, UniqueConstraint) and c.name is None]:
            t.constraints.discard(c)
        t.append_constraint(UniqueConstraint(*cols, name=name))
        ops = Operations(MigrationContext.configure(conn))
        with ops.batch_alter_table(table, copy_from=t, recreate="always"):
            pass
    elif found and found[0]["name"]:
        Operations(MigrationContext.configure(conn)).execute(
            f'ALTER TABLE {table} RENAME CONSTRAINT "{found[0]["name"]}" TO {name}'
        )


def upgrade(engine: Engine, revision: str = "head", *, backup: bool = True) -> str:
    """Bring the database to ``revision`` (default head); returns the revision it is at afterwards.

    A SQLite file with data is first copied to ``<file>.before-<rev>.bak`` (SQLite's online backup).
    """
    current = current_revision(engine)
    _check_known(current)
    target = head_revision() if revision == "head" else revision
    if current == target and not _legacy(engine):
        return current
    if backup and current is not None:
        _backup_sqlite(engine, current)
    with _migrating(engine) as conn:
        command.upgrade(alembic_config(conn), revision)
    return current_revision(engine) or ""


def downgrade(engine: Engine, revision: str) -> str | None:
    """Step the database back to ``revision`` ("base" drops every table); returns the new revision."""
    current = current_revision(engine)
    _check_known(current)
    if current is not None:
        _backup_sqlite(engine, current)
    with _migrating(engine) as conn:
        command.downgrade(alembic_config(conn), revision)
    return current_revision(engine)


def check_current(engine: Engine) -> None:
    """Raise AppDBVersionError unless the database is at head (used when auto-upgrade is off)."""
    pending = pending_revisions(engine)
    if pending:
        raise AppDBVersionError(
            f"应用数据库需要升级({len(pending)} 个迁移待执行:{', '.join(pending)});请运行 chainsight db upgrade",
            f"the app database needs {len(pending)} migration(s) ({', '.join(pending)}); "
            "run: chainsight db upgrade",
        )


def schema_diff(engine: Engine) -> list[Any]:
    """What differs between the database and the models (Alembic autogenerate); [] when they match."""
    from alembic.autogenerate import compare_metadata

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(ctx, target_metadata())
    return list(diff)


def describe_diff(diff: list[Any]) -> list[str]:
    """One readable line per difference, e.g. ``add_table cs_alerts`` or ``add_column cs_users.email``."""
    lines = []
    for item in diff:
        if isinstance(item, list):  # column modifications come grouped
            lines.extend(describe_diff(item))
            continue
        kind, *rest = item
        names = []
        for part in rest:
            table = getattr(part, "table", None)
            if getattr(part, "name", None) and table is not None and hasattr(table, "name"):
                names.append(f"{table.name}.{part.name}")
            elif getattr(part, "name", None):
                names.append(str(part.name))
            elif isinstance(part, str):
                names.append(part)
        lines.append(f"{kind} {' '.join(names)}".strip())
    return lines


def make_revision(message: str, *, autogenerate: bool = True) -> Path:
    """Write a new revision file into the package (for developers adding tables or columns).

    The models are compared against a scratch SQLite database upgraded to head, so no running
    database is needed. With ``autogenerate`` and nothing to change, nothing is written.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/scratch.sqlite", poolclass=NullPool)
        try:
            upgrade(engine, backup=False)
            if autogenerate and not schema_diff(engine):
                raise UserInputError(
                    "模型与最新迁移一致,没有需要生成的迁移(数据迁移请用 --empty)",
                    "the models match the newest migration: nothing to generate (use --empty for a data migration)",
                )
            number = len(list(script_directory().walk_revisions())) + 1
            with engine.begin() as conn:
                script = command.revision(
                    alembic_config(conn), message=message, autogenerate=autogenerate, rev_id=f"{number:04d}"
                )
        finally:
            engine.dispose()
    global _script
    _script = None
    assert script is not None and not isinstance(script, list)
    path = Path(script.path)
    if path.stem.endswith("_"):  # a slug cut at Alembic's 40 characters
        path = path.rename(path.with_name(path.stem.rstrip("_") + ".py"))
    text = path.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if "### " not in line or "Alembic" not in line)
    path.write_text(text + "\n", encoding="utf-8")
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if Path(ruff).exists():
        subprocess.run([ruff, "format", "-q", str(path)], check=False)
    return path


def _backup_sqlite(engine: Engine, revision: str) -> Path | None:
    db = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not db or db == ":memory:":
        return None
    src = Path(db)
    if not src.exists() or src.stat().st_size == 0:
        return None
    dst = src.with_name(f"{src.name}.before-{revision}.bak")
    if dst.exists():
        shutil.copy2(dst, dst.with_name(dst.name + ".old"))
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst

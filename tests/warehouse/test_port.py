"""The warehouse port: one contract, engines chosen by target, bookkeeping and derived-table writes
through methods. Expected values are written by hand or read back with plain DuckDB SQL."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from spark_fixture import spark_url

from chainsight._errors import UserInputError, WarehouseBusy, WarehouseError
from chainsight.ingest import load_files
from chainsight.warehouse import (
    LOAD_HISTORY_COLUMNS,
    REJECT_COLUMNS,
    DuckDBWarehouse,
    SparkConfig,
    Warehouse,
    connect,
    engines,
)

PACKAGE = Path(__file__).resolve().parents[2] / "chainsight" / "warehouse"


class _Col:
    def __init__(self, name: str, sql: str) -> None:
        self.name, self.type = name, sql


class _Spec:
    def __init__(self, name: str, *cols: tuple[str, str]) -> None:
        self.name = name
        self.columns = [_Col(n, t) for n, t in cols]


@pytest.fixture(params=["duckdb", "spark"])
def any_wh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    """An empty warehouse of each engine. The Spark one is written through its staging DuckDB and
    read back from its Parquet files: no JVM needed for what these tests do."""
    target = str(tmp_path / "w.duckdb") if request.param == "duckdb" else spark_url(tmp_path / "spark")
    wh = Warehouse.open(target)
    yield wh
    wh.close()


RUNS = _Spec("t_runs", ("version", "VARCHAR"), ("as_of", "DATE"), ("qty", "DOUBLE"), ("region", "VARCHAR"))


def test_connect_dispatches_on_the_target(tmp_path: Path) -> None:
    assert engines()[-1] == "duckdb" and "spark" in engines()
    assert isinstance(connect(":memory:"), DuckDBWarehouse)
    wh = connect(f"duckdb://{tmp_path / 'w.duckdb'}")
    assert isinstance(wh, DuckDBWarehouse) and wh.path == str(tmp_path / "w.duckdb")
    wh.close()
    assert isinstance(Warehouse.open(":memory:"), DuckDBWarehouse)  # the old entry point
    cfg = tmp_path / "spark.yaml"
    cfg.write_text("engine: spark\nmaster: local[1]\nwarehouse: sp\n", encoding="utf-8")
    assert SparkConfig.is_spark_target(str(cfg)) and SparkConfig.is_spark_target("spark://local[1]")
    assert not SparkConfig.is_spark_target(str(tmp_path / "w.duckdb"))


def test_the_engines_do_not_import_each_other() -> None:
    """The contract imports neither engine; neither engine imports the other (no circle)."""

    def imports(name: str) -> set[str]:
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        out: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                out.add(node.module)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
        return {m.rsplit(".", 1)[-1] for m in out if m.startswith("chainsight.warehouse")}

    assert imports("_base") == set()
    assert imports("_duckdb") == {"_base"}
    assert imports("_spark") == {"_base"}


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_has_rows_and_read_only(tmp_path: Path, fixtures_dir: Path, engine: str) -> None:
    target = str(tmp_path / "w.duckdb") if engine == "duckdb" else spark_url(tmp_path / "spark")
    with Warehouse.open(target) as wh:
        assert not wh.read_only
        assert not wh.has_rows("channels") and not wh.has_rows("no_such_table")
        load_files(wh, "channels", [fixtures_dir / "ingest" / "master" / "channels.csv"])
        assert wh.has_rows("channels")
    with Warehouse.open(target, read_only=True) as ro:
        assert ro.read_only and ro.has_rows("channels") and not ro.has_rows("sell_in")


def test_bookkeeping_readers_match_the_tables(any_wh: Warehouse, fixtures_dir: Path) -> None:
    wh = any_wh
    src = fixtures_dir / "ingest"
    first = load_files(wh, "channels", [src / "master" / "channels.csv"])
    second = load_files(wh, "regions", [src / "master" / "regions.csv"])
    history = wh.load_history()
    assert tuple(history.columns) == LOAD_HISTORY_COLUMNS
    assert history["batch_id"].to_list() == [second.batch_id, first.batch_id]  # newest first
    assert wh.load_history(entity="channels", limit=5)["batch_id"].to_list() == [first.batch_id]
    checksum = history["checksum"][1]
    assert wh.latest_load(checksum, "channels") == first.batch_id
    assert wh.latest_load(checksum, "regions") is None
    assert wh.latest_load("0" * 64, "channels") is None
    con = wh.duckdb  # read back with plain SQL (on Spark: over the published Parquet files)
    assert wh.last_load_at() == con.execute("SELECT max(finished_at) FROM _cs_load_history").fetchone()[0]
    summary = wh.load_summary(outcome="loaded")
    assert set(summary) == {"channels", "regions"}
    assert summary["channels"].loads == 1 and summary["channels"].rows_read == first.rows_read
    assert summary["channels"].rows_rejected == first.rows_rejected

    dirty = load_files(wh, "promotions", [src / "promotions_dirty.csv"])
    assert dirty.rows_rejected > 0
    rejects = wh.rejects(entity="promotions")
    assert tuple(rejects.columns) == REJECT_COLUMNS
    expected = con.execute(
        "SELECT count(*), count(DISTINCT (batch_id, file, row_number)) FROM _cs_rejects "
        "WHERE entity = 'promotions' AND status = 'open'"
    ).fetchone()
    assert rejects.height == expected[0]
    assert wh.reject_counts() == {"promotions": expected[1]}
    assert wh.rejects(entity="promotions", limit=1).height == 1
    assert wh.rejects(status="resolved").is_empty()


def test_ensure_table_creates_then_adds_missing_columns(any_wh: Warehouse) -> None:
    wh = any_wh
    old = _Spec("t_runs", ("version", "VARCHAR"), ("as_of", "DATE"))
    wh.ensure_table(old)
    wh.replace_rows("t_runs", pa.table({"version": ["v1"], "as_of": [dt.date(2025, 1, 31)]}))
    wh.ensure_table(RUNS)  # an older table gains the new columns; its rows stay
    wh.ensure_table(RUNS)  # idempotent
    assert wh.columns("t_runs") == {
        "version": "VARCHAR",
        "as_of": "DATE",
        "qty": "DOUBLE",
        "region": "VARCHAR",
    }
    assert wh.duckdb.execute("SELECT version, qty FROM t_runs").fetchall() == [("v1", None)]


def test_replace_rows_by_where_and_by_key_and_append(any_wh: Warehouse) -> None:
    wh = any_wh
    wh.ensure_table(RUNS)
    d1, d2 = dt.date(2025, 1, 31), dt.date(2025, 2, 28)
    rows = pa.table({"version": ["a", "b"], "as_of": [d1, d1], "qty": [1.0, 2.0], "region": ["n", None]})
    assert wh.replace_rows("t_runs", rows) == 2  # append
    assert wh.replace_rows("t_runs", pl.DataFrame({"version": ["c"], "as_of": [d2], "qty": [3.0]})) == 1
    # a rerun for d1 replaces d1's rows only
    wh.replace_rows(
        "t_runs", pa.table({"version": ["a2"], "as_of": [d1], "qty": [10.0]}), where={"as_of": d1}
    )
    con = wh.duckdb
    assert con.execute("SELECT version, qty FROM t_runs ORDER BY version").fetchall() == [
        ("a2", 10.0),
        ("c", 3.0),
    ]
    # by key, null-safe: the null-region row is replaced, the other region's is not
    wh.replace_rows(
        "t_runs",
        pa.table({"version": ["x", "y"], "as_of": [d2, d2], "qty": [5.0, 6.0], "region": [None, "s"]}),
    )
    wh.replace_rows(
        "t_runs",
        pa.table({"version": ["x"], "as_of": [d2], "qty": [7.0], "region": pa.array([None], pa.string())}),
        key=("as_of", "region"),
    )
    assert con.execute(
        "SELECT version, qty, region FROM t_runs WHERE as_of = ? ORDER BY version", [d2]
    ).fetchall() == [
        ("x", 7.0, None),
        ("y", 6.0, "s"),
    ]
    assert wh.delete_rows("t_runs", {"as_of": d2, "region": None}) == 1
    with pytest.raises(WarehouseError):  # no filter: a bug, never "delete everything"
        wh.delete_rows("t_runs", {})
    assert con.execute("SELECT count(*) FROM t_runs").fetchone()[0] == 2


def test_nested_writes_join_one_transaction(any_wh: Warehouse) -> None:
    wh = any_wh
    wh.ensure_table(RUNS)
    con = wh.duckdb

    def rows(table: str) -> int:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    with pytest.raises(RuntimeError), wh.transaction(("t_runs",)):
        wh.replace_rows("t_runs", pa.table({"version": ["a"], "qty": [1.0]}))
        wh.replace_table("t_copy", pa.table({"version": ["a"]}))
        raise RuntimeError("after both writes")
    assert rows("t_runs") == 0 and not wh.has_table("t_copy")  # both rolled back
    with wh.transaction(("t_runs",)):
        wh.replace_rows("t_runs", pa.table({"version": ["a"], "qty": [1.0]}))
        assert wh.replace_table("t_copy", pa.table({"version": ["a", "b"]})) == 2
        assert wh.has_table("t_copy")  # created inside, seen inside
    assert rows("t_runs") == 1 and rows("t_copy") == 2
    assert wh.has_rows("t_copy")


def test_replace_table_stores_the_declared_date_type(warehouse: Warehouse) -> None:
    wh = warehouse
    wh.ensure_table(RUNS)
    wh.replace_rows(
        "t_runs", pa.table({"version": ["a", "b"], "as_of": [dt.date(2025, 1, 14), dt.date(2025, 1, 20)]})
    )
    t = wh.table("t_runs")
    month = t.as_of.truncate("M").cast("date")
    n = wh.replace_table("t_month", t.group_by(month.name("month")).aggregate(n=t.count()))
    assert n == 1
    assert wh.columns("t_month")["month"] == "DATE"
    assert wh.duckdb.execute("SELECT month, n FROM t_month").fetchall() == [(dt.date(2025, 1, 1), 2)]
    assert wh.replace_table("t_arrow", pa.table({"k": [1, 2, 3]})) == 3


def test_to_pyarrow_cached_compiles_once_per_key(warehouse: Warehouse) -> None:
    wh = warehouse
    built: list[int] = []

    def build():  # type: ignore[no-untyped-def]
        built.append(1)
        return wh.table("channels").count().name("n").as_table()

    key = ("test_port", "channels-count")
    assert wh.to_pyarrow_cached(key, build).to_pylist() == [{"n": 0}]
    assert wh.to_pyarrow_cached(key, build).to_pylist() == [{"n": 0}]
    assert len(built) == 1
    assert wh.scalar(wh.table("channels").count()) == 0


def test_a_warehouse_held_by_another_process_is_busy_in_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    holder = duckdb.connect(str(path))  # another process would hold it the same way
    holder.close()
    code = (
        "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
        "sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for read_only in (False, True):
            with pytest.raises(WarehouseBusy) as info:
                Warehouse.open(path, read_only=read_only)
            err = info.value
            assert isinstance(err, UserInputError) and err.exit_code == 2 and err.http_status == 503
            for lang in ("en", "zh"):
                text = err.message(lang)
                assert "\n" not in text and "PID" not in text and str(proc.pid) not in text
                assert "Conflicting lock" not in text and sys.executable not in text
            assert "another Chainsight process" in err.message("en")
            assert "另一个 Chainsight 进程" in err.message("zh")
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)

"""A load commits fully or leaves the warehouse exactly as it was: on an error mid-way, on a user
error, and when the loading process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from chainsight import UserInputError
from chainsight._errors import MissingColumnsError, UnknownEntityError, UnreadableFileError
from chainsight.ingest import _load, load_files
from chainsight.warehouse import Warehouse

PRODUCTS_HEADER = "sku,name,brand,category,unit,units_per_case,shelf_life_days,list_price\n"


@pytest.fixture
def loaded(warehouse, tmp_path):
    """A warehouse holding two products, and a second file that updates one, adds one and rejects one."""
    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    v1.write_text(PRODUCTS_HEADER + "A1,冰红茶,清泉,茶,瓶,24,270,3.50\nA2,乌龙茶,清泉,茶,瓶,24,270,4.00\n")
    v2.write_text(
        PRODUCTS_HEADER
        + "A1,冰红茶,清泉,茶,瓶,24,270,3.80\nA3,绿茶,清泉,茶,瓶,24,360,4.50\nA4,坏,清泉,茶,瓶,x,1,1\n"
    )
    load_files(warehouse, "products", [v1])
    return warehouse, v2


class Boom(RuntimeError):
    pass


def _explode_after(monkeypatch, owner, name):
    original = getattr(owner, name)

    def exploding(*args, **kwargs):
        original(*args, **kwargs)  # the step's writes happen, then the process "fails"
        raise Boom(name)

    monkeypatch.setattr(owner, name, exploding)


@pytest.mark.parametrize(
    ("owner", "name"),
    [(_load._Pipeline, "merge"), (_load._Pipeline, "write_rejects"), (_load, "_record_history")],
    ids=["after merge", "after rejects", "after load history"],
)
def test_exception_mid_load_leaves_warehouse_unchanged(loaded, snapshot, monkeypatch, owner, name):
    wh, v2 = loaded
    before = snapshot(wh)
    _explode_after(monkeypatch, owner, name)

    with pytest.raises(Boom):
        load_files(wh, "products", [v2])

    assert snapshot(wh) == before
    monkeypatch.undo()
    # No temp tables are left behind, and the connection still loads.
    temps = wh.duckdb.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
    assert temps == 0
    result = load_files(wh, "products", [v2])
    assert (result.rows_loaded, result.rows_updated, result.rows_rejected) == (1, 1, 1)


def test_exception_mid_retry_leaves_warehouse_unchanged(master, ingest_dir, snapshot, monkeypatch):
    load_files(master, "sell_in", [ingest_dir / "sell_in_unknown_customer.csv"])
    load_files(master, "customers", [ingest_dir / "customers_late.csv"])
    before = snapshot(master)
    _explode_after(monkeypatch, _load._Pipeline, "merge")

    with pytest.raises(Boom):
        _load.retry_rejects(master)

    assert snapshot(master) == before


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("empty.csv", UnreadableFileError),
        ("blank_lines.csv", UnreadableFileError),
        ("binary.csv", UnreadableFileError),
        ("truncated.xlsx", UnreadableFileError),
        ("truncated.parquet", UnreadableFileError),
        ("notes.pdf", UnreadableFileError),
        ("sell_in_missing_column.csv", MissingColumnsError),
    ],
)
def test_unreadable_file_writes_nothing(master, ingest_dir, snapshot, name, error):
    before = snapshot(master)

    with pytest.raises(error) as info:
        load_files(master, "sell_in", [ingest_dir / name])

    assert name in info.value.message("en") and name in info.value.message("zh")
    assert snapshot(master) == before


def test_unknown_entity_writes_nothing(master, ingest_dir, snapshot):
    before = snapshot(master)

    with pytest.raises(UnknownEntityError) as info:
        load_files(master, "sellout", [ingest_dir / "sell_out.tsv"])

    assert isinstance(info.value, UserInputError) and "sellout" in info.value.message("en")
    assert snapshot(master) == before


def test_one_unreadable_file_among_several_writes_nothing(master, ingest_dir, snapshot):
    before = snapshot(master)

    with pytest.raises(UserInputError, match=r"empty\.csv"):
        load_files(master, "sell_out", [ingest_dir / "sell_out.tsv", ingest_dir / "empty.csv"])

    assert snapshot(master) == before


# --------------------------------------------------------------------------- killed mid-load
ROWS = 2_500_000
STORES, SKUS = 1000, 100


def _generate(folder: Path) -> dict[str, Path]:
    """Stores, products and a large clean sell-out CSV whose first rows update already-loaded ones."""
    con = duckdb.connect()
    paths = {name: folder / f"{name}.csv" for name in ("stores", "products", "sell_out", "sell_out_small")}
    store = "'S' || lpad(CAST(i % 1000 AS VARCHAR), 4, '0')"
    sku = "'K' || lpad(CAST((i // 1000) % 100 AS VARCHAR), 3, '0')"
    con.execute(
        f"COPY (SELECT 'S' || lpad(CAST(i AS VARCHAR), 4, '0') AS store_id, 'C001' AS customer_id, "
        f"'HZ' AS region_id FROM range({STORES}) t(i)) TO '{paths['stores']}' (HEADER)"
    )
    con.execute(
        "COPY (SELECT 'K' || lpad(CAST(i AS VARCHAR), 3, '0') AS sku, '产品' || i AS name, '清泉' AS brand, "
        "'茶饮料' AS category, '瓶' AS unit, 24 AS units_per_case, 270 AS shelf_life_days, 3.5 AS list_price "
        f"FROM range({SKUS}) t(i)) TO '{paths['products']}' (HEADER)"
    )
    rows = (
        f"SELECT DATE '2024-01-01' + CAST(i // 100000 AS INTEGER) AS date, {store} AS store_id, {sku} AS sku, "
        "(i % 7) + 1 AS qty, round(((i % 7) + 1) * 3.5, 2) AS amount FROM range({n}) t(i)"
    )
    con.execute(f"COPY ({rows.format(n=ROWS)}) TO '{paths['sell_out']}' (HEADER)")
    con.execute(
        f"COPY (SELECT date, store_id, sku, qty + 1 AS qty, amount FROM ({rows.format(n=50_000)})) "
        f"TO '{paths['sell_out_small']}' (HEADER)"
    )
    con.close()
    return paths


@pytest.fixture(scope="module")
def big_files(tmp_path_factory) -> dict[str, Path]:
    return _generate(tmp_path_factory.mktemp("big"))


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["reading", "writing"])
def test_killed_load_leaves_warehouse_exactly_as_it_was(tmp_path, ingest_dir, snapshot, big_files, moment):
    db = tmp_path / "killed.duckdb"
    with Warehouse.open(db) as wh:
        for entity in ("regions", "channels", "customers"):
            load_files(wh, entity, [ingest_dir / "master" / f"{entity}.csv"])
        load_files(wh, "stores", [big_files["stores"]])
        load_files(wh, "products", [big_files["products"]])
        load_files(wh, "sell_out", [big_files["sell_out_small"]])  # the big file updates these rows
        wh.duckdb.execute("CHECKPOINT")
        before = snapshot(wh)
    work = tmp_path / "work"
    work.mkdir()
    wal = db.with_name(db.name + ".wal")
    db_before, wal_before = _size(db), _size(wal)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chainsight.cli",
            "load",
            "sell_out",
            str(big_files["sell_out"]),
            "-w",
            str(db),
        ],
        env={**os.environ, "CHAINSIGHT_TMP": str(work)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        started = None
        while proc.poll() is None and time.monotonic() < deadline:
            if started is None and any(work.iterdir()):
                started = time.monotonic()
            if started is not None:
                if moment == "reading" and time.monotonic() - started > 0.3:
                    break
                if moment == "writing" and _size(db) > db_before and _size(wal) == wal_before:
                    # DuckDB writes a large insert into the file before it commits (the commit goes
                    # to the log): the load is half-way through writing. Kill it now.
                    break
            time.sleep(0.005)
        assert proc.poll() is None, f"the load finished before it could be killed: {proc.stderr.read()}"  # type: ignore[union-attr]
        assert started is not None, "the load never started"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        if moment == "writing":  # uncommitted blocks really were in the file when it died
            assert _size(db) > db_before and _size(wal) == wal_before
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    with Warehouse.open(db) as wh:
        assert snapshot(wh) == before
        # The warehouse is healthy: the same load now runs to the end.
        result = load_files(wh, "sell_out", [big_files["sell_out_small"]])
        assert result.rows_duplicate == 50_000

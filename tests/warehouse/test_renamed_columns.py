"""A renamed column (promotions.discount_pct → discount_rate, a fraction 0–1): warehouses made
before are migrated on open, read-only opens see the current name, and files or mappings that
still say discount_pct load with a one-line deprecation note."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from spark_fixture import spark_url

from chainsight.ingest import Mapping, load_files, retry_rejects
from chainsight.model import get_entity
from chainsight.warehouse import Warehouse

OLD_COLUMNS = (
    "promo_id VARCHAR, channel_id VARCHAR, sku VARCHAR, start_date DATE, end_date DATE, discount_pct DOUBLE, "
    "province VARCHAR, mechanic VARCHAR, _batch_id VARCHAR"
)


def _old_warehouse(path: Path) -> None:
    """A warehouse as an older version left it: promotions (and its history) say discount_pct, and an
    open reject of promotions keeps its raw row under that name."""
    Warehouse.open(path).close()  # every table of today's shape ...
    con = duckdb.connect(str(path))
    for table, extra in (
        ("promotions", ""),
        ("_cs_history_promotions", ", _superseded_by VARCHAR, _superseded_at TIMESTAMP"),
    ):
        con.execute(f"DROP TABLE {table}")  # ... but promotions the old way
        con.execute(f"CREATE TABLE {table} ({OLD_COLUMNS}{extra})")
    con.execute(
        "INSERT INTO promotions VALUES ('P1', 'tmall', 'SKU001', DATE '2024-06-01', DATE '2024-06-18', 0.12, "
        "NULL, NULL, 'b1')"
    )
    con.execute(
        "INSERT INTO _cs_rejects VALUES ('b0', 'promotions', 'p.csv', 2, 'discount_pct', '1.5', 'above_max', "
        "'大于 1', 'above 1', '{\"promo_id\":\"P2\",\"discount_pct\":\"1.5\"}', 'open', NULL, now())"
    )
    con.close()


def test_an_old_warehouse_is_migrated_on_open_in_one_go(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _old_warehouse(path)
    with Warehouse.open(path, read_only=True) as ro:  # read-only: nothing changes, the name reads right
        t = ro.table("promotions")
        assert "discount_rate" in t.columns and "discount_pct" not in t.columns
        assert ro.to_pyarrow(t.select("promo_id", "discount_rate")).to_pylist() == [
            {"promo_id": "P1", "discount_rate": 0.12}
        ]
    con = duckdb.connect(str(path), read_only=True)
    assert "discount_pct" in {r[0] for r in con.execute("DESCRIBE promotions").fetchall()}
    con.close()

    Warehouse.open(path).close()  # writable: migrated
    con = duckdb.connect(str(path), read_only=True)
    for table in ("promotions", "_cs_history_promotions"):
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        assert "discount_rate" in cols and "discount_pct" not in cols, table
    assert con.execute("SELECT promo_id, discount_rate FROM promotions").fetchall() == [("P1", 0.12)]
    assert con.execute('SELECT "column", raw_row FROM _cs_rejects').fetchall() == [
        ("discount_rate", '{"promo_id":"P2","discount_rate":"1.5"}')
    ]
    con.close()
    Warehouse.open(path).close()  # a second open finds nothing to do


def test_an_old_spark_warehouse_is_migrated_on_open(tmp_path: Path) -> None:
    url = spark_url(tmp_path / "sp")
    wh = Warehouse.open(url)
    with wh.transaction(("promotions", "_cs_history_promotions")) as con:  # as an older version wrote it
        for table in ("promotions", "_cs_history_promotions"):
            con.execute(f"ALTER TABLE {table} RENAME COLUMN discount_rate TO discount_pct")
        con.execute(
            "INSERT INTO promotions (promo_id, channel_id, sku, start_date, end_date, discount_pct) "
            "VALUES ('P1', 'tmall', 'SKU001', DATE '2024-06-01', DATE '2024-06-18', 0.12)"
        )
    wh.close()
    again = Warehouse.open(url)
    con = again.duckdb  # the published Parquet files, read by DuckDB
    assert "discount_rate" in again.columns("promotions") and "discount_pct" not in again.columns(
        "promotions"
    )
    assert "discount_rate" in again.columns("_cs_history_promotions")
    assert con.execute("SELECT promo_id, discount_rate FROM promotions").fetchall() == [("P1", 0.12)]
    again.close()


def test_a_file_header_or_mapping_with_the_former_name_loads_with_a_note(
    warehouse: Warehouse, fixtures_dir: Path
) -> None:
    src = fixtures_dir / "ingest"
    for entity in ("channels", "products"):
        load_files(warehouse, entity, [src / "master" / f"{entity}.csv"])
    header = (src / "promotions_dirty.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith("discount_pct")  # the fixture still says it the old way
    result = load_files(warehouse, "promotions", [src / "promotions_dirty.csv"])
    assert result.rows_loaded > 0
    [note] = result.notes
    assert "discount_pct" in note.en and "discount_rate" in note.en and "\n" not in note.en
    assert "discount_pct" in note.zh and "旧列名" in note.zh
    assert result.to_dict()["notes"] == [{"zh": note.zh, "en": note.en}]
    rates = warehouse.duckdb.execute("SELECT promo_id, discount_rate FROM promotions ORDER BY ALL").fetchall()
    assert ("P618", 0.12) in rates  # "12%" in the file

    mapped = Mapping.from_dict({"columns": {"discount_pct": "折扣"}})
    canonical, notes = mapped.for_entity(get_entity("promotions"))
    assert canonical.columns == {"discount_rate": "折扣"} and len(notes) == 1 and "mapping" in notes[0].en
    csv = Path(warehouse.path).with_name("promo_zh.csv")
    csv.write_text(
        "promo_id,channel_id,sku,start_date,end_date,折扣\nP9,tmall,SKU001,2024-09-01,2024-09-09,0.2\n",
        encoding="utf-8",
    )
    res = load_files(warehouse, "promotions", [csv], mapping=mapped)
    assert res.rows_loaded == 1 and len(res.notes) == 1
    assert warehouse.duckdb.execute(
        "SELECT discount_rate FROM promotions WHERE promo_id = 'P9'"
    ).fetchone() == (pytest.approx(0.2),)


def test_an_old_reject_retries_under_the_new_name(tmp_path: Path, fixtures_dir: Path) -> None:
    path = tmp_path / "old.duckdb"
    _old_warehouse(path)
    con = duckdb.connect(str(path))  # rejected back then for a product not yet loaded
    con.execute("DELETE FROM _cs_rejects")
    raw = (
        '{"promo_id":"P2","channel_id":"tmall","sku":"SKU001","start_date":"2024-07-01",'
        '"end_date":"2024-07-09","discount_pct":"15%","province":null,"mechanic":null}'
    )
    con.execute(
        "INSERT INTO _cs_rejects VALUES ('b0', 'promotions', 'p.csv', 2, 'sku', 'SKU001', 'unknown_reference', "
        "'未知', 'unknown', ?, 'open', NULL, now())",
        [raw],
    )
    con.close()
    with Warehouse.open(path) as wh:
        for entity in ("channels", "products"):
            load_files(wh, entity, [fixtures_dir / "ingest" / "master" / f"{entity}.csv"])
        # the old reject's raw row now names discount_rate: retried, its value is found and loads
        [result] = retry_rejects(wh, "promotions")
        assert (result.rows_loaded, result.rows_rejected) == (1, 0)
        assert wh.duckdb.execute("SELECT discount_rate FROM promotions WHERE promo_id = 'P2'").fetchone() == (
            pytest.approx(0.15),
        )

"""The analyses give the same answers on Spark as on DuckDB, over the tiny demo company (with
its planted signals): the demo is generated, loaded through the real loader into DuckDB, and
copied into a Spark warehouse."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from spark_fixture import spark_url

from chainsight.analysis import (
    bullwhip,
    expiry_report,
    flow,
    material_expiry,
    production_performance,
    sell_through,
    supplier_performance,
    trace,
)
from chainsight.analysis.channels import channel_findings
from chainsight.demo import generate
from chainsight.ingest import load_files
from chainsight.warehouse import Warehouse, copy_warehouse

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def engines(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Warehouse, Warehouse, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("demo")
    manifest = generate(out / "files", scale="tiny", seed=0, signals=True)
    duck = Warehouse.open(out / "w.duckdb")
    for e in manifest.files:
        mapping = (out / "files" / e.mapping) if e.mapping else None
        load_files(duck, e.entity, [out / "files" / e.file], mapping=mapping)
    spark = Warehouse.open(spark_url(out / "spark"))
    copy_warehouse(duck, spark)
    truth = json.loads((out / "files" / "truth.json").read_text(encoding="utf-8"))["signals"]
    yield duck, spark, truth
    spark.close()
    duck.close()


def _same(x: Any, y: Any, where: str = "") -> int:
    """Two analysis results are equal: frames row for row (in a canonical order), floats to 1e-9
    relative (Spark and DuckDB sum in different orders); returns the number of rows compared."""
    if isinstance(x, pl.DataFrame):
        assert x.columns == y.columns, where
        key = [c for c, t in x.schema.items() if not t.is_float() and not t.is_nested()] or x.columns
        assert_frame_equal(
            x.sort(key, nulls_last=True),
            y.sort(key, nulls_last=True),
            check_dtypes=False,
            rel_tol=1e-9,
            abs_tol=1e-6,
        )
        return x.height
    if dataclasses.is_dataclass(x):
        return sum(
            _same(getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}") for f in dataclasses.fields(x)
        )
    if isinstance(x, list | tuple):
        assert len(x) == len(y), where
        return sum(_same(a, b, f"{where}[{i}]") for i, (a, b) in enumerate(zip(x, y, strict=True))) + len(x)
    if isinstance(x, dict):
        assert x.keys() == y.keys(), where
        return sum(_same(x[k], y[k], f"{where}.{k}") for k in x)
    if isinstance(x, float):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-9), where
    else:
        assert x == y, where
    return 0


def _same_frames(a: Any, b: Any) -> None:
    assert _same(a, b) > 0


def test_sell_through_on_spark_equals_duckdb_and_finds_the_stuffed_distributor(
    engines: tuple[Warehouse, Warehouse, dict[str, Any]],
) -> None:
    duck, spark, truth = engines
    on_spark = sell_through(spark)
    _same_frames(on_spark, sell_through(duck))
    stuffed = set(on_spark.customers.filter(pl.col("stuffing"))["customer_id"].to_list())
    assert truth["stuffed_distributor"]["customer_id"] in stuffed


def test_expiry_report_on_spark_equals_duckdb(engines: tuple[Warehouse, Warehouse, dict[str, Any]]) -> None:
    duck, spark, _ = engines
    _same_frames(expiry_report(spark), expiry_report(duck))


def test_supplier_and_production_reports_on_spark_equal_duckdb(
    engines: tuple[Warehouse, Warehouse, dict[str, Any]],
) -> None:
    duck, spark, _ = engines
    _same_frames(supplier_performance(spark), supplier_performance(duck))
    _same_frames(production_performance(spark), production_performance(duck))


def test_flow_bullwhip_trace_material_expiry_and_channels_on_spark_equal_duckdb(
    engines: tuple[Warehouse, Warehouse, dict[str, Any]],
) -> None:
    duck, spark, _ = engines
    sku = duck.duckdb.execute("SELECT min(sku) FROM products").fetchone()[0]  # type: ignore[index]
    lot = duck.duckdb.execute(  # a finished-goods lot that was produced, shipped and is in stock
        "SELECT min(p.lot_id) FROM production_orders p JOIN inventory i ON i.lot_id = p.lot_id"
    ).fetchone()[0]  # type: ignore[index]
    _same_frames(flow(spark, sku), flow(duck, sku))
    _same_frames(bullwhip(spark), bullwhip(duck))
    _same_frames(trace(spark, lot), trace(duck, lot))
    _same_frames(material_expiry(spark), material_expiry(duck))
    _same_frames(channel_findings(spark), channel_findings(duck))


def test_forecasts_are_stored_on_spark_twice_as_on_duckdb(
    engines: tuple[Warehouse, Warehouse, dict[str, Any]],
) -> None:
    from chainsight.planning import FORECAST_RUNS_TABLE, FORECASTS_TABLE, forecast

    duck, spark, _ = engines
    for _ in range(2):  # the second run replaces the first one's rows (a DELETE on the stored table)
        forecast(spark, store=True)
        forecast(duck, store=True)
    cols = "period, sku, forecast_qty"
    sql = f"SELECT {cols} FROM {FORECASTS_TABLE} ORDER BY period, sku"
    on_spark, on_duck = spark.duckdb.execute(sql).fetchall(), duck.duckdb.execute(sql).fetchall()
    assert on_spark and len(on_spark) == len(on_duck)
    for a, b in zip(on_spark, on_duck, strict=True):
        assert a[:2] == b[:2] and a[2] == pytest.approx(b[2], rel=1e-6, abs=1e-6)
    assert spark.table(FORECAST_RUNS_TABLE).count().to_pyarrow().as_py() == 2

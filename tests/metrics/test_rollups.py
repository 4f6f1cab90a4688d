"""Rollups change speed, never answers: every query gives the same rows with and without them."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator

import ibis
import pytest
from metrics_fixture import build_fixture

from chainsight.metrics import Scope, load_catalog, query, refresh_rollups, rollups_enabled
from chainsight.metrics._query import _frame, _tables_for, compile_query
from chainsight.warehouse import Warehouse

ZJ = Scope.of(province="浙江省")

# The cockpit's questions (chainsight.web._views.Views._cockpit) for June 2025, and more.
COCKPIT = [
    dict(metrics="net_sales,target_attainment,target_gap,online_share,target_amount", grain="month",
         start="2024-06-01", end="2025-06-30"),
    dict(metrics="inventory_value,days_of_supply,near_expiry_value,near_expiry_share,expired_value",
         grain="month", start="2024-06-01", end="2025-06-30"),
    dict(metrics="fill_rate,order_otif", grain="month", start="2024-06-01", end="2025-06-30"),
    dict(metrics="net_sales", by="channel", start="2025-06-01", end="2025-06-30"),
    dict(metrics="net_sales", by="province", start="2025-06-01", end="2025-06-30"),
]  # fmt: skip
MORE = [
    dict(metrics="net_sales,target_attainment,sales_qty", by="city", start="2025-06-01", end="2025-06-30",
         where={"province": "浙江省"}),
    dict(metrics="net_sales,sales_qty", by="category", grain="month"),
    dict(metrics="net_sales,gross_sales,discount_amount", by="sku", grain="quarter"),
    dict(metrics="online_sales,offline_sales", grain="year"),
    dict(metrics="net_sales,online_order_amount", by="platform"),
    dict(metrics="inventory_value,near_expiry_value,expired_value", by="site_type", grain="month"),
    dict(metrics="inventory_value,stocked_lots", by="category", start="2025-06-01", end="2025-06-30"),
    dict(metrics="net_sales", grain="week", start="2025-06-02", end="2025-06-29"),  # not month-aligned
    dict(metrics="net_sales,days_of_supply", start="2025-06-03", end="2025-06-20"),
    dict(metrics="net_sales", grain="month", start="2025-05-01", end="2025-06-30", compare="yoy"),
]  # fmt: skip


@pytest.fixture
def rolled() -> Iterator[Warehouse]:
    wh = build_fixture()
    refresh_rollups(wh)
    yield wh
    rollups_enabled(True)
    wh.close()


def _same(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for k in x:
            u, v = x[k], y[k]
            if isinstance(u, float) and isinstance(v, float):
                assert (math.isnan(u) and math.isnan(v)) or u == pytest.approx(v, rel=1e-9, abs=1e-9), k
            else:
                assert u == v, k


def _both(wh: Warehouse, scope: Scope, q: dict) -> tuple[list[dict], list[dict]]:
    rollups_enabled(False)
    base = query(wh, scope=scope, **q).to_dicts()
    rollups_enabled(True)
    return base, query(wh, scope=scope, **q).to_dicts()


def _tables_read(wh: Warehouse, scope: Scope, q: dict) -> set[str]:
    cat = load_catalog()
    kw = {k: v for k, v in q.items() if k != "compare"}
    kw.setdefault("by", None)
    kw.setdefault("grain", None)
    kw.setdefault("start", None)
    kw.setdefault("end", None)
    kw.setdefault("where", None)
    frame = _frame(cat, kw["metrics"], kw["by"], kw["grain"], kw["start"], kw["end"], kw["where"], scope)
    sql = str(ibis.to_sql(compile_query(cat, _tables_for(wh, cat, frame.metrics), frame, None)))
    return set(re.findall(r'FROM "(\w+)"', sql))


@pytest.mark.parametrize(
    "scope",
    [Scope.all(), ZJ, pytest.param(Scope.of(channel_kind="online"), marks=pytest.mark.slow)],
    ids=["all", "zj", "online"],
)
def test_cockpit_and_other_queries_equal_with_and_without_rollups(rolled: Warehouse, scope: Scope) -> None:
    for q in COCKPIT + MORE:
        base, fast = _both(rolled, scope, q)
        assert base or not scope.unrestricted, q
        _same(base, fast)


@pytest.mark.slow
def test_every_metric_by_month_equal_with_and_without_rollups(rolled: Warehouse) -> None:
    for m in load_catalog():
        if getattr(m, "hidden", False) or m.domain in ("forecast",):
            continue
        for q in (dict(grain="month"), dict(start="2025-06-01", end="2025-06-30")):
            try:
                base, fast = _both(rolled, Scope.all(), dict(metrics=m.name, **q))
            except Exception as exc:  # a metric that has no date (line capacity) refuses a grain either way
                if "grain" not in str(exc) and "粒度" not in str(exc):
                    raise
                continue
            _same(base, fast)


def test_cockpit_reads_rollups_not_fact_tables(rolled: Warehouse) -> None:
    for scope in (Scope.all(), ZJ):
        read = _tables_read(rolled, scope, COCKPIT[0])
        assert {"_cs_rollup_sell_in_month_customer", "_cs_rollup_online_orders_month_region"} <= read
        assert not {"sell_in", "online_orders"} & read
        read = _tables_read(rolled, scope, COCKPIT[1])
        assert "_cs_rollup_inventory_month" in read and "inventory" not in read
    # a window that is not whole months, or a dropped column, reads the base table
    assert "sell_in" in _tables_read(
        rolled, Scope.all(), dict(metrics="net_sales", start="2025-06-03", end="2025-06-20")
    )
    assert "sell_in" in _tables_read(rolled, Scope.all(), dict(metrics="net_sales", grain="week"))


def test_stale_rollups_are_not_read_and_refresh_is_idempotent(rolled: Warehouse) -> None:
    q = dict(metrics="net_sales", grain="month", start="2025-06-01", end="2025-06-30")
    before = query(rolled, scope=Scope.all(), **q).to_dicts()[0]["net_sales"]
    rolled.duckdb.execute(
        "INSERT INTO sell_in (doc_id, line_no, date, customer_id, sku, qty, gross_amount, discount_amount, "
        "net_amount, site_id) VALUES ('D9', 1, DATE '2025-06-25', 'C1', 'A', 1, 1000, 0, 1000, 'P1')"
    )
    # the rollup no longer matches its table: the answer comes from the base table
    assert query(rolled, scope=Scope.all(), **q).to_dicts()[0]["net_sales"] == pytest.approx(before + 1000)
    assert "sell_in" in _tables_read(rolled, Scope.all(), q)
    report = refresh_rollups(rolled)
    actions = {r["table"]: r["action"] for r in report.rollups}
    assert actions["_cs_rollup_sell_in_month"] == "built" and actions["_cs_rollup_inventory_month"] == "fresh"
    assert "sell_in" not in _tables_read(rolled, Scope.all(), q)
    assert query(rolled, scope=Scope.all(), **q).to_dicts()[0]["net_sales"] == pytest.approx(before + 1000)
    assert {r["action"] for r in refresh_rollups(rolled).rollups} == {"fresh"}


def test_rollup_rows_and_counts(rolled: Warehouse) -> None:
    # sell-in of June 2025 by customer: C1 has 2 lines (D2), C2 two (D3, D4), C3 one (D5)
    rows = rolled.duckdb.execute(
        "SELECT customer_id, net_amount, _rows FROM _cs_rollup_sell_in_month_customer "
        "WHERE date = DATE '2025-06-01' ORDER BY customer_id"
    ).fetchall()
    assert rows == [("C1", 230.0, 2), ("C2", 36.0, 2), ("C3", 72.0, 1)]
    assert dt.date(2025, 6, 1) in {
        r[0] for r in rolled.duckdb.execute("SELECT date FROM _cs_rollup_sell_in_month").fetchall()
    }

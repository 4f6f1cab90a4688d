"""The plan end to end on the tiny demo company, and the planted late supplier in its exceptions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from chainsight.planning import plan
from chainsight.warehouse import Warehouse


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, dict[str, Any]]]:
    from chainsight.demo import run

    root = tmp_path_factory.mktemp("plandemo")
    run(root / "data", root / "w.duckdb", scale="tiny", seed=0)
    truth = json.loads((root / "data" / "truth.json").read_text(encoding="utf-8"))
    wh = Warehouse.open(root / "w.duckdb", read_only=True)
    yield wh, truth
    wh.close()


@pytest.fixture(scope="module")
def mid(demo):
    wh, truth = demo
    as_of = dt.date.fromisoformat(truth["end"]) - dt.timedelta(days=125)
    return plan(wh, as_of, horizon=13, store=False)


def test_demo_plan_runs_end_to_end_within_capacity(mid) -> None:
    o = mid.orders
    assert {"production", "purchase"} <= set(o["order_type"])
    assert o.loc[o["order_type"] == "purchase", "supplier_id"].notna().all()
    assert (o["due_date"] >= o["release_date"]).all()
    cap = mid.capacity
    assert len(cap) and (cap["load_days"] <= cap["capacity_days"] + 1e-6).all()
    # every finished-goods unit made serves forecast demand or safety stock
    fg = o[o["is_fg"]]
    assert all(p.startswith(("forecast:", "safety_stock")) for peg in fg["pegged_to"] for p in peg)
    k = mid.kpis()
    assert 0 < k["service_level_pct"] <= 100 and k["inventory_value"] > 0


def test_planted_late_supplier_leads_the_overdue_orders_to_expedite(demo, mid) -> None:
    wh, truth = demo
    late = truth["signals"]["late_supplier"]["supplier_id"]
    po = wh.duckdb.execute(
        "SELECT po_id || '/' || CAST(line_no AS VARCHAR) AS order_id, supplier_id FROM purchase_orders"
    ).df()
    exc = mid.exceptions
    overdue = exc[(exc["kind"] == "expedite") & exc["detail"].str.contains("overdue")]
    by_supplier = overdue.merge(po, on="order_id")["supplier_id"].value_counts()
    assert by_supplier.index[0] == late
    assert len(by_supplier) == 1 or by_supplier.iloc[0] > by_supplier.iloc[1]


def test_demo_plan_json_records_have_the_documented_fields(mid) -> None:
    rec = mid.order_records()
    assert rec and set(rec[0]) >= {
        "order_type",
        "item_id",
        "site_id",
        "supplier_id",
        "qty",
        "release_date",
        "due_date",
        "pegged_to",
    }
    json.dumps(rec)
    json.dumps(mid.exception_records())

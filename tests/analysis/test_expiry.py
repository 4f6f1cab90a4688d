"""Shelf-life and FEFO arithmetic on the hand-checked expiry world (see analysis_fixture.build_expiry)."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from analysis_fixture import AS_OF, build_expiry, day

from chainsight._errors import UserInputError
from chainsight.analysis import (
    channel_rules,
    customer_rules,
    expiry_report,
    fefo_projection,
    lot_customers,
    lot_shelf_life,
    near_expiry_bands,
)
from chainsight.warehouse import Warehouse


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    warehouse = Warehouse.open(tmp_path_factory.mktemp("expiry") / "w.duckdb")
    build_expiry(warehouse)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def report(wh: Warehouse):
    return expiry_report(wh, as_of=AS_OF)


def _lot(df: pl.DataFrame, site: str, lot_id: str) -> dict:
    rows = df.filter(pl.col("site_id") == site, pl.col("lot_id") == lot_id).to_dicts()
    assert len(rows) == 1, (site, lot_id, rows)
    return rows[0]


def test_band_table_is_the_metric_catalogs() -> None:
    bands = near_expiry_bands()
    assert [(b.code, b.days_before_expiry) for b in bands] == [
        ("365+", 45),
        ("180-364", 20),
        ("90-179", 15),
        ("30-89", 10),
        ("16-29", 5),
        ("0-15", 2),
    ]


def test_remaining_days_and_share_match_hand_written_sql(wh: Warehouse) -> None:
    lots = lot_shelf_life(wh, as_of=AS_OF)
    expected = dict(
        wh.duckdb.execute(
            "SELECT i.lot_id, (i.expiry_date - DATE '2026-03-01') / p.shelf_life_days "
            "FROM inventory i JOIN products p ON p.sku = i.item_id"
        ).fetchall()
    )
    got = dict(zip(lots["lot_id"], lots["remaining_pct"], strict=True))
    assert got.keys() == expected.keys()
    for k, v in expected.items():
        assert got[k] == pytest.approx(v)


def test_band_threshold_and_state_per_lot(wh: Warehouse) -> None:
    lots = lot_shelf_life(wh, as_of=AS_OF)
    a = _lot(lots, "DC1", "A")
    assert (a["remaining_days"], a["band"], a["near_expiry_days"], a["state"]) == (
        5,
        "90-179",
        15,
        "near_expiry",
    )
    assert a["near_expiry"] and not a["expired"]
    f = _lot(lots, "DC1", "F")
    assert (f["remaining_days"], f["state"], f["expired"]) == (-1, "expired", True)
    e = _lot(lots, "DC1", "E")
    assert (e["remaining_days"], e["remaining_pct"], e["band"], e["near_expiry_days"], e["state"]) == (
        300,
        0.75,
        "365+",
        45,
        "ok",
    )
    g = _lot(lots, "DC2", "G")
    assert (g["remaining_days"], g["state"]) == (60, "ok")


def test_same_day_expiries_are_consumed_oldest_first(report) -> None:
    a, b = _lot(report.lots, "DC1", "A"), _lot(report.lots, "DC1", "B")
    # 10 a day for days 1..5 = 50 units reach the two lots expiring on day 5; A (older) first
    assert (a["projected_sold_qty"], a["projected_unsold_qty"]) == (30, 0)
    assert (b["projected_sold_qty"], b["projected_unsold_qty"]) == (20, 10)
    assert b["projected_unsold_value"] == 100


def test_later_lot_gets_the_demand_left_after_earlier_expiries(report) -> None:
    c = _lot(report.lots, "DC1", "C")
    assert (c["projected_sold_qty"], c["projected_unsold_qty"]) == (50, 50)  # days 6..10


def test_already_expired_lot_is_all_unsold(report) -> None:
    f = _lot(report.lots, "DC1", "F")
    assert (f["projected_sold_qty"], f["projected_unsold_qty"], f["projected_unsold_value"]) == (0, 7, 70)


def test_zero_demand_leaves_everything_unsold_and_never_runs_out(report) -> None:
    assert _lot(report.lots, "DC2", "D")["projected_unsold_qty"] == 40
    assert _lot(report.lots, "DC2", "G")["projected_unsold_qty"] == 25
    g = report.groups.filter(pl.col("site_id") == "DC2", pl.col("item_id") == "P1").to_dicts()[0]
    assert g["stockout_date"] is None and g["daily_demand"] == 0 and g["projected_unsold_qty"] == 65


def test_demand_above_stock_runs_out_when_stock_is_gone(report) -> None:
    e = _lot(report.lots, "DC1", "E")
    assert (e["projected_sold_qty"], e["projected_unsold_qty"]) == (50, 0)
    g = report.groups.filter(pl.col("site_id") == "DC1", pl.col("item_id") == "P2").to_dicts()[0]
    assert g["stockout_date"] == day(6) and g["days_of_cover"] == 5


def test_stockout_counts_stock_that_expired_unsold(report) -> None:
    g = report.groups.filter(pl.col("site_id") == "DC1", pl.col("item_id") == "P1").to_dicts()[0]
    # 167 usable units, but 67 of them expire unsold: demand of 10 a day is met through day 10 only
    assert g["stock_qty"] == 167 and g["projected_unsold_qty"] == 67
    assert g["stockout_date"] == day(11)


def test_blocked_stock_is_listed_but_not_projected(report) -> None:
    q = _lot(report.lots, "DC1", "Q")
    assert q["status"] == "blocked" and q["projected_unsold_qty"] is None


def test_customer_whose_minimum_excludes_a_lot(wh: Warehouse) -> None:
    df = lot_customers(wh, "G", as_of=AS_OF)
    # G: 60 days left of 100, ship 2 days → 58% at delivery
    assert df["delivery_pct"].unique().to_list() == [pytest.approx(0.58)]
    ok = dict(zip(df["customer_id"], df["eligible"], strict=True))
    assert ok == {"C-KA": False, "C-D1": True, "C-D2": False, "C-X": True}
    src = dict(zip(df["customer_id"], df["source"], strict=True))
    assert src == {"C-KA": "channel", "C-D1": "customer_type", "C-D2": "customer", "C-X": "customer_type"}
    g = _lot(lot_shelf_life(wh, as_of=AS_OF), "DC2", "G")
    assert g["eligible_channels"] == ["disc", "dist"] and g["eligible_customers"] == 2


def test_channel_and_customer_rules_fall_back_to_documented_defaults(wh: Warehouse) -> None:
    ch = {r["channel_id"]: (r["min_remaining_life_pct"], r["source"]) for r in channel_rules(wh).to_dicts()}
    assert ch == {"ka": (0.67, "channel"), "dist": (0.5, "customer_type"), "disc": (0.2, "customer_type")}
    cu = {r["customer_id"]: r["min_remaining_life_pct"] for r in customer_rules(wh).to_dicts()}
    assert cu == {"C-KA": 0.67, "C-D1": 0.5, "C-D2": 0.8, "C-X": 0.2}


def test_actions_ranked_by_value_saved(report) -> None:
    a = report.actions
    got = [(r["lot_id"], r["action"], r["target"], round(r["value_saved"], 2)) for r in a.to_dicts()]
    assert got == [
        ("C", "promote", "DC1", 400.0),  # 10/day × 50% uplift × 10 days = 50 units at 80% of ¥10
        ("D", "transfer", "DC3", 388.0),  # DC3 sells 5/day on days 4..20 = 85 ≥ 40; ¥10 less 3%
        ("G", "transfer", "DC3", 242.5),  # 25 units to DC3 beat the distributor channel (25 × ¥9 less 3%)
        ("B", "transfer", "DC3", 97.0),  # DC3 days 4..5 = 10 units
        ("F", "write_off", None, 0.0),  # already expired
    ]
    assert a["rank"].to_list() == [1, 2, 3, 4, 5]
    c = a.filter(pl.col("lot_id") == "C").to_dicts()[0]
    assert c["value_at_stake"] == 500 and c["write_off_value"] == 0
    opts = {(o["action"], o["target"]): round(o["value_saved"], 2) for o in c["options"]}
    assert opts == {("promote", "DC1"): 400.0, ("transfer", "DC3"): 339.5, ("write_off", None): 0.0}
    g = a.filter(pl.col("lot_id") == "G").to_dicts()[0]
    assert {(o["action"], o["target"]): round(o["value_saved"], 2) for o in g["options"]}[
        ("channel", "dist")
    ] == 218.25


def test_site_filter_and_summary(wh: Warehouse) -> None:
    r = expiry_report(wh, as_of=AS_OF, site="DC2")
    assert set(r.lots["site_id"]) == {"DC2"}
    s = r.summary
    assert s["lots"] == 2 and s["projected_unsold_value"] == 650 and s["near_expiry_lots"] == 0


def test_no_stock_before_the_first_snapshot_is_a_user_error(wh: Warehouse) -> None:
    with pytest.raises(UserInputError, match="no inventory snapshot"):
        fefo_projection(wh, as_of="2020-01-01")
    with pytest.raises(UserInputError, match="YYYY-MM-DD"):
        fefo_projection(wh, as_of="yesterday")

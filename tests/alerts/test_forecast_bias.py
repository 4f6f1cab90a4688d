"""Forecast bias from the stored forecasts table (planning's schema), against a hand computation; and
"not evaluable" (never a failure) when a warehouse has no forecasts."""

from __future__ import annotations

import datetime as dt

import pytest
from alert_helpers import make_db

from chainsight.alerts import evaluate, list_alerts
from chainsight.model import DERIVED
from chainsight.warehouse import Warehouse

ROWS = [
    # period, sku, forecast, actual
    ("2026-08-03", "A", 130.0, 100.0),
    ("2026-09-07", "A", 140.0, 100.0),  # A: (270 - 200) / 200 = +35 %  → over-forecast, warning
    ("2026-08-03", "B", 50.0, 100.0),
    ("2026-09-07", "B", 50.0, 100.0),  # B: (100 - 200) / 200 = -50 %  → under-forecast, critical
    ("2026-08-03", "C", 105.0, 100.0),
    ("2026-09-07", "C", 95.0, 100.0),  # C: 0 %                          → quiet
    ("2026-09-07", "D", 900.0, 1.0),  # D: tiny volume (< 2 % of actuals) → ignored
    ("2026-10-05", "A", 100.0, None),  # actual unknown yet: not counted
    ("2026-03-02", "C", 999.0, 1.0),  # before the 3-month window
]


@pytest.fixture
def wh(tmp_path):  # type: ignore[no-untyped-def]
    w = Warehouse.open(tmp_path / "w.duckdb")
    for name in ("forecasts", "forecast_history", "forecast_runs"):
        w.ensure_table(DERIVED[name])
    for p, sku, f, a in ROWS:
        w.duckdb.execute(
            "INSERT INTO forecasts (period, sku, channel_id, forecast_qty, actual_qty) VALUES (?, ?, 'ka', ?, ?)",
            [p, sku, f, a],
        )
    yield w
    w.close()


def test_bias_per_sku_matches_a_hand_computation(wh: Warehouse) -> None:
    db = make_db()
    r = evaluate(wh, db, as_of=dt.date(2026, 10, 31), rules=["forecast_bias_sku"])
    assert r.rules[0].status == "ok" and r.rules[0].firing == 2
    got = {a.scope["sku"]: a for a in list_alerts(db)}
    assert set(got) == {"A", "B"}
    assert got["A"].numbers["bias"] == pytest.approx(0.35) and got["A"].severity == "warning"
    assert got["B"].numbers["bias"] == pytest.approx(-0.5) and got["B"].severity == "critical"
    assert (got["B"].numbers["forecast_qty"], got["B"].numbers["actual_qty"]) == (100.0, 200.0)
    assert "预测偏低" in got["B"].message["zh"] and "under-forecast" in got["B"].message["en"]


def test_without_forecasts_the_rule_is_not_evaluable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = Warehouse.open(tmp_path / "empty.duckdb")
    db = make_db()
    r = evaluate(w, db, as_of=dt.date(2026, 10, 31))
    status = {o.rule_id: o for o in r.rules}
    assert (
        status["forecast_bias_sku"].status == "not_evaluable"
        and "forecasts" in status["forecast_bias_sku"].reason["en"]
    )
    # an empty warehouse: every rule reports missing data, none fails, nothing opens
    assert {o.status for o in r.rules} == {"not_evaluable"} and r.opened == []
    w.close()

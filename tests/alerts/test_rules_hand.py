"""Each rule kind on the analysis tests' hand-checkable little companies (tests/analysis/analysis_fixture.py):
the alerts and their numbers are worked out on paper from those rows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from alert_helpers import make_db

from chainsight.alerts import evaluate, list_alerts, load_rules
from chainsight.warehouse import Warehouse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from analysis_fixture import AS_OF, build_expiry, build_sell_through, build_supply, day


def _rules(tmp_path: Path, rule_id: str, **params: Any) -> Any:
    """A one-rule catalog: the built-in rule with some parameters changed."""
    raw = next(
        r
        for r in yaml.safe_load(Path(load_rules().get(rule_id).file).read_text(encoding="utf-8"))["rules"]
        if r["id"] == rule_id
    )
    raw["params"] = {**(raw.get("params") or {}), **params}
    p = tmp_path / f"{rule_id}.yaml"
    p.write_text(yaml.safe_dump({"rules": [raw]}, allow_unicode=True), encoding="utf-8")
    return load_rules(p)


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    made: list[Warehouse] = []

    def make(build: Any) -> Warehouse:
        wh = Warehouse.open(tmp_path / f"{build.__name__}-{len(made)}.duckdb")
        made.append(wh)
        build(wh)
        return wh

    yield make
    for wh in made:
        wh.close()


def _alerts(wh: Warehouse, rules: Any) -> dict[str, Any]:
    db = make_db()
    result = evaluate(wh, db, as_of=AS_OF, today=AS_OF, rules=rules)
    assert result.errors == [], result.errors
    return {
        "|".join(f"{k}={v}" for k, v in sorted(a.scope.items()) if k != "province"): a
        for a in list_alerts(db)
    }


def test_expiry_risk_per_lot(world: Any, tmp_path: Path) -> None:
    # unsold value (¥10 each): B 10 → ¥100, C 50 → ¥500, D 40 → ¥400, G 25 → ¥250, F (expired) 7 → ¥70
    got = _alerts(
        world(build_expiry),
        _rules(tmp_path, "expiry_risk_lot", min_unsold_value=300, critical_unsold_value=450),
    )
    assert set(got) == {"lot=C|site=DC1|sku=P1", "lot=D|site=DC2|sku=P1"}
    c = got["lot=C|site=DC1|sku=P1"]
    assert (
        c.numbers["projected_unsold_qty"],
        c.numbers["projected_unsold_value"],
        c.numbers["days_to_expiry"],
    ) == (50, 500, 10)
    assert c.severity == "critical" and got["lot=D|site=DC2|sku=P1"].severity == "warning"


def test_near_expiry_value_per_site(world: Any, tmp_path: Path) -> None:
    # P1 (100-day shelf life) turns near-expiry 15 days before expiry: DC1 A, B, C = 160 × ¥10; F expired ¥70
    got = _alerts(world(build_expiry), _rules(tmp_path, "near_expiry_value_site", min_value=1000))
    assert set(got) == {"site=DC1"}
    n = got["site=DC1"].numbers
    assert (n["near_expiry_value"], n["expired_value"], n["near_expiry_lots"], n["expired_lots"]) == (
        1600,
        70,
        3,
        1,
    )
    # stock value of DC1: F 70 + A 300 + B 300 + C 1000 + Q (blocked) 90 + E 50 × ¥5
    assert n["stock_value"] == 2010 and n["share"] == pytest.approx(1670 / 2010, abs=1e-4)


def test_stockout_within_lead_time(world: Any, tmp_path: Path) -> None:
    # DC1·P2 runs out on day 6 (50 units at 10 a day), DC1·P1 on day 11 (expired stock does not count),
    # DC3·P1 sells 5 a day and has no stock at all: out already
    wh = world(build_expiry)
    rules = _rules(tmp_path, "stockout_within_lead_time", lead_time_days=7, min_daily_demand_value=0)
    got = _alerts(wh, rules)
    assert set(got) == {"site=DC1|sku=P2", "site=DC3|sku=P1"}
    n = got["site=DC1|sku=P2"].numbers
    assert (n["stock_qty"], n["daily_demand"], n["stockout_date"], n["days_of_cover"]) == (
        50,
        10,
        str(day(6)),
        5,
    )
    assert got["site=DC1|sku=P2"].severity == "warning"
    out = got["site=DC3|sku=P1"]
    assert (out.numbers["stock_qty"], out.numbers["daily_demand"], out.numbers["days_of_cover"]) == (0, 5, 0)
    assert out.severity == "critical" and out.numbers["stockout_date"] == str(day(0))
    rules = _rules(tmp_path, "stockout_within_lead_time", lead_time_days=14, min_daily_demand_value=0)
    assert set(_alerts(wh, rules)) == {"site=DC1|sku=P1", "site=DC1|sku=P2", "site=DC3|sku=P1"}
    # ¥50 of demand a day is below the default materiality (¥200)
    assert _alerts(wh, _rules(tmp_path, "stockout_within_lead_time", lead_time_days=7)) == {}


def test_supplier_late_or_otif_below_floor(world: Any, tmp_path: Path) -> None:
    # S1: 1 of 3 receipts late, OTIF 1/3; S2: one due line, nothing received → OTIF 0; S3 perfect
    got = _alerts(world(build_supply), _rules(tmp_path, "supplier_late_otif", min_receipts=1, min_po_lines=1))
    assert set(got) == {"supplier=S1", "supplier=S2"}
    s1, s2 = got["supplier=S1"].numbers, got["supplier=S2"].numbers
    assert (
        s1["otif"] == pytest.approx(1 / 3, abs=1e-4)
        and s1["late_share"] == pytest.approx(1 / 3, abs=1e-4)
        and s1["receipts"] == 3
    )
    assert (s2["otif"], s2["receipts"], s2["po_lines"]) == (0.0, 0, 1) and got[
        "supplier=S2"
    ].severity == "critical"
    # with the default minimum of 10 receipts / PO lines, three are too few to judge
    assert _alerts(world(build_supply), load_rules().select(["supplier_late_otif"])) == {}


def test_plan_attainment_and_yield(world: Any, tmp_path: Path) -> None:
    # L1: 170 made of 200 planned from 200 input (0.85); L2: 98 % on every order; median yield 0.915
    wh = world(build_supply)
    got = _alerts(wh, _rules(tmp_path, "plan_attainment_low", min_orders=1))
    assert set(got) == {"line=L1|site=PL1"}
    n = got["line=L1|site=PL1"].numbers
    assert (n["planned_qty"], n["actual_qty"], n["plan_attainment"], n["lost_units"]) == (200, 170, 0.85, 30)
    y = _alerts(wh, _rules(tmp_path, "production_yield_low", min_orders=1))
    assert set(y) == {"line=L1|site=PL1"}
    assert y["line=L1|site=PL1"].numbers["median_yield"] == pytest.approx(0.915)


def test_stuffing(world: Any, tmp_path: Path) -> None:
    # C-D1: sell-in 300 against sell-out 100 in Nov, Dec, Jan → 600 excess; C-KA buys what it sells
    got = _alerts(world(build_sell_through), load_rules().select(["distributor_stuffing"]))
    assert list(got) == ["channel=dist|channel_kind=offline|customer=C-D1"]
    n = got["channel=dist|channel_kind=offline|customer=C-D1"].numbers
    assert n["skus"] == "P2" and n["excess_qty"] == 600

"""The channel analyses find the demo's planted price violation, cannibalising and lifting provinces."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from chainsight._errors import UserInputError
from chainsight.analysis.channels import (
    assortment_overlap,
    channel_mix,
    channel_relation,
    cross_channel_effects,
    geographic_reach,
    price_conflicts,
)
from chainsight.cli import app
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse


def test_planted_price_violation_is_the_only_conflict(
    demo_wh: Warehouse, tiny_demo: tuple[Path, Any]
) -> None:
    sig = tiny_demo[1]["price_violation"]
    pc = price_conflicts(demo_wh)
    assert pc.summary.select("channel_id", "shop", "sku").rows() == [
        (sig["channel_id"], sig["shop"], sig["sku"])
    ]
    assert [w.isoformat() for w in pc.weeks["week"]] == sig["weeks"]
    s = pc.summary.row(0, named=True)
    assert s["effective_price"] == pytest.approx(sig["avg_price_in_weeks"], abs=0.01)
    assert s["floor_price"] == pytest.approx(sig["floor_price"])
    assert s["margin_leakage"] > 0


def test_planted_cannibalising_and_lifting_provinces_are_found(
    demo_wh: Warehouse, tiny_demo: tuple[Path, Any]
) -> None:
    truth = tiny_demo[1]
    eff = cross_channel_effects(demo_wh).provinces
    by = {r["province"]: r for r in eff.iter_rows(named=True)}
    can = by[truth["cannibalization"]["province"]]
    assert can["verdict"] == "cannibalizing"
    assert can["ci_high"] < 0 and can["ci_low"] < can["effect"] < can["ci_high"]
    assert can["ci_low"] <= truth["cannibalization"]["planted_effect"] <= can["ci_high"] + 0.1
    halo = by[truth["halo"]["province"]]
    assert halo["verdict"] == "lifting"
    assert halo["ci_low"] > 0
    assert halo["ci_low"] - 0.1 <= truth["halo"]["planted_effect"] <= halo["ci_high"]
    # no planted carry-over into the following week
    assert can["next_week_ci_low"] < 0 < can["next_week_ci_high"]


def test_other_analyses_return_consistent_tables(demo_wh: Warehouse) -> None:
    mix = channel_mix(demo_wh)
    shares = mix.mix.group_by("period").agg(pl.col("share").sum())["share"]
    assert shares.to_numpy() == pytest.approx(1.0)
    kinds = mix.growth.filter(pl.col("dimension") == "channel_kind")
    assert kinds["contribution"].sum() == pytest.approx(mix.total_growth)
    assert mix.current[1] - mix.current[0] >= dt.timedelta(days=364)
    rel = channel_relation(demo_wh).groups
    assert set(rel["dimension"]) == {"province", "category"}
    assert (rel["ci_low"] <= rel["corr"]).all() and (rel["corr"] <= rel["ci_high"]).all()
    a = assortment_overlap(demo_wh)
    assert a.groups["skus"].sum() == a.skus.height
    reach = geographic_reach(demo_wh).provinces
    assert reach["online_share"].sum() == pytest.approx(1.0)
    # provinces with online buyers but no stores are white space or small
    no_stores = reach.filter(pl.col("stores") == 0)
    assert no_stores.height > 0 and set(no_stores["class"]) <= {"white_space", "balanced"}


@pytest.mark.parametrize(
    "command", ["mix", "relation", "cannibalization", "price-conflicts", "assortment", "reach"]
)
def test_cli_commands_print_tables_and_json(command: str, tiny_demo: tuple[Path, Any]) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["channels", command, "-w", str(tiny_demo[0]), "--json"])
    assert res.exit_code == 0, res.output
    payload: dict[str, Any] = json.loads(res.stdout)
    assert "findings" in payload
    for lang in ("zh", "en"):
        res = runner.invoke(app, ["channels", command, "-w", str(tiny_demo[0]), "--lang", lang])
        assert res.exit_code == 0, res.output


def test_a_province_scope_sees_only_its_province_and_an_empty_scope_nothing(
    demo_wh: Warehouse, tiny_demo: tuple[Path, Any]
) -> None:
    prov = tiny_demo[1]["cannibalization"]["province"]
    mine = Scope.of(province=prov)
    eff = cross_channel_effects(demo_wh, scope=mine).provinces
    assert eff["province"].to_list() == [prov] and eff["verdict"][0] == "cannibalizing"
    reach_all = geographic_reach(demo_wh).provinces.filter(pl.col("province") == prov)
    reach = geographic_reach(demo_wh, scope=mine).provinces
    assert reach["province"].to_list() == [prov]
    assert reach["online_share"][0] == pytest.approx(
        reach_all["online_share"][0]
    )  # share of the national total
    rel = channel_relation(demo_wh, scope=mine).groups
    assert set(rel["member"]) <= {prov}
    nothing = Scope()
    assert price_conflicts(demo_wh, scope=nothing).summary.height == 0
    assert cross_channel_effects(demo_wh, scope=nothing).provinces.height == 0
    assert geographic_reach(demo_wh, scope=nothing).provinces.height == 0
    assert assortment_overlap(demo_wh, scope=nothing).skus.height == 0


def test_online_price_cuts_read_from_orders_give_the_same_verdicts(
    demo_wh: Warehouse, tiny_demo: tuple[Path, Any]
) -> None:
    truth = tiny_demo[1]
    eff = cross_channel_effects(demo_wh, treatment="price_cuts").provinces
    by = {r["province"]: r for r in eff.iter_rows(named=True)}
    assert by[truth["cannibalization"]["province"]]["verdict"] == "cannibalizing"
    assert by[truth["halo"]["province"]]["verdict"] == "lifting"


def test_an_unknown_treatment_is_a_user_error(demo_wh: Warehouse) -> None:
    with pytest.raises(UserInputError):
        cross_channel_effects(demo_wh, treatment="coupons")

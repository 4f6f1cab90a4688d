"""The analyses find every planted signal of the demo company (tiny scale, two seeds) and flag nothing on a
company generated without them. Slow: each demo is generated and loaded through the real loader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from chainsight.analysis import expiry_report, production_performance, sell_through, supplier_performance
from chainsight.demo import generate
from chainsight.ingest import load_files
from chainsight.warehouse import Warehouse

pytestmark = pytest.mark.slow

CASES = {"seed0": (0, True), "seed1": (1, True), "clean": (0, False)}


@pytest.fixture(scope="module", params=list(CASES))
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, dict[str, Any]]]:
    seed, signals = CASES[request.param]
    out = tmp_path_factory.mktemp(request.param)
    manifest = generate(out / "files", scale="tiny", seed=seed, signals=signals)
    wh = Warehouse.open(out / "w.duckdb")
    for e in manifest.files:
        load_files(
            wh, e.entity, [out / "files" / e.file], mapping=(out / "files" / e.mapping) if e.mapping else None
        )
    truth = json.loads((out / "files" / "truth.json").read_text(encoding="utf-8"))["signals"]
    yield wh, truth
    wh.close()


# The smallest planted expiring lot's projected loss at these seeds is ¥19k; a lot projected to lose at
# least half of that is "flagged". Everything else at risk is ordinary slow stock (below ¥7.5k here).
MATERIAL = 9_500.0


def test_expiring_lot_is_the_top_risk_and_nothing_else_is_material(
    demo: tuple[Warehouse, dict[str, Any]],
) -> None:
    wh, truth = demo
    lots = (
        expiry_report(wh)
        .lots.filter(pl.col("item_kind") == "product")
        .sort("projected_unsold_value", descending=True, nulls_last=True)
    )
    flagged = lots.filter(pl.col("projected_unsold_value") >= MATERIAL)
    sig = truth.get("expiring_lot")
    if sig is None:
        assert flagged.height == 0, flagged.select("site_id", "lot_id", "projected_unsold_value")
        return
    top = lots.row(0, named=True)
    assert (top["site_id"], top["item_id"], top["lot_id"]) == (sig["site_id"], sig["sku"], sig["lot_id"])
    assert top["projected_unsold_qty"] == pytest.approx(sig["projected_unsold_qty"], rel=0.1)
    assert flagged["lot_id"].to_list() == [sig["lot_id"]]  # no false positives


def test_stuffed_distributor_and_its_skus(demo: tuple[Warehouse, dict[str, Any]]) -> None:
    wh, truth = demo
    st = sell_through(wh)
    flagged = st.customers.filter(pl.col("stuffing"))
    sig = truth.get("stuffed_distributor")
    if sig is None:
        assert flagged.height == 0
        return
    assert flagged["customer_id"].to_list() == [sig["customer_id"]]
    assert sorted(flagged["stuffed_skus"][0]) == sorted(sig["skus"])
    assert flagged["stuffing_at_risk_value"][0] > 0


def test_late_supplier(demo: tuple[Warehouse, dict[str, Any]]) -> None:
    wh, truth = demo
    rep = supplier_performance(wh)
    flagged = rep.suppliers.filter(pl.col("flag_late"))["supplier_id"].to_list()
    sig = truth.get("late_supplier")
    assert flagged == ([sig["supplier_id"]] if sig else [])
    if sig:
        row = rep.suppliers.filter(pl.col("supplier_id") == sig["supplier_id"]).row(0, named=True)
        assert row["late_share"] == pytest.approx(sig["late_share"], abs=0.05)


def test_poor_yield_line(demo: tuple[Warehouse, dict[str, Any]]) -> None:
    wh, truth = demo
    rep = production_performance(wh, months=None)
    flagged = rep.lines.filter(pl.col("flag_yield"))["line_id"].to_list()
    sig = truth.get("poor_yield_line")
    assert flagged == ([sig["line_id"]] if sig else [])
    if sig:
        row = rep.lines.filter(pl.col("line_id") == sig["line_id"]).row(0, named=True)
        assert row["yield"] == pytest.approx(sig["yield"], abs=1e-3)


def test_cli_runs_on_the_demo(demo: tuple[Warehouse, dict[str, Any]], tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from chainsight._cli.analysis import register

    wh, _ = demo
    wh.duckdb.execute("CHECKPOINT")
    path = str(tmp_path / "copy.duckdb")
    Path(path).write_bytes(
        Path(wh.path).read_bytes()
    )  # the CLI opens read-only; DuckDB wants one mode per file
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    for cmd in (["expiry"], ["sell-through"], ["suppliers"], ["production"]):
        for extra in ([], ["--json"]):
            result = CliRunner().invoke(app, [*cmd, "-w", path, *extra])
            assert result.exit_code == 0, (cmd, result.output)
            if extra:
                json.loads(result.output)

"""The analysis commands: readable tables in zh and en, --json equal to the Python API, user errors as one line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from analysis_fixture import build_expiry, build_sell_through, build_supply, build_trace
from typer.testing import CliRunner

from chainsight._cli._common import console, err_console
from chainsight._cli.analysis import register
from chainsight.warehouse import Warehouse


def _world(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Warehouse], None]) -> str:
    path = tmp_path_factory.mktemp(name) / "w.duckdb"
    with Warehouse.open(path) as wh:
        build(wh)
    return str(path)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        "expiry": _world(tmp_path_factory, "expiry", build_expiry),
        "trace": _world(tmp_path_factory, "trace", build_trace),
        "st": _world(tmp_path_factory, "st", build_sell_through),
        "supply": _world(tmp_path_factory, "supply", build_supply),
    }


@pytest.fixture(scope="module")
def cli() -> Iterator[Callable[..., tuple[int, str]]]:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    # wide consoles, so assertions do not depend on the terminal (or its absence) of the test run
    widths = (console.width, err_console.width)
    console.width = err_console.width = 250

    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.output

    yield invoke
    console.width, err_console.width = widths


def test_expiry_table_in_english_and_chinese(cli, worlds) -> None:
    code, out = cli("expiry", "-w", worlds["expiry"], "--as-of", "2026-03-01", "--lang", "en")
    assert code == 0, out
    assert "Actions for lots at risk" in out and "Days left" in out and "promote" in out
    code, out = cli("expiry", "-w", worlds["expiry"], "--as-of", "2026-03-01", "--lang", "zh")
    assert code == 0, out
    assert "有风险批次的建议措施" in out and "剩余天数" in out and "促销清货" in out and "临期" in out


def test_expiry_json_is_the_report(cli, worlds) -> None:
    code, out = cli("expiry", "-w", worlds["expiry"], "--as-of", "2026-03-01", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert set(data) == {"summary", "actions", "groups", "lots", "channels"}
    assert data["summary"]["as_of"] == "2026-03-01" and data["summary"]["at_risk_lots"] == 5
    assert [a["lot_id"] for a in data["actions"]] == ["C", "D", "G", "B", "F"]


def test_expiry_lot_eligibility(cli, worlds) -> None:
    code, out = cli("expiry", "-w", worlds["expiry"], "--as-of", "2026-03-01", "--lot", "G", "--json")
    assert code == 0, out
    assert {r["customer_id"]: r["eligible"] for r in json.loads(out)} == {
        "C-KA": False,
        "C-D1": True,
        "C-D2": False,
        "C-X": True,
    }


@pytest.mark.parametrize("args", [["--as-of", "2020-01-01"], ["--as-of", "soon"], ["--lot", "NOPE"]])
def test_expiry_user_errors_are_one_line_with_status_2(cli, worlds, args) -> None:
    code, out = cli("expiry", "-w", worlds["expiry"], *args)
    assert code == 2
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


def test_trace_json_and_table(cli, worlds) -> None:
    code, out = cli("trace", "M1", "-w", worlds["trace"], "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["kind"] == "material" and {r["lot_id"] for r in data["finished_lots"]} == {"F1", "F2"}
    assert data["notes"][0]["en"].startswith("Shipments carry no lot numbers")
    code, out = cli("trace", "F1", "-w", worlds["trace"], "--lang", "zh")
    assert code == 0 and "向后追溯" in out and "白砂糖" in out


def test_sell_through_suppliers_production(cli, worlds) -> None:
    code, out = cli("sell-through", "-w", worlds["st"], "--as-of", "2026-03-01", "--months", "6", "--json")
    assert code == 0, out
    assert json.loads(out)["customers"][0]["stuffed_skus"] == ["P2"]
    code, out = cli("sell-through", "-w", worlds["st"], "--as-of", "2026-03-01", "--months", "6")
    assert code == 0 and "Stuffing by customer × SKU" in out
    code, out = cli("suppliers", "-w", worlds["supply"], "--as-of", "2026-03-01", "--json")
    assert code == 0 and {s["supplier_id"] for s in json.loads(out)["suppliers"]} == {"S1", "S2", "S3"}
    code, out = cli("suppliers", "-w", worlds["supply"], "--as-of", "2026-03-01", "--lang", "zh")
    assert code == 0 and "准时足量率" in out
    code, out = cli("production", "-w", worlds["supply"], "--as-of", "2026-03-01", "--json")
    assert code == 0 and {r["line_id"] for r in json.loads(out)["lines"]} == {"L1", "L2"}


def test_empty_warehouse_says_what_to_load(cli, tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    Warehouse.open(path).close()
    for cmd in ("expiry", "suppliers", "production", "sell-through"):
        code, out = cli(cmd, "-w", str(path))
        assert code == 2 and "load" in out, (cmd, out)


def test_bullwhip_and_flow(cli, worlds) -> None:
    code, out = cli("bullwhip", "-w", worlds["st"], "--as-of", "2026-03-01", "--weeks", "26", "--json")
    assert code == 0, out
    assert [r["sku"] for r in json.loads(out)["skus"]] == ["P2"]
    code, out = cli("flow", "P1", "-w", worlds["expiry"], "--as-of", "2026-03-01", "--lang", "zh")
    assert code == 0 and "配送中心" in out, out
    code, out = cli("flow", "NOPE", "-w", worlds["expiry"])
    assert code == 2 and "NOPE" in out

"""The metrics CLI on a Typer app built here (the lead wires register() into chainsight.cli)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from metrics_fixture import build_fixture
from typer.testing import CliRunner

from chainsight._cli.metrics import register

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Chainsight (test app)."""

    register(app)
    return app


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("wh") / "fixture.duckdb"
    build_fixture(str(path)).close()
    return str(path)


def test_metrics_list_json_has_both_languages(app: typer.Typer) -> None:
    result = runner.invoke(app, ["metrics", "list", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) >= 60
    net = next(r for r in records if r["name"] == "net_sales")
    assert net["label"] == {"zh": "净销售额", "en": "Net sales"}
    assert net["unit"] == "cny" and "province" in net["dimensions"] and net["description"]["zh"]


def test_metrics_list_table_in_chinese(app: typer.Typer) -> None:
    result = runner.invoke(app, ["metrics", "list", "--lang", "zh"])
    assert result.exit_code == 0 and "净销售额" in result.stdout


def test_metrics_show_prints_definition_and_sql(app: typer.Typer) -> None:
    result = runner.invoke(app, ["metrics", "show", "target_attainment", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["formula"]["en"] == "net_sales ÷ target_amount"
    assert "SELECT" in shown["sql"] and '"targets"' in shown["sql"]
    text = runner.invoke(app, ["metrics", "show", "net_sales"])
    assert text.exit_code == 0 and "SELECT" in text.stdout and "online_orders" in text.stdout


def test_metrics_query_json_records_with_period_and_iso_dates(app: typer.Typer, warehouse_file: str) -> None:
    result = runner.invoke(
        app,
        [
            "metrics",
            "query",
            "net_sales,sales_qty",
            "--by",
            "channel_kind",
            "--grain",
            "month",
            "--from",
            "2025-06-01",
            "--to",
            "2025-06-30",
            "--format",
            "json",
            "--warehouse",
            warehouse_file,
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"period": "2025-06-01", "channel_kind": "offline", "net_sales": 266.0, "sales_qty": 34.0},
        {"period": "2025-06-01", "channel_kind": "online", "net_sales": 148.0, "sales_qty": 11.0},
    ]


def test_metrics_query_where_compare_and_csv(app: typer.Typer, warehouse_file: str) -> None:
    result = runner.invoke(
        app,
        [
            "metrics",
            "query",
            "net_sales",
            "--grain",
            "month",
            "--from",
            "2025-06-01",
            "--to",
            "2025-06-30",
            "--where",
            "province=浙江省",
            "--compare",
            "yoy",
            "--format",
            "csv",
            "-w",
            warehouse_file,
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert (
        lines[0]
        == "period,net_sales,net_sales_prior,net_sales_change,net_sales_change_pct,net_sales_prior_missing"
    )
    assert lines[1].startswith("2025-06-01,347.0,80.0,267.0,")


def test_metrics_query_table_output(app: typer.Typer, warehouse_file: str) -> None:
    result = runner.invoke(
        app,
        [
            "metrics",
            "query",
            "target_attainment",
            "--by",
            "province",
            "--from",
            "2025-06-01",
            "--to",
            "2025-06-30",
            "-w",
            warehouse_file,
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "26.7%" in result.stdout and "Province" in result.stdout


def test_metrics_query_scope_option_restricts(app: typer.Typer, warehouse_file: str) -> None:
    result = runner.invoke(
        app,
        [
            "metrics",
            "query",
            "net_sales",
            "--from",
            "2025-06-01",
            "--to",
            "2025-06-30",
            "--scope",
            "province=江苏省",
            "--format",
            "json",
            "-w",
            warehouse_file,
        ],
    )
    assert json.loads(result.stdout) == [{"net_sales": 61.0}]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["metrics", "query", "nett_sales"], "did you mean: net_sales"),
        (["metrics", "query", "net_sales", "--by", "colour"], "unknown dimension 'colour'"),
        (["metrics", "query", "net_sales", "--by", "store"], "cannot be broken down or filtered by 'store'"),
        (["metrics", "query", "net_sales", "--from", "June"], "is not a date"),
        (["metrics", "query", "net_sales", "--where", "province"], "needs DIM=VALUE"),
        (["explain", "net_sales", "--period", "June"], "cannot read period"),
    ],
)
def test_user_errors_print_one_line_and_exit_2(
    app: typer.Typer, warehouse_file: str, args: list[str], says: str
) -> None:
    result = runner.invoke(app, [*args, "-w", warehouse_file, "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert says in result.output.replace("\n", " ")
    assert "Traceback" not in result.output


def test_missing_warehouse_is_a_user_error(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["metrics", "query", "net_sales", "-w", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "does not exist" in result.output.replace("\n", " ")


def test_metric_needing_a_missing_table_says_which(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "no_forecasts.duckdb"
    build_fixture(str(path), pending=False).close()
    result = runner.invoke(app, ["metrics", "query", "forecast_wape", "-w", str(path), "--lang", "en"])
    assert result.exit_code == 2
    assert "needs the forecasts table" in result.output.replace("\n", " ")


def test_explain_json(app: typer.Typer, warehouse_file: str) -> None:
    result = runner.invoke(
        app,
        [
            "explain",
            "net_sales",
            "--period",
            "2025-06",
            "--vs",
            "2025-05",
            "--by",
            "region,channel,sku",
            "--json",
            "-w",
            warehouse_file,
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["change"] == 300.0 and payload["method"] == "price_volume_mix"
    assert [d["dimension"] for d in payload["dimensions"]] == ["province", "channel", "sku"]
    assert payload["summary"]["zh"].startswith("2025-06 净销售额为 ¥414")


def test_explain_text(app: typer.Typer, warehouse_file: str) -> None:
    result = runner.invoke(
        app, ["explain", "refund_rate", "--period", "2025-06", "-w", warehouse_file, "--lang", "zh"]
    )
    assert result.exit_code == 0, result.output
    assert "退款率" in result.stdout and "比率" in result.stdout

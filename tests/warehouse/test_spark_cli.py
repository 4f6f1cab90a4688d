"""The command line on a Spark warehouse: load, status, metric query and explain, with the same
answers as on DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spark_fixture import INGEST, MASTER_ORDER, spark_url
from typer.testing import CliRunner

from chainsight.cli import app

pytestmark = pytest.mark.spark
runner = CliRunner()


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_load_query_and_explain_on_spark_match_duckdb(tmp_path: Path) -> None:
    targets = {"duckdb": str(tmp_path / "w.duckdb"), "spark": spark_url(tmp_path / "spark")}
    out: dict[str, dict[str, object]] = {}
    for engine, target in targets.items():
        for entity in MASTER_ORDER:
            _cli("load", entity, str(INGEST / "master" / f"{entity}.csv"), "-w", target, "--json")
        loaded = json.loads(_cli("load", "sell_out", str(INGEST / "sell_out.tsv"), "-w", target, "--json"))
        rows = json.loads(
            _cli("metrics", "query", "sell_out_amount", "--by", "sku", "--format", "json", "-w", target)
        )
        explained = json.loads(
            _cli("explain", "sell_out_amount", "--period", "2024-03", "--json", "-w", target)
        )
        out[engine] = {"loaded": loaded, "rows": rows, "explain": explained}
    for part in ("rows", "explain"):
        assert out["spark"][part] == out["duckdb"][part], part
    assert sorted(r["sku"] for r in out["spark"]["rows"]) == ["SKU001", "SKU003"]  # type: ignore[union-attr]
    assert out["spark"]["explain"]["value"] == pytest.approx(1134 + 378 - 11)  # type: ignore[index]

"""``run`` loads the tiny company through the real loader: exactly the planted dirty rows are rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainsight.demo import Manifest, existing_manifest, run
from chainsight.model import ENTITIES
from chainsight.warehouse import Warehouse


@pytest.fixture(scope="module")
def loaded(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    wh = tmp_path_factory.mktemp("wh") / "demo.duckdb"
    return run(demo_dir, wh, scale="tiny", seed=Manifest.load(demo_dir).seed), wh


def test_run_reuses_the_generated_files(loaded: tuple[dict, Path]) -> None:
    summary, _ = loaded
    assert summary["generated"] is False


def test_run_loads_every_entity(loaded: tuple[dict, Path]) -> None:
    summary, wh_path = loaded
    assert {e["entity"] for e in summary["entities"]} == set(ENTITIES)
    with Warehouse.open(wh_path, read_only=True) as wh:
        for entity in set(ENTITIES):
            assert wh.row_count(entity) > 0, entity
    t = summary["totals"]
    assert t["rows_read"] == t["rows_loaded"] + t["rows_updated"] + t["rows_duplicate"] + t["rows_rejected"]


def test_exactly_the_planted_dirty_rows_are_rejected_with_their_reasons(
    loaded: tuple[dict, Path], demo_dir: Path
) -> None:
    summary, wh_path = loaded
    truth = json.loads((demo_dir / "truth.json").read_text(encoding="utf-8"))
    expected = {(d["entity"], d["file"], d["row_number"], d["reason_code"]) for d in truth["dirty_rows"]}
    with Warehouse.open(wh_path, read_only=True) as wh:
        rows = wh.duckdb.execute(
            'SELECT entity, file, row_number, reason_code, "column" FROM _cs_rejects'
        ).fetchall()
    found = {(e, Path(f).name, r, c) for e, f, r, c, _ in rows}
    assert found == expected
    columns = {(e, Path(f).name, r): col for e, f, r, _, col in rows}
    for d in truth["dirty_rows"]:
        assert columns[(d["entity"], d["file"], d["row_number"])] == d["column"], d
    assert summary["rejects"]["match"] is True
    assert summary["totals"]["rows_rejected"] == len(expected)


def test_existing_manifest_requires_same_scale_and_seed(demo_dir: Path) -> None:
    seed = Manifest.load(demo_dir).seed
    assert existing_manifest(demo_dir, "tiny", seed) is not None
    assert existing_manifest(demo_dir, "tiny", seed + 1) is None
    assert existing_manifest(demo_dir, "small", seed) is None


@pytest.mark.slow
def test_cli_demo_run_prints_one_json_object(demo_dir: Path, tmp_path: Path) -> None:
    from chainsight.cli import app

    seed = Manifest.load(demo_dir).seed
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "run",
            "--scale",
            "tiny",
            "--seed",
            str(seed),
            "--out",
            str(demo_dir),
            "--warehouse",
            str(tmp_path / "cli.duckdb"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rejects"]["match"] is True
    assert data["totals"]["files"] == len(Manifest.load(demo_dir).files)


def test_cli_demo_generate_help_names_the_scales() -> None:
    from chainsight.cli import app

    result = CliRunner().invoke(app, ["demo", "generate", "--help"])
    assert result.exit_code == 0
    assert "tiny" in result.output and "large" in result.output

"""The pipeline config: the example works on the demo's files; mistakes name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pipeline_helpers import EXAMPLE

from chainsight._errors import DefinitionError, UserInputError
from chainsight.pipeline import STEPS, PipelineConfig, load_config


def test_example_config_matches_every_demo_export_and_no_mapping_file(demo_files: Path) -> None:
    cfg = load_config(EXAMPLE)
    assert cfg.steps == STEPS and cfg.schedule == "30 6 * * *" and cfg.timezone == "Asia/Shanghai"
    assert cfg.inbox == EXAMPLE.parent / "inbox" and cfg.done == EXAMPLE.parent / "inbox" / "done"
    import json

    manifest = json.loads((demo_files / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        rule = cfg.rule_for(entry["file"])
        assert rule is not None and rule.entity == entry["entity"], entry["file"]
        # a file the demo ships a mapping for gets an inline mapping in the example
        assert (rule.mapping is not None) == bool(entry["mapping"]), entry["file"]
    for name in (
        "sell_in.mapping.yaml",
        "manifest.json",
        "truth.json",
        "online_orders_pinduoduo.mapping.yaml",
    ):
        assert cfg.rule_for(name) is None


def _cfg(**data: object) -> dict[str, object]:
    return {"inbox": "in", "files": [{"pattern": "*.csv", "entity": "sell_in"}], **data}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (_cfg(files=[{"pattern": "*.csv", "entity": "sel_in"}]), "files[0].entity", "did you mean sell_in"),
        (_cfg(schedul="0 6 * * *"), "schedul", "did you mean schedule"),
        (_cfg(schedule="every day"), "schedule", "not a valid cron expression"),
        (_cfg(timezone="Mars/Base"), "timezone", "unknown time zone"),
        (_cfg(steps=["load", "forcast"]), "steps[1]", "did you mean forecast"),
        (_cfg(files=[{"pattern": "a/*.csv", "entity": "sell_in"}]), "files[0].pattern", "no folders"),
        (
            _cfg(files=[{"pattern": "*.csv", "entity": "sell_in", "mapping": {"colums": {}}}]),
            "files[0].mapping",
            "unknown field",
        ),
        (
            _cfg(files=[{"pattern": "*.csv", "entity": "sell_in", "mapping": "nope.yaml"}]),
            "files[0].mapping",
            "not found",
        ),
        (_cfg(forecast={"bucket": "day"}), "forecast.bucket", "week or month"),
        (_cfg(plan={"service_level": 1.5}), "plan.service_level", "fraction"),
        (_cfg(report={"langs": ["fr"]}), "report.langs", "zh and/or en"),
        ({"files": [{"pattern": "*.csv", "entity": "sell_in"}]}, "inbox", "missing"),
        (_cfg(files=[]), "files", "at least one rule"),
        (_cfg(alerts={"freshnes_on": "today"}), "alerts.freshnes_on", "did you mean freshness_on"),
        (_cfg(alerts={"freshness_on": "yesterday"}), "alerts.freshness_on", "business_date"),
    ],
)
def test_config_mistakes_name_file_and_field(
    tmp_path: Path, data: dict[str, object], field: str, words: str
) -> None:
    path = tmp_path / "chainsight.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        load_config(path)
    assert err.value.context["file"] == str(path)
    assert err.value.context["field"] == field
    assert words in err.value.message("en"), err.value.message("en")
    assert "字段" in err.value.message("zh")


def test_mapping_must_fit_the_entity(tmp_path: Path) -> None:
    data = _cfg(
        files=[{"pattern": "*.csv", "entity": "sell_in", "mapping": {"columns": {"no_such_column": "x"}}}]
    )
    with pytest.raises(DefinitionError) as err:
        PipelineConfig.from_dict(data, base=tmp_path, source="c.yaml")
    assert err.value.context["field"] == "files[0].mapping"


def test_steps_run_in_pipeline_order_whatever_the_file_says(tmp_path: Path) -> None:
    cfg = PipelineConfig.from_dict(_cfg(steps=["report", "load"]), base=tmp_path)
    assert cfg.steps == ("load", "report")


def test_without_the_load_step_no_file_rules_are_needed(tmp_path: Path) -> None:
    cfg = PipelineConfig.from_dict(
        {"inbox": "in", "steps": ["alerts"], "alerts": {"rules": "r.yaml"}}, base=tmp_path
    )
    assert cfg.files == () and cfg.steps == ("alerts",)
    assert cfg.alerts["rules"] == str(tmp_path / "r.yaml")  # relative to the config's folder


def test_missing_config_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as err:
        load_config(tmp_path / "nope.yaml")
    assert "examples/chainsight.yaml" in err.value.message("en")


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("inbox: in\nfiles: [\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        load_config(path)
    assert "line" in err.value.message("en")

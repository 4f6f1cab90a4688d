"""Spark warehouse targets: URL forms and the YAML config, validated before any Spark starts
(default suite: no JVM needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chainsight._errors import DefinitionError, UserInputError
from chainsight.warehouse import SparkConfig, partition_column


@pytest.mark.parametrize(
    ("url", "master"),
    [
        ("spark://local[*]", "local[*]"),
        ("spark://local[2]", "local[2]"),
        ("spark://local", "local"),
        ("spark://head.example:7077", "spark://head.example:7077"),
        ("spark://yarn", "yarn"),
    ],
)
def test_url_names_the_master(url: str, master: str) -> None:
    assert SparkConfig.parse(url).master == master


def test_url_warehouse_parameter_and_default_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SparkConfig.parse("spark://local[2]?warehouse=/data/cs").warehouse == "/data/cs"
    monkeypatch.delenv("CHAINSIGHT_SPARK_DIR", raising=False)
    assert SparkConfig.parse("spark://local[2]").warehouse == "chainsight-spark"
    monkeypatch.setenv("CHAINSIGHT_SPARK_DIR", "/srv/cs")
    assert SparkConfig.parse("spark://local[2]").warehouse == "/srv/cs"


@pytest.mark.parametrize("url", ["spark://", "spark://local[2]?dir=/x", "spark://local[two]", "spark://a b"])
def test_bad_url_is_a_user_error(url: str) -> None:
    with pytest.raises(UserInputError) as err:
        SparkConfig.parse(url)
    assert err.value.context["file"] == url
    assert err.value.zh and err.value.en


def test_yaml_config_with_conf_and_relative_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "spark.yaml"
    path.write_text(
        "engine: spark\nmaster: spark://head:7077\nwarehouse: data/cs\n"
        "conf:\n  spark.executor.memory: 8g\n  spark.sql.adaptive.enabled: true\n",
        encoding="utf-8",
    )
    assert SparkConfig.is_spark_target(str(path))
    cfg = SparkConfig.parse(str(path))
    assert cfg.master == "spark://head:7077"
    assert cfg.warehouse == str(tmp_path / "data" / "cs")
    assert dict(cfg.conf) == {"spark.executor.memory": "8g", "spark.sql.adaptive.enabled": "true"}
    assert not cfg.is_local


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("engine: duckdb\nmaster: local\nwarehouse: /x\n", "engine"),
        ("engine: spark\nwarehouse: /x\n", "master"),
        ("engine: spark\nmaster: local\n", "warehouse"),
        ("engine: spark\nmaster: local\nwarehouse: /x\nmastr: y\n", "mastr"),
        ("engine: spark\nmaster: local\nwarehouse: /x\nconf: [1]\n", "conf"),
    ],
)
def test_bad_yaml_config_names_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "spark.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        SparkConfig.parse(str(path))
    assert err.value.context == {"file": str(path), "field": field}


def test_a_duckdb_file_or_other_yaml_is_not_a_spark_target(tmp_path: Path) -> None:
    other = tmp_path / "mapping.yaml"
    other.write_text("columns: {}\n", encoding="utf-8")
    assert not SparkConfig.is_spark_target(str(other))
    assert not SparkConfig.is_spark_target(str(tmp_path / "w.duckdb"))


def test_fact_tables_and_their_history_are_partitioned_by_their_date_column() -> None:
    assert partition_column("sell_in") == "date"
    assert partition_column("_cs_history_online_orders") == "order_time"
    assert partition_column("products") is None
    assert partition_column("_cs_load_history") is None


def test_cli_prints_one_line_for_a_bad_spark_url() -> None:
    chainsight = Path(sys.executable).with_name("chainsight")
    proc = subprocess.run(
        [str(chainsight), "status", "-w", "spark://local[x]", "--lang", "en"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["✗ spark://local[x]: unrecognised Spark master: local[x]"]

"""The vocabulary of enum names: complete in both languages, and covering every code that reaches a person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainsight.present import (
    COLUMN_KINDS,
    DIMENSION_KINDS,
    KINDS,
    Text,
    label,
    label_text,
    labels,
    yes_no,
    zh_punctuation,
)

CJK = re.compile(r"[\u3400-\u9fff]")
# words a Chinese reader meets in Chinese software as they are (never a whole English phrase)
ZH_ASCII_WORDS = {"SKU", "CNY"}


def _entries() -> Iterator[tuple[str, str, Text]]:
    for kind in KINDS:
        for value, text in labels(kind).items():
            yield kind, value, text


def test_every_kind_is_named_and_every_value_has_both_languages() -> None:
    assert len(KINDS) >= 40
    for kind, name in KINDS.items():
        assert CJK.search(name.zh) and not CJK.search(name.en), kind
        assert labels(kind), kind
    for kind, value, text in _entries():
        assert text.zh and text.en, (kind, value)
        assert CJK.search(text.zh), f"{kind}.{value}: zh {text.zh!r} holds no Chinese"
        assert not CJK.search(text.en), f"{kind}.{value}: en {text.en!r} holds Chinese"
        assert zh_punctuation(text.zh) == text.zh, f"{kind}.{value}: zh needs Chinese punctuation"
        words = set(re.findall(r"[A-Za-z]+", text.zh))
        assert words <= ZH_ASCII_WORDS, f"{kind}.{value}: English in zh {text.zh!r}"


def test_unknown_values_are_named_as_unknown_not_leaked() -> None:
    assert label("channel_kind", "wholesale", "zh") == "未知渠道类型“wholesale”"
    assert label("channel_kind", "wholesale", "en") == "unknown channel kind 'wholesale'"
    assert label("order_type", None, "zh") == "—"
    assert label("order_type", float("nan"), "en") == "—"
    with pytest.raises(KeyError, match="no label kind"):
        label("colour", "red", "en")


def test_booleans_read_yes_or_no_under_any_kind() -> None:
    assert label_text("yes_no", True) == Text("是", "yes")
    assert label("plan_exception", False, "zh") == "否"
    assert [yes_no(v, "zh") for v in (True, False, None)] == ["是", "否", "—"]


def test_a_few_names_by_hand() -> None:
    assert label("site_type", "dc", "zh") == "配送中心"
    assert label("site_type", "plant", "en") == "plant"
    assert label("material_type", "packaging", "zh") == "包材"
    assert label("order_type", "production", "zh") == "生产"
    assert label("plan_exception", "expedite", "zh") == "在途订单需提前"
    assert label("alert_state", "acknowledged", "zh") == "已确认"
    assert label("load_outcome", "loaded", "zh") == "已加载"
    assert label("qc_status", "failed", "en") == "failed"
    assert label("effect_verdict", "cannibalizing", "zh") == "蚕食线下"


def test_every_allowed_value_of_the_model_has_a_name() -> None:
    from chainsight.model import ENTITIES, ColumnType, EntityKind

    mapped = set()
    for entity in ENTITIES.values():
        for col in entity.columns:
            if col.allowed:
                key = f"{entity.name}.{col.name}"
                assert key in COLUMN_KINDS, f"{key} holds an enum the vocabulary does not map"
                assert set(col.allowed) <= set(labels(COLUMN_KINDS[key])), key
                mapped.add(key)
            assert entity.domain in labels("entity_domain"), entity.name
        for check in entity.checks:
            assert check.code in labels("reject_reason"), check.code
    assert mapped  # the model does declare enums
    assert {t.value for t in ColumnType} == set(labels("column_type"))
    assert {k.value for k in EntityKind} == set(labels("entity_kind"))


def test_the_catalogs_and_packages_codes_all_have_names() -> None:
    from chainsight.alerts import STATES as ALERT_STATES
    from chainsight.analysis import ACTION_NAMES, STAGE_NAMES, STATES, TRACE_BASIS
    from chainsight.ingest._reasons import REASONS
    from chainsight.metrics import Additivity, Direction, Grain, MetricKind, Unit, load_catalog

    assert set(REASONS) <= set(labels("reject_reason"))
    assert set(ALERT_STATES) == set(labels("alert_state"))
    assert set(STATES) == set(labels("expiry_state")) and set(ACTION_NAMES) == set(labels("expiry_action"))
    assert set(STAGE_NAMES) == set(labels("flow_stage")) and set(TRACE_BASIS) == set(labels("trace_basis"))
    assert {u.value for u in Unit} == set(labels("unit"))
    assert {k.value for k in MetricKind} == set(labels("metric_kind"))
    assert {a.value for a in Additivity} == set(labels("additivity"))
    assert {d.value for d in Direction} == set(labels("direction"))
    assert {g.value for g in Grain} == set(labels("grain"))
    assert {m.domain for m in load_catalog()} <= set(labels("metric_domain"))


def test_the_enum_valued_dimensions_are_metric_dimensions() -> None:
    from chainsight.metrics import DIMENSIONS

    assert set(DIMENSION_KINDS) <= set(DIMENSIONS)
    assert set(labels(DIMENSION_KINDS["channel_kind"])) == {"online", "offline"}


def test_the_channel_analyses_and_planning_codes_have_names() -> None:
    from chainsight.analysis.channels import VERDICTS
    from chainsight.planning import EXCEPTION_KINDS

    assert set(VERDICTS) == set(labels("effect_verdict"))
    assert set(EXCEPTION_KINDS) == set(labels("plan_exception"))


def test_every_audit_action_written_anywhere_has_a_name() -> None:
    """The audit log's actions are written as literals across packages: find them all in the source."""
    import chainsight

    root = Path(chainsight.__file__).parent
    pattern = re.compile(
        r"""AuditRow\([^)]*?action=f?["']([a-z_{}' =]+)["']|\.audit\(\s*[^,]+,\s*["']([a-z_]+)["']""", re.S
    )
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            found.add(m.group(1) or m.group(2))
    # two are built: user_disable/user_enable in one expression, alert_ack/alert_resolve in an f-string
    found = {f for f in found if "{" not in f and " " not in f} | {"user_disable", "user_enable"}
    found |= {"alert_ack", "alert_resolve"}
    assert {"login", "user_add", "upload"} <= found
    assert found <= set(labels("audit_action")), sorted(found - set(labels("audit_action")))


def test_every_forecast_model_has_a_name() -> None:
    from chainsight.planning._engine import BASELINE, INTERMITTENT_MODELS, SMOOTH_MODELS

    assert {*SMOOTH_MODELS, *INTERMITTENT_MODELS, BASELINE} <= set(labels("forecast_model"))


def test_the_alert_vocabularies_have_names() -> None:
    from chainsight.alerts._config import EVENTS
    from chainsight.alerts._spec import SEVERITIES

    assert set(EVENTS) == set(labels("alert_event"))
    assert set(SEVERITIES) == set(labels("alert_severity"))


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from chainsight.demo import run
    from chainsight.warehouse import Warehouse

    root: Path = tmp_path_factory.mktemp("vocabdemo")
    run(root / "data", root / "w.duckdb", scale="tiny", seed=0)
    wh = Warehouse.open(root / "w.duckdb", read_only=True)
    yield wh
    wh.close()


def test_every_code_in_the_demo_data_has_a_name(demo_warehouse) -> None:
    """Loaded demo company (its dirty rows rejected): the distinct values of each mapped column."""
    wh = demo_warehouse
    checked = 0
    for key, kind in COLUMN_KINDS.items():
        table, column = key.split(".")
        if not wh.has_table(table):
            continue  # the plan's tables: written by `chainsight plan`, checked with the CLI's plan
        t = wh.table(table)
        found = {v for v in t.select(column).distinct().to_pyarrow().column(0).to_pylist() if v is not None}
        unknown = found - set(labels(kind))
        assert not unknown, f"{key} holds {sorted(unknown)} without a name in the vocabulary ({kind})"
        checked += bool(found)
    assert checked >= 12  # the demo exercises most of them, rejects and load history included

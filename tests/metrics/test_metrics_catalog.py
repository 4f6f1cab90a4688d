"""The catalog loads, holds the metrics the issue names, and rejects bad YAML precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainsight._errors import DefinitionError, UserInputError
from chainsight.metrics import Additivity, MetricKind, load_catalog

REQUIRED = [
    "net_sales",
    "gross_sales",
    "discount_rate",
    "sales_qty",
    "avg_selling_price",
    "target_amount",
    "target_attainment",
    "online_sales",
    "offline_sales",
    "online_share",
    "refund_rate",
    "active_customers",
    "active_stores",
    "sell_out_qty",
    "sell_out_amount",
    "sell_in_sell_out_ratio",
    "channel_inventory_days",
    "inventory_qty",
    "inventory_value",
    "days_of_supply",
    "inventory_turnover",
    "near_expiry_qty",
    "near_expiry_value",
    "near_expiry_share",
    "expired_value",
    "write_off_value",
    "avg_remaining_shelf_life_pct",
    "po_otif",
    "supplier_on_time_rate",
    "avg_lead_time_days",
    "purchase_price_variance",
    "material_coverage_days",
    "production_qty",
    "plan_attainment",
    "production_yield",
    "line_utilization",
    "fill_rate",
    "forecast_wape",
    "forecast_bias",
]

GOOD = """
  - name: {name}
    label: {{zh: 测试, en: Test}}
    description: {{zh: 测试指标。, en: A test metric.}}
    unit: cny
    good_direction: up
    owner: ceo
    kind: aggregate
    sources:
      - {{entity: sell_in, measure: net_amount}}
"""


def test_catalog_has_at_least_sixty_metrics_including_every_named_one() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 60
    assert not [n for n in REQUIRED if n not in catalog]


def test_definitions_the_issue_fixes() -> None:
    cat = load_catalog()
    net = cat.get("net_sales")
    assert [(s.entity, s.measure, s.filter) for s in net.sources] == [
        ("sell_in", "net_amount", None),
        ("online_orders", "paid_amount", "status == 'paid'"),
    ]
    assert [(s.entity, s.measure) for s in cat.get("sales_qty").sources] == [
        ("sell_in", "qty"),
        ("online_orders", "qty"),
    ]
    assert {"channel", "channel_kind", "province", "city"} <= net.dimensions
    for name in ("online_sales", "offline_sales"):
        kind = name.split("_")[0]
        assert all(f"channel_kind == '{kind}'" in str(s.filter) for s in cat.get(name).sources)
    for name in ("inventory_qty", "inventory_value"):
        assert cat.get(name).kind is MetricKind.SEMI_ADDITIVE
        assert cat.get(name).additivity is Additivity.SEMI_ADDITIVE
    ta = cat.get("target_attainment")
    assert (ta.numerator, ta.denominator) == ("net_sales", "target_amount")


def test_every_description_is_bilingual_and_at_most_three_sentences() -> None:
    for m in load_catalog():
        assert m.label.zh and m.label.en and m.description.zh and m.description.en
        assert m.description.zh.count("。") <= 3


def test_near_expiry_bands_are_the_chinese_retail_default() -> None:
    cat = load_catalog()
    assert [(b.min_shelf_life_days, b.days_before_expiry) for b in cat.bands] == [
        (365, 45),
        (180, 20),
        (90, 15),
        (30, 10),
        (16, 5),
        (0, 2),
    ]
    assert [cat.near_expiry_days(d) for d in (730, 365, 364, 180, 120, 90, 60, 30, 20, 16, 15, 7)] == [
        45,
        45,
        20,
        20,
        15,
        15,
        10,
        10,
        5,
        5,
        2,
        2,
    ]


def test_unknown_metric_suggests_close_names() -> None:
    with pytest.raises(UserInputError, match="did you mean: net_sales"):
        load_catalog().get("nett_sales")


def _catalog(tmp_path: Path, body: str, name: str = "sales.yaml") -> Path:
    (tmp_path / name).write_text("domain: sales\nmetrics:\n" + body, encoding="utf-8")
    return tmp_path


def _error(tmp_path: Path, body: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        load_catalog(_catalog(tmp_path, body))
    return info.value


def test_a_good_custom_catalog_loads(tmp_path: Path) -> None:
    cat = load_catalog(_catalog(tmp_path, GOOD.format(name="my_sales")))
    assert [m.name for m in cat] == ["my_sales"]
    assert cat.bands  # the built-in band table applies when a folder has none


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        ("measure: net_amount", "measure: net_amout", "sources[0].measure", "unknown name 'net_amout'"),
        (
            "measure: net_amount}",
            "measure: net_amount, filter: 'stauts == 1'}",
            "sources[0].filter",
            "stauts",
        ),
        ("entity: sell_in", "entity: sell_ins", "sources[0].entity", "unknown entity 'sell_ins'"),
        ("unit: cny", "unit: dollars", "unit", "'dollars' is not one of"),
        ("good_direction: up", "good_direction: sideways", "good_direction", "sideways"),
        ("owner: ceo", "owner: intern", "owner", "unknown owner role"),
        ("en: Test}", "fr: Test}", "label", "needs exactly zh and en"),
        ("kind: aggregate", "kind: aggregate\n    colour: red", "colour", "unknown field"),
        ("measure: net_amount}", "measure: net_amount + }", "sources[0].measure", "syntax error"),
        ("measure: net_amount}", "measure: __import__('os')}", "sources[0].measure", "unknown function"),
        ("en: A test metric.}", "en: One. Two. Three. Four.}", "description", "at most three sentences"),
        (
            "kind: aggregate",
            "kind: aggregate\n    dimensions: [store]",
            "dimensions",
            "cannot reach dimension 'store'",
        ),
    ],
)
def test_bad_definition_names_file_metric_and_field(
    tmp_path: Path, old: str, new: str, field: str, says: str
) -> None:
    body = GOOD.format(name="my_sales")
    assert old in body
    err = _error(tmp_path, body.replace(old, new, 1))
    message = err.message("en")
    assert message.startswith("sales.yaml: metric my_sales, field " + field), message
    assert says in message
    assert err.context["file"] == "sales.yaml" and err.context["metric"] == "my_sales"
    assert err.context["field"] == field
    assert err.message("zh").startswith("sales.yaml: 指标 my_sales,字段 ")


def test_ratio_of_unknown_metric_and_cycles_are_rejected(tmp_path: Path) -> None:
    ratio = """
  - name: r
    label: {zh: 比率, en: Ratio}
    description: {zh: 比率。, en: A ratio.}
    unit: pct
    good_direction: up
    owner: ceo
    kind: ratio
    numerator: missing_metric
    denominator: r
"""
    err = _error(tmp_path, ratio)
    assert "field numerator: unknown metric 'missing_metric'" in err.message("en")
    err = _error(tmp_path, ratio.replace("missing_metric", "r"))
    assert "circular definition: r -> r" in err.message("en")


def test_duplicate_names_across_files_are_rejected(tmp_path: Path) -> None:
    _catalog(tmp_path, GOOD.format(name="dup"), "a.yaml")
    _catalog(tmp_path, GOOD.format(name="dup"), "b.yaml")
    with pytest.raises(
        DefinitionError, match=r"b.yaml: metric dup, field name: defined twice \(also in a.yaml\)"
    ):
        load_catalog(tmp_path)


def test_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("domain: x\nmetrics: [\n  - name: a\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"broken.yaml: field yaml line \d+: YAML syntax error"):
        load_catalog(tmp_path)


def test_bad_near_expiry_band_table_is_rejected(tmp_path: Path) -> None:
    _catalog(tmp_path, GOOD.format(name="ok"))
    (tmp_path / "near_expiry_bands.yaml").write_text(
        "bands:\n  - {min_shelf_life_days: 30, days_before_expiry: 10, label: {zh: 短, en: short}}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DefinitionError, match=r"near_expiry_bands\.yaml: field bands: the last band must start at 0"
    ):
        load_catalog(tmp_path)

"""Explain: exact decompositions, drivers and summaries."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainsight.metrics import Scope, explain
from chainsight.metrics import _decompose as dec
from chainsight.warehouse import Warehouse

# Values as aggregates arrive: floats (any magnitude, negatives for returns) and None (no rows).
values = st.one_of(st.none(), st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
positive = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(values, values), min_size=1, max_size=30))
def test_additive_contributions_sum_exactly_to_the_change(
    rows: list[tuple[float | None, float | None]],
) -> None:
    cur, prior = [r[0] for r in rows], [r[1] for r in rows]
    result = dec.additive(cur, prior)
    assert sum(result.contributions, Fraction(0)) == result.total
    assert result.total == sum(map(dec.exact, cur), Fraction(0)) - sum(map(dec.exact, prior), Fraction(0))


@given(st.lists(st.tuples(values, values, values, values), min_size=1, max_size=30))
def test_price_volume_mix_effects_sum_exactly_to_the_change(rows: list[tuple[float | None, ...]]) -> None:
    r1, q1, r0, q0 = (list(c) for c in zip(*rows, strict=True))
    result = dec.price_volume_mix(r1, q1, r0, q0)
    change = sum(map(dec.exact, r1), Fraction(0)) - sum(map(dec.exact, r0), Fraction(0))
    assert sum(result.contributions, Fraction(0)) == change == result.total
    for i, c in enumerate(result.contributions):
        assert result.effects["price"][i] + result.effects["volume"][i] + result.effects["mix"][i] == c


@settings(max_examples=200)
@given(st.lists(st.tuples(values, positive, values, positive), min_size=1, max_size=30))
def test_rate_and_mix_effects_sum_exactly_to_the_change_of_the_ratio(
    rows: list[tuple[float | None, ...]],
) -> None:
    n1, d1, n0, d0 = (list(c) for c in zip(*rows, strict=True))
    result = dec.rate_mix(n1, d1, n0, d0)
    D1, D0 = sum(map(dec.exact, d1), Fraction(0)), sum(map(dec.exact, d0), Fraction(0))
    if D1 == 0 or D0 == 0:
        assert result is None
        return
    assert result is not None
    change = sum(map(dec.exact, n1), Fraction(0)) / D1 - sum(map(dec.exact, n0), Fraction(0)) / D0
    assert sum(result.contributions, Fraction(0)) == change == result.total
    for i, c in enumerate(result.contributions):
        assert result.effects["rate"][i] + result.effects["mix"][i] == c


def test_price_volume_mix_textbook_case() -> None:
    # two SKUs; prior: A 10 @ 2, B 10 @ 1 (R0 = 30, Q0 = 20); now: A 10 @ 3, B 20 @ 1 (R1 = 50, Q1 = 30)
    result = dec.price_volume_mix([30, 20], [10, 20], [20, 10], [10, 10])
    assert sum(result.effects["volume"]) == 15  # (30 - 20) * 1.5
    assert result.effects["price"] == [10, 0]  # A: 10 units * +1
    assert sum(result.effects["mix"]) == -5  # volume moved to the cheaper SKU
    assert result.total == 20


def test_rate_mix_textbook_case() -> None:
    # refund rate: shop X 10% of 100 -> 10% of 300, shop Y 50% of 100 -> 50% of 100
    result = dec.rate_mix([30, 50], [300, 100], [10, 50], [100, 100])
    assert result is not None
    assert result.effects["rate"] == [0, 0]  # no shop changed its own rate
    assert float(result.total) == pytest.approx(0.2 - 0.3)  # all of it is mix


@pytest.mark.parametrize(
    "metric",
    ["net_sales", "inventory_value", "target_attainment", "refund_rate", "write_off_value", "online_sales"],
)
def test_explain_contributions_add_up_to_the_reported_change(wh: Warehouse, metric: str) -> None:
    result = explain(wh, metric, "2025-06", scope=Scope.all())
    assert not result.prior_missing and result.change is not None
    for b in result.dimensions:
        total = math.fsum(m.contribution for m in b.members)
        assert total == pytest.approx(result.change, abs=1e-9)
        for name, value in b.effects.items():
            assert math.fsum(m.effects[name] for m in b.members) == pytest.approx(value, abs=1e-9)


def test_explain_net_sales_by_province_quotes_the_numbers(wh: Warehouse) -> None:
    result = explain(wh, "net_sales", "2025-06", vs="2025-05", by="region", scope=Scope.all())
    assert (result.value, result.prior, result.change) == (414.0, 114.0, 300.0)
    assert result.method == "price_volume_mix"
    (province,) = result.dimensions
    assert [(m.member, m.contribution) for m in province.members] == [
        ("浙江省", 233.0),
        ("江苏省", 61.0),
        (None, 6.0),
    ]
    # volume effect: total volume 45 vs 12 units at May's average price 114 / 12 = 9.5
    assert province.effects["volume"] == pytest.approx((45 - 12) * 9.5)
    assert "¥414" in result.summary.en and "¥114" in result.summary.en and "+263.2%" in result.summary.en
    assert "净销售额" in result.summary.zh and "浙江省 +¥233" in result.summary.zh


def test_explain_ratio_splits_rate_and_mix(wh: Warehouse) -> None:
    result = explain(wh, "target_attainment", "2025-06", by="province", scope=Scope.all())
    assert result.method == "rate_mix"
    assert result.value == pytest.approx(414 / 1800) and result.prior == pytest.approx(114 / 1000)
    (b,) = result.dimensions
    assert b.effects["rate"] + b.effects["mix"] == pytest.approx(result.change)
    assert "pp" in result.summary.en and "个百分点" in result.summary.zh


def test_explain_year_on_year_without_prior_data_says_so(wh: Warehouse) -> None:
    result = explain(wh, "online_sales", "2025-06", vs="yoy", scope=Scope.all())
    assert result.prior_missing and result.change is None and result.dimensions == []
    assert "no data" in result.summary.en and "没有数据" in result.summary.zh


def test_explain_non_additive_metric_reports_the_overlap(wh: Warehouse) -> None:
    result = explain(wh, "active_skus", "2025-06", by="channel", scope=Scope.all())
    assert result.method == "non_additive"
    (b,) = result.dimensions
    assert math.fsum(m.contribution for m in b.members) + b.residual == pytest.approx(result.change)


def test_explain_respects_scope(wh: Warehouse) -> None:
    result = explain(wh, "net_sales", "2025-06", by="province", scope=Scope.of(province="江苏省"))
    assert result.value == 61.0 and result.prior_missing


def test_explain_to_dict_is_json_ready(wh: Warehouse) -> None:
    d = explain(wh, "net_sales", "2025-06", scope=Scope.all()).to_dict()
    assert d["period"]["label"] == "2025-06" and d["vs"]["label"] == "2025-05"
    assert d["drivers"][0]["member"] == "浙江省"
    assert set(d["summary"]) == {"zh", "en"}

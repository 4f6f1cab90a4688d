"""Immutable specs of the metric catalog: one definition per metric.

A :class:`Metric` is data loaded from a YAML file under ``catalog/`` and validated
when loaded (see :mod:`chainsight.metrics._catalog`), so a typo fails with file,
metric and field named — never later, inside a query.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from chainsight._errors import UserInputError
from chainsight.model import Text
from chainsight.present import Unit  # how a value reads is presentation's; re-exported by chainsight.metrics


class MetricKind(StrEnum):
    AGGREGATE = "aggregate"  # an aggregate over one or more entities, with filters
    SEMI_ADDITIVE = "semi_additive"  # a stock: per period, the latest snapshot in it
    RATIO = "ratio"  # numerator metric ÷ denominator metric
    DERIVED = "derived"  # an expression over other metrics


class Additivity(StrEnum):
    ADDITIVE = "additive"  # sums over every dimension and over time
    SEMI_ADDITIVE = "semi_additive"  # sums over dimensions, not over time
    RATIO = "ratio"  # a rate: never summed, decomposes into rate and mix effects
    NON_ADDITIVE = "non_additive"  # distinct counts, averages, expressions


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    NEUTRAL = "neutral"  # neither: e.g. stock on hand is good when right, not when high or low


class Agg(StrEnum):
    SUM = "sum"
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    AVG = "avg"
    MIN = "min"
    MAX = "max"


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Source:
    """One entity a metric aggregates: ``agg(measure)`` over rows passing ``filter``.

    ``measure`` and ``filter`` are expressions over the entity's columns and the
    attributes it reaches (see ``chainsight.metrics._reach``); ``measure`` is None
    for ``count`` of rows. ``date`` names the column that places a row in time.
    """

    entity: str
    agg: Agg
    measure: str | None = None
    filter: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class NearExpiryBand:
    """Lots of items whose shelf life is at least ``min_shelf_life_days`` (and, when the table has a
    longer band, below ``max_shelf_life_days``) turn near-expiry ``days_before_expiry`` days before
    their expiry date. The one band type of metrics, analyses and alerts.

    >>> b = NearExpiryBand(90, 15, Text("90天–6个月", "90 days – 6 months"), max_shelf_life_days=180)
    >>> b.code, NearExpiryBand(365, 45, Text("一年及以上", "1 year or more")).code
    ('90-179', '365+')
    """

    min_shelf_life_days: int
    days_before_expiry: int
    label: Text
    max_shelf_life_days: int | None = None  # exclusive; None: no longer band

    @property
    def code(self) -> str:
        """``"90-179"`` (shelf-life days, both ends included), or ``"365+"`` for the longest band."""
        if self.max_shelf_life_days is None:
            return f"{self.min_shelf_life_days}+"
        return f"{self.min_shelf_life_days}-{self.max_shelf_life_days - 1}"


@dataclass(frozen=True, slots=True)
class Metric:
    """One governed metric.

    >>> from chainsight.metrics import load_catalog
    >>> m = load_catalog().get("net_sales")
    >>> m.unit.value, m.good_direction.value, "province" in m.dimensions
    ('cny', 'up', True)
    """

    name: str
    domain: str
    file: str
    label: Text
    description: Text
    kind: MetricKind
    unit: Unit
    good_direction: Direction
    owner: str
    dimensions: frozenset[str]
    additivity: Additivity
    formula: Text
    sources: tuple[Source, ...] = ()
    numerator: str | None = None
    denominator: str | None = None
    expression: str | None = None
    volume_metric: str | None = None
    hidden: bool = False  # helper parts of ratios written inline; not listed

    @property
    def is_leaf(self) -> bool:
        """Aggregates and semi-additive stocks read entities; ratios and derived read metrics."""
        return self.kind in (MetricKind.AGGREGATE, MetricKind.SEMI_ADDITIVE)


@dataclass(frozen=True, slots=True)
class Catalog:
    """All metrics plus the near-expiry band table, as loaded from one catalog folder."""

    metrics: Mapping[str, Metric]
    bands: tuple[NearExpiryBand, ...]
    _deps: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __iter__(self) -> Iterator[Metric]:
        return (m for m in self.metrics.values() if not m.hidden)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        return name in self.metrics

    def get(self, name: str) -> Metric:
        """The metric called ``name``, or a UserInputError suggesting close names."""
        metric = self.metrics.get(name)
        if metric is None:
            visible = [m.name for m in self]
            close = difflib.get_close_matches(name, visible, n=3)
            hint_zh = f";是否想用:{', '.join(close)}" if close else ";用 chainsight metrics list 查看全部指标"
            hint_en = f"; did you mean: {', '.join(close)}" if close else "; see chainsight metrics list"
            raise UserInputError(
                f"未知指标 “{name}”{hint_zh}", f"unknown metric '{name}'{hint_en}", metric=name
            )
        return metric

    def dependencies(self, name: str) -> tuple[str, ...]:
        """Metrics ``name`` is computed from directly (numerator, denominator, expression names)."""
        return self._deps.get(name, ())

    def leaves(self, names: list[str]) -> list[str]:
        """Every aggregate or semi-additive metric the given metrics need, in a stable order."""
        seen: dict[str, None] = {}

        def visit(n: str) -> None:
            m = self.metrics[n]
            if m.is_leaf:
                seen.setdefault(n, None)
            for dep in self.dependencies(n):
                visit(dep)

        for n in names:
            visit(n)
        return list(seen)

    def computed_order(self, names: list[str]) -> list[str]:
        """Ratio and derived metrics the given metrics need, dependencies first."""
        order: dict[str, None] = {}

        def visit(n: str) -> None:
            for dep in self.dependencies(n):
                visit(dep)
            if not self.metrics[n].is_leaf:
                order.setdefault(n, None)

        for n in names:
            visit(n)
        return list(order)

    def near_expiry_days(self, shelf_life_days: int) -> int:
        """Days before expiry at which a lot of this shelf life becomes near-expiry.

        >>> from chainsight.metrics import load_catalog
        >>> cat = load_catalog()
        >>> cat.near_expiry_days(540), cat.near_expiry_days(270), cat.near_expiry_days(10)
        (45, 20, 2)
        """
        for band in self.bands:
            if shelf_life_days >= band.min_shelf_life_days:
                return band.days_before_expiry
        return self.bands[-1].days_before_expiry

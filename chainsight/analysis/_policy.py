"""The knobs of every analysis, declared once (``analysis.yaml``) and validated when loaded.

The near-expiry band table is the metric catalog's (``chainsight.metrics``): one table for
metrics, analyses and alerts. The minimum remaining life where master data sets none is the data
model's (``chainsight.model.MIN_LIFE_DEFAULTS``): one rule for the expiry analysis and the plan.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from chainsight._errors import DefinitionError
from chainsight.model import MIN_LIFE_DEFAULTS

POLICY_FILE = Path(__file__).with_name("analysis.yaml")


@dataclass(frozen=True, slots=True)
class ShelfLifePolicy:
    """Defaults of the shelf-life analysis; see ``analysis.yaml`` for what each means."""

    # where the data sets no minimum life: the data model's defaults (the plan uses the same)
    min_remaining_life_by_customer_type: dict[str, float] = field(
        default_factory=lambda: dict(MIN_LIFE_DEFAULTS.by_customer_type)
    )
    min_remaining_life_by_channel_kind: dict[str, float] = field(
        default_factory=lambda: dict(MIN_LIFE_DEFAULTS.by_channel_kind)
    )
    usable_statuses: tuple[str, ...] = ("available", "in_transit")
    history_weeks: int = 8
    horizon_days: int = 365
    ship_days: int = 2
    transfer_days: int = 3
    transfer_cost_pct: float = 0.03
    promo_discount_pct: float = 0.2
    promo_uplift_pct: float = 0.5
    channel_price_factor: float = 0.6
    transfer_site_types: tuple[str, ...] = ("dc",)


@dataclass(frozen=True, slots=True)
class SellThroughPolicy:
    """Defaults of the sell-in versus sell-out analysis."""

    months: int = 12
    stuffing_ratio: float = 1.5
    stuffing_min_months: int = 3
    stuffing_min_excess_weeks: float = 4.0
    target_cover_weeks: float = 4.0
    cover_weeks_window: int = 8


@dataclass(frozen=True, slots=True)
class SupplierPolicy:
    """Defaults of the supplier (procurement) analysis."""

    in_full_pct: float = 0.98
    late_share_flag: float = 0.3
    late_share_vs_median: float = 2.0
    min_receipts: int = 10
    consumption_weeks: int = 8


@dataclass(frozen=True, slots=True)
class ProductionPolicy:
    """Defaults of the production analysis."""

    yield_gap_flag: float = 0.05
    min_orders: int = 5
    attainment_flag: float = 0.9


@dataclass(frozen=True, slots=True)
class AnalysisPolicy:
    """All analysis defaults. Change one with :func:`dataclasses.replace`.

    >>> from chainsight.analysis import load_policy
    >>> p = load_policy()
    >>> p.shelf_life.min_remaining_life_by_customer_type["ka_retailer"]
    0.67
    >>> p.with_shelf_life(ship_days=0).shelf_life.ship_days
    0
    """

    shelf_life: ShelfLifePolicy = field(default_factory=ShelfLifePolicy)
    sell_through: SellThroughPolicy = field(default_factory=SellThroughPolicy)
    suppliers: SupplierPolicy = field(default_factory=SupplierPolicy)
    production: ProductionPolicy = field(default_factory=ProductionPolicy)

    def with_shelf_life(self, **changes: Any) -> AnalysisPolicy:
        """A copy with some shelf-life fields changed."""
        return dataclasses.replace(self, shelf_life=dataclasses.replace(self.shelf_life, **changes))

    def with_sell_through(self, **changes: Any) -> AnalysisPolicy:
        """A copy with some sell-through fields changed."""
        return dataclasses.replace(self, sell_through=dataclasses.replace(self.sell_through, **changes))


_SECTIONS: dict[str, type] = {
    "shelf_life": ShelfLifePolicy,
    "sell_through": SellThroughPolicy,
    "suppliers": SupplierPolicy,
    "production": ProductionPolicy,
}


def _fail(path: Path, where: str, zh: str, en: str) -> DefinitionError:
    return DefinitionError(f"{where}: {zh}", f"{where}: {en}", file=str(path))


def _coerce(path: Path, where: str, default: Any, value: Any) -> Any:
    if isinstance(default, bool) or value is None:
        raise _fail(path, where, "缺少取值", "needs a value")
    if isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _fail(
                path, where, f"应为非负整数,收到 {value!r}", f"must be a non-negative integer, got {value!r}"
            )
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise _fail(
                path, where, f"应为非负数,收到 {value!r}", f"must be a non-negative number, got {value!r}"
            )
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(path, where, "应为文本列表", "must be a list of names")
        return tuple(value)
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise _fail(path, where, "应为 名称: 比例 的映射", "must map names to shares")
        out = {}
        for k, v in value.items():
            if not isinstance(v, int | float) or isinstance(v, bool) or not 0 <= v <= 1:
                raise _fail(
                    path, f"{where}.{k}", f"应为 0–1 之间的比例,收到 {v!r}", f"must be a share 0–1, got {v!r}"
                )
            out[str(k)] = float(v)
        return out
    raise AssertionError(type(default))  # pragma: no cover


def load_policy(path: str | os.PathLike[str] | None = None) -> AnalysisPolicy:
    """The analysis defaults from ``analysis.yaml`` (or a copy of it at ``path``).

    A wrong key or value fails here, naming the file and the field.

    >>> load_policy().sell_through.stuffing_ratio
    1.5
    """
    if path is None:
        return _builtin()
    return _load(Path(path))


@cache
def _builtin() -> AnalysisPolicy:
    return _load(POLICY_FILE)


def _load(path: Path) -> AnalysisPolicy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise DefinitionError(
            f"无法读取分析配置:{exc}", f"cannot read the analysis settings: {exc}", file=str(path)
        ) from None
    except yaml.YAMLError as exc:
        raise DefinitionError(f"YAML 格式错误:{exc}", f"not valid YAML: {exc}", file=str(path)) from None
    if not isinstance(raw, dict):
        raise _fail(path, "(top)", "应为映射", "must be a mapping")
    sections: dict[str, Any] = {}
    for name, value in raw.items():
        cls = _SECTIONS.get(name)
        if cls is None:
            known = ", ".join(_SECTIONS)
            raise _fail(path, name, f"未知的部分;可用:{known}", f"unknown section; known: {known}")
        if not isinstance(value, dict):
            raise _fail(path, name, "应为映射", "must be a mapping")
        defaults = cls()
        known_fields = {f.name for f in fields(cls)}
        kwargs = {}
        for key, v in value.items():
            if key not in known_fields:
                raise _fail(
                    path,
                    f"{name}.{key}",
                    f"未知字段;可用:{', '.join(sorted(known_fields))}",
                    f"unknown field; known: {', '.join(sorted(known_fields))}",
                )
            kwargs[key] = _coerce(path, f"{name}.{key}", getattr(defaults, key), v)
        sections[name] = cls(**kwargs)
    return AnalysisPolicy(**sections)

"""The plan's vocabulary: a what-if :class:`Scenario`, one :class:`PlanResult`, exception kinds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import polars as pl

from chainsight._errors import UserInputError
from chainsight.model import DERIVED
from chainsight.planning._plan_kpis import plan_kpis
from chainsight.planning._rows import to_rows

EXCEPTION_KINDS: dict[str, tuple[str, str]] = {
    "shortage": ("缺货:需求无法按时满足", "shortage: demand cannot be met in time"),
    "late_order": ("延迟:下达日已过,需加急", "late order: release date already passed, expedite"),
    "capacity_overload": ("产能超载", "capacity overload"),
    "expiring_before_use": ("使用前过期", "expiring before use"),
    "excess": ("计划期末库存过量", "excess stock at the end of the horizon"),
    "expedite": ("在途订单需提前", "open order to expedite"),
    "defer": ("在途订单可推迟", "open order to defer"),
    "cancel": ("在途订单可取消", "open order to cancel"),
}
EXCEPTION_COLUMNS = ["kind", "site_id", "item_id", "period", "qty", "detail", "order_id"]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if: demand ±``demand_pct`` % (all, or one ``sku`` / ``channel`` / ``region``), a
    supplier ``supplier_delay_days`` late (one ``supplier_id`` or all), a line down between two dates."""

    demand_pct: float = 0.0
    sku: str | None = None
    channel: str | None = None
    region: str | None = None
    supplier_id: str | None = None
    supplier_delay_days: int = 0
    line_id: str | None = None
    line_down_from: dt.date | None = None
    line_down_to: dt.date | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.sku, self.channel, self.region)) > 1:
            raise UserInputError(
                "需求变化只能针对 SKU、渠道或区域之一",
                "change demand for one of: a SKU, a channel or a region",
            )
        if self.demand_pct <= -100:
            raise UserInputError("需求变化须大于 -100%", "demand change must be above -100 %")
        if self.supplier_delay_days < 0:
            raise UserInputError("供应商延迟天数不能为负", "supplier delay must not be negative")
        if self.line_id is not None and (self.line_down_from is None or self.line_down_to is None):
            raise UserInputError(
                "停线需给出开始和结束日期",
                "a line down needs its first and last day (--down-from, --down-to)",
            )
        if self.line_down_from and self.line_down_to and self.line_down_to < self.line_down_from:
            raise UserInputError("停线结束日期早于开始日期", "the line's last day down is before its first")

    def describe(self) -> str:
        parts = []
        if self.demand_pct:
            who = self.sku or self.channel or self.region or "all"
            parts.append(f"demand {self.demand_pct:+g}% ({who})")
        if self.supplier_delay_days:
            parts.append(f"supplier {self.supplier_id or 'all'} +{self.supplier_delay_days} days")
        if self.line_id:
            parts.append(f"line {self.line_id} down {self.line_down_from}..{self.line_down_to}")
        return "; ".join(parts) or "base"


@dataclass
class PlanResult:
    """One plan: MPS per SKU × week, planned orders, exceptions, line load and KPIs."""

    version: str
    as_of: dt.date
    horizon: int
    periods: list[dt.date]
    demand: pd.DataFrame  # sku, site_id, period, qty, source
    mps: (
        pd.DataFrame
    )  # sku, site_id, line_id, period, demand, net, production, shortage, stock, waste, expiring, unsellable
    orders: pd.DataFrame
    exceptions: pd.DataFrame
    capacity: pd.DataFrame  # line_id, site_id, week, load_days, capacity_days, use_pct, overload_days
    safety: pd.DataFrame
    netting: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    costs: dict[str, float] = field(repr=False, default_factory=dict)
    demand_source: str = "forecast"
    scenario: Scenario = field(default_factory=Scenario)

    def order_records(self) -> list[dict[str, Any]]:
        """Orders as JSON-ready records: order_type, item_id, site_id, supplier_id, qty, dates, pegged_to."""
        cols = [
            "order_id",
            "order_type",
            "item_id",
            "site_id",
            "supplier_id",
            "line_id",
            "qty",
            "release_date",
            "due_date",
            "late",
            "pegged_to",
        ]
        out = []
        for r in self.orders[cols].to_dict("records"):
            r["qty"] = round(float(r["qty"]), 3)
            r["late"] = bool(r["late"])
            r["release_date"] = r["release_date"].isoformat()
            r["due_date"] = r["due_date"].isoformat()
            r["supplier_id"] = r["supplier_id"] if isinstance(r["supplier_id"], str) else None
            r["line_id"] = r["line_id"] if isinstance(r["line_id"], str) else None
            r["pegged_to"] = list(r["pegged_to"])
            out.append(r)
        return out

    def exception_records(self) -> list[dict[str, Any]]:
        out = []
        for r in self.exceptions[EXCEPTION_COLUMNS].to_dict("records"):
            r["period"] = r["period"].isoformat() if isinstance(r["period"], dt.date) else r["period"]
            r["qty"] = round(float(r["qty"]), 3)
            out.append(r)
        return out

    def exception_summary(self) -> list[dict[str, Any]]:
        if self.exceptions.empty:
            return []
        g = (
            self.exceptions.groupby("kind")
            .agg(n=("item_id", "size"), items=("item_id", "nunique"), qty=("qty", "sum"))
            .reset_index()
        )
        return [
            {
                "kind": r.kind,
                "label_zh": EXCEPTION_KINDS.get(r.kind, (r.kind, r.kind))[0],
                "label_en": EXCEPTION_KINDS.get(r.kind, (r.kind, r.kind))[1],
                "count": int(r.n),
                "items": int(r.items),
                "qty": round(float(r.qty), 1),
            }
            for r in g.itertuples()
        ]

    def to_polars(self) -> dict[str, pl.DataFrame]:
        """The plan's frames as Polars, the product's frame type at public boundaries: ``demand``,
        ``mps``, ``safety``, and ``orders``, ``exceptions``, ``capacity`` typed as the tables they are
        stored in (:data:`chainsight.model.DERIVED`, without the run's version and as-of date)."""
        out = {name: pl.from_pandas(f) for name, f in (("demand", self.demand), ("mps", self.mps))}
        out["safety"] = pl.from_pandas(self.safety)
        for name, frame, table in (
            ("orders", self.orders, "planned_orders"),
            ("exceptions", self.exceptions, "plan_exceptions"),
            ("capacity", self.capacity, "plan_capacity"),
        ):
            spec = DERIVED[table]
            cols = [c for c in spec.column_names if c in frame.columns]
            out[name] = pl.from_arrow(to_rows(frame[cols], spec))  # type: ignore[assignment]
        return out

    def kpis(self) -> dict[str, float]:
        """Service level, inventory value, expiry wastage, capacity use and order counts."""
        return plan_kpis(self.mps, self.orders, self.exceptions, self.capacity, self.netting, self.costs)

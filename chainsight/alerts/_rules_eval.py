"""Evaluators: one function per rule kind, turning the analyses and metrics into findings.

An evaluator returns the conditions that fire now (each a :class:`Finding` with its scope and the
numbers behind it), or raises :class:`NotEvaluable` when the warehouse lacks the data it needs — the
rule then reports "not evaluable" and its open alerts are left as they are (missing data is not a
cleared condition).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from chainsight._errors import UserInputError
from chainsight.alerts._spec import SCOPE_KEYS, Rule
from chainsight.warehouse import Warehouse


class NotEvaluable(UserInputError):
    """The rule cannot be evaluated on this warehouse (missing data); carries zh and en reasons."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en)


@dataclass(frozen=True)
class Finding:
    """A condition that fires: the rule, where (scope), how bad, and the numbers behind it."""

    rule_id: str
    scope: dict[str, str]
    numbers: dict[str, Any]
    severity: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule_id, self.scope)


def fingerprint(rule_id: str, scope: dict[str, str]) -> str:
    """Stable id of a condition: rule + scope (sorted), so the same condition dedupes across runs.

    >>> fingerprint("r", {"site": "DC-SH", "sku": "A"}) == fingerprint("r", {"sku": "A", "site": "DC-SH"})
    True
    """
    key = json.dumps([rule_id, sorted((k, str(v)) for k, v in scope.items())], ensure_ascii=False)
    return hashlib.sha1(key.encode()).hexdigest()


def clean(value: Any) -> Any:
    """JSON-safe numbers: floats rounded, NaN to None, dates to ISO strings, lists kept."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 4)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item"):
        return clean(value.item())
    return value


@dataclass
class Context:
    """What every evaluator shares in one evaluation: the warehouse, the as-of date, cached analyses."""

    wh: Warehouse
    as_of: dt.date | None
    today: dt.date
    _cache: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def rows(self, entity: str) -> int:
        return self.cached(f"rows:{entity}", lambda: _count(self.wh, entity))

    def need(self, *entities: str) -> None:
        missing = [e for e in entities if self.rows(e) == 0]
        if missing:
            raise NotEvaluable(f"缺少数据:{', '.join(missing)}", f"missing data: {', '.join(missing)}")

    def data_as_of(self) -> dt.date:
        """The as-of date given, else the latest business date in the warehouse."""
        if self.as_of is not None:
            return self.as_of
        return self.cached("data_as_of", lambda: _latest_date(self.wh) or self.today)

    def site_provinces(self) -> dict[str, str]:
        return self.cached("site_prov", lambda: _site_provinces(self.wh))

    def customer_provinces(self) -> dict[str, str]:
        return self.cached("cust_prov", lambda: _customer_provinces(self.wh))

    def channel_kinds(self) -> dict[str, str]:
        return self.cached("ch_kind", lambda: _lookup(self.wh, "channels", "channel_id", "kind"))


def _count(wh: Warehouse, entity: str) -> int:
    return wh.row_count(entity) if wh.has_table(entity) else 0


def _lookup(wh: Warehouse, table: str, key: str, value: str) -> dict[str, str]:
    t = wh.table(table)
    df = wh.to_pyarrow(t.select(key, value)).to_pylist()
    return {r[key]: r[value] for r in df if r[value] is not None}


def _provinces(wh: Warehouse) -> dict[str, str]:
    """region_id → province name (a city maps to its parent province)."""
    rows = wh.to_pyarrow(wh.table("regions").select("region_id", "name", "parent_id", "level")).to_pylist()
    by_id = {r["region_id"]: r for r in rows}
    out = {}
    for r in rows:
        cur, seen = r, 0
        while cur is not None and cur["level"] != "province" and seen < 5:
            cur = by_id.get(cur["parent_id"])
            seen += 1
        if cur is not None and cur["level"] == "province":
            out[r["region_id"]] = cur["name"]
    return out


def _site_provinces(wh: Warehouse) -> dict[str, str]:
    prov = _provinces(wh)
    return {k: prov[v] for k, v in _lookup(wh, "sites", "site_id", "region_id").items() if v in prov}


def _customer_provinces(wh: Warehouse) -> dict[str, str]:
    prov = _provinces(wh)
    return {k: prov[v] for k, v in _lookup(wh, "customers", "customer_id", "region_id").items() if v in prov}


# Business dates the freshness and as-of logic look at: entity → date column.
DATED = {
    "sell_in": "date",
    "online_orders": "order_time",
    "sell_out": "date",
    "inventory": "snapshot_date",
    "purchase_orders": "order_date",
    "receipts": "received_date",
    "production_orders": "planned_end",
    "write_offs": "date",
}


def _max_date(wh: Warehouse, entity: str, col: str) -> dt.date | None:
    try:
        v = wh.to_pyarrow(wh.table(entity)[col].max()).as_py()
    except Exception:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    return v


def _latest_date(wh: Warehouse) -> dt.date | None:
    """The latest sales or inventory date: what "now" is for the business data."""
    dates = [_max_date(wh, e, DATED[e]) for e in ("sell_in", "online_orders", "inventory")]
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _user(fn: Callable[[], Any]) -> Any:
    """Run an analysis; a user error (no data) becomes NotEvaluable."""
    try:
        return fn()
    except UserInputError as exc:
        raise NotEvaluable(exc.zh, exc.en) from None


def _sev(rule: Rule, critical: bool) -> str:
    return "critical" if critical else rule.severity


# ---------------------------------------------------------------------------------------------- kinds
def _expiry_report(ctx: Context) -> Any:
    from chainsight.analysis import expiry_report

    ctx.need("inventory", "products")
    return ctx.cached("expiry", lambda: _user(lambda: expiry_report(ctx.wh, as_of=ctx.as_of)))


def eval_expiry_risk(ctx: Context, rule: Rule) -> list[Finding]:
    rep = _expiry_report(ctx)
    p = rule.params
    lots = rep.lots.filter(
        pl.col("item_kind").is_in(list(p["item_kinds"])),
        pl.col("projected_unsold_value").fill_null(0.0) >= p["min_unsold_value"],
    )
    acts = rep.actions.select(
        "site_id", "item_id", "lot_id", "status", "action", action_target="target", value_saved="value_saved"
    )
    lots = lots.join(acts, on=["site_id", "item_id", "lot_id", "status"], how="left")
    sp = ctx.site_provinces()
    out = []
    for r in lots.iter_rows(named=True):  # one row per at-risk lot: a handful, never a fact table
        scope = {"site": r["site_id"], "sku": r["item_id"], "lot": r["lot_id"]}
        if r["site_id"] in sp:
            scope["province"] = sp[r["site_id"]]
        nums = {
            "item_name": r["item_name"],
            "qty": r["qty"],
            "expiry_date": r["expiry_date"],
            "days_to_expiry": r["remaining_days"],
            "state": r["state"],
            "projected_unsold_qty": r["projected_unsold_qty"],
            "projected_unsold_value": r["projected_unsold_value"],
            "action": r["action"] or "write_off",
            "action_target": r["action_target"] or "",
            "value_saved": r["value_saved"] or 0.0,
        }
        crit = (r["projected_unsold_value"] or 0) >= p["critical_unsold_value"]
        out.append(Finding(rule.id, scope, nums, _sev(rule, crit)))
    return out


def eval_near_expiry_value(ctx: Context, rule: Rule) -> list[Finding]:
    rep = _expiry_report(ctx)
    p = rule.params
    g = (
        rep.lots.group_by("site_id")
        .agg(
            near_expiry_value=pl.col("value").filter(pl.col("near_expiry")).sum(),
            expired_value=pl.col("value").filter(pl.col("expired")).sum(),
            near_expiry_lots=pl.col("near_expiry").sum(),
            expired_lots=pl.col("expired").sum(),
            stock_value=pl.col("value").sum(),
        )
        .with_columns(_risk=pl.col("near_expiry_value") + pl.col("expired_value"))
        .filter(pl.col("_risk") >= p["min_value"])
        .sort("site_id")
    )
    sp = ctx.site_provinces()
    out = []
    for r in g.iter_rows(named=True):
        scope = {"site": r["site_id"]}
        if r["site_id"] in sp:
            scope["province"] = sp[r["site_id"]]
        nums = {k: r[k] for k in ("near_expiry_value", "expired_value", "near_expiry_lots", "expired_lots")}
        nums["stock_value"] = r["stock_value"]
        nums["share"] = r["_risk"] / r["stock_value"] if r["stock_value"] else None
        out.append(Finding(rule.id, scope, nums, _sev(rule, r["_risk"] >= p["critical_value"])))
    return out


def eval_stockout_risk(ctx: Context, rule: Rule) -> list[Finding]:
    """Finished goods at sites of ``site_types`` whose FEFO projection runs out within the lead time —
    and those already out: demand at the site (the same run-rate the projection uses) and no usable stock."""
    from chainsight.analysis import (
        finished_goods_demand,  # the projection's own demand definition
        load_policy,
    )

    rep = _expiry_report(ctx)
    p = rule.params
    lead = p["lead_time_days"]
    sites = wh_site_types(ctx)
    sl = load_policy().shelf_life
    rates = pl.from_arrow(
        ctx.wh.to_pyarrow(finished_goods_demand(ctx.wh, rep.as_of, sl.history_weeks).rates(sl.horizon_days))
    )
    assert isinstance(rates, pl.DataFrame)
    prods = pl.from_arrow(
        ctx.wh.to_pyarrow(
            ctx.wh.table("products").select(item_id="sku", item_name="name", unit_value="list_price")
        )
    )
    assert isinstance(prods, pl.DataFrame)
    stocked = rep.groups.select("site_id", "item_id")
    out_now = (
        rates.join(stocked, on=["site_id", "item_id"], how="anti")
        .join(prods, on="item_id", how="inner")
        .select(
            "site_id",
            "item_id",
            "item_name",
            "unit_value",
            "daily_demand",
            pl.lit("product").alias("item_kind"),
            pl.lit(0.0).alias("stock_qty"),
            pl.lit(1, dtype=pl.Int64).alias("stockout_day"),
            pl.lit(rep.as_of).alias("stockout_date"),
            pl.lit(0, dtype=pl.Int64).alias("days_of_cover"),
        )
    )
    g = rep.groups.select(
        "site_id",
        "item_id",
        "item_name",
        pl.col("unit_value").cast(pl.Float64),
        pl.col("daily_demand").cast(pl.Float64),
        "item_kind",
        pl.col("stock_qty").cast(pl.Float64),
        pl.col("stockout_day").cast(pl.Int64),
        pl.col("stockout_date").cast(pl.Date),
        pl.col("days_of_cover").cast(pl.Int64),
    )
    both = pl.concat(
        [
            g,
            out_now.with_columns(
                pl.col("unit_value").cast(pl.Float64), pl.col("daily_demand").cast(pl.Float64)
            ),
        ]
    )
    both = both.with_columns(site_type=pl.col("site_id").replace_strict(sites, default=None)).filter(
        pl.col("item_kind") == "product",
        pl.col("site_type").is_in(list(p["site_types"])),
        pl.col("stockout_day").is_not_null(),
        pl.col("stockout_day") <= lead,
        pl.col("daily_demand") > 0,
        pl.col("daily_demand") * pl.col("unit_value") >= p["min_daily_demand_value"],
    )
    sp = ctx.site_provinces()
    out = []
    for r in both.sort("site_id", "item_id").iter_rows(named=True):
        scope = {"site": r["site_id"], "sku": r["item_id"]}
        if r["site_id"] in sp:
            scope["province"] = sp[r["site_id"]]
        nums = {
            "item_name": r["item_name"],
            "stock_qty": r["stock_qty"],
            "daily_demand": r["daily_demand"],
            "stockout_date": r["stockout_date"],
            "days_of_cover": r["days_of_cover"],
            "lead_time_days": lead,
        }
        out.append(Finding(rule.id, scope, nums, _sev(rule, r["stockout_day"] <= p["critical_days"])))
    return out


def wh_site_types(ctx: Context) -> dict[str, str]:
    return ctx.cached("site_types", lambda: _lookup(ctx.wh, "sites", "site_id", "type"))


def eval_supplier_late(ctx: Context, rule: Rule) -> list[Finding]:
    """Late (the suppliers analysis's flag: late share high and well above the median supplier, enough
    receipts) or OTIF below the floor over enough due PO lines — a supplier that delivers nothing at all
    has no receipts but an OTIF of 0."""
    import dataclasses

    from chainsight.analysis import load_policy, supplier_performance

    ctx.need("purchase_orders")
    p = rule.params
    base = load_policy()
    policy = dataclasses.replace(
        base, suppliers=dataclasses.replace(base.suppliers, min_receipts=p["min_receipts"])
    )
    rep = _user(lambda: supplier_performance(ctx.wh, as_of=ctx.as_of, months=p["months"], policy=policy))
    s = rep.suppliers
    judged = s.filter(pl.col("receipts").fill_null(0) >= p["min_receipts"])
    median = float(judged["late_share"].median() or 0.0) if judged.height else 0.0
    fire = s.filter(
        pl.col("flag_late")
        | ((pl.col("otif") < p["otif_floor"]) & (pl.col("po_lines").fill_null(0) >= p["min_po_lines"]))
    )
    out = []
    for r in fire.sort("supplier_id").iter_rows(named=True):
        nums = {
            "name": r["name"],
            "receipts": r["receipts"] or 0,
            "po_lines": r["po_lines"] or 0,
            "late_share": r["late_share"],
            "avg_delay_days": r["avg_delay_days"],
            "otif": r["otif"],
            "median_late_share": median,
        }
        crit = (r["late_share"] or 0) >= p["critical_late_share"] or (
            r["otif"] is not None and r["otif"] < p["otif_floor"] / 2
        )
        out.append(Finding(rule.id, {"supplier": r["supplier_id"]}, nums, _sev(rule, crit)))
    return out


def eval_price_conflict(ctx: Context, rule: Rule) -> list[Finding]:
    from chainsight.analysis.channels import price_conflicts

    ctx.need("online_orders", "prices")
    p = rule.params
    end = ctx.data_as_of()
    start = end - dt.timedelta(days=7 * p["lookback_weeks"] - 1)
    pc = _user(lambda: price_conflicts(ctx.wh, start=start, end=end))
    s = pc.summary.filter(
        pl.col("weeks") >= p["min_weeks"], pl.col("below_floor_pct") >= p["min_below_floor_pct"]
    )
    out = []
    for r in s.sort("channel_id", "shop", "sku").iter_rows(named=True):
        scope = {"channel": r["channel_id"], "channel_kind": "online", "shop": r["shop"], "sku": r["sku"]}
        nums = {
            k: r[k]
            for k in (
                "weeks",
                "first_week",
                "last_week",
                "effective_price",
                "floor_price",
                "below_floor_pct",
                "margin_leakage",
                "qty",
            )
        }
        crit = r["below_floor_pct"] >= p["critical_below_floor_pct"]
        out.append(Finding(rule.id, scope, nums, _sev(rule, crit)))
    return out


def eval_stuffing(ctx: Context, rule: Rule) -> list[Finding]:
    """Distributors the sell-through analysis flags for stuffing (sell-in persistently ahead of sell-out),
    counting only the SKUs where the excess still sits in the channel: at least ``min_weeks_of_cover``
    weeks of sell-out in stock. A launch's pipeline fill or a one-off push that has sold through is not
    an alert."""
    from chainsight.analysis import sell_through

    ctx.need("sell_in", "sell_out", "stores")
    p = rule.params
    st = _user(lambda: sell_through(ctx.wh, as_of=ctx.as_of))
    cover = (
        pl.when(pl.col("weeks_of_cover").is_not_null())
        .then(pl.col("weeks_of_cover"))
        .when(pl.col("channel_stock") > 0)
        .then(float("inf"))
        .otherwise(0.0)
    )
    pairs = (
        st.pairs.filter(pl.col("stuffing"))
        .with_columns(_cover=cover)
        .filter(pl.col("_cover") >= p["min_weeks_of_cover"])
    )
    if pairs.is_empty():
        return []
    per = (
        pairs.group_by("customer_id")
        .agg(
            skus=pl.col("sku").sort(),
            excess_qty=pl.col("run_excess_qty").sum(),
            at_risk_value=pl.col("at_risk_value").sum(),
            channel_stock=pl.col("channel_stock").sum(),
            weekly=pl.col("weekly_sell_out").sum(),
            sell_in_qty=pl.col("sell_in_qty").sum(),
            sell_out_qty=pl.col("sell_out_qty").sum(),
        )
        .join(st.customers.select("customer_id", "name", "channel_id"), on="customer_id", how="left")
    )
    cp = ctx.customer_provinces()
    out = []
    for r in per.sort("customer_id").iter_rows(named=True):
        scope = {"customer": r["customer_id"], "channel": r["channel_id"], "channel_kind": "offline"}
        if r["customer_id"] in cp:
            scope["province"] = cp[r["customer_id"]]
        weeks = r["channel_stock"] / r["weekly"] if r["weekly"] else None
        nums = {
            "name": r["name"],
            "skus": ", ".join(r["skus"]),
            "sell_in_qty": r["sell_in_qty"],
            "sell_out_qty": r["sell_out_qty"],
            "ratio": r["sell_in_qty"] / r["sell_out_qty"] if r["sell_out_qty"] else None,
            "channel_stock": r["channel_stock"],
            "weeks_of_cover": weeks,
            "excess_qty": r["excess_qty"],
            "at_risk_value": r["at_risk_value"],
        }
        crit = weeks is None or weeks >= p["critical_weeks_of_cover"]
        out.append(Finding(rule.id, scope, nums, _sev(rule, crit)))
    return out


def eval_cannibalization(ctx: Context, rule: Rule) -> list[Finding]:
    from chainsight.analysis.channels import cross_channel_effects

    ctx.need("online_orders", "sell_out", "promotions")
    p = rule.params
    eff = _user(lambda: cross_channel_effects(ctx.wh, end=ctx.as_of))
    rows = eff.provinces.filter(
        pl.col("effect").is_not_null(),
        pl.col("effect") <= -p["min_effect"],
        pl.col("ci_high") < 0,
        pl.col("p_value") <= p["max_p_value"],
    )
    out = []
    for r in rows.sort("region_id").iter_rows(named=True):
        nums = {k: r[k] for k in ("effect", "ci_low", "ci_high", "p_value", "skus", "weeks")}
        scope = {"province": r["province"], "channel_kind": "offline"}
        out.append(Finding(rule.id, scope, nums, rule.severity))
    return out


def eval_sales_behind_target(ctx: Context, rule: Rule) -> list[Finding]:
    from chainsight.metrics import Scope, period_end, query

    ctx.need("targets", "sell_in")
    p = rule.params
    end = ctx.data_as_of()
    if p["window"] == "ytd":
        start = end.replace(month=1, day=1)
    elif p["window"] == "mtd":
        start = end.replace(day=1)
    else:
        m = end.month - 2
        start = dt.date(end.year + (m - 1) // 12, (m - 1) % 12 + 1, 1)
    where = {} if p["channel_kind"] == "all" else {"channel_kind": p["channel_kind"]}
    df: pl.DataFrame = _user(
        lambda: query(
            ctx.wh,
            "net_sales,target_amount",
            by="province",
            start=start,
            end=end,
            where=where,
            scope=Scope.all(),
        )
    )
    df = df.filter(pl.col("province").is_not_null(), pl.col("target_amount").fill_null(0) > 0)
    if df.is_empty():
        raise NotEvaluable("该期间没有销售目标", "no sales targets in the period")
    # a target covers the whole month: pro-rate the last month to the days elapsed
    days_in_month = period_end(end).day
    frac = end.day / days_in_month
    last_month = query(
        ctx.wh,
        "target_amount",
        by="province",
        start=end.replace(day=1),
        end=end,
        where=where,
        scope=Scope.all(),
    )
    lm = last_month.rename({"target_amount": "_last"})
    df = df.join(lm, on="province", how="left").with_columns(
        target_amount=pl.col("target_amount") - pl.col("_last").fill_null(0.0) * (1 - frac)
    )
    total = float(df["target_amount"].sum())
    df = df.with_columns(attainment=pl.col("net_sales").fill_null(0.0) / pl.col("target_amount")).filter(
        pl.col("target_amount") >= p["min_target_share"] * total,
        pl.col("attainment") < p["max_attainment"],
    )
    out = []
    for r in df.sort("province").iter_rows(named=True):
        nums = {
            "attainment": r["attainment"],
            "net_sales": r["net_sales"] or 0.0,
            "target_amount": r["target_amount"],
            "gap": r["target_amount"] - (r["net_sales"] or 0.0),
            "period_start": start,
            "period_end": end,
        }
        scope = {"province": r["province"]}
        if p["channel_kind"] != "all":
            scope["channel_kind"] = p["channel_kind"]
        crit = r["attainment"] < p["critical_attainment"]
        out.append(Finding(rule.id, scope, nums, _sev(rule, crit)))
    return out


def eval_forecast_bias(ctx: Context, rule: Rule) -> list[Finding]:
    """Bias of the stored forecasts (planning's ``forecasts`` table) over periods whose actual is known."""
    if ctx.rows("forecasts") == 0:
        raise NotEvaluable(
            "缺少数据:forecasts(先运行 chainsight forecast 保存预测)",
            "missing data: forecasts (run chainsight forecast to store one)",
        )
    p = rule.params
    end = ctx.data_as_of()
    start = end - dt.timedelta(days=round(30.44 * p["months"]))
    f = ctx.wh.table("forecasts")
    f = f.filter(f.actual_qty.notnull(), f.period >= start, f.period <= end)
    agg = f.group_by("sku").aggregate(forecast_qty=f.forecast_qty.sum(), actual_qty=f.actual_qty.sum())
    df = pl.from_arrow(ctx.wh.to_pyarrow(agg))
    assert isinstance(df, pl.DataFrame)
    if df.is_empty():
        raise NotEvaluable("预测期间尚无实际销量可比", "no forecast period with a known actual in the window")
    total = float(df["actual_qty"].sum())
    df = df.filter(
        pl.col("actual_qty") > 0, pl.col("actual_qty") >= p["min_actual_share"] * total
    ).with_columns(bias=(pl.col("forecast_qty") - pl.col("actual_qty")) / pl.col("actual_qty"))
    df = df.filter(pl.col("bias").abs() > p["max_abs_bias"])
    out = []
    for r in df.sort("sku").iter_rows(named=True):
        nums = {
            "bias": r["bias"],
            "direction": "over" if r["bias"] > 0 else "under",
            "forecast_qty": r["forecast_qty"],
            "actual_qty": r["actual_qty"],
            "period_start": start,
            "period_end": end,
        }
        out.append(
            Finding(rule.id, {"sku": r["sku"]}, nums, _sev(rule, abs(r["bias"]) > p["critical_abs_bias"]))
        )
    return out


def _production(ctx: Context, months: int) -> Any:
    from chainsight.analysis import production_performance

    ctx.need("production_orders")
    return ctx.cached(
        f"production:{months}",
        lambda: _user(lambda: production_performance(ctx.wh, as_of=ctx.as_of, months=months)),
    )


def eval_plan_attainment(ctx: Context, rule: Rule) -> list[Finding]:
    p = rule.params
    lines = _production(ctx, p["months"]).lines
    fire = lines.filter(
        pl.col("completed") >= p["min_orders"], pl.col("plan_attainment") < p["min_attainment"]
    )
    sp = ctx.site_provinces()
    out = []
    for r in fire.sort("line_id").iter_rows(named=True):
        scope = {"line": r["line_id"], "site": r["site_id"]}
        if r["site_id"] in sp:
            scope["province"] = sp[r["site_id"]]
        nums = {
            k: r.get(k)
            for k in ("plan_attainment", "planned_qty", "actual_qty", "completed", "yield", "lost_units")
        }
        out.append(Finding(rule.id, scope, nums, rule.severity))
    return out


def eval_production_yield(ctx: Context, rule: Rule) -> list[Finding]:
    p = rule.params
    lines = _production(ctx, p["months"]).lines
    judged = lines.filter(pl.col("completed") >= p["min_orders"], pl.col("yield").is_not_null())
    if judged.is_empty():
        return []
    median = float(judged["yield"].median())  # type: ignore[arg-type]
    fire = judged.filter(pl.col("yield") < median - p["max_gap"])
    sp = ctx.site_provinces()
    out = []
    for r in fire.sort("line_id").iter_rows(named=True):
        scope = {"line": r["line_id"], "site": r["site_id"]}
        if r["site_id"] in sp:
            scope["province"] = sp[r["site_id"]]
        nums = {
            "yield": r["yield"],
            "median_yield": median,
            "gap": median - r["yield"],
            "completed": r["completed"],
            "lost_units": r.get("lost_units"),
        }
        out.append(Finding(rule.id, scope, nums, rule.severity))
    return out


def eval_data_freshness(ctx: Context, rule: Rule) -> list[Finding]:
    p = rule.params
    today = ctx.today  # freshness is about the calendar, not the business date being evaluated
    out = []
    for entity, max_age in sorted(p["max_age_days"].items()):
        col = DATED.get(entity)
        if col is None or ctx.rows(entity) == 0:
            continue  # an entity the company does not load is "missing", not "stale": readiness reports it
        last = _max_date(ctx.wh, entity, col)
        if last is None:
            continue
        age = (today - last).days
        if age > max_age:
            nums = {"entity": entity, "last_date": last, "age_days": age, "max_age_days": max_age}
            out.append(Finding(rule.id, {"entity": entity}, nums, _sev(rule, age > p["critical_age_days"])))
    if not out and all(ctx.rows(e) == 0 for e in p["max_age_days"]):
        raise NotEvaluable("仓库中还没有业务数据", "the warehouse has no business data yet")
    return out


EVALUATORS: dict[str, Callable[[Context, Rule], list[Finding]]] = {
    "expiry_risk": eval_expiry_risk,
    "near_expiry_value": eval_near_expiry_value,
    "stockout_risk": eval_stockout_risk,
    "supplier_late": eval_supplier_late,
    "price_conflict": eval_price_conflict,
    "stuffing": eval_stuffing,
    "cannibalization": eval_cannibalization,
    "sales_behind_target": eval_sales_behind_target,
    "forecast_bias": eval_forecast_bias,
    "plan_attainment": eval_plan_attainment,
    "production_yield": eval_production_yield,
    "data_freshness": eval_data_freshness,
}


def findings_for(ctx: Context, rule: Rule) -> list[Finding]:
    """The rule's findings, with JSON-safe numbers."""
    found = EVALUATORS[rule.kind](ctx, rule)
    return [
        Finding(
            f.rule_id,
            {k: str(v) for k, v in f.scope.items()},
            {k: clean(v) for k, v in f.numbers.items()},
            f.severity,
        )
        for f in found
    ]


__all__ = ["SCOPE_KEYS", "Context", "Finding", "NotEvaluable", "findings_for", "fingerprint"]

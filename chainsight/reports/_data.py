"""The numbers of the weekly management report, all from the governed metrics (``chainsight.metrics.query``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from chainsight._errors import UserInputError
from chainsight.metrics import Scope, load_catalog, period_end, query

if TYPE_CHECKING:
    from chainsight.appdb import AppDB  # SQLAlchemy: only for the type, never at import time
    from chainsight.warehouse import Warehouse

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
SNAPSHOT_LOOKBACK_DAYS = 62  # inventory is a snapshot: the latest one within two months of the week's end


def parse_week(text: str) -> tuple[dt.date, dt.date]:
    """``2025-W23`` → (Monday, Sunday) of that ISO week.

    >>> parse_week("2025-W23")
    (datetime.date(2025, 6, 2), datetime.date(2025, 6, 8))
    """
    m = _WEEK.match(text.strip())
    if not m:
        raise UserInputError(
            f"“{text}” 不是 ISO 周,格式如 2025-W23",
            f"'{text}' is not an ISO week; use e.g. 2025-W23",
            value=text,
        )
    try:
        monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise UserInputError(
            f"{m.group(1)} 年没有第 {int(m.group(2))} 周",
            f"{m.group(1)} has no week {int(m.group(2))}",
            value=text,
        ) from None
    return monday, monday + dt.timedelta(days=6)


def _one(table: Any) -> dict[str, Any]:
    rows = table.to_dicts()
    return rows[0] if rows else {}


def weekly_data(
    wh: Warehouse, week: str, *, scope: Scope | None = None, appdb: AppDB | None = None, top: int = 10
) -> dict[str, Any]:
    """Every figure of the weekly report for ISO ``week`` (language-free: values and metric names).

    Sales are the week's (Monday–Sunday) compared with the week before and the same ISO week a year
    earlier; targets are monthly, so attainment is month-to-date (1st of the month of the week's Sunday
    to that Sunday) against the whole month's target, next to the share of the month elapsed; stock is
    the latest inventory snapshot on or before the Sunday.
    """
    scope = scope or Scope.all()
    cat = load_catalog()
    monday, sunday = parse_week(week)
    last_year = dt.date.fromisocalendar(monday.isocalendar()[0] - 1, min(monday.isocalendar()[1], 52), 1)

    def q(metrics: str, **kw: Any) -> Any:
        return query(wh, metrics, scope=scope, **kw)

    sales_names = "net_sales,sales_qty,online_share"
    wk = _one(q(sales_names, grain="week", start=monday, end=sunday, compare="pop"))
    ly = _one(q(sales_names, start=last_year, end=last_year + dt.timedelta(days=6)))
    month_start = sunday.replace(day=1)
    mtd = _one(q("net_sales", start=month_start, end=sunday))
    # month on month: the same days of the month before (to its last day when it is shorter)
    prev_start = (month_start - dt.timedelta(days=1)).replace(day=1)
    prev_end = min(
        prev_start.replace(day=min(sunday.day, 28)) + dt.timedelta(days=max(sunday.day - 28, 0)),
        month_start - dt.timedelta(days=1),
    )
    prev_mtd = _one(q("net_sales", start=prev_start, end=prev_end))
    target = _one(q("target_amount", grain="month", start=month_start, end=period_end(sunday)))
    snap_from = sunday - dt.timedelta(days=SNAPSHOT_LOOKBACK_DAYS)
    stock_names = "inventory_value,near_expiry_value,near_expiry_share,expired_value"
    stock = _one(q(stock_names, start=snap_from, end=sunday))
    if stock.get("inventory_value") is not None:  # a filtered stock with no rows is none of it, not unknown
        for name in ("near_expiry_value", "near_expiry_share", "expired_value"):
            stock[name] = stock.get(name) or 0.0
    snapshot = _snapshot_date(wh, snap_from, sunday)
    # days of supply: stock at the snapshot over the average daily demand of the last four weeks
    dos = _one(q("days_of_supply", start=sunday - dt.timedelta(days=27), end=sunday))
    try:
        service = _one(q("fill_rate,order_otif", start=monday, end=sunday))
    except UserInputError:
        service = {}

    def pct(cur: Any, prior: Any) -> float | None:
        return (cur - prior) / prior if cur is not None and prior not in (None, 0) else None

    net = wk.get("net_sales")
    month_target = target.get("target_amount")
    days_in_month = period_end(sunday).day
    kpis = {
        "net_sales": {
            "value": net,
            "wow": pct(net, wk.get("net_sales_prior")),
            "yoy": pct(net, ly.get("net_sales")),
        },
        "sales_qty": {
            "value": wk.get("sales_qty"),
            "wow": pct(wk.get("sales_qty"), wk.get("sales_qty_prior")),
            "yoy": pct(wk.get("sales_qty"), ly.get("sales_qty")),
        },
        "online_share": {
            "value": wk.get("online_share"),
            "wow_pp": _diff(wk.get("online_share"), wk.get("online_share_prior")),
            "yoy_pp": _diff(wk.get("online_share"), ly.get("online_share")),
        },
        "mtd_sales": {
            "value": mtd.get("net_sales"),
            "mom": pct(mtd.get("net_sales"), prev_mtd.get("net_sales")),
        },
        "month_target": {"value": month_target},
        "mtd_attainment": {
            "value": (mtd.get("net_sales") or 0) / month_target if month_target else None,
            "pace": sunday.day / days_in_month,
        },
        "inventory_value": {"value": stock.get("inventory_value")},
        "days_of_supply": {"value": dos.get("days_of_supply")},
        "near_expiry_value": {"value": stock.get("near_expiry_value")},
        "near_expiry_share": {"value": stock.get("near_expiry_share")},
        "expired_value": {"value": stock.get("expired_value")},
        "fill_rate": {"value": service.get("fill_rate")},
        "order_otif": {"value": service.get("order_otif")},
    }

    # 13 weeks of sales with the same weeks a year earlier
    first = monday - dt.timedelta(weeks=12)
    trend_rows = q("net_sales", grain="week", start=first, end=sunday, compare="yoy").to_dicts()
    trend = [
        {"period": r["period"], "net_sales": r.get("net_sales"), "last_year": r.get("net_sales_prior")}
        for r in trend_rows
    ]
    # channel mix of the week, with the week before
    ch_rows = q("net_sales", by="channel", grain="week", start=monday, end=sunday, compare="pop").to_dicts()
    total = sum(r["net_sales"] or 0 for r in ch_rows) or None
    names = {
        r["channel_id"]: r["name"]
        for r in wh.table("channels").select("channel_id", "name").to_pyarrow().to_pylist()
    }
    channels = sorted(
        (
            {
                "channel": r["channel"],
                "name": names.get(r["channel"]) or r["channel"],
                "net_sales": r["net_sales"],
                "share": (r["net_sales"] or 0) / total if total else None,
                "wow": pct(r["net_sales"], r.get("net_sales_prior")),
            }
            for r in ch_rows
            if r.get("channel") is not None
        ),
        key=lambda r: -(r["net_sales"] or 0),
    )
    # month-to-date attainment by province
    reg_sales = {
        r["province"]: r["net_sales"]
        for r in q("net_sales", by="province", start=month_start, end=sunday).to_dicts()
    }
    reg_target = q("target_amount", by="province", start=month_start, end=period_end(sunday)).to_dicts()
    regions = sorted(
        (
            {
                "province": r["province"],
                "mtd_sales": reg_sales.get(r["province"]) or 0.0,
                "target": r["target_amount"],
                "attainment": (reg_sales.get(r["province"]) or 0.0) / r["target_amount"],
            }
            for r in reg_target
            if r.get("province") and r.get("target_amount")
        ),
        key=lambda r: r["attainment"],
    )
    # inventory health, month-end snapshots over six months
    inv_rows = q(
        "inventory_value,near_expiry_value,expired_value",
        grain="month",
        start=(month_start - dt.timedelta(days=160)).replace(day=1),
        end=sunday,
    ).to_dicts()
    by_category = sorted(
        q(
            "inventory_value,near_expiry_value,near_expiry_share", by="category", start=snap_from, end=sunday
        ).to_dicts(),
        key=lambda r: -(r.get("near_expiry_value") or 0),
    )
    for r in by_category:  # as for the totals: a category's stock with no near-expiry rows holds none of it
        if r.get("inventory_value") is not None:
            r["near_expiry_value"] = r.get("near_expiry_value") or 0.0
    return {
        "week": f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}",
        "scope": None if scope.unrestricted else {d: sorted(v) for d, v in sorted(scope.rules.items())},
        "start": monday,
        "end": sunday,
        "last_year_start": last_year,
        "month_start": month_start,
        "prior_month": (prev_start, prev_end),
        "snapshot": snapshot,
        "kpis": kpis,
        "units": {m.name: m.unit for m in cat if m.name in kpis},
        "trend": trend,
        "channels": channels,
        "regions": regions,
        "inventory": inv_rows,
        "by_category": by_category,
        "exceptions": _exceptions(appdb, scope, top, regions, by_category),
    }


def _diff(a: float | None, b: float | None) -> float | None:
    return a - b if a is not None and b is not None else None


def _snapshot_date(wh: Warehouse, start: dt.date, end: dt.date) -> dt.date | None:
    t = wh.table("inventory")
    v = (
        t.filter((t.snapshot_date >= start) & (t.snapshot_date <= end))
        .snapshot_date.max()
        .to_pyarrow()
        .as_py()
    )
    return v.date() if isinstance(v, dt.datetime) else v


def _exceptions(
    appdb: AppDB | None,
    scope: Scope,
    top: int,
    regions: list[dict[str, Any]],
    by_category: list[dict[str, Any]],
) -> dict[str, Any]:
    """Open alerts when there is an app database; else the metrics' worst items (no alerts configured)."""
    if appdb is not None:
        # Imported here, not at the top: the alerts store is SQLAlchemy's, and `import chainsight.reports`
        # must stay light (the pipeline's report step and the CLI load it without a web or a database
        # stack). Reports sit above alerts, so the dependency itself is in order; taking the app database
        # and listing the alerts here (rather than each caller — pipeline, CLI, web — listing them and
        # passing them in) keeps "the top exceptions in this scope" one call. The import runs only when a
        # caller holds an AppDB, which has loaded SQLAlchemy already.
        from chainsight.alerts import OWNER_ROLES, list_alerts

        alerts = list_alerts(appdb, scope=scope, limit=top)
        return {
            "source": "alerts",
            "items": [
                {
                    "severity": a.severity,
                    "title": a.title,
                    "message": a.message,
                    "action": a.action,
                    "owner_role": a.owner_role,
                    "owner_label": OWNER_ROLES[a.owner_role].to_dict()
                    if a.owner_role in OWNER_ROLES
                    else None,
                    "state": a.state,
                }
                for a in alerts
            ],
        }
    items: list[dict[str, Any]] = []
    for r in regions[: max(1, top // 2)]:
        if r["attainment"] < 1:
            items.append({"kind": "target_gap", **r})
    for r in by_category[: max(1, top - len(items))]:
        if (r.get("near_expiry_value") or 0) > 0:
            items.append({"kind": "near_expiry", **r})
    return {"source": "metrics", "items": items[:top]}

"""Render the weekly management report to HTML (Jinja2, inline SVG charts) and PDF (WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from chainsight.metrics import Scope, Unit, load_catalog
from chainsight.reports import _svg
from chainsight.reports._data import weekly_data
from chainsight.web._i18n import compact_number, fmt_value

HERE = Path(__file__).parent

WORDS: dict[str, tuple[str, str]] = {
    "title": ("经营周报", "Weekly management report"),
    "week": ("周", "week"),
    "scope": ("范围", "Scope"),
    "as_of_snapshot": ("库存快照日", "Inventory snapshot"),
    "generated": ("生成于", "Generated"),
    "wow": ("环比上周", "vs last week"),
    "yoy": ("同比去年同周", "vs same week last year"),
    "mtd_attainment": ("本月目标达成(月初至今)", "Month-to-date target attainment"),
    "pace": ("时间进度", "time elapsed"),
    "mtd_mom": ("环比上月同期", "vs last month to date"),
    "of_target": ("月度目标", "month target"),
    "section_sales": ("销售与目标", "Sales and targets"),
    "section_stock": ("库存与保质期", "Inventory and shelf life"),
    "section_exceptions": ("重点异常", "Top exceptions"),
    "trend_title": ("近 13 周净销售额", "Net sales, last 13 weeks"),
    "this_year": ("本年", "this year"),
    "last_year": ("去年同周", "same week last year"),
    "channel_mix": ("本周渠道结构", "Channel mix this week"),
    "region_attainment": ("各省月初至今目标达成", "Month-to-date attainment by province"),
    "stock_trend": ("临期与过期库存(月末快照)", "Near-expiry and expired stock (month-end)"),
    "near_expiry": ("临期库存", "near-expiry"),
    "expired": ("过期库存", "expired"),
    "by_category": ("各品类库存健康", "Stock health by category"),
    "category": ("品类", "Category"),
    "inventory_value": ("库存金额", "Stock value"),
    "near_expiry_value": ("临期金额", "Near-expiry value"),
    "near_expiry_share": ("临期占比", "Near-expiry share"),
    "severity": ("级别", "Severity"),
    "issue": ("问题", "Issue"),
    "action": ("建议行动", "Recommended action"),
    "owner": ("负责人", "Owner"),
    "no_exceptions": ("本周没有未处理的异常。", "No open exceptions this week."),
    "from_alerts": ("来源:预警(未处理,按严重程度排序)", "From alerts (open, most severe first)"),
    "from_metrics": (
        "来源:指标(未配置预警时,列出目标差距最大的省份与临期金额最高的品类)",
        "From the metrics (no alerts configured): provinces furthest behind target, categories with most near-expiry stock",
    ),
    "target_gap_item": (
        "{province} 月初至今达成 {att},低于时间进度 {pace}",
        "{province}: {att} of month target to date vs {pace} of the month elapsed",
    ),
    "target_gap_action": (
        "复盘该省渠道与促销,制定追赶计划",
        "Review the province's channels and promotions; agree a catch-up plan",
    ),
    "near_expiry_item": (
        "{category} 临期库存 {value}(占 {share})",
        "{category}: near-expiry stock {value} ({share} of stock)",
    ),
    "near_expiry_action": (
        "按 FEFO 优先发货,安排促销或调拨",
        "Ship first (FEFO), promote or transfer these lots",
    ),
    "footnote": (
        "口径:所有数字来自 Chainsight 指标目录(净销售额 net_sales、线上占比 online_share、库存金额 inventory_value、"
        "临期金额 near_expiry_value 等),用 chainsight metrics explain 查看定义。周 = 周一至周日;目标按月,达成为月初至本周日。",
        "Definitions: every figure comes from the Chainsight metric catalog (net_sales, online_share, inventory_value, "
        "near_expiry_value, …); see chainsight metrics explain. A week runs Monday to Sunday; targets are monthly, so "
        "attainment is month-to-date to the week's Sunday.",
    ),
    "materials": ("(原辅料与包材)", "(materials)"),
    "high": ("高", "High"),
    "medium": ("中", "Medium"),
    "low": ("低", "Low"),
    "critical": ("紧急", "Critical"),
    "warning": ("警告", "Warning"),
    "info": ("提示", "Info"),
}

TILES: tuple[tuple[str, str], ...] = (
    ("net_sales", "net_sales"),
    ("mtd_attainment", "target_attainment"),
    ("online_share", "online_share"),
    ("sales_qty", "sales_qty"),
    ("inventory_value", "inventory_value"),
    ("days_of_supply", "days_of_supply"),
    ("near_expiry_value", "near_expiry_value"),
    ("expired_value", "expired_value"),
    ("fill_rate", "fill_rate"),
    ("order_otif", "order_otif"),
)


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    """A rendered weekly report: its data, the HTML, and where it was written."""

    week: str
    lang: str
    data: dict[str, Any]
    html: str
    html_path: Path | None
    pdf_path: Path | None


def _w(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


def _pct_change(v: float | None) -> str:
    return "—" if v is None else f"{'+' if v > 0 else ''}{v * 100:.1f}%"


def _pp(v: float | None, lang: str) -> str:
    if v is None:
        return "—"
    points = round(v * 100, 1) + 0.0
    return f"{'+' if points > 0 else ''}{points:.1f} {'个百分点' if lang == 'zh' else 'pp'}"


def _tone(v: float | None, good_up: bool = True) -> str:
    if v is None or abs(v) < 1e-9:
        return "flat"
    return "good" if (v > 0) == good_up else "bad"


def _tiles(data: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    cat = load_catalog()
    k = data["kpis"]
    tiles = []
    for key, metric in TILES:
        m = cat.get(metric)
        value = k[key]["value"]
        tile: dict[str, Any] = {
            "key": key,
            "label": m.label.get(lang),
            "value": fmt_value(value, m.unit, lang),
            "lines": [],
        }
        if key == "mtd_attainment":
            tile["label"] = _w("mtd_attainment", lang)
            tile["lines"] = [
                (
                    f"{_w('pace', lang)} {fmt_value(k[key]['pace'], Unit.PCT, lang)}",
                    _tone((value or 0) - k[key]["pace"]) if value is not None else "flat",
                ),
                (f"{_w('mtd_mom', lang)} {_pct_change(k['mtd_sales']['mom'])}", _tone(k["mtd_sales"]["mom"])),
                (
                    f"{fmt_value(k['mtd_sales']['value'], Unit.CNY, lang)} / {_w('of_target', lang)} "
                    f"{fmt_value(k['month_target']['value'], Unit.CNY, lang)}",
                    "flat",
                ),
            ]
        elif "wow" in k[key]:
            tile["lines"] = [
                (f"{_w('wow', lang)} {_pct_change(k[key]['wow'])}", _tone(k[key]["wow"])),
                (f"{_w('yoy', lang)} {_pct_change(k[key]['yoy'])}", _tone(k[key]["yoy"])),
            ]
        elif "wow_pp" in k[key]:
            tile["lines"] = [
                (f"{_w('wow', lang)} {_pp(k[key]['wow_pp'], lang)}", "flat"),
                (f"{_w('yoy', lang)} {_pp(k[key]['yoy_pp'], lang)}", "flat"),
            ]
        elif key == "near_expiry_value":
            tile["lines"] = [
                (
                    f"{_w('near_expiry_share', lang)} {fmt_value(k['near_expiry_share']['value'], Unit.PCT, lang)}",
                    "flat",
                )
            ]
        tiles.append(tile)
    return tiles


def _charts(data: dict[str, Any], lang: str) -> dict[str, Markup]:
    money = lambda v: compact_number(v, lang, digits=1) if v else "0"  # noqa: E731
    trend = data["trend"]
    labels = [f"W{r['period'].isocalendar()[1]:02d}" for r in trend]
    charts = {
        "trend": _svg.bars_with_line(
            labels,
            [r["net_sales"] for r in trend],
            [r["last_year"] for r in trend],
            names=(_w("this_year", lang), _w("last_year", lang)),
            fmt_axis=money,
            title=_w("trend_title", lang),
            width=680,
        ),
        "channels": _svg.hbars(
            [
                (
                    r["name"],
                    r["share"],
                    f"{fmt_value(r['share'], Unit.PCT, lang)} · {fmt_value(r['net_sales'], Unit.CNY, lang)}",
                )
                for r in data["channels"][:8]
            ],
            title=_w("channel_mix", lang),
        ),
        "regions": _svg.hbars(
            [
                (r["province"], r["attainment"], fmt_value(r["attainment"], Unit.PCT, lang))
                for r in data["regions"][:10]
            ],
            title=_w("region_attainment", lang),
            marker=data["kpis"]["mtd_attainment"]["pace"],
            marker_label=_w("pace", lang),
        ),
        "stock": _svg.grouped_bars(
            [f"{r['period'].month}月" if lang == "zh" else f"{r['period']:%b}" for r in data["inventory"]],
            [
                (_w("near_expiry", lang), [r.get("near_expiry_value") for r in data["inventory"]]),
                (_w("expired", lang), [r.get("expired_value") for r in data["inventory"]]),
            ],
            fmt_axis=money,
            title=_w("stock_trend", lang),
        ),
    }
    return {k: Markup(v) for k, v in charts.items()}  # our own SVG, every text escaped


def _owner(role: str, lang: str) -> str:
    try:
        from chainsight.alerts import OWNER_ROLES
    except ImportError:
        return role
    text = OWNER_ROLES.get(role)
    return text.get(lang) if text is not None else role


def _exceptions(data: dict[str, Any], lang: str) -> dict[str, Any]:
    ex = data["exceptions"]
    rows = []
    if ex["source"] == "alerts":
        for a in ex["items"]:
            rows.append(
                {
                    "severity": a["severity"],
                    "severity_label": _w(a["severity"], lang) if a["severity"] in WORDS else a["severity"],
                    "issue": a["title"].get(lang) or a["message"].get(lang),
                    "detail": a["message"].get(lang),
                    "action": a["action"].get(lang),
                    "owner": _owner(a["owner_role"], lang),
                }
            )
    else:
        pace = data["kpis"]["mtd_attainment"]["pace"]
        for it in ex["items"]:
            if it["kind"] == "target_gap":
                issue = _w("target_gap_item", lang).format(
                    province=it["province"],
                    att=fmt_value(it["attainment"], Unit.PCT, lang),
                    pace=fmt_value(pace, Unit.PCT, lang),
                )
                rows.append(
                    {
                        "severity": "high" if it["attainment"] < pace * 0.8 else "medium",
                        "issue": issue,
                        "detail": "",
                        "action": _w("target_gap_action", lang),
                        "owner": "sales_director",
                    }
                )
            else:
                issue = _w("near_expiry_item", lang).format(
                    category=it["category"],
                    value=fmt_value(it["near_expiry_value"], Unit.CNY, lang),
                    share=fmt_value(it.get("near_expiry_share"), Unit.PCT, lang),
                )
                rows.append(
                    {
                        "severity": "medium",
                        "issue": issue,
                        "detail": "",
                        "action": _w("near_expiry_action", lang),
                        "owner": "warehouse_quality",
                    }
                )
        for r in rows:
            r["severity_label"] = _w(r["severity"], lang)
    return {"source": _w("from_alerts" if ex["source"] == "alerts" else "from_metrics", lang), "rows": rows}


def render_html(data: dict[str, Any], lang: str) -> str:
    """The report's HTML (self-contained: inline CSS and SVG, no scripts)."""
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"])
    )
    tpl = env.get_template("weekly.html")
    start, end = data["start"], data["end"]
    period = f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
    return tpl.render(
        lang=lang,
        w=lambda key: _w(key, lang),
        data=data,
        period=period,
        tiles=_tiles(data, lang),
        charts=_charts(data, lang),
        exceptions=_exceptions(data, lang),
        by_category=[
            {
                "category": r.get("category") or _w("materials", lang),
                "inventory_value": fmt_value(r.get("inventory_value"), Unit.CNY, lang),
                "near_expiry_value": fmt_value(r.get("near_expiry_value"), Unit.CNY, lang),
                "near_expiry_share": fmt_value(r.get("near_expiry_share"), Unit.PCT, lang),
            }
            for r in data["by_category"][:8]
        ],
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def render_weekly(
    wh: Any,
    week: str,
    *,
    lang: str = "zh",
    html: str | Path | None = None,
    pdf: str | Path | None = None,
    appdb: Any = None,
    scope: Scope | None = None,
    top: int = 10,
) -> WeeklyReport:
    """Build the weekly report of ISO ``week`` (e.g. ``"2025-W23"``) and write it as HTML and/or PDF.

    >>> from chainsight.warehouse import Warehouse          # doctest: +SKIP
    >>> render_weekly(Warehouse.open("w.duckdb"), "2025-W23", lang="en", pdf="week23.pdf")  # doctest: +SKIP
    """
    lang = "zh" if lang.lower().startswith("zh") else "en"
    data = weekly_data(wh, week, scope=scope, appdb=appdb, top=top)
    page = render_html(data, lang)
    html_path = Path(html) if html else None
    pdf_path = Path(pdf) if pdf else None
    if html_path:
        _write(html_path, page.encode("utf-8"))
    if pdf_path:
        from weasyprint import HTML

        _write(pdf_path, HTML(string=page, base_url=str(HERE)).write_pdf())
    return WeeklyReport(data["week"], lang, data, page, html_path, pdf_path)

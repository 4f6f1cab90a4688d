"""Render the weekly management report to HTML (Jinja2, inline SVG charts) and PDF (WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from chainsight._errors import DefinitionError
from chainsight.metrics import Scope, load_catalog
from chainsight.model import get_role
from chainsight.present import (
    Text,
    Unit,
    compact_number,
    format_change,
    format_date,
    format_date_range,
    format_datetime,
    format_month,
    format_pct_change,
    format_value,
    format_week,
    label,
    parse_lang,
)
from chainsight.reports import _svg
from chainsight.reports._data import weekly_data

if TYPE_CHECKING:
    from chainsight.appdb import AppDB  # SQLAlchemy: only for the type, never at import time
    from chainsight.warehouse import Warehouse

HERE = Path(__file__).parent
FONT_DIR = HERE.parent / "assets" / "fonts"  # Noto Sans SC subsets shipped with the package (OFL 1.1)

WORDS: dict[str, Text] = {
    "title": Text("经营周报", "Weekly management report"),
    "week": Text("周", "week"),
    "scope": Text("范围", "Scope"),
    "as_of_snapshot": Text("库存快照日", "Inventory snapshot"),
    "generated": Text("生成于", "Generated"),
    "wow": Text("环比上周", "vs last week"),
    "yoy": Text("同比去年同周", "vs same week last year"),
    "mtd_attainment": Text("本月目标达成（月初至今）", "Month-to-date target attainment"),
    "pace": Text("时间进度", "time elapsed"),
    "mtd_mom": Text("环比上月同期", "vs last month to date"),
    "of_target": Text("月度目标", "month target"),
    "section_sales": Text("销售与目标", "Sales and targets"),
    "section_stock": Text("库存与保质期", "Inventory and shelf life"),
    "section_exceptions": Text("重点异常", "Top exceptions"),
    "trend_title": Text("近 13 周净销售额", "Net sales, last 13 weeks"),
    "this_year": Text("本年", "this year"),
    "last_year": Text("去年同周", "same week last year"),
    "channel_mix": Text("本周渠道结构", "Channel mix this week"),
    "region_attainment": Text("各省月初至今目标达成", "Month-to-date attainment by province"),
    "stock_trend": Text("临期与过期库存（月末快照）", "Near-expiry and expired stock (month-end)"),
    "near_expiry": Text("临期库存", "near-expiry"),
    "expired": Text("过期库存", "expired"),
    "by_category": Text("各品类库存健康", "Stock health by category"),
    "category": Text("品类", "Category"),
    "inventory_value": Text("库存金额", "Stock value"),
    "near_expiry_value": Text("临期金额", "Near-expiry value"),
    "near_expiry_share": Text("临期占比", "Near-expiry share"),
    "severity": Text("级别", "Severity"),
    "issue": Text("问题", "Issue"),
    "action": Text("建议行动", "Recommended action"),
    "owner": Text("负责人", "Owner"),
    "no_exceptions": Text("本周没有未处理的异常。", "No open exceptions this week."),
    "from_alerts": Text("来源：预警（未处理，按严重程度排序）", "From alerts (open, most severe first)"),
    "from_metrics": Text(
        "来源：指标（未配置预警时，列出目标差距最大的省份与临期金额最高的品类）",
        "From the metrics (no alerts configured): provinces furthest behind target, categories with most "
        "near-expiry stock",
    ),
    "target_gap_item": Text(
        "{province}月初至今达成 {att}，低于时间进度 {pace}",
        "{province}: {att} of month target to date vs {pace} of the month elapsed",
    ),
    "target_gap_action": Text(
        "复盘该省渠道与促销，制定追赶计划",
        "Review the province's channels and promotions; agree a catch-up plan",
    ),
    "near_expiry_item": Text(
        "{category}临期库存 {value}（占 {share}）",
        "{category}: near-expiry stock {value} ({share} of stock)",
    ),
    "near_expiry_action": Text(
        "按先到期先出原则优先发货，安排促销或调拨", "Ship first (FEFO), promote or transfer these lots"
    ),
    "footnote": Text(
        "口径：所有数字来自 Chainsight 指标目录（净销售额 net_sales、线上占比 online_share、库存金额 "
        "inventory_value、临期金额 near_expiry_value 等），定义见网页的“指标词典”。周为周一至周日；目标按月，"
        "达成为月初至本周日。",
        "Definitions: every figure comes from the Chainsight metric catalog (net_sales, online_share, "
        "inventory_value, near_expiry_value, …); see the metric glossary in the web app. A week runs Monday to "
        "Sunday; targets are monthly, so attainment is month-to-date to the week's Sunday.",
    ),
    "materials": Text("（原辅料与包材）", "(materials)"),
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
    return WORDS[key].get(lang)


def _money(value: float | None, lang: str) -> str:
    """Money on the report's page and in its sentences: ¥253.8万 / ¥2.54M."""
    return format_value(value, Unit.CNY, lang, compact=True)


def _pct(value: float | None, lang: str) -> str:
    return format_value(value, Unit.PCT, lang)


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
            "value": format_value(value, m.unit, lang, compact=True),
            "lines": [],
        }
        if key == "mtd_attainment":
            tile["label"] = _w("mtd_attainment", lang)
            tile["lines"] = [
                (
                    f"{_w('pace', lang)} {_pct(k[key]['pace'], lang)}",
                    _tone((value or 0) - k[key]["pace"]) if value is not None else "flat",
                ),
                (
                    f"{_w('mtd_mom', lang)} {format_pct_change(k['mtd_sales']['mom'])}",
                    _tone(k["mtd_sales"]["mom"]),
                ),
                (
                    f"{_money(k['mtd_sales']['value'], lang)} / {_w('of_target', lang)} "
                    f"{_money(k['month_target']['value'], lang)}",
                    "flat",
                ),
            ]
        elif "wow" in k[key]:
            tile["lines"] = [
                (f"{_w('wow', lang)} {format_pct_change(k[key]['wow'])}", _tone(k[key]["wow"])),
                (f"{_w('yoy', lang)} {format_pct_change(k[key]['yoy'])}", _tone(k[key]["yoy"])),
            ]
        elif "wow_pp" in k[key]:
            tile["lines"] = [
                (f"{_w('wow', lang)} {format_change(k[key]['wow_pp'], Unit.PCT, lang)}", "flat"),
                (f"{_w('yoy', lang)} {format_change(k[key]['yoy_pp'], Unit.PCT, lang)}", "flat"),
            ]
        elif key == "near_expiry_value":
            tile["lines"] = [
                (
                    f"{_w('near_expiry_share', lang)} {_pct(k['near_expiry_share']['value'], lang)}",
                    "flat",
                )
            ]
        tiles.append(tile)
    return tiles


def _charts(data: dict[str, Any], lang: str) -> dict[str, Markup]:
    money = lambda v: compact_number(v, lang, digits=1) if v else "0"  # noqa: E731
    trend = data["trend"]
    labels = [format_week(r["period"], lang, short=True) for r in trend]
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
                    f"{_pct(r['share'], lang)} · {_money(r['net_sales'], lang)}",
                )
                for r in data["channels"][:8]
            ],
            title=_w("channel_mix", lang),
        ),
        "regions": _svg.hbars(
            [(r["province"], r["attainment"], _pct(r["attainment"], lang)) for r in data["regions"][:10]],
            title=_w("region_attainment", lang),
            marker=data["kpis"]["mtd_attainment"]["pace"],
            marker_label=_w("pace", lang),
        ),
        "stock": _svg.grouped_bars(
            [format_month(r["period"], lang, short=True) for r in data["inventory"]],
            [
                (_w("near_expiry", lang), [r.get("near_expiry_value") for r in data["inventory"]]),
                (_w("expired", lang), [r.get("expired_value") for r in data["inventory"]]),
            ],
            fmt_axis=money,
            title=_w("stock_trend", lang),
        ),
    }
    return {k: Markup(v) for k, v in charts.items()}  # our own SVG, every text escaped


def _owner(label_text: dict[str, str] | None, role: str, lang: str) -> str:
    """An owner role by its name: the label passed in with an alert, else the one roles vocabulary's
    (``chainsight.model.ROLES``; a former name reads as its current role)."""
    if label_text and label_text.get(lang):
        return label_text[lang]
    try:
        return get_role(role, kind="owner").label.get(lang)
    except DefinitionError:
        return f"未知负责角色“{role}”" if lang == "zh" else f"unknown owner role '{role}'"


def _exceptions(data: dict[str, Any], lang: str) -> dict[str, Any]:
    ex = data["exceptions"]
    rows = []
    if ex["source"] == "alerts":
        for a in ex["items"]:
            rows.append(
                {
                    "severity": a["severity"],
                    "severity_label": label("alert_severity", a["severity"], lang),
                    "issue": a["title"].get(lang) or a["message"].get(lang),
                    "detail": a["message"].get(lang),
                    "action": a["action"].get(lang),
                    "owner": _owner(a.get("owner_label"), a["owner_role"], lang),
                }
            )
    else:
        pace = data["kpis"]["mtd_attainment"]["pace"]
        for it in ex["items"]:
            if it["kind"] == "target_gap":
                issue = (
                    WORDS["target_gap_item"]
                    .get(lang)
                    .format(province=it["province"], att=_pct(it["attainment"], lang), pace=_pct(pace, lang))
                )
                severity, action, owner = (
                    "high" if it["attainment"] < pace * 0.8 else "medium",
                    "target_gap_action",
                    "sales_director",
                )
            else:
                issue = (
                    WORDS["near_expiry_item"]
                    .get(lang)
                    .format(
                        category=it["category"] or _w("materials", lang),
                        value=_money(it["near_expiry_value"], lang),
                        share=_pct(it.get("near_expiry_share"), lang),
                    )
                )
                severity, action, owner = "medium", "near_expiry_action", "warehouse_quality"
            rows.append(
                {
                    "severity": severity,
                    "severity_label": label("finding_severity", severity, lang),
                    "issue": issue,
                    "detail": "",
                    "action": _w(action, lang),
                    "owner": _owner(None, owner, lang),
                }
            )
    return {"source": _w("from_alerts" if ex["source"] == "alerts" else "from_metrics", lang), "rows": rows}


def render_html(data: dict[str, Any], lang: str) -> str:
    """The report's HTML (self-contained: inline CSS and SVG, no scripts)."""
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"])
    )
    tpl = env.get_template("weekly.html")
    return tpl.render(
        lang=lang,
        w=lambda key: _w(key, lang),
        data=data,
        period=format_date_range(data["start"], data["end"], lang),
        week_label=format_week(data["start"], lang),
        snapshot=format_date(data["snapshot"], lang) if data["snapshot"] else None,
        tiles=_tiles(data, lang),
        charts=_charts(data, lang),
        exceptions=_exceptions(data, lang),
        by_category=[
            {
                "category": r.get("category") or _w("materials", lang),
                "inventory_value": _money(r.get("inventory_value"), lang),
                "near_expiry_value": _money(r.get("near_expiry_value"), lang),
                "near_expiry_share": _pct(r.get("near_expiry_share"), lang),
            }
            for r in data["by_category"][:8]
        ],
        generated=format_datetime(dt.datetime.now(), lang),
        font_dir=FONT_DIR.as_uri(),
    )


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def render_weekly(
    wh: Warehouse,
    week: str,
    *,
    lang: str = "zh",
    html: str | Path | None = None,
    pdf: str | Path | None = None,
    appdb: AppDB | None = None,
    scope: Scope | None = None,
    top: int = 10,
) -> WeeklyReport:
    """Build the weekly report of ISO ``week`` (e.g. ``"2025-W23"``) and write it as HTML and/or PDF.

    >>> from chainsight.warehouse import Warehouse          # doctest: +SKIP
    >>> render_weekly(Warehouse.open("w.duckdb"), "2025-W23", lang="en", pdf="week23.pdf")  # doctest: +SKIP
    """
    lang = parse_lang(lang) or "en"
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

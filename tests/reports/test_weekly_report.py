"""The weekly management report: rendered to PDF, rasterised (pdftoppm), its text holds the report's numbers."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from chainsight._errors import UserInputError
from chainsight.metrics import Scope, Unit, query
from chainsight.present import format_value
from chainsight.reports import parse_week, render_weekly
from chainsight.warehouse import Warehouse

WEEK = "2025-W45"  # 3–9 Nov 2025: a year of history before it, so every comparison exists


@pytest.fixture(scope="module")
def demo_wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    from chainsight.demo import run

    root = tmp_path_factory.mktemp("reportdemo")
    run(root / "data", root / "w.duckdb", scale="tiny", seed=0)
    wh = Warehouse.open(root / "w.duckdb", read_only=True)
    yield wh
    wh.close()


def test_week_numbers_match_hand_written_sql_and_metrics(demo_wh: Warehouse) -> None:
    from chainsight.reports import weekly_data

    mon, sun = parse_week(WEEK)
    data = weekly_data(demo_wh, WEEK)
    net = demo_wh.duckdb.execute(
        "SELECT (SELECT sum(net_amount) FROM sell_in WHERE date BETWEEN ? AND ?)"
        " + (SELECT sum(paid_amount) FROM online_orders WHERE status = 'paid' AND CAST(order_time AS DATE) BETWEEN ? AND ?)",
        [mon, sun, mon, sun],
    ).fetchone()[0]
    assert data["kpis"]["net_sales"]["value"] == pytest.approx(net)
    prior = demo_wh.duckdb.execute(
        "SELECT (SELECT sum(net_amount) FROM sell_in WHERE date BETWEEN ? AND ?)"
        " + (SELECT sum(paid_amount) FROM online_orders WHERE status = 'paid' AND CAST(order_time AS DATE) BETWEEN ? AND ?)",
        [mon - dt.timedelta(7), sun - dt.timedelta(7), mon - dt.timedelta(7), sun - dt.timedelta(7)],
    ).fetchone()[0]
    assert data["kpis"]["net_sales"]["wow"] == pytest.approx(net / prior - 1)
    month = demo_wh.duckdb.execute(
        "SELECT sum(target_amount) FROM targets WHERE month = ?", [sun.replace(day=1)]
    ).fetchone()[0]
    assert data["kpis"]["month_target"]["value"] == pytest.approx(month)
    assert data["kpis"]["mtd_attainment"]["pace"] == pytest.approx(9 / 30)
    # month on month: 1–9 November against 1–9 October
    mtd, prev = (
        demo_wh.duckdb.execute(
            "SELECT (SELECT sum(net_amount) FROM sell_in WHERE date BETWEEN ? AND ?)"
            " + (SELECT sum(paid_amount) FROM online_orders WHERE status = 'paid'"
            " AND CAST(order_time AS DATE) BETWEEN ? AND ?)",
            [a, b, a, b],
        ).fetchone()[0]
        for a, b in ((dt.date(2025, 11, 1), sun), (dt.date(2025, 10, 1), dt.date(2025, 10, 9)))
    )
    assert data["kpis"]["mtd_sales"]["value"] == pytest.approx(mtd)
    assert data["kpis"]["mtd_sales"]["mom"] == pytest.approx(mtd / prev - 1)
    assert sum(c["share"] for c in data["channels"]) == pytest.approx(1.0)
    assert [r["period"] for r in data["trend"]][-1] == mon and len(data["trend"]) == 13


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_renders_non_blank_pages_holding_the_numbers(
    demo_wh: Warehouse, tmp_path: Path, lang: str
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; CI installs it")
    from PIL import Image

    pdf, html = tmp_path / f"w-{lang}.pdf", tmp_path / f"w-{lang}.html"
    rep = render_weekly(demo_wh, WEEK, lang=lang, pdf=pdf, html=html)
    page = html.read_text(encoding="utf-8")
    assert "<script" not in page and "<svg" in page  # static charts, nothing to run

    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert 1 <= len(images) <= 3
    for img in images:
        gray = Image.open(img).convert("L")
        dark = sum(gray.histogram()[:200]) / (gray.width * gray.height)
        assert dark > 0.03, f"{img.name} is nearly blank ({dark:.1%} ink)"

    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    text = " ".join(text.split())
    mon, sun = parse_week(WEEK)
    cur = query(demo_wh, "net_sales,online_share", scope=Scope.all(), start=mon, end=sun).to_dicts()[0]
    mtd = query(demo_wh, "net_sales", scope=Scope.all(), start=sun.replace(day=1), end=sun).to_dicts()[0]
    target = query(
        demo_wh,
        "target_amount",
        scope=Scope.all(),
        grain="month",
        start=sun.replace(day=1),
        end=dt.date(2025, 11, 30),
    ).to_dicts()[0]
    stock = query(
        demo_wh, "inventory_value,near_expiry_value", scope=Scope.all(), start=sun - dt.timedelta(62), end=sun
    ).to_dicts()[0]

    def fmt_value(value: float, unit: Unit, lang: str) -> str:  # the page's compact figures
        return format_value(value, unit, lang, compact=True)

    expected = [
        fmt_value(cur["net_sales"], Unit.CNY, lang),  # e.g. ¥2.39万 / ¥23.9K
        fmt_value(cur["online_share"], Unit.PCT, lang),
        fmt_value(mtd["net_sales"] / target["target_amount"], Unit.PCT, lang),
        fmt_value(target["target_amount"], Unit.CNY, lang),
        fmt_value(stock["inventory_value"], Unit.CNY, lang),
        fmt_value(stock["near_expiry_value"], Unit.CNY, lang),
        WEEK,
    ]
    for value in expected:
        assert value in text, f"{value!r} not in the PDF text"
    assert ("经营周报" if lang == "zh" else "Weekly management report") in text
    if lang == "zh":
        assert "万" in fmt_value(cur["net_sales"], Unit.CNY, lang)
    assert rep.pdf_path == pdf and rep.week == WEEK


def test_report_without_last_year_shows_a_dash_not_a_number(demo_wh: Warehouse) -> None:
    from chainsight.reports import render_html, weekly_data

    data = weekly_data(demo_wh, "2025-W03")  # January 2025: the demo has no January 2024
    assert data["kpis"]["net_sales"]["yoy"] is None
    assert "同比去年同周 —" in render_html(data, "zh")


def test_a_scoped_report_shows_only_its_region(demo_wh: Warehouse) -> None:
    from chainsight.reports import render_html, weekly_data

    mon, sun = parse_week(WEEK)
    scope = Scope.of(province=["浙江省"])
    data = weekly_data(demo_wh, WEEK, scope=scope)
    zj = query(
        demo_wh, "net_sales", scope=Scope.all(), where={"province": "浙江省"}, start=mon, end=sun
    ).to_dicts()
    assert data["kpis"]["net_sales"]["value"] == pytest.approx(zj[0]["net_sales"])
    assert [r["province"] for r in data["regions"]] == ["浙江省"]
    assert "范围：浙江省" in render_html(data, "zh")  # Chinese punctuation (was "范围: 浙江省")


@pytest.mark.parametrize("week", ["2025-23", "2025-W54", "W23"])
def test_a_bad_week_is_a_user_error(week: str) -> None:
    with pytest.raises(UserInputError):
        parse_week(week)


def test_import_loads_no_web_or_database_stack() -> None:
    """The pipeline's report step and the CLI import reports without FastAPI, Starlette or SQLAlchemy."""
    import sys

    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import chainsight.reports"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # stderr: one line per module imported, "import time: self | cumulative | name"
    loaded = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "chainsight.reports" in loaded and "chainsight.present" in loaded
    heavy = sorted(m for m in loaded if m.split(".")[0] in {"fastapi", "starlette", "sqlalchemy", "uvicorn"})
    assert not heavy, f"import chainsight.reports loads {heavy}"
    assert not any(m.startswith("chainsight.web") for m in loaded)


def test_chinese_report_reads_chinese(demo_wh: Warehouse) -> None:
    """Chinese punctuation, 万 for money, dates and weeks in Chinese, no bare role or severity code."""
    import re

    from chainsight.reports import render_html, weekly_data

    page = render_html(weekly_data(demo_wh, WEEK), "zh")
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    assert "经营周报 · 2025年第45周" in text and "2025年11月3日至9日" in text  # the week and its span
    assert "万" in text and "¥" in text
    assert ">第45周<" in page  # the trend's last bar (the ISO code 2025-W45 stays in the page footer)
    for code in ("sales_director", "warehouse_quality", "high", "medium", "Critical", ">W45<"):
        assert code not in (page if code.startswith(">") else text), code
    assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", text), "half-width punctuation"

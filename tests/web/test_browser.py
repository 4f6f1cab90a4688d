"""The app in headless Debian Chromium: sign in, cockpit figures equal queries, hover explains, language, drill-down."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from chainsight.metrics import Scope, query

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]  # fmt: skip
PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(app):  # type: ignore[no-untyped-def]
    yield from _serve(app)


def _serve(app):  # type: ignore[no-untyped-def]
    uvicorn = pytest.importorskip("uvicorn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian chromium at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _sign_in(page, base: str, user: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".kpi")


def test_cockpit_in_chinese_explains_figures_and_switches_to_english(
    server: str, browser, app, demo_warehouse, screenshots_dir: Path
) -> None:
    page = browser.new_page(
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
        viewport={"width": 1440, "height": 1000},
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, server, "boss")
    assert page.locator("h1").inner_text() == "经营驾驶舱"
    page.wait_for_selector(".chart[data-ready='1']")
    page.wait_for_selector("#why .summary")

    # the figure on the page is the governed metric's value
    start, end = app.state.services.views.current_month()
    direct = query(demo_warehouse, "net_sales", grain="month", start=start, end=end, scope=Scope.all())
    tile = page.locator(".kpi[data-metric=net_sales]")
    assert float(tile.get_attribute("data-value")) == direct.to_dicts()[0]["net_sales"]
    assert "万" in tile.locator(".kpi-value").inner_text()

    # hovering a figure shows its plain-language explanation
    pop = page.locator(".kpi[data-metric=near_expiry_share] .explain-pop")
    assert not pop.is_visible()
    page.hover(".kpi[data-metric=near_expiry_share]")
    assert pop.is_visible()
    assert app.state.services.views.catalog.get("near_expiry_share").description.zh[:20] in pop.inner_text()
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots_dir / "cockpit-zh.png"), full_page=True)

    # clicking a figure asks "why did it change" for that metric
    page.click(".kpi[data-metric=inventory_value]")
    page.wait_for_selector("#why h3:has-text('库存金额')")
    assert page.locator("#why .summary").inner_text()

    # switch to English; the choice sticks
    page.click("#switch-lang")
    page.wait_for_selector("h1:has-text('Executive cockpit')")
    page.wait_for_selector(".chart[data-ready='1']")
    assert "K" in page.locator(".kpi[data-metric=net_sales] .kpi-value").inner_text()
    page.wait_for_selector("#why .summary")
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots_dir / "cockpit-en.png"), full_page=True)
    page.goto(server + "/glossary")
    assert "Metric glossary" in page.locator("h1").inner_text()
    assert not errors, errors


def test_sales_manager_drills_down_within_their_province(server: str, browser, screenshots_dir: Path) -> None:
    page = browser.new_page(locale="en-US", viewport={"width": 1440, "height": 900})
    _sign_in(page, server, "zj")
    page.goto(server + "/sales")
    links = page.locator("a.drill[href*='province=']")
    assert links.count() == 1 and links.first.inner_text() == "浙江省"
    links.first.click()
    page.wait_for_selector(".crumbs b:has-text('浙江省')")
    assert "City" in page.content()
    page.wait_for_selector(".chart[data-ready='1']")
    page.screenshot(path=str(screenshots_dir / "sales-zj.png"), full_page=True)
    # the API agrees with the page
    assert page.request.get(server + "/api/me").json()["scope"] == {"rules": {"province": ["浙江省"]}}


def test_anonymous_browser_gets_the_login_page(server: str, browser) -> None:
    page = browser.new_page(locale="en-US")
    page.goto(server + "/inventory")
    assert page.url.startswith(server + "/login")
    assert page.locator("button[type=submit]").inner_text() == "Sign in"


def _chart(page, dom_id: str) -> dict:  # type: ignore[no-untyped-def]
    """What an ECharts chart on the page draws: its categories and each series' data."""
    page.wait_for_selector(f"#{dom_id}[data-ready='1']")
    return page.evaluate(
        """id => { const o = echarts.getInstanceByDom(document.getElementById(id)).getOption();
                  return {categories: (o.xAxis && o.xAxis[0] && o.xAxis[0].data) || null,
                          series: o.series.map(s => ({name: s.name, data: s.data}))}; }""",
        dom_id,
    )


def _cli_query(warehouse_path: str, *args: str) -> list[dict]:
    import json
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("chainsight")
    out = subprocess.run(
        [str(exe), "metrics", "query", *args, "--warehouse", warehouse_path, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout)


def test_cockpit_charts_draw_the_numbers_of_chainsight_metrics_query(
    server: str, browser, app, demo_warehouse
) -> None:
    from chainsight.web._views import _months_back

    page = browser.new_page(locale="en-US", viewport={"width": 1440, "height": 1000})
    _sign_in(page, server, "boss")
    start, end = app.state.services.views.current_month()
    window = ["--from", start.isoformat(), "--to", end.isoformat()]

    by_province = _chart(page, "by-province")
    cli = _cli_query(demo_warehouse.path, "net_sales", "--by", "province", *window)
    expected = {r["province"]: r["net_sales"] for r in cli if r["net_sales"] is not None}
    drawn = dict(zip(by_province["categories"], by_province["series"][0]["data"], strict=True))
    top = sorted(expected.items(), key=lambda kv: -kv[1])[: len(drawn)]
    assert drawn == pytest.approx(dict(top))

    mix = _chart(page, "channel-mix")
    cli = _cli_query(demo_warehouse.path, "net_sales", "--by", "channel", *window)
    drawn = {d["name"]: d["value"] for d in mix["series"][0]["data"]}
    # the pie shows each channel's name from master data; the CLI answers by channel code
    with app.state.services.read() as wh:
        name_of = dict(wh.duckdb.execute("SELECT channel_id, name FROM channels").fetchall())
    expected = {name_of[r["channel"]]: r["net_sales"] for r in cli if r["net_sales"] is not None}
    assert drawn == pytest.approx(expected)

    trend = _chart(page, "sales-vs-target")
    first = _months_back(end, 12).isoformat()
    cli = _cli_query(
        demo_warehouse.path,
        "net_sales,target_amount",
        "--grain",
        "month",
        "--from",
        first,
        "--to",
        end.isoformat(),
    )
    series = {s["name"]: s["data"] for s in trend["series"]}
    catalog = app.state.services.views.catalog
    assert series[catalog.get("net_sales").label.en] == pytest.approx([r["net_sales"] for r in cli])
    assert series[catalog.get("target_amount").label.en] == pytest.approx([r["target_amount"] for r in cli])


def test_clicking_a_province_bar_drills_down_to_its_cities(server: str, browser) -> None:
    page = browser.new_page(locale="en-US", viewport={"width": 1440, "height": 1000})
    _sign_in(page, server, "boss")
    chart = _chart(page, "by-province")
    first = chart["categories"][0]
    page.locator("#by-province").scroll_into_view_if_needed()
    box = page.locator("#by-province").bounding_box()
    x, y = page.evaluate(
        """v => echarts.getInstanceByDom(document.getElementById('by-province')).convertToPixel({seriesIndex: 0}, [0, v / 2])""",
        chart["series"][0]["data"][0],
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector(f".crumbs b:has-text('{first}')")
    assert "province=" in page.url and "City" in page.content()


def test_sales_manager_sees_only_their_province_on_every_page_and_in_the_api(server: str, browser) -> None:
    page = browser.new_page(locale="en-US", viewport={"width": 1440, "height": 1000})
    _sign_in(page, server, "zj")
    assert _chart(page, "by-province")["categories"] == ["浙江省"]
    for path in ("/procurement", "/production", "/inventory"):
        page.goto(server + path)
        page.wait_for_selector(".restricted")  # the unscoped analysis panel is withheld, and says why
        assert "<table" not in page.locator(".restricted").first.inner_html()
    body = page.request.get(server + "/api/query?metrics=net_sales,sales_qty&by=province").json()
    assert {r["province"] for r in body["rows"]} == {"浙江省"}
    assert page.request.get(server + "/api/analysis/suppliers").status == 403
    assert page.request.get(server + "/api/procurement").json()["restricted"] is True


@pytest.fixture
def upload_server(demo_warehouse, appdb, tmp_path):  # type: ignore[no-untyped-def]
    import shutil

    from chainsight.warehouse import Warehouse
    from chainsight.web import create_app

    path = tmp_path / "upload.duckdb"
    shutil.copy(demo_warehouse.path, path)
    wh = Warehouse.open(path, read_only=True)
    yield from _serve(create_app(wh, appdb))
    wh.close()


def test_uploading_a_dirty_file_shows_its_rejects(
    upload_server: str, browser, tmp_path: Path, screenshots_dir: Path
) -> None:
    dirty = tmp_path / "门店渠道.csv"
    dirty.write_text(
        "channel_id,name,kind,platform\nnewshop,新店,online,tmall\nbadkind,坏渠道,sideways,\n,无编码,offline,\n"
    )
    page = browser.new_page(
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
        viewport={"width": 1440, "height": 1000},
    )
    _sign_in(page, upload_server, "plan")
    page.goto(upload_server + "/data")
    page.select_option("select[name=entity]", "channels")
    page.set_input_files("input[name=file]", str(dirty))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#upload-result")
    assert page.locator(".rows-loaded").inner_text() == "1"
    assert page.locator(".rows-rejected").inner_text() == "2"
    rows = page.locator("#upload-rejects tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "3" in first and "kind" in first and "sideways" in first
    assert any(
        "\u4e00" <= ch <= "\u9fff" for ch in rows.nth(0).locator("td").nth(3).inner_text()
    )  # reason in Chinese
    # the rejects also join the page's list of open rejects
    assert "sideways" in page.locator("section.card", has_text="被拒绝的行").inner_text()

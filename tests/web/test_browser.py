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
    start, end = app.state.views.current_month()
    direct = query(demo_warehouse, "net_sales", grain="month", start=start, end=end, scope=Scope.all())
    tile = page.locator(".kpi[data-metric=net_sales]")
    assert float(tile.get_attribute("data-value")) == direct.to_pylist()[0]["net_sales"]
    assert "万" in tile.locator(".kpi-value").inner_text()

    # hovering a figure shows its plain-language explanation
    pop = page.locator(".kpi[data-metric=near_expiry_share] .explain-pop")
    assert not pop.is_visible()
    page.hover(".kpi[data-metric=near_expiry_share]")
    assert pop.is_visible()
    assert app.state.views.catalog.get("near_expiry_share").description.zh[:20] in pop.inner_text()
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

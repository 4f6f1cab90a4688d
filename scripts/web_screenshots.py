"""Screenshots of the web app's main pages for the README, taken in headless Debian Chromium.

    .venv/bin/python scripts/web_screenshots.py --warehouse demo-data/chainsight-small.duckdb [--out docs/screenshots]

Starts the app on a free local port over the warehouse (read-only) with a copy of its app database (so the
alerts `chainsight demo run --pipeline` raised are shown; the real one is left alone) and one admin, signs in, and saves one PNG per page: the cockpit in Chinese and English, then sales, inventory,
procurement, production, planning, data and the glossary (Chinese). Lazily computed panels are waited for.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
PASSWORD = "screenshots only 123"
PAGES = [
    # file, path, language, full page
    ("cockpit-zh", "/", "zh", True),
    ("cockpit-en", "/", "en", True),
    ("sales", "/sales", "zh", True),
    ("sales-province", "/sales?province=浙江省", "zh", True),
    ("inventory", "/inventory", "zh", True),
    ("procurement", "/procurement", "zh", True),
    ("production", "/production", "zh", True),
    ("planning", "/planning", "zh", True),
    ("alerts", "/alerts", "zh", True),
    ("data", "/data", "zh", False),
    ("glossary", "/glossary", "zh", False),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--out", default="docs/screenshots")
    ap.add_argument("--width", type=int, default=1440)
    args = ap.parse_args()

    import uvicorn
    from argon2 import PasswordHasher
    from playwright.sync_api import sync_playwright

    from chainsight.appdb import AppDB, default_appdb_url
    from chainsight.warehouse import Warehouse
    from chainsight.web import create_app

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="cs_shots_"))
    source = Path(default_appdb_url(args.warehouse).removeprefix("sqlite:///"))
    if source.exists():
        shutil.copy2(source, tmp / "app.sqlite")
    db = AppDB(
        f"sqlite:///{tmp / 'app.sqlite'}", hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    db.add_user("ceo", PASSWORD, role="admin", display_name="王总")
    wh = Warehouse.open(args.warehouse, read_only=True)
    app = create_app(wh, db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for lang in ("zh", "en"):
            ctx = browser.new_context(
                locale="zh-CN" if lang == "zh" else "en-US",
                extra_http_headers={
                    "Accept-Language": "zh-CN,zh;q=0.9" if lang == "zh" else "en-US,en;q=0.9"
                },
                viewport={"width": args.width, "height": 900},
                device_scale_factor=1,
            )
            page = ctx.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "ceo")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector(".kpi")
            db.set_lang(db.get_user("ceo").id, lang)
            for name, path, page_lang, full in PAGES:
                if page_lang != lang:
                    continue
                page.goto(base + path)
                page.wait_for_load_state("networkidle", timeout=600_000)
                for sel in (".chart[data-spec]",):
                    for el in page.query_selector_all(sel):
                        page.wait_for_function(
                            "el => el.dataset.ready === '1' || el.querySelector('p')", arg=el
                        )
                page.wait_for_function("!document.querySelector('.loading')", timeout=600_000)
                if path == "/":
                    page.wait_for_selector("#why .summary", timeout=120_000)
                page.wait_for_timeout(400)
                page.screenshot(path=str(out / f"{name}.png"), full_page=full)
                print("saved", out / f"{name}.png")
            ctx.close()
        browser.close()
    server.should_exit = True
    wh.close()


if __name__ == "__main__":
    main()

"""Pages in two languages, numbers as each language reads them, the JSON API's shape, the CLI."""

from __future__ import annotations

import re

import pytest

from chainsight.metrics import Unit
from chainsight.web import compact_number, fmt_value, negotiate

PASSWORD = "correct horse battery staple"


def test_chinese_numbers_use_wan_and_yi_and_english_uses_k_m() -> None:
    assert compact_number(123_456_789, "zh") == "1.23亿"
    assert compact_number(4_567_000, "zh") == "456.7万"
    assert compact_number(9_876, "zh") == "9,876"
    assert compact_number(4_567_000, "en") == "4.57M"
    assert fmt_value(114_980.71, Unit.CNY, "zh") == "¥11.5万"
    assert fmt_value(114_980.71, Unit.CNY, "en") == "¥115.0K"
    assert fmt_value(0.9432, Unit.PCT, "zh") == "94.3%"
    assert fmt_value(None, Unit.CNY, "zh") == "—"


@pytest.mark.parametrize(
    ("header", "lang"),
    [("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9", "en"), ("en;q=0.5,zh-TW;q=0.9", "zh"), ("", "en")],
)
def test_language_follows_the_browser(header: str, lang: str) -> None:
    assert negotiate(header) == lang


def test_cockpit_speaks_chinese_when_the_browser_prefers_it(app, login) -> None:
    html = login(app, "boss", headers={"accept-language": "zh-CN,zh;q=0.9"}).get("/").text
    assert "经营驾驶舱" in html and '<html lang="zh-CN">' in html
    assert re.search(r'kpi-value">¥[\d.,]+万<', html)
    html = login(app, "boss", headers={"accept-language": "en-US"}).get("/").text
    assert "Executive cockpit" in html and re.search(r'kpi-value">¥[\d.,]+K<', html)


def test_language_switch_is_remembered_for_the_user(app, login, csrf_of) -> None:
    c = login(app, "boss", headers={"accept-language": "zh-CN"})
    token = csrf_of(c.get("/").text)
    r = c.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/glossary"}, follow_redirects=False)
    assert r.headers["location"] == "/glossary"
    assert "Metric glossary" in c.get("/glossary").text
    assert app.state.services.db.get_user("boss").lang == "en"
    # a new browser of the same user, preferring Chinese, still gets English
    assert "Executive cockpit" in login(app, "boss", headers={"accept-language": "zh-CN"}).get("/").text


def test_every_tile_carries_its_plain_language_explanation(app, login) -> None:
    html = login(app, "boss", headers={"accept-language": "en"}).get("/").text
    catalog = app.state.services.views.catalog
    for name in re.findall(r'class="kpi"[^>]*data-metric="([a-z_]+)"', html):
        assert catalog.get(name).description.en[:40] in html.replace("&#39;", "'").replace("&amp;", "&")


def test_why_panel_explains_the_change(app, login) -> None:
    c = login(app, "boss", headers={"accept-language": "en"})
    key = app.state.services.views.current_month()[0].strftime("%Y-%m")
    html = c.get("/partials/explain", params={"metric": "net_sales", "period": key, "vs": "yoy"}).text
    assert "Why did it change?" in html and "Top drivers" in html and "Net sales for" in html


def test_pages_render_and_drill_down_to_cities(app, login) -> None:
    c = login(app, "boss", headers={"accept-language": "en"})
    for path in ("/sales", "/inventory", "/glossary", "/data"):
        assert c.get(path).status_code == 200, path
    html = c.get("/sales", params={"province": "浙江省"}).text
    assert ">City<" in html and "杭州市" in html


def test_bad_metric_is_a_clear_400_not_a_500(app, login) -> None:
    c = login(app, "boss", headers={"accept-language": "zh-CN"})
    r = c.get("/api/query", params={"metrics": "no_such_metric"})
    assert r.status_code == 400
    assert set(r.json()["error"]) == {"code", "zh", "en", "message"}
    assert c.get("/partials/explain", params={"metric": "nope", "period": "2026-10"}).status_code == 400


def test_api_json_shapes(app, login) -> None:
    c = login(app, "boss")
    metrics = c.get("/api/metrics").json()
    assert len(metrics) > 80
    assert set(metrics[0]) >= {"name", "label", "description", "unit", "dimensions", "formula"}
    assert set(metrics[0]["label"]) == {"zh", "en"}
    body = c.get(
        "/api/query", params={"metrics": "net_sales,sales_qty", "grain": "month", "compare": "yoy"}
    ).json()
    assert body["columns"][:2] == ["period", "net_sales"]
    assert {"sales_qty", "net_sales_prior", "net_sales_change_pct", "net_sales_prior_missing"} <= set(
        body["columns"]
    )
    assert set(body) == {"columns", "rows", "row_count", "truncated", "scope"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["rows"][0]["period"])
    e = c.get("/api/explain", params={"metric": "net_sales", "period": "2026-10"}).json()
    assert {"summary", "drivers", "value", "prior", "change"} <= set(e)
    assert set(e["summary"]) == {"zh", "en"}
    assert c.get("/api/openapi.json").json()["paths"].keys() >= {"/api/query", "/api/explain", "/api/metrics"}
    assert c.get("/api/audit").status_code == 200
    assert login(app, "zj").get("/api/audit").status_code == 403


def test_security_headers_and_no_cdn(app, login) -> None:
    c = login(app, "boss")
    r = c.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', r.text)).replace("/static", "")
    docs = c.get("/docs").text
    assert "/static/vendor/swagger-ui-bundle.js" in docs and "cdn" not in docs
    for asset in ("vendor/echarts.min.js", "vendor/htmx.min.js", "app.js", "app.css"):
        assert c.get(f"/static/{asset}").status_code == 200


def test_users_cli_adds_lists_scopes_and_disables(tmp_path) -> None:
    import typer
    from typer.testing import CliRunner

    from chainsight._cli import web

    cli = typer.Typer()
    web.register(cli)
    run = CliRunner().invoke
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    base = ["--appdb", url]
    r = run(cli, ["users", "add", "ada", "--role", "admin", "--password-stdin", *base], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    r = run(
        cli,
        [
            "users",
            "add",
            "li",
            "--role",
            "sales_manager",
            "--scope",
            "province=浙江省",
            "--password-stdin",
            *base,
        ],
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    r = run(cli, ["users", "add", "bad", "--password-stdin", *base], input="short\n")
    assert r.exit_code == 2
    r = run(
        cli,
        ["users", "set-scope", "li", "--scope", "province=江苏省", "--scope", "channel_kind=offline", *base],
    )
    assert r.exit_code == 0, r.output
    r = run(cli, ["users", "disable", "li", *base])
    assert r.exit_code == 0
    r = run(cli, ["users", "list", "--json", *base])
    listed = {u["username"]: u for u in __import__("json").loads(r.output)}
    assert listed["li"]["disabled"] and listed["li"]["scope"]["rules"] == {
        "channel_kind": ["offline"],
        "province": ["江苏省"],
    }
    r = run(cli, ["users", "token", "ada", "--name", "bi", *base])
    assert r.exit_code == 0 and r.output.startswith("cs_")
    r = run(cli, ["users", "audit", "--json", *base])
    actions = [e["action"] for e in __import__("json").loads(r.output)]
    assert {"user_add", "scope_change", "user_disable", "token_create"} <= set(actions)

"""The web shell: one error shape for the API, error pages for pages, sign-in redirects, one services seam."""

from __future__ import annotations

from urllib.parse import quote

from chainsight.appdb import AppDB

PASSWORD = "correct horse battery staple"


def test_api_errors_are_one_json_shape_in_the_callers_language(app, make_client, login) -> None:
    anon = make_client(app)
    r = anon.get("/api/me", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {
        "error": {"code": "login_required", "message": "请先登录", "zh": "请先登录", "en": "sign in first"}
    }
    zj = login(app, "zj", headers={"accept-language": "en"})
    err = zj.get("/api/audit").json()["error"]
    assert err["code"] == "forbidden" and err["message"] == err["en"] == "administrators only"
    r = zj.get("/api/no-such-endpoint")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    zh = login(app, "zj", headers={"accept-language": "zh-CN"})
    r = zh.get("/api/query", params={"metrics": "net_sales", "limit": 0})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_request" and err["message"] == err["zh"] == "请求参数无效:limit:须不小于 1"
    assert "limit" in err["en"]
    r = zh.get("/api/query", params={"metrics": "no_such_metric"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    assert r.json()["error"]["message"] == r.json()["error"]["zh"]


def test_openapi_documents_the_error_shape_for_every_operation(app, make_client) -> None:
    spec = make_client(app).get("/api/openapi.json").json()
    assert set(spec["components"]["schemas"]["ErrorResponse"]["properties"]) == {"error"}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert {"401", "403", "422"} <= codes, (method, path)
            assert op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
                "/ErrorResponse"
            )
    ack = spec["paths"]["/api/alerts/{alert_id}/ack"]["post"]["responses"]
    assert {"404", "409"} <= set(ack)


def test_pages_show_errors_as_pages_and_sign_in_returns_to_the_form(app, make_client, login) -> None:
    zj = login(app, "zj", headers={"accept-language": "zh-CN"})
    r = zj.get("/data")
    assert r.status_code == 403 and "<html" in r.text and "您的角色无权查看此页面" in r.text
    r = zj.get("/no-such-page")
    assert r.status_code == 404 and "<html" in r.text and "没有这个页面" in r.text
    anon = make_client(app)
    r = anon.post(
        "/alerts/1/ack",
        data={"note": "x"},
        headers={"referer": "http://testserver/alerts?state=all"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/login?next=" + quote("/alerts?state=all")
    r = anon.post("/alerts/1/ack", headers={"referer": "https://evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/login?next=" + quote("/")
    r = anon.get("/partials/alerts-top", headers={"hx-request": "true"})
    assert r.status_code == 401 and r.headers["hx-redirect"] == "/login"


def test_signing_in_from_the_chinese_login_link_works_the_first_time(app, make_client, csrf_of) -> None:
    c = make_client(app)
    page = c.get("/login", params={"lang": "zh"})
    assert "cs_lang" in c.cookies and "cs_csrf" in c.cookies  # both cookies, not just the language one
    r = c.post(
        "/login",
        data={"username": "boss", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_routes_get_their_services_from_one_replaceable_dependency(app, demo_warehouse, login) -> None:
    """What issue 14 plugs in (another WarehouseAccess) reaches every route through one dependency."""
    from argon2 import PasswordHasher

    from chainsight.web import Services
    from chainsight.web._deps import get_services
    from chainsight.web._services import SharedConnection

    class Counting(SharedConnection):
        reads = 0

        def read(self):  # type: ignore[no-untyped-def]
            Counting.reads += 1
            return super().read()

    other = AppDB("sqlite://", hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    other.add_user("guest", PASSWORD, role="executive")
    replaced = Services(Counting(demo_warehouse), other)
    app.dependency_overrides[get_services] = lambda: replaced
    try:
        c = login(app, "guest")
        assert c.get("/api/me").json()["username"] == "guest"
        body = c.get("/api/query", params={"metrics": "net_sales", "grain": "year"}).json()
        assert body["rows"] and Counting.reads >= 1
        assert c.get("/").status_code == 200  # a page, through the same services
        assert other.audit_log(action="login")[0]["actor"] == "guest"
    finally:
        app.dependency_overrides.clear()

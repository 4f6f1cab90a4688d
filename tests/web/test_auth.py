"""Sign-in: sessions, cookies, CSRF, rate limiting, roles, the audit log."""

from __future__ import annotations

import pytest

from chainsight.appdb import AppDB
from chainsight.metrics import Scope

PASSWORD = "correct horse battery staple"


def test_anonymous_page_redirects_to_login_and_api_says_401(app, make_client) -> None:
    c = make_client(app)
    r = c.get("/sales?province=x", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=/sales")
    r = c.get("/api/query", params={"metrics": "net_sales"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_login_starts_a_session_and_is_audited(app, appdb: AppDB, login) -> None:
    c = login(app, "boss")
    assert c.get("/api/me").json()["username"] == "boss"
    assert any(e["action"] == "login" and e["target"] == "boss" for e in appdb.audit_log())


def test_session_cookie_flags_follow_the_scheme(app, make_client, csrf_of, demo_warehouse) -> None:
    from chainsight.web import create_app

    def cookie_after_login(a, base_url: str) -> str:
        c = make_client(a, base_url=base_url)
        page = c.get("/login")
        r = c.post(
            "/login",
            data={"username": "boss", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        return next(h for h in r.headers.get_list("set-cookie") if h.startswith("cs_session="))

    plain = cookie_after_login(app, "http://testserver").lower()
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    https = cookie_after_login(app, "https://testserver").lower()
    assert "secure" in https
    forced = create_app(demo_warehouse, app.state.services.db, secure_cookies=True)
    csrf_cookie = make_client(forced).get("/login").headers["set-cookie"].lower()
    assert csrf_cookie.startswith("cs_csrf=") and "secure" in csrf_cookie


def test_wrong_password_is_refused_and_audited(app, appdb: AppDB, make_client, csrf_of) -> None:
    c = make_client(app)
    r = c.post(
        "/login",
        data={"username": "boss", "password": "nope nope nope", "csrf_token": csrf_of(c.get("/login").text)},
    )
    assert r.status_code == 401
    assert "cs_session" not in c.cookies
    assert appdb.audit_log(action="login_failure")[0]["target"] == "boss"


def test_login_without_or_with_forged_csrf_token_is_rejected(app, make_client, csrf_of) -> None:
    c = make_client(app)
    c.get("/login")
    r = c.post("/login", data={"username": "boss", "password": PASSWORD})
    assert r.status_code == 403
    r = c.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    # a token from another browser (another cookie) does not fit this one
    other = make_client(app)
    token = csrf_of(other.get("/login").text)
    fresh = make_client(app)
    fresh.get("/login")
    assert (
        fresh.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token}).status_code
        == 403
    )


def test_logout_and_language_posts_need_the_csrf_token(app, login, csrf_of) -> None:
    c = login(app, "boss")
    assert c.post("/logout", data={}).status_code == 403
    assert c.post("/lang", data={"lang": "en"}).status_code == 403
    assert c.get("/api/me").status_code == 200  # still signed in
    token = csrf_of(c.get("/glossary").text)
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert c.get("/api/me").status_code == 401


def test_login_rate_limit_blocks_even_the_right_password(app, appdb: AppDB, make_client, csrf_of) -> None:
    c = make_client(app)
    token = csrf_of(c.get("/login").text)
    for _ in range(5):
        r = c.post("/login", data={"username": "boss", "password": "wrong wrong wrong", "csrf_token": token})
        assert r.status_code == 401
    r = c.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    assert "retry-after" in r.headers
    assert appdb.audit_log(action="login_rate_limited")


def test_open_redirect_after_login_is_refused(app, make_client, csrf_of) -> None:
    c = make_client(app)
    token = csrf_of(c.get("/login").text)
    r = c.post(
        "/login",
        data={"username": "boss", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_disabled_user_loses_session_and_tokens(app, appdb: AppDB, login) -> None:
    c = login(app, "zj")
    token = appdb.create_token("zj", "script")
    assert c.get("/api/me").status_code == 200
    appdb.set_disabled("zj")
    assert c.get("/api/me").status_code == 401
    bare = c.__class__(app)
    assert bare.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_scope_change_is_audited_and_ends_sessions(app, appdb: AppDB, login) -> None:
    c = login(app, "zj")
    appdb.set_scope("zj", Scope.of(province="江苏省"), actor="boss")
    assert c.get("/api/me").status_code == 401
    entry = appdb.audit_log(action="scope_change")[0]
    assert entry["actor"] == "boss" and "浙江省" in entry["detail"] and "江苏省" in entry["detail"]


def test_data_page_is_for_admins_and_planners_only(app, login) -> None:
    assert login(app, "boss").get("/data").status_code == 200
    assert login(app, "plan").get("/data").status_code == 200
    assert login(app, "zj").get("/data").status_code == 403


def test_no_user_without_a_real_password_and_admins_see_everything() -> None:
    from chainsight._errors import UserInputError

    db = AppDB("sqlite://")
    with pytest.raises(UserInputError):
        db.add_user("a", "", role="admin")
    with pytest.raises(UserInputError):
        db.add_user("a", "short", role="admin")
    with pytest.raises(UserInputError):
        db.add_user("a", PASSWORD, role="admin", scope=Scope.of(province="浙江省"))
    with pytest.raises(UserInputError):
        db.add_user("a", PASSWORD, role="superuser")
    assert db.add_user("v", PASSWORD, role="viewer").scope.sees_nothing
    assert db.add_user("e", PASSWORD, role="executive").scope.unrestricted
    assert db.authenticate("v", PASSWORD) is not None
    assert "argon2" in db.engine.connect().exec_driver_sql("select password_hash from cs_users").scalar()


def test_api_token_authenticates_and_revoked_token_does_not(app, appdb: AppDB, make_client) -> None:
    token = appdb.create_token("zj", "bi")
    c = make_client(app)
    auth = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/me", headers=auth).json()["username"] == "zj"
    assert c.get("/api/me", headers={"Authorization": "Bearer cs_wrong"}).status_code == 401
    appdb.revoke_token("zj", "bi")
    assert c.get("/api/me", headers=auth).status_code == 401

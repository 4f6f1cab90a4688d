"""Alerts in the web app: the API applies the user's scope, ack/resolve need a token (or session + CSRF) and a
role that may act, the page lists what the user may see."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
from alert_helpers import LOT, PRICE, SUPPLIER, fire, make_db

from chainsight.alerts import alert_history
from chainsight.metrics import Scope

PASSWORD = "correct horse battery staple"


@pytest.fixture
def web(demo: Any) -> Any:
    wh, _ = demo
    db = make_db()
    db.add_user("boss", PASSWORD, role="admin")
    db.add_user("sh", PASSWORD, role="sales_manager", scope=Scope.of(province="上海市"))
    db.add_user("look", PASSWORD, role="viewer", scope=Scope.all())
    fire(db, SUPPLIER, LOT, PRICE)
    from chainsight.web import create_app

    return create_app(wh, db), db


def _client(app: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    return TestClient(app)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


def _login(app: Any, username: str) -> Any:
    c = _client(app)
    page = c.get("/login")
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text), "next": "/alerts"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return c


def test_api_lists_alerts_in_the_users_scope(web: Any) -> None:
    app, _db = web
    boss, sh = _login(app, "boss"), _login(app, "sh")
    assert {a["rule_id"] for a in boss.get("/api/alerts").json()} == {
        "supplier_late_otif",
        "expiry_risk_lot",
        "online_price_below_floor",
    }
    mine = sh.get("/api/alerts").json()
    assert [a["rule_id"] for a in mine] == ["expiry_risk_lot"] and mine[0]["scope"]["province"] == "上海市"
    other = next(a for a in boss.get("/api/alerts").json() if a["rule_id"] == "supplier_late_otif")
    assert sh.get(f"/api/alerts/{other['id']}").status_code == 404  # outside the scope: as if absent
    assert _client(app).get("/api/alerts").status_code == 401


def test_ack_and_resolve_by_token_are_recorded_with_the_user(web: Any) -> None:
    app, db = web
    token = db.create_token("sh", "bot")
    c = _client(app)
    mine = c.get("/api/alerts", headers={"Authorization": f"Bearer {token}"}).json()[0]
    r = c.post(
        f"/api/alerts/{mine['id']}/ack", json={"note": "on it"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert (
        r.status_code == 200 and r.json()["state"] == "acknowledged" and r.json()["acknowledged_by"] == "sh"
    )
    r = c.post(
        f"/api/alerts/{mine['id']}/resolve",
        json={"note": "sold to outlet"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.json()["state"] == "resolved" and r.json()["resolution"] == "sold to outlet"
    assert [h["actor"] for h in alert_history(db, mine["id"])] == ["system", "sh", "sh"]
    assert {a["action"] for a in db.audit_log() if a["actor"] == "sh"} >= {"alert_ack", "alert_resolve"}
    # again: conflict; outside the scope: not found
    assert (
        c.post(f"/api/alerts/{mine['id']}/resolve", headers={"Authorization": f"Bearer {token}"}).status_code
        == 409
    )
    sup = next(a for a in db_alerts(db) if a.rule_id == "supplier_late_otif")
    assert (
        c.post(f"/api/alerts/{sup.id}/ack", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    )


def db_alerts(db: Any) -> Any:
    from chainsight.alerts import list_alerts

    return list_alerts(db)


def test_session_posts_need_csrf_and_viewers_cannot_act(web: Any) -> None:
    app, _db = web
    boss = _login(app, "boss")
    aid = boss.get("/api/alerts").json()[0]["id"]
    assert boss.post(f"/api/alerts/{aid}/ack").status_code == 403  # no CSRF token
    page = boss.get("/alerts")
    assert page.status_code == 200 and 'id="alerts-table"' in page.text
    r = boss.post(f"/alerts/{aid}/ack", data={"csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert next(a for a in boss.get("/api/alerts").json() if a["id"] == aid)["state"] == "acknowledged"
    look = _login(app, "look")
    assert (
        look.post(
            f"/api/alerts/{aid}/resolve", headers={"X-CSRF-Token": _csrf(look.get("/alerts").text)}
        ).status_code
        == 403
    )


def test_alerts_page_shows_only_the_scope(web: Any) -> None:
    app, _ = web
    html = _login(app, "sh").get("/alerts").text
    assert "SN013" in html and "SUP03" not in html and 'href="/alerts"' in html


def test_cockpit_panel_shows_the_top_alerts_of_the_scope(web: Any) -> None:
    app, _ = web
    sh = _login(app, "sh")
    part = sh.get("/partials/alerts-top").text
    assert "SN013" in part and "SUP03" not in part
    boss = _login(app, "boss")
    part = boss.get("/partials/alerts-top?n=2").text
    assert part.count("<tr>") == 2 and "SUP03" in part  # the two critical ones first
    assert 'hx-get="/partials/alerts-top"' in boss.get("/").text


def test_bad_input_is_a_client_error(web: Any) -> None:
    app, db = web
    token = db.create_token("boss", "bot")
    c = _client(app)
    h = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/alerts?state=nonsense", headers=h).status_code == 400
    assert c.get(f"/api/alerts/{10**30}", headers=h).status_code == 422
    r = c.post("/api/alerts/1/ack", content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400


def test_not_found_and_conflict_are_typed_json_errors_in_the_callers_language(web: Any) -> None:
    app, db = web
    token = db.create_token("sh", "bot")
    c = _client(app)
    h = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}
    mine = c.get("/api/alerts", headers=h).json()[0]
    assert c.post(f"/api/alerts/{mine['id']}/resolve", headers=h).status_code == 200
    again = c.post(f"/api/alerts/{mine['id']}/resolve", headers=h)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert again.json()["error"]["message"] == f"告警 #{mine['id']} 已解决,不能再解决"
    sup = next(a for a in db_alerts(db) if a.rule_id == "supplier_late_otif")
    hidden = c.get(f"/api/alerts/{sup.id}", headers=h)  # exists, but outside the scope
    absent = c.get("/api/alerts/999999", headers=h)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["error"]["code"] == absent.json()["error"]["code"] == "not_found"
    assert hidden.json()["error"]["en"] == f"no alert #{sup.id}"

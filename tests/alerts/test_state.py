"""Alert states: dedup across runs, open → acknowledged → resolved, auto-resolve, history, scopes, audit."""

from __future__ import annotations

import json

import pytest
from alert_helpers import LOT, PRICE, SUPPLIER, clear, fire

from chainsight._errors import UserInputError
from chainsight.alerts import acknowledge, alert_history, get_alert, list_alerts, resolve, top_alerts, visible
from chainsight.appdb import AppDB
from chainsight.metrics import Scope


def test_one_condition_never_alerts_twice_while_open(appdb: AppDB) -> None:
    opened, *_ = fire(appdb, SUPPLIER, LOT)
    assert len(opened) == 2
    lot2 = (LOT[0], LOT[1], {**LOT[2], "projected_unsold_value": 25000.0}, LOT[3])
    opened2, updated2, escalated2, resolved2 = fire(appdb, SUPPLIER, lot2, as_of="2026-11-01")
    assert (opened2, escalated2, resolved2) == ([], [], [])
    assert sorted(updated2) == sorted(opened)
    alerts = list_alerts(appdb)
    assert len(alerts) == 2
    lot = next(a for a in alerts if a.rule_id == "expiry_risk_lot")
    assert lot.numbers["projected_unsold_value"] == 25000.0 and "¥25,000" in lot.message["zh"]
    assert lot.seen_count == 2 and lot.as_of == "2026-11-01" and lot.last_seen >= lot.first_seen
    assert [e["event"] for e in alert_history(appdb, lot.id)] == ["opened"]  # an update is not a state change


def test_severity_change_is_recorded(appdb: AppDB) -> None:
    (aid,), *_ = fire(appdb, LOT)
    crit = (LOT[0], LOT[1], LOT[2], "critical")
    _, _, escalated, _ = fire(appdb, crit)
    assert escalated == [aid] and get_alert(appdb, aid).severity == "critical"
    fire(appdb, LOT)
    assert [e["event"] for e in alert_history(appdb, aid)] == ["opened", "escalated", "deescalated"]


def test_acknowledge_then_auto_resolve_when_the_condition_clears(appdb: AppDB) -> None:
    (aid,), *_ = fire(appdb, SUPPLIER)
    a = acknowledge(appdb, aid, actor="li", note="called the supplier")
    assert a.state == "acknowledged" and a.acknowledged_by == "li"
    # still firing: stays acknowledged, numbers updated, no new alert
    opened, updated, _, _ = fire(appdb, SUPPLIER)
    assert opened == [] and updated == [aid] and get_alert(appdb, aid).state == "acknowledged"
    # another rule's evaluation does not touch it
    clear(appdb, "expiry_risk_lot")
    assert get_alert(appdb, aid).state == "acknowledged"
    _, _, _, resolved = clear(appdb, "supplier_late_otif", as_of="2026-12-01")
    assert resolved == [aid]
    a = get_alert(appdb, aid)
    assert (a.state, a.resolved_by) == ("resolved", "system") and "2026-12-01" in a.resolution
    hist = alert_history(appdb, aid)
    assert [(h["event"], h["from_state"], h["to_state"], h["actor"]) for h in hist] == [
        ("opened", None, "open", "system"),
        ("acknowledged", "open", "acknowledged", "li"),
        ("resolved", "acknowledged", "resolved", "system"),
    ]
    assert hist[1]["note"] == "called the supplier"
    # firing again later is a new occurrence, with its own history
    (new,), *_ = fire(appdb, SUPPLIER)
    assert new != aid and get_alert(appdb, new).fingerprint == a.fingerprint
    assert [x.id for x in list_alerts(appdb)] == [new]
    assert {x.id for x in list_alerts(appdb, states=None)} == {aid, new}


def test_manual_resolve_is_audited_and_terminal(appdb: AppDB) -> None:
    (aid,), *_ = fire(appdb, PRICE)
    resolve(appdb, aid, actor="wang", note="shop fixed the coupon", ip="10.0.0.9")
    a = get_alert(appdb, aid)
    assert (a.state, a.resolved_by, a.resolution) == ("resolved", "wang", "shop fixed the coupon")
    audit = appdb.audit_log(action="alert_resolve")
    assert (
        audit[0]["actor"] == "wang" and audit[0]["target"] == f"alert#{aid}" and audit[0]["ip"] == "10.0.0.9"
    )
    assert json.loads(audit[0]["detail"])["from"] == "open"
    with pytest.raises(UserInputError):
        acknowledge(appdb, aid, actor="wang")
    with pytest.raises(UserInputError):
        resolve(appdb, 999, actor="wang")


def test_scope_is_deny_by_default(appdb: AppDB) -> None:
    fire(appdb, SUPPLIER, LOT, PRICE)
    sh = Scope.of(province="上海市")
    assert [a.rule_id for a in list_alerts(appdb, scope=sh)] == ["expiry_risk_lot"]
    assert list_alerts(appdb, scope=Scope()) == []
    assert len(list_alerts(appdb, scope=Scope.all())) == 3
    assert [a.rule_id for a in list_alerts(appdb, scope=Scope.of(channel_kind="online"))] == [
        "online_price_below_floor"
    ]
    assert not visible({"province": "浙江省"}, sh)
    # a user cannot act on an alert outside their scope
    sup = next(a for a in list_alerts(appdb) if a.rule_id == "supplier_late_otif")
    with pytest.raises(UserInputError):
        acknowledge(appdb, sup.id, actor="zj", scope=sh)
    # most severe first
    assert [a.severity for a in top_alerts(appdb, Scope.all(), 3)] == ["critical", "critical", "warning"]
    assert len(top_alerts(appdb, Scope.all(), 1)) == 1


def test_unique_active_alert_per_fingerprint_is_enforced_by_the_database(appdb: AppDB) -> None:
    from sqlalchemy.exc import IntegrityError

    from chainsight.appdb._alert_models import AlertRow

    (aid,), *_ = fire(appdb, SUPPLIER)
    fp = get_alert(appdb, aid).fingerprint
    with pytest.raises(IntegrityError), appdb._session.begin() as s:
        s.add(
            AlertRow(
                fingerprint=fp,
                active_key=fp,
                rule_id="x",
                kind="x",
                severity="warning",
                owner_role="planner",
                state="open",
            )
        )

"""Alert states in the app database: open → acknowledged → resolved, deduplicated by fingerprint, with history.

``evaluate`` runs the rules and reconciles the findings with the stored alerts in one transaction:

* a condition that fires and has no active alert opens one (event ``opened``);
* a condition that fires and has an active (open or acknowledged) alert updates its numbers and
  ``last_seen`` — it never alerts twice; a severity change is an ``escalated`` / ``deescalated`` event;
* an active alert whose rule was evaluated and no longer fires is resolved by ``system`` (event
  ``resolved``, with why); a rule that could not be evaluated (missing data, or an error) leaves its
  alerts alone.

Running it again with the same data changes nothing but ``last_seen``: it is idempotent.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import string
import traceback
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chainsight._errors import Conflict, NotFound, UserInputError
from chainsight.alerts._rules_eval import Context, Finding, NotEvaluable, findings_for
from chainsight.alerts._spec import SEVERITY_RANK, Rule, RuleSet, load_rules
from chainsight.appdb import AlertEventRow, AlertRow, AppDB, AuditRow, utcnow
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse

ACTIVE = ("open", "acknowledged")
STATES = {
    "open": ("未处理", "open"),
    "acknowledged": ("已确认", "acknowledged"),
    "resolved": ("已解决", "resolved"),
}


def _session(appdb: Any) -> sessionmaker[Session]:
    return appdb._session  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------- texts
class _Fmt(string.Formatter):
    """``str.format`` that shows a missing or unformattable value as "—" instead of failing."""

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        return kwargs.get(key) if isinstance(key, str) else super().get_value(key, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None or value == "":
            return "—"
        try:
            return super().format_field(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


_FMT = _Fmt()


def render(template: str, values: dict[str, Any]) -> str:
    """Fill a rule template with an alert's scope and numbers.

    >>> render("{site}: ¥{v:,.0f} ({share:.0%})", {"site": "DC-SH", "v": 12345.6, "share": None})
    'DC-SH: ¥12,346 (—)'
    """
    return _FMT.format(template, **values)


def _texts(rule: Rule, f: Finding) -> dict[str, str]:
    from chainsight.analysis import ACTION_NAMES

    out: dict[str, str] = {"title_zh": rule.title.zh, "title_en": rule.title.en}
    for lang in ("zh", "en"):
        values: dict[str, Any] = {**f.scope, **f.numbers}
        action = values.get("action")
        if isinstance(action, str) and action in ACTION_NAMES:
            values["action"] = ACTION_NAMES[action].get(lang)
        if "direction" in values:
            values["direction"] = {
                "over": ("预测偏高", "over-forecast"),
                "under": ("预测偏低", "under-forecast"),
            }.get(values["direction"], (values["direction"],) * 2)[0 if lang == "zh" else 1]
        out[f"message_{lang}"] = render(rule.message.get(lang), values)
        out[f"action_{lang}"] = render(rule.action.get(lang), values)
    return out


# ---------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Alert:
    """An alert as stored: state, scope, numbers, texts in zh and en, and when it was seen."""

    id: int
    fingerprint: str
    rule_id: str
    kind: str
    severity: str
    owner_role: str
    state: str
    scope: dict[str, str]
    numbers: dict[str, Any]
    title: dict[str, str]
    message: dict[str, str]
    action: dict[str, str]
    as_of: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    seen_count: int
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    resolved_at: dt.datetime | None
    resolved_by: str | None
    resolution: str

    def text(self, lang: str) -> str:
        return self.message["zh" if lang.startswith("zh") else "en"]

    def to_dict(self) -> dict[str, Any]:
        def iso(v: dt.datetime | None) -> str | None:
            return v.isoformat(timespec="seconds") if v else None

        return {
            "id": self.id,
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "kind": self.kind,
            "severity": self.severity,
            "owner_role": self.owner_role,
            "state": self.state,
            "scope": self.scope,
            "numbers": self.numbers,
            "title": self.title,
            "message": self.message,
            "action": self.action,
            "as_of": self.as_of,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "seen_count": self.seen_count,
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "resolved_at": iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "resolution": self.resolution,
        }


def to_alert(r: AlertRow) -> Alert:
    return Alert(
        id=r.id,
        fingerprint=r.fingerprint,
        rule_id=r.rule_id,
        kind=r.kind,
        severity=r.severity,
        owner_role=r.owner_role,
        state=r.state,
        scope=json.loads(r.scope_json or "{}"),
        numbers=json.loads(r.numbers_json or "{}"),
        title={"zh": r.title_zh, "en": r.title_en},
        message={"zh": r.message_zh, "en": r.message_en},
        action={"zh": r.action_zh, "en": r.action_en},
        as_of=r.as_of,
        first_seen=r.first_seen,
        last_seen=r.last_seen,
        seen_count=r.seen_count,
        acknowledged_at=r.acknowledged_at,
        acknowledged_by=r.acknowledged_by,
        resolved_at=r.resolved_at,
        resolved_by=r.resolved_by,
        resolution=r.resolution,
    )


@dataclass(frozen=True)
class RuleOutcome:
    """How one rule went: ``ok`` (with how many conditions fire), ``not_evaluable`` (missing data) or ``error``."""

    rule_id: str
    status: str
    firing: int = 0
    reason: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "status": self.status, "firing": self.firing, "reason": self.reason}


@dataclass(frozen=True)
class EvaluationResult:
    """What one evaluation did: per rule outcome, and the ids of alerts opened, updated, escalated, resolved."""

    as_of: dt.date
    rules: list[RuleOutcome]
    opened: list[int]
    updated: list[int]
    escalated: list[int]
    resolved: list[int]
    active: int

    @property
    def errors(self) -> list[RuleOutcome]:
        return [r for r in self.rules if r.status == "error"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "rules": [r.to_dict() for r in self.rules],
            "opened": self.opened,
            "updated": self.updated,
            "escalated": self.escalated,
            "resolved": self.resolved,
            "active": self.active,
        }


# ---------------------------------------------------------------------------------------------- evaluate
def _rules(rules: RuleSet | str | os.PathLike[str] | list[str] | None) -> RuleSet:
    if rules is None:
        return load_rules()
    if isinstance(rules, RuleSet):
        return rules
    if isinstance(rules, list):
        return load_rules().select(rules)
    return load_rules(rules)


def _event(
    s: Session,
    row: AlertRow,
    event: str,
    from_state: str | None,
    actor: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> AlertEventRow:
    ev = AlertEventRow(
        alert_id=row.id,
        at=at or utcnow(),
        event=event,
        from_state=from_state,
        to_state=row.state,
        severity=row.severity,
        actor=actor,
        note=note,
        numbers_json=row.numbers_json,
    )
    s.add(ev)
    return ev


def evaluate(
    wh: Warehouse,
    appdb: AppDB,
    *,
    as_of: dt.date | str | None = None,
    rules: RuleSet | str | os.PathLike[str] | list[str] | None = None,
    today: dt.date | None = None,
) -> EvaluationResult:
    """Evaluate the alert rules on ``wh`` and reconcile the findings with the alerts in ``appdb``.

    ``as_of`` is the business date to evaluate at (default: the latest sales or inventory date in the
    warehouse). Data freshness compares the latest data with ``today`` (default: the real date), not
    with ``as_of``. ``rules`` is a RuleSet, a rules file or folder, or a list of built-in rule ids.
    Idempotent: a second run on the same data opens and resolves nothing.

    >>> result = evaluate(wh, appdb, as_of="2026-10-31")  # doctest: +SKIP
    >>> result.opened, result.resolved  # doctest: +SKIP
    """
    from chainsight.analysis import to_date

    ruleset = _rules(rules)
    day = to_date(as_of)
    ctx = Context(wh, day, today or dt.date.today())
    outcomes: list[RuleOutcome] = []
    found: dict[str, tuple[Rule, list[Finding]]] = {}
    for rule in ruleset:
        if not rule.enabled:
            outcomes.append(RuleOutcome(rule.id, "disabled"))
            continue
        try:
            fs = findings_for(ctx, rule)
        except NotEvaluable as exc:
            outcomes.append(RuleOutcome(rule.id, "not_evaluable", reason={"zh": exc.zh, "en": exc.en}))
            continue
        except UserInputError as exc:
            outcomes.append(RuleOutcome(rule.id, "not_evaluable", reason={"zh": exc.zh, "en": exc.en}))
            continue
        except Exception as exc:  # a bug in one rule must not stop the others; reported, alerts left alone
            tb = traceback.format_exc(limit=4)
            msg = f"{type(exc).__name__}: {exc}"
            outcomes.append(RuleOutcome(rule.id, "error", reason={"zh": msg, "en": msg, "traceback": tb}))
            continue
        # one finding per fingerprint (an evaluator listing a scope twice keeps the first)
        uniq: dict[str, Finding] = {}
        for f in fs:
            uniq.setdefault(f.fingerprint, f)
        found[rule.id] = (rule, list(uniq.values()))
        outcomes.append(RuleOutcome(rule.id, "ok", firing=len(uniq)))
    as_of_day = ctx.data_as_of()
    opened, updated, escalated, resolved = _reconcile(appdb, found, as_of_day)
    with _session(appdb)() as s:
        active = s.scalar(select(func.count()).select_from(AlertRow).where(AlertRow.state.in_(ACTIVE))) or 0
    return EvaluationResult(as_of_day, outcomes, opened, updated, escalated, resolved, int(active))


def _reconcile(
    appdb: Any, found: dict[str, tuple[Rule, list[Finding]]], as_of: dt.date
) -> tuple[list[int], list[int], list[int], list[int]]:
    opened: list[int] = []
    updated: list[int] = []
    escalated: list[int] = []
    resolved: list[int] = []
    now = utcnow()
    with _session(appdb).begin() as s:
        active_rows = {
            r.fingerprint: r
            for r in s.scalars(
                select(AlertRow).where(AlertRow.state.in_(ACTIVE), AlertRow.rule_id.in_(list(found)))
            )
        }
        firing: set[str] = set()
        for rule, findings in found.values():
            for f in findings:
                fp = f.fingerprint
                firing.add(fp)
                texts = _texts(rule, f)
                numbers = json.dumps(f.numbers, ensure_ascii=False, sort_keys=True)
                row = active_rows.get(fp)
                if row is None:
                    row = AlertRow(
                        fingerprint=fp,
                        active_key=fp,
                        rule_id=rule.id,
                        kind=rule.kind,
                        severity=f.severity,
                        owner_role=rule.owner_role,
                        state="open",
                        scope_json=json.dumps(f.scope, ensure_ascii=False, sort_keys=True),
                        numbers_json=numbers,
                        as_of=as_of.isoformat(),
                        first_seen=now,
                        last_seen=now,
                        seen_count=1,
                        resolution="",
                        **texts,
                    )
                    s.add(row)
                    s.flush()
                    _event(s, row, "opened", None, "system", at=now)
                    opened.append(row.id)
                    continue
                row.numbers_json = numbers
                row.last_seen = now
                row.seen_count += 1
                row.as_of = as_of.isoformat()
                for k, v in texts.items():
                    setattr(row, k, v)
                if f.severity != row.severity:
                    up = SEVERITY_RANK[f.severity] > SEVERITY_RANK[row.severity]
                    row.severity = f.severity
                    _event(s, row, "escalated" if up else "deescalated", row.state, "system", at=now)
                    if up:
                        escalated.append(row.id)
                updated.append(row.id)
        for fp, row in active_rows.items():
            if fp in firing:
                continue
            before = row.state
            row.state = "resolved"
            row.active_key = None
            row.resolved_at = now
            row.resolved_by = "system"
            row.resolution = (
                f"condition cleared as of {as_of.isoformat()} / 截至 {as_of.isoformat()} 条件已消除"
            )
            _event(s, row, "resolved", before, "system", row.resolution, at=now)
            resolved.append(row.id)
    return opened, updated, escalated, resolved


# ---------------------------------------------------------------------------------------------- queries
def visible(scope: dict[str, str], user_scope: Scope | None) -> bool:
    """Whether a user with ``user_scope`` may see an alert of ``scope`` (deny by default: every scoped
    dimension must be on the alert, with an allowed value).

    >>> visible({"province": "浙江省", "site": "DC-HZ"}, Scope.of(province="浙江省"))
    True
    >>> visible({"supplier": "SUP03"}, Scope.of(province="浙江省"))
    False
    """
    if user_scope is None or user_scope.unrestricted:
        return True
    if user_scope.sees_nothing:
        return False
    return all(scope.get(dim) in allowed for dim, allowed in user_scope.rules.items())


def list_alerts(
    appdb: Any,
    *,
    states: tuple[str, ...] | list[str] | None = ACTIVE,
    scope: Scope | None = None,
    rule_id: str | None = None,
    owner_role: str | None = None,
    limit: int | None = None,
) -> list[Alert]:
    """Alerts, most severe and newest first; ``states=None`` for every state, ``scope`` a user's scope."""
    with _session(appdb)() as s:
        q = select(AlertRow)
        if states:
            q = q.where(AlertRow.state.in_(list(states)))
        if rule_id:
            q = q.where(AlertRow.rule_id == rule_id)
        if owner_role:
            q = q.where(AlertRow.owner_role == owner_role)
        rows = [to_alert(r) for r in s.scalars(q.order_by(AlertRow.id.desc()))]
    rows = [a for a in rows if visible(a.scope, scope)]
    rows.sort(
        key=lambda a: (
            a.state == "resolved",
            -SEVERITY_RANK.get(a.severity, 0),
            -a.last_seen.timestamp(),
            -a.id,
        )
    )
    return rows[:limit] if limit else rows


def top_alerts(appdb: Any, scope: Scope | None, n: int = 5) -> list[Alert]:
    """The ``n`` most severe active alerts a user with ``scope`` may see (for the cockpit)."""
    return list_alerts(appdb, scope=scope, limit=n)


def get_alert(appdb: Any, alert_id: int) -> Alert:
    with _session(appdb)() as s:
        row = s.get(AlertRow, alert_id)
        if row is None:
            raise NotFound(f"没有告警 #{alert_id}", f"no alert #{alert_id}", alert=alert_id)
        return to_alert(row)


def alert_history(appdb: Any, alert_id: int) -> list[dict[str, Any]]:
    """Every state change of an alert, oldest first."""
    with _session(appdb)() as s:
        rows = s.scalars(
            select(AlertEventRow).where(AlertEventRow.alert_id == alert_id).order_by(AlertEventRow.id)
        )
        return [
            {
                "id": e.id,
                "at": e.at.isoformat(timespec="seconds"),
                "event": e.event,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "severity": e.severity,
                "actor": e.actor,
                "note": e.note,
            }
            for e in rows
        ]


def _transition(
    appdb: Any, alert_id: int, to: str, actor: str, note: str, scope: Scope | None, ip: str
) -> Alert:
    with _session(appdb).begin() as s:
        row = s.get(AlertRow, alert_id)
        if row is None or not visible(json.loads(row.scope_json or "{}"), scope):
            raise NotFound(f"没有告警 #{alert_id}", f"no alert #{alert_id}", alert=alert_id)
        before = row.state
        if before == "resolved":
            raise Conflict(
                f"告警 #{alert_id} 已解决,不能再{'确认' if to == 'acknowledged' else '解决'}",
                f"alert #{alert_id} is already resolved",
                alert=alert_id,
            )
        if before == to:
            raise Conflict(
                f"告警 #{alert_id} 已是该状态", f"alert #{alert_id} is already {to}", alert=alert_id
            )
        now = utcnow()
        row.state = to
        if to == "acknowledged":
            row.acknowledged_at, row.acknowledged_by = now, actor
            event = "acknowledged"
        else:
            row.resolved_at, row.resolved_by, row.resolution = now, actor, note
            row.active_key = None
            event = "resolved"
        _event(s, row, event, before, actor, note, at=now)
        s.add(
            AuditRow(
                actor=actor,
                action=f"alert_{'ack' if to == 'acknowledged' else 'resolve'}",
                target=f"alert#{alert_id}",
                detail=json.dumps(
                    {"rule": row.rule_id, "from": before, "to": to, "note": note}, ensure_ascii=False
                ),
                ip=ip,
            )
        )
        s.flush()
        return to_alert(row)


def acknowledge(
    appdb: Any, alert_id: int, *, actor: str, note: str = "", scope: Scope | None = None, ip: str = ""
) -> Alert:
    """Mark an open alert as seen and being handled (audited, kept in its history)."""
    return _transition(appdb, alert_id, "acknowledged", actor, note, scope, ip)


def resolve(
    appdb: Any, alert_id: int, *, actor: str, note: str = "", scope: Scope | None = None, ip: str = ""
) -> Alert:
    """Close an alert by hand, with who and why (audited). If its condition still holds, the next
    evaluation opens a new alert for it."""
    return _transition(appdb, alert_id, "resolved", actor, note, scope, ip)

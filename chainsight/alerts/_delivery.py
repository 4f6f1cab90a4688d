"""Delivery: an outbox of (alert event, channel), senders for webhook / WeCom / DingTalk / Feishu / email,
bounded retries with exponential backoff, a log of every attempt, and a dead-letter list.

Idempotent: each (state change, channel) is one outbox row (unique), marked ``sent`` when the
channel accepted it, so running ``deliver`` twice sends nothing twice. A crash between a send and its
bookkeeping leaves the row ``sending`` under a lease (channel timeout + 60 s, so a concurrent run
leaves it alone); a run after the lease sends it again with the same ``delivery_id``
(every payload and the webhook's ``X-Chainsight-Delivery`` header carry it), so a receiver can drop
the duplicate — exactly-once over HTTP needs the receiver's help, and this is the most a sender can do.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from chainsight._errors import ChainsightError, UserInputError
from chainsight.alerts._config import Channel, DeliveryConfig
from chainsight.alerts._spec import SEVERITIES
from chainsight.alerts._state import Alert, _session, to_alert
from chainsight.appdb import (
    AlertDeliveryAttemptRow,
    AlertDeliveryRow,
    AlertEventRow,
    AlertRow,
    AuditRow,
    utcnow,
)
from chainsight.model import role_label

EVENT_NAMES = {
    "opened": ("新告警", "New alert"),
    "escalated": ("告警升级", "Escalated"),
    "deescalated": ("告警降级", "De-escalated"),
    "acknowledged": ("已确认", "Acknowledged"),
    "resolved": ("已解决", "Resolved"),
}
SCOPE_NAMES = {
    "province": ("省份", "Province"),
    "channel": ("渠道", "Channel"),
    "channel_kind": ("线上/线下", "Online/offline"),
    "site": ("地点", "Site"),
    "sku": ("SKU", "SKU"),
    "customer": ("客户", "Customer"),
    "supplier": ("供应商", "Supplier"),
    "line": ("产线", "Line"),
    "lot": ("批次", "Lot"),
    "shop": ("店铺", "Shop"),
    "entity": ("数据", "Data"),
}


# How long a claimed delivery is reserved for the run sending it, beyond the channel's timeout.
LEASE_SECONDS = 60.0


class DeliveryError(ChainsightError):
    """A channel refused or could not be reached; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------------------------- messages
@dataclass(frozen=True)
class Message:
    """What one delivery says: the alert, the event, and a stable delivery id for receivers to dedupe."""

    delivery_id: str
    event: str
    alert: Alert
    at: dt.datetime

    def langs(self, lang: str) -> list[str]:
        return ["zh", "en"] if lang == "both" else [lang]

    def title(self, lang: str) -> str:
        i = 0 if lang == "zh" else 1
        sev = SEVERITIES[self.alert.severity].get(lang)
        return f"[{sev}] {EVENT_NAMES[self.event][i]}: {self.alert.title[lang]}"

    def scope_text(self, lang: str) -> str:
        i = 0 if lang == "zh" else 1
        return " · ".join(f"{SCOPE_NAMES.get(k, (k, k))[i]} {v}" for k, v in sorted(self.alert.scope.items()))

    def markdown(self, lang: str) -> str:
        """The robot-message body: title, scope, the numbers in a sentence, the recommended action."""
        parts = []
        for lg in self.langs(lang):
            zh = lg == "zh"
            owner = role_label(self.alert.owner_role, lg)
            parts.append(
                "\n".join(
                    [
                        f"### {self.title(lg)}",
                        f"> {'范围' if zh else 'Scope'}: {self.scope_text(lg)}",
                        f"> {'负责' if zh else 'Owner'}: {owner} · {'数据日期' if zh else 'As of'} {self.alert.as_of}"
                        f" · #{self.alert.id}",
                        "",
                        self.alert.message[lg],
                        "",
                        f"**{'建议' if zh else 'Action'}**: {self.alert.action[lg]}",
                    ]
                    + (
                        [f"\n{'处理' if zh else 'Resolution'}: {self.alert.resolution}"]
                        if self.event == "resolved" and self.alert.resolution
                        else []
                    )
                )
            )
        return "\n\n---\n\n".join(parts)

    def plain(self, lang: str) -> str:
        return self.markdown(lang).replace("### ", "").replace("**", "").replace("> ", "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "event": self.event,
            "at": self.at.isoformat(timespec="seconds"),
            "title": {"zh": self.title("zh"), "en": self.title("en")},
            "alert": self.alert.to_dict(),
        }


# ---------------------------------------------------------------------------------------------- senders
Env = Mapping[str, str]


def _secret(env: Env, name: str | None, what: str) -> str | None:
    if name is None:
        return None
    value = env.get(name)
    if not value:
        raise DeliveryError(f"environment variable {name} ({what}) is not set")
    return value


def _url(ch: Channel, env: Env) -> str:
    if ch.url:
        return ch.url
    url = _secret(env, ch.url_env, "URL")
    assert url is not None
    return url


def _post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, ca_file: str | None = None
) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8", **headers}
    )
    try:
        ctx = ssl.create_default_context(cafile=ca_file) if url.startswith("https") else None
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}", exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"cannot reach the channel: {reason}") from None


def _robot_ok(status: int, body: bytes, key: str) -> None:
    """WeCom and DingTalk answer ``{"errcode": 0}``, Feishu ``{"code": 0}``; anything else is a refusal."""
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except ValueError:
        raise DeliveryError(f"HTTP {status}: not a JSON answer", status) from None
    code = data.get(key, data.get("StatusCode", 0))
    if code not in (0, None):
        msg = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
        raise DeliveryError(f"refused: {key}={code} {msg}".strip(), status)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")), URL-encoded."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(mac).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=empty))."""
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def _cut(text: str, max_bytes: int) -> str:
    """At most ``max_bytes`` of UTF-8, cut on a character boundary, marked with "…"."""
    raw = text.encode()
    if len(raw) <= max_bytes:
        return text
    return raw[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """Generic webhook: ``sha256=`` hex HMAC-SHA256 of ``"{timestamp}." + body`` keyed by the secret."""
    return (
        "sha256="
        + hmac.new(secret.encode(), str(timestamp_s).encode() + b"." + body, hashlib.sha256).hexdigest()
    )


def payload(ch: Channel, msg: Message, now_s: float, env: Env) -> tuple[str, bytes, dict[str, str]]:
    """(url, body, headers) of an HTTP channel's request — the exact format each robot expects."""
    url = _url(ch, env)
    secret = _secret(env, ch.secret_env, "secret")
    headers: dict[str, str] = {"X-Chainsight-Delivery": msg.delivery_id}
    lang = ch.lang
    if ch.type == "webhook":
        data: dict[str, Any] = msg.to_dict()
        data["text"] = {lg: msg.plain(lg) for lg in msg.langs(lang)}
        body = json.dumps(data, ensure_ascii=False).encode()
        if secret:
            ts = int(now_s)
            headers["X-Chainsight-Timestamp"] = str(ts)
            headers["X-Chainsight-Signature"] = webhook_signature(secret, ts, body)
        return url, body, headers
    if ch.type == "wecom":
        # WeCom refuses markdown over 4096 bytes
        data = {"msgtype": "markdown", "markdown": {"content": _cut(msg.markdown(lang), 4000)}}
    elif ch.type == "dingtalk":
        first = msg.langs(lang)[0]
        data = {"msgtype": "markdown", "markdown": {"title": msg.title(first), "text": msg.markdown(lang)}}
        if secret:
            ts = int(now_s * 1000)
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"
    elif ch.type == "feishu":
        first = msg.langs(lang)[0]
        template = {"critical": "red", "warning": "orange"}.get(msg.alert.severity, "blue")
        if msg.event == "resolved":
            template = "green"
        data = {
            "msg_type": "interactive",
            "card": {
                "config": {"wide_screen_mode": True},
                "header": {"title": {"tag": "plain_text", "content": msg.title(first)}, "template": template},
                "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": msg.markdown(lang)}}],
            },
        }
        if secret:
            ts = int(now_s)
            data = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **data}
    else:  # pragma: no cover - validated at load
        raise AssertionError(ch.type)
    return url, json.dumps(data, ensure_ascii=False).encode(), headers


def send_http(ch: Channel, msg: Message, now_s: float, env: Env) -> int:
    url, body, headers = payload(ch, msg, now_s, env)
    status, answer = _post(url, body, headers, ch.timeout_seconds, ch.ca_file)
    if ch.type in ("wecom", "dingtalk"):
        _robot_ok(status, answer, "errcode")
    elif ch.type == "feishu":
        _robot_ok(status, answer, "code")
    return status


def email_message(ch: Channel, msg: Message) -> EmailMessage:
    em = EmailMessage()
    first = msg.langs(ch.lang)[0]
    em["Subject"] = f"[Chainsight] {msg.title(first)} — {msg.scope_text(first)}"
    em["From"] = ch.sender or ""
    em["To"] = ", ".join(ch.to)
    em["X-Chainsight-Delivery"] = msg.delivery_id
    em.set_content(msg.plain(ch.lang))
    html = "".join(
        f"<h3>{_esc(msg.title(lg))}</h3><p><i>{_esc(msg.scope_text(lg))}</i></p>"
        f"<p>{_esc(msg.alert.message[lg])}</p><p><b>{'建议' if lg == 'zh' else 'Action'}:</b> {_esc(msg.alert.action[lg])}</p>"
        for lg in msg.langs(ch.lang)
    )
    em.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    return em


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def send_email(ch: Channel, msg: Message, env: Env) -> None:
    user = _secret(env, ch.username_env, "SMTP user")
    password = _secret(env, ch.password_env, "SMTP password")
    em = email_message(ch, msg)
    try:
        if ch.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                ch.host or "",
                ch.port or 465,
                timeout=ch.timeout_seconds,
                context=ssl.create_default_context(cafile=ch.ca_file),
            )
        else:
            smtp = smtplib.SMTP(ch.host or "", ch.port or 587, timeout=ch.timeout_seconds)
        with smtp:
            if ch.security == "starttls":
                smtp.starttls(context=ssl.create_default_context(cafile=ch.ca_file))
            if user and password:
                smtp.login(user, password)
            smtp.send_message(em)
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code} {exc.smtp_error!r}", exc.smtp_code) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {exc}") from None


Sender = Callable[[Channel, Message, float, Env], int | None]


def send(ch: Channel, msg: Message, now_s: float, env: Env) -> int | None:
    """Send one message to one channel; raises DeliveryError when it is not accepted."""
    if ch.type == "email":
        send_email(ch, msg, env)
        return None
    return send_http(ch, msg, now_s, env)


# ---------------------------------------------------------------------------------------------- deliver
@dataclass
class DeliveryReport:
    """One ``deliver`` run: what was queued, sent, retried, dead-lettered, and still pending."""

    queued: int = 0
    sent: int = 0
    failed_attempts: int = 0
    dead: int = 0
    pending: int = 0
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def _count(self, channel: str, key: str) -> None:
        c = self.by_channel.setdefault(channel, {"sent": 0, "failed_attempts": 0, "dead": 0})
        c[key] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "sent": self.sent,
            "failed_attempts": self.failed_attempts,
            "dead": self.dead,
            "pending": self.pending,
            "by_channel": self.by_channel,
            "attempts": self.attempts,
        }


def _scrub(text: str, env: Env, cfg: DeliveryConfig) -> str:
    """Never store a secret: blank out every configured secret's value from an error text."""
    for ch in cfg.channels.values():
        for name in (ch.url_env, ch.secret_env, ch.password_env, ch.username_env):
            v = env.get(name) if name else None
            if v and len(v) >= 4:
                text = text.replace(v, f"${name}")
    return text[:2000]


def enqueue(appdb: Any, config: DeliveryConfig, now: dt.datetime) -> int:
    """Add an outbox row for every recent alert event a route sends to a channel (once per pair)."""
    since = now - dt.timedelta(hours=config.max_event_age_hours)
    added = 0
    with _session(appdb).begin() as s:
        rows = s.execute(
            select(AlertEventRow, AlertRow)
            .join(AlertRow, AlertRow.id == AlertEventRow.alert_id)
            .where(AlertEventRow.at >= since)
            .order_by(AlertEventRow.id)
        ).all()
        if not rows:
            return 0
        ids = [e.id for e, _ in rows]
        have = {
            (d.event_id, d.channel)
            for d in s.scalars(select(AlertDeliveryRow).where(AlertDeliveryRow.event_id.in_(ids)))
        }
        for ev, al in rows:
            scope = json.loads(al.scope_json or "{}")
            for ch in config.channels_for(al.owner_role, ev.severity, scope, ev.event):
                if (ev.id, ch) in have:
                    continue
                have.add((ev.id, ch))
                try:
                    with s.begin_nested():  # another deliver run may have queued it a moment ago
                        s.add(
                            AlertDeliveryRow(
                                event_id=ev.id,
                                alert_id=al.id,
                                channel=ch,
                                status="pending",
                                attempts=0,
                                next_attempt_at=now,
                                last_error="",
                                created_at=now,
                            )
                        )
                except IntegrityError:
                    continue
                added += 1
    return added


def deliver(
    appdb: Any,
    config: DeliveryConfig,
    *,
    now: dt.datetime | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    environ: Env | None = None,
    sender: Sender | None = None,
) -> DeliveryReport:
    """Send every alert state change the routes select to its channels; retry failures with backoff.

    Each channel is tried independently (a failing one never holds up the others); a delivery that
    fails ``retry.max_attempts`` times goes to the dead-letter list (``dead_letters`` / ``requeue``).
    Retries due within ``retry.max_wait_seconds`` are waited for in this call (``sleep``), later ones
    are left for the next call. ``clock`` (default: ``now`` advancing with real time) and ``sleep`` are
    injectable for tests; ``environ`` (default ``os.environ``) supplies the secrets.

    >>> report = deliver(appdb, DeliveryConfig.from_yaml("alerts.yaml"))  # doctest: +SKIP
    >>> report.sent, report.dead  # doctest: +SKIP
    """
    env: Env = os.environ if environ is None else environ
    if clock is None:
        start_wall = time.monotonic()
        base = now or utcnow()
        clock = lambda: base + dt.timedelta(seconds=time.monotonic() - start_wall)  # noqa: E731
    send_fn = sender or send
    report = DeliveryReport()
    t0 = clock()
    report.queued = enqueue(appdb, config, t0)
    deadline = t0 + dt.timedelta(seconds=config.retry.max_wait_seconds)
    S = _session(appdb)
    while True:
        current = clock()
        with S() as s:
            due = list(
                s.scalars(
                    select(AlertDeliveryRow)
                    .where(
                        AlertDeliveryRow.status.in_(("pending", "sending")),
                        AlertDeliveryRow.next_attempt_at <= current,
                    )
                    .order_by(AlertDeliveryRow.id)
                )
            )
        for d in due:
            if d.channel not in config.channels:
                continue  # a channel removed from the config: left pending, shown by `alerts deliveries`
            _attempt(S, config, d.id, clock, env, send_fn, report)
        with S() as s:
            waiting = list(
                s.scalars(
                    select(AlertDeliveryRow.next_attempt_at).where(
                        AlertDeliveryRow.status == "pending",
                        AlertDeliveryRow.channel.in_(list(config.channels)),
                    )
                )
            )
        if not waiting:
            break
        nxt = min(waiting)
        if nxt > deadline:
            break
        wait = (nxt - clock()).total_seconds()
        if wait > 0:
            sleep(wait)
    with S() as s:
        report.pending = len(
            list(s.scalars(select(AlertDeliveryRow.id).where(AlertDeliveryRow.status == "pending")))
        )
    return report


def _attempt(
    S: Any,
    config: DeliveryConfig,
    delivery_id: int,
    clock: Callable[[], dt.datetime],
    env: Env,
    send_fn: Sender,
    report: DeliveryReport,
) -> None:
    with S.begin() as s:
        d = s.get(AlertDeliveryRow, delivery_id)
        current = clock()
        if d is None or d.status not in ("pending", "sending") or d.next_attempt_at > current:
            return
        attempt = d.attempts + 1
        # Claim it with a conditional update and a lease: another deliver run skips it while this one
        # sends; if this process dies mid-send, the lease runs out and a later run sends it again.
        lease = dt.timedelta(seconds=config.channels[d.channel].timeout_seconds + LEASE_SECONDS)
        claimed = s.execute(
            update(AlertDeliveryRow)
            .where(
                AlertDeliveryRow.id == delivery_id,
                AlertDeliveryRow.attempts == d.attempts,
                AlertDeliveryRow.next_attempt_at <= current,
            )
            .values(status="sending", attempts=attempt, next_attempt_at=current + lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            return
        ev = s.get(AlertEventRow, d.event_id)
        al = s.get(AlertRow, d.alert_id)
        assert ev is not None and al is not None
        alert = to_alert(al)
        msg = Message(f"cs-{d.event_id}-{d.channel}", ev.event, _as_of_event(alert, ev), ev.at)
        channel = d.channel
    ch = config.channels[channel]
    started = time.monotonic()
    at = clock()
    status: int | None = None
    error = ""
    try:
        status = send_fn(ch, msg, at.timestamp(), env)
        ok = True
    except DeliveryError as exc:
        ok, status, error = False, exc.status, _scrub(str(exc), env, config)
    except Exception as exc:  # a bug or an unexpected library error: logged as a failed attempt, not fatal
        ok, error = False, _scrub(f"{type(exc).__name__}: {exc}", env, config)
    ms = int((time.monotonic() - started) * 1000)
    with S.begin() as s:
        d = s.get(AlertDeliveryRow, delivery_id)
        assert d is not None
        s.add(
            AlertDeliveryAttemptRow(
                delivery_id=delivery_id,
                at=at,
                attempt=attempt,
                ok=ok,
                status_code=status,
                error=error,
                duration_ms=ms,
            )
        )
        if ok:
            d.status, d.sent_at, d.last_error = "sent", at, ""
            report.sent += 1
            report._count(channel, "sent")
        else:
            d.last_error = error
            report.failed_attempts += 1
            report._count(channel, "failed_attempts")
            if attempt >= config.retry.max_attempts:
                d.status = "dead"
                report.dead += 1
                report._count(channel, "dead")
            else:
                d.status = "pending"
                d.next_attempt_at = clock() + dt.timedelta(seconds=config.retry.backoff(attempt))
    report.attempts.append(
        {
            "delivery": delivery_id,
            "channel": channel,
            "attempt": attempt,
            "ok": ok,
            "status": status,
            "error": error,
        }
    )


def _as_of_event(alert: Alert, ev: AlertEventRow) -> Alert:
    """The alert as it was at the event (severity and numbers of that moment)."""
    import dataclasses

    return dataclasses.replace(alert, severity=ev.severity, numbers=json.loads(ev.numbers_json or "{}"))


# ---------------------------------------------------------------------------------------------- outbox views
def deliveries(appdb: Any, *, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Outbox rows, newest first: alert, event, channel, status, attempts, last error."""
    with _session(appdb)() as s:
        q = select(AlertDeliveryRow, AlertEventRow.event).join(
            AlertEventRow, AlertEventRow.id == AlertDeliveryRow.event_id
        )
        if status:
            q = q.where(AlertDeliveryRow.status == status)
        rows = s.execute(q.order_by(AlertDeliveryRow.id.desc()).limit(limit)).all()
        return [
            {
                "id": d.id,
                "alert_id": d.alert_id,
                "event": event,
                "channel": d.channel,
                "status": d.status,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "next_attempt_at": d.next_attempt_at.isoformat(timespec="seconds"),
                "sent_at": d.sent_at.isoformat(timespec="seconds") if d.sent_at else None,
            }
            for d, event in rows
        ]


def dead_letters(appdb: Any) -> list[dict[str, Any]]:
    """Deliveries that failed every attempt."""
    return deliveries(appdb, status="dead")


def delivery_log(appdb: Any, delivery_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Every attempt (newest first), optionally of one delivery."""
    with _session(appdb)() as s:
        q = select(AlertDeliveryAttemptRow)
        if delivery_id is not None:
            q = q.where(AlertDeliveryAttemptRow.delivery_id == delivery_id)
        return [
            {
                "delivery": a.delivery_id,
                "at": a.at.isoformat(timespec="seconds"),
                "attempt": a.attempt,
                "ok": a.ok,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in s.scalars(q.order_by(AlertDeliveryAttemptRow.id.desc()).limit(limit))
        ]


def requeue(
    appdb: Any, ids: list[int] | None = None, *, actor: str = "cli", now: dt.datetime | None = None
) -> int:
    """Put dead deliveries (``ids``, or all of them) back in the queue with fresh attempts; audited."""
    when = now or utcnow()
    with _session(appdb).begin() as s:
        q = select(AlertDeliveryRow).where(AlertDeliveryRow.status == "dead")
        if ids:
            q = q.where(AlertDeliveryRow.id.in_(ids))
        rows = list(s.scalars(q))
        if ids and len(rows) != len(set(ids)):
            found = {r.id for r in rows}
            missing = sorted(set(ids) - found)
            raise UserInputError(
                f"这些投递不在死信列表中:{missing}",
                f"not in the dead-letter list: {missing}",
                deliveries=missing,
            )
        for r in rows:
            r.status, r.attempts, r.next_attempt_at = "pending", 0, when
        if rows:
            s.add(
                AuditRow(
                    actor=actor,
                    action="alert_requeue",
                    target="deliveries",
                    detail=json.dumps([r.id for r in rows]),
                )
            )
        return len(rows)

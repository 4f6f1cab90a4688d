"""Delivery against real local servers: an HTTP server in a thread (webhook, WeCom, DingTalk, Feishu) and an
SMTP server (aiosmtpd); failures then recovery, dead letters, independence of channels, idempotency."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from alert_helpers import LOT, PRICE, SUPPLIER, clear, fire

from chainsight._errors import DefinitionError
from chainsight.alerts import (
    DeliveryConfig,
    acknowledge,
    dead_letters,
    deliver,
    deliveries,
    delivery_log,
    requeue,
)
from chainsight.appdb import AppDB


class Recorder:
    """What the HTTP server received, and how each path should answer (a list of statuses, consumed)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: dict[str, list[int]] = {}
        self.lock = threading.Lock()

    def on(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture
def http() -> Iterator[tuple[str, Recorder]]:
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            url = urllib.parse.urlsplit(self.path)
            with rec.lock:
                rec.requests.append(
                    {
                        "path": url.path,
                        "query": dict(urllib.parse.parse_qsl(url.query)),
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                plan = rec.script.get(url.path)
                status = plan.pop(0) if plan else 200
            answer = {
                "/wecom": {"errcode": 0, "errmsg": "ok"},
                "/dingtalk": {"errcode": 0},
                "/feishu": {"code": 0, "msg": "success"},
            }.get(url.path, {"ok": True})
            if url.path == "/dingtalk-refuses":
                answer = {"errcode": 310000, "errmsg": "sign not match"}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Any]]]:
    from aiosmtpd.controller import Controller

    got: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            got.append(envelope)
            return "250 OK"

    port = _free_port()
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    yield port, got
    ctl.stop()


def _free_port() -> int:
    """A port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Clock:
    """A fake clock: sleep advances it, and records how long each wait was."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 1, 8, 0, 0)
        self.sleeps: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += dt.timedelta(seconds=s)


ENV = {
    "CS_WECOM": "",
    "CS_DT_SECRET": "SEC-dingtalk-123",
    "CS_FS_SECRET": "feishu-secret",
    "CS_HOOK_SECRET": "hook-secret",
}


def _config(base: str, smtp_port: int, **retry: Any) -> DeliveryConfig:
    return DeliveryConfig.from_dict(
        {
            "channels": {
                "hook": {"type": "webhook", "url": f"{base}/hook", "secret_env": "CS_HOOK_SECRET"},
                "wecom": {"type": "wecom", "url_env": "CS_WECOM"},
                "dingtalk": {
                    "type": "dingtalk",
                    "url": f"{base}/dingtalk?access_token=abc",
                    "secret_env": "CS_DT_SECRET",
                    "lang": "zh",
                },
                "feishu": {
                    "type": "feishu",
                    "url": f"{base}/feishu",
                    "secret_env": "CS_FS_SECRET",
                    "lang": "en",
                },
                "mail": {
                    "type": "email",
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "security": "none",
                    "sender": "cs@example.com",
                    "to": ["wh@example.com"],
                },
            },
            "routes": [
                {"channels": ["hook"]},
                {"channels": ["wecom"], "roles": ["warehouse"]},
                {"channels": ["dingtalk"], "roles": ["procurement"], "min_severity": "critical"},
                {"channels": ["feishu"], "roles": ["sales_manager"], "scope": {"channel_kind": "online"}},
                {"channels": ["mail"], "roles": ["warehouse"], "scope": {"province": ["上海市"]}},
            ],
            "retry": {
                "max_attempts": 3,
                "backoff_seconds": 2,
                "max_backoff_seconds": 60,
                "max_wait_seconds": 30,
                **retry,
            },
        }
    )


def test_payload_shapes_signatures_and_routing(
    appdb: AppDB, http: tuple[str, Recorder], smtp: tuple[int, list[Any]]
) -> None:
    base, rec = http
    port, mails = smtp
    env = {**ENV, "CS_WECOM": f"{base}/wecom?key=SECRETKEY"}
    fire(appdb, SUPPLIER, LOT, PRICE)
    clock = Clock()
    rep = deliver(appdb, _config(base, port), clock=clock, sleep=clock.sleep, environ=env)
    # hook gets all 3; wecom + mail the lot (warehouse, Shanghai); dingtalk the critical supplier; feishu the online price
    assert (rep.queued, rep.sent, rep.failed_attempts, rep.dead) == (7, 7, 0, 0)
    assert (
        len(rec.on("/hook")) == 3
        and len(rec.on("/wecom")) == 1
        and len(rec.on("/dingtalk")) == 1
        and len(rec.on("/feishu")) == 1
    )
    assert len(mails) == 1

    hook = rec.on("/hook")[0]
    body = json.loads(hook["body"])
    assert body["event"] == "opened" and body["alert"]["rule_id"] in {
        "supplier_late_otif",
        "expiry_risk_lot",
        "online_price_below_floor",
    }
    ts = hook["headers"]["X-Chainsight-Timestamp"]
    want = "sha256=" + hmac.new(b"hook-secret", ts.encode() + b"." + hook["body"], hashlib.sha256).hexdigest()
    assert hook["headers"]["X-Chainsight-Signature"] == want
    assert hook["headers"]["X-Chainsight-Delivery"] == body["delivery_id"]

    wecom = rec.on("/wecom")[0]
    assert wecom["query"] == {"key": "SECRETKEY"}
    w = json.loads(wecom["body"])
    assert w["msgtype"] == "markdown" and "TJ03" not in w["markdown"]["content"]
    assert "批次 L1" in w["markdown"]["content"] and "Lot L1" in w["markdown"]["content"]  # lang both
    assert "¥22,889" in w["markdown"]["content"]

    dt_req = rec.on("/dingtalk")[0]
    q = dt_req["query"]
    assert q["access_token"] == "abc"
    mac = hmac.new(
        b"SEC-dingtalk-123", f"{q['timestamp']}\nSEC-dingtalk-123".encode(), hashlib.sha256
    ).digest()
    assert q["sign"] == base64.b64encode(mac).decode()  # parse_qsl has URL-decoded it
    d = json.loads(dt_req["body"])
    assert (
        d["msgtype"] == "markdown"
        and d["markdown"]["title"].startswith("[严重]")
        and "SUP03" in d["markdown"]["text"]
    )
    assert "Supplier" not in d["markdown"]["text"]  # lang zh only

    fs = json.loads(rec.on("/feishu")[0]["body"])
    mac = hmac.new(f"{fs['timestamp']}\nfeishu-secret".encode(), b"", hashlib.sha256).digest()
    assert fs["sign"] == base64.b64encode(mac).decode()
    assert fs["msg_type"] == "interactive" and fs["card"]["header"]["template"] == "red"
    assert (
        "SN019" in fs["card"]["elements"][0]["text"]["content"]
        and "底价" not in fs["card"]["elements"][0]["text"]["content"]
    )

    env_mail = mails[0]
    assert env_mail.rcpt_tos == ["wh@example.com"]
    em = message_from_bytes(env_mail.content, policy=email_policy)
    assert "L1" in em["Subject"] or "批次" in em["Subject"]
    assert "22,889" in em.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]

    # idempotent: nothing new to send
    rep2 = deliver(appdb, _config(base, port), clock=clock, sleep=clock.sleep, environ=env)
    assert (rep2.queued, rep2.sent) == (0, 0)
    assert len(rec.requests) == 6 and len(mails) == 1
    # no secret in the database
    dump = json.dumps(deliveries(appdb) + delivery_log(appdb), ensure_ascii=False)
    assert "SECRETKEY" not in dump and "SEC-dingtalk" not in dump


def test_flaky_channel_retries_with_backoff_then_succeeds(
    appdb: AppDB, http: tuple[str, Recorder], smtp: tuple[int, list[Any]]
) -> None:
    base, rec = http
    port, _ = smtp
    rec.script["/hook"] = [500, 503]  # two failures, then 200
    fire(appdb, SUPPLIER)
    clock = Clock()
    cfg = _config(base, port, max_attempts=5)
    rep = deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={**ENV, "CS_WECOM": f"{base}/wecom"})
    assert rep.by_channel["hook"] == {"sent": 1, "failed_attempts": 2, "dead": 0}
    assert clock.sleeps == [2.0, 4.0]  # exponential backoff
    log = delivery_log(appdb)
    hook_attempts = sorted(
        (a["attempt"], a["ok"], a["status_code"]) for a in log if a["status_code"] in (500, 503) or a["ok"]
    )
    assert (
        (1, False, 500) in hook_attempts
        and (2, False, 503) in hook_attempts
        and (3, True, 200) in hook_attempts
    )


def test_dead_letter_after_max_attempts_and_requeue(
    appdb: AppDB, http: tuple[str, Recorder], smtp: tuple[int, list[Any]]
) -> None:
    base, rec = http
    port, mails = smtp
    refused = _free_port()
    cfg = DeliveryConfig.from_dict(
        {
            "channels": {
                "down": {"type": "webhook", "url": f"http://127.0.0.1:{refused}/x"},
                "broken": {"type": "webhook", "url": f"{base}/always500"},
                "ok": {"type": "wecom", "url": f"{base}/wecom"},
                "mail_down": {
                    "type": "email",
                    "host": "127.0.0.1",
                    "port": refused,
                    "security": "none",
                    "sender": "a@b.c",
                    "to": ["x@y.z"],
                },
                "mail": {
                    "type": "email",
                    "host": "127.0.0.1",
                    "port": port,
                    "security": "none",
                    "sender": "a@b.c",
                    "to": ["x@y.z"],
                },
            },
            "routes": [{"channels": ["down", "broken", "ok", "mail_down", "mail"]}],
            "retry": {"max_attempts": 3, "backoff_seconds": 1, "max_wait_seconds": 10},
        }
    )
    rec.script["/always500"] = [500] * 10
    fire(appdb, SUPPLIER)
    clock = Clock()
    rep = deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    # the working channels went out at once, before any retry wait of the failing ones
    assert rep.by_channel["ok"]["sent"] == 1 and rep.by_channel["mail"]["sent"] == 1 and len(mails) == 1
    first_ok = next(a for a in rep.attempts if a["channel"] == "ok")
    assert first_ok["attempt"] == 1 and clock.sleeps == [1.0, 2.0]
    assert rep.dead == 3 and {d["channel"] for d in dead_letters(appdb)} == {"down", "broken", "mail_down"}
    errors = {d["channel"]: d["last_error"] for d in dead_letters(appdb)}
    assert "HTTP 500" in errors["broken"] and "reach" in errors["down"] and "SMTP" in errors["mail_down"]
    assert len(rec.on("/always500")) == 3

    # the receiver recovers; re-queue the dead letters: they go out, nothing else is re-sent
    rec.script["/always500"] = []
    n = requeue(
        appdb, [d["id"] for d in dead_letters(appdb) if d["channel"] == "broken"], actor="ops", now=clock.now
    )
    assert n == 1
    rep2 = deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    assert rep2.sent == 1 and rep2.by_channel == {"broken": {"sent": 1, "failed_attempts": 0, "dead": 0}}
    assert len(rec.on("/wecom")) == 1 and len(mails) == 1
    assert any(a["action"] == "alert_requeue" and a["actor"] == "ops" for a in appdb.audit_log())


def test_retry_beyond_the_wait_budget_is_left_for_the_next_run(
    appdb: AppDB, http: tuple[str, Recorder]
) -> None:
    base, rec = http
    rec.script["/hook"] = [500]
    cfg = DeliveryConfig.from_dict(
        {
            "channels": {"hook": {"type": "webhook", "url": f"{base}/hook"}},
            "routes": [{"channels": "hook"}],
            "retry": {"max_attempts": 4, "backoff_seconds": 120, "max_wait_seconds": 10},
        }
    )
    fire(appdb, SUPPLIER)
    clock = Clock()
    rep = deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    assert (rep.sent, rep.pending, clock.sleeps) == (0, 1, [])
    clock.now += dt.timedelta(seconds=60)
    assert deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={}).sent == 0  # not due yet
    clock.now += dt.timedelta(seconds=61)
    assert deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={}).sent == 1
    assert len(rec.on("/hook")) == 2


def test_each_state_change_is_delivered_once(appdb: AppDB, http: tuple[str, Recorder]) -> None:
    base, rec = http
    cfg = DeliveryConfig.from_dict(
        {
            "channels": {"hook": {"type": "webhook", "url": f"{base}/hook"}},
            "routes": [{"channels": ["hook"], "events": ["opened", "acknowledged", "resolved"]}],
        }
    )
    clock = Clock()
    opened, *_ = fire(appdb, SUPPLIER)
    fire(appdb, SUPPLIER)  # still firing: an update, not a new event
    deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    acknowledge(appdb, opened[0], actor="li")
    deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    clear(appdb, "supplier_late_otif")
    deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    events = [json.loads(r["body"])["event"] for r in rec.on("/hook")]
    assert events == ["opened", "acknowledged", "resolved"]
    resolved = json.loads(rec.on("/hook")[-1]["body"])
    assert resolved["alert"]["resolved_by"] == "system" and "cleared" in resolved["alert"]["resolution"]


def test_crash_between_send_and_bookkeeping_resends_with_the_same_delivery_id(
    appdb: AppDB, http: tuple[str, Recorder]
) -> None:
    base, rec = http
    cfg = DeliveryConfig.from_dict(
        {"channels": {"hook": {"type": "webhook", "url": f"{base}/hook"}}, "routes": [{"channels": ["hook"]}]}
    )
    fire(appdb, SUPPLIER)
    from chainsight.alerts import _delivery

    clock = Clock()

    def crash_after_send(ch: Any, msg: Any, now_s: float, env: Any) -> int:
        _delivery.send(ch, msg, now_s, env)
        raise KeyboardInterrupt  # the process dies before recording the result

    with pytest.raises(KeyboardInterrupt):
        deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={}, sender=crash_after_send)
    assert deliveries(appdb)[0]["status"] == "sending"
    # another run while the claim's lease holds (the first might still be sending) leaves it alone
    assert deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={}).sent == 0
    clock.now += dt.timedelta(seconds=75)  # the lease (timeout 10 s + 60 s) has run out: it was a crash
    rep = deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    assert rep.sent == 1 and deliveries(appdb)[0]["status"] == "sent"
    ids = [r["headers"]["X-Chainsight-Delivery"] for r in rec.on("/hook")]
    assert len(ids) == 2 and ids[0] == ids[1]  # the receiver can drop the duplicate
    assert deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={}).sent == 0


def test_robot_refusal_counts_as_failure(appdb: AppDB, http: tuple[str, Recorder]) -> None:
    base, _ = http
    cfg = DeliveryConfig.from_dict(
        {
            "channels": {"dt": {"type": "dingtalk", "url": f"{base}/dingtalk-refuses"}},
            "routes": [{"channels": ["dt"]}],
            "retry": {"max_attempts": 1},
        }
    )
    fire(appdb, SUPPLIER)
    clock = Clock()
    rep = deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    assert rep.dead == 1 and "310000" in dead_letters(appdb)[0]["last_error"]


def test_missing_secret_is_a_clear_failure(appdb: AppDB) -> None:
    cfg = DeliveryConfig.from_dict(
        {
            "channels": {"w": {"type": "wecom", "url_env": "CS_NOT_SET_ANYWHERE"}},
            "routes": [{"channels": ["w"]}],
            "retry": {"max_attempts": 1},
        }
    )
    fire(appdb, SUPPLIER)
    clock = Clock()
    deliver(appdb, cfg, clock=clock, sleep=clock.sleep, environ={})
    assert "CS_NOT_SET_ANYWHERE" in dead_letters(appdb)[0]["last_error"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"channels": {"x": {"type": "sms", "url": "http://a"}}}, "channels.x.type"),
        ({"channels": {"x": {"type": "wecom"}}}, "channels.x"),
        ({"channels": {"x": {"type": "wecom", "url_env": "has space"}}}, "channels.x.url_env"),
        ({"channels": {"x": {"type": "email", "host": "h", "sender": "a@b", "to": []}}}, "channels.x.to"),
        (
            {"channels": {"x": {"type": "webhook", "url": "http://a"}}, "routes": [{"channels": ["y"]}]},
            "routes[0].channels",
        ),
        (
            {
                "channels": {"x": {"type": "webhook", "url": "http://a"}},
                # not a role at all ("ceo" is one now: the roles are one vocabulary)
                "routes": [{"channels": ["x"], "roles": ["intern"]}],
            },
            "routes[0].roles",
        ),
        (
            {
                "channels": {"x": {"type": "webhook", "url": "http://a"}},
                "routes": [{"channels": ["x"], "scope": {"planet": "mars"}}],
            },
            "routes[0].scope.planet",
        ),
        ({"retry": {"max_attempts": 0}}, "retry.max_attempts"),
        ({"channels": {}, "colour": 1}, "colour"),
    ],
)
def test_delivery_config_errors_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(DefinitionError) as e:
        DeliveryConfig.from_dict(data)
    assert e.value.context["field"] == field
    assert field in e.value.message("en") and field in e.value.message("zh")


def test_delivery_config_from_yaml_section(tmp_path: Any) -> None:
    p = tmp_path / "pipeline.yaml"
    p.write_text(
        "inbox: x\ndelivery:\n  channels:\n    h: {type: webhook, url: 'http://h'}\n  routes: [{channels: [h]}]\n",
        encoding="utf-8",
    )
    cfg = DeliveryConfig.from_yaml(p, key="delivery")
    assert list(cfg.channels) == ["h"] and cfg.routes[0].events == ("opened", "escalated", "resolved")


# ------------------------------------------------------------------------------------------------ SMTP over TLS
@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (the channel trusts it through ca_file)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("tls")
    key, crt = str(d / "key.pem"), str(d / "cert.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            crt,
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return crt, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_over_tls_with_login(appdb: AppDB, cert: tuple[str, str], security: str) -> None:
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    crt, key = cert
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    got: list[Any] = []
    logins: list[tuple[str, str]] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            got.append((envelope, session.authenticated))
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret-pw")

    port = _free_port()
    if security == "starttls":
        ctl = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=port,
            tls_context=ctx,
            require_starttls=True,
            authenticator=authenticator,
            auth_require_tls=True,
        )
    else:
        ctl = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=port,
            ssl_context=ctx,
            authenticator=authenticator,
            auth_require_tls=False,
        )
    ctl.start()
    try:
        cfg = DeliveryConfig.from_dict(
            {
                "channels": {
                    "mail": {
                        "type": "email",
                        "host": "127.0.0.1",
                        "port": port,
                        "security": security,
                        "ca_file": crt,
                        "username_env": "CS_U",
                        "password_env": "CS_P",
                        "sender": "cs@example.com",
                        "to": ["a@example.com", "b@example.com"],
                    }
                },
                "routes": [{"channels": ["mail"]}],
                "retry": {"max_attempts": 1},
            }
        )
        fire(appdb, SUPPLIER)
        clock = Clock()
        rep = deliver(
            appdb, cfg, clock=clock, sleep=clock.sleep, environ={"CS_U": "robot", "CS_P": "s3cret-pw"}
        )
    finally:
        ctl.stop()
    assert rep.sent == 1, rep.attempts
    envelope, authenticated = got[0]
    assert authenticated and logins == [("robot", "s3cret-pw")]
    assert envelope.rcpt_tos == ["a@example.com", "b@example.com"]
    em = message_from_bytes(envelope.content, policy=email_policy)
    assert "SUP03" in em["Subject"] and em["X-Chainsight-Delivery"]
    assert em.get_body(preferencelist=("html",)) is not None


def test_cli_deliver_deliveries_requeue_and_rules(tmp_path: Any, http: tuple[str, Recorder]) -> None:
    import typer
    from alert_helpers import make_db
    from typer.testing import CliRunner

    from chainsight._cli.alerts import register

    base, rec = http
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    fire(make_db(url), SUPPLIER)
    rec.script["/down"] = [500] * 5
    cfg = tmp_path / "run.yaml"
    cfg.write_text(
        "inbox: x\ndelivery:\n"
        f"  channels:\n    ok: {{type: webhook, url: '{base}/hook'}}\n    down: {{type: webhook, url: '{base}/down'}}\n"
        "  routes: [{channels: [ok, down]}]\n  retry: {max_attempts: 1}\n",
        encoding="utf-8",
    )
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    run = CliRunner()
    common = ["-w", str(tmp_path / "w.duckdb"), "--appdb", url]
    r = run.invoke(app, ["alerts", "deliver", "--config", str(cfg), "--key", "delivery", *common, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["by_channel"] == {
        "ok": {"sent": 1, "failed_attempts": 0, "dead": 0},
        "down": {"sent": 0, "failed_attempts": 1, "dead": 1},
    }
    dead = json.loads(run.invoke(app, ["alerts", "deliveries", "--status", "dead", *common, "--json"]).output)
    assert [d["channel"] for d in dead] == ["down"]
    r = run.invoke(app, ["alerts", "requeue", str(dead[0]["id"]), *common, "--user", "ops", "--lang", "en"])
    assert r.exit_code == 0 and "re-queued 1" in r.output
    assert (
        json.loads(run.invoke(app, ["alerts", "deliveries", "--status", "dead", *common, "--json"]).output)
        == []
    )
    log = json.loads(run.invoke(app, ["alerts", "deliveries", "--log", *common, "--json"]).output)
    assert sorted(a["ok"] for a in log) == [False, True]
    bad = tmp_path / "bad.yaml"
    bad.write_text("channels: {x: {type: sms}}\n", encoding="utf-8")
    r = run.invoke(app, ["alerts", "deliver", "--config", str(bad), *common, "--lang", "en"])
    assert r.exit_code == 2 and "channels.x.type" in r.output
    rules = json.loads(run.invoke(app, ["alerts", "rules", "--json"]).output)
    assert len(rules) == 12 and {r["owner_role"] for r in rules} >= {
        "warehouse",
        "procurement",
        "sales_manager",
    }


def test_two_deliver_runs_at_once_send_each_change_once(tmp_path: Any, http: tuple[str, Recorder]) -> None:
    from alert_helpers import make_db

    base, rec = http
    db = make_db(f"sqlite:///{tmp_path / 'app.sqlite'}")
    lots = [(LOT[0], {**LOT[1], "lot": f"L{i}"}, LOT[2], LOT[3]) for i in range(6)]
    fire(db, *lots)
    cfg = DeliveryConfig.from_dict(
        {"channels": {"h": {"type": "webhook", "url": f"{base}/hook"}}, "routes": [{"channels": ["h"]}]}
    )
    errors: list[BaseException] = []

    def run() -> None:
        try:
            deliver(db, cfg, environ={})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = [r["headers"]["X-Chainsight-Delivery"] for r in rec.on("/hook")]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert {d["status"] for d in deliveries(db)} == {"sent"}

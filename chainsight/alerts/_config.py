"""Delivery configuration: channels (webhook, WeCom, DingTalk, Feishu, email), routes and retries.

A frozen spec validated when loaded (``DeliveryConfig.from_dict`` / ``from_yaml``), naming the field
that is wrong. Secrets are never in the file: the file names the environment variables that hold them
(``url_env``, ``secret_env``, ``password_env``), read only when a message is sent.

.. code-block:: yaml

    channels:
      planners-wecom: {type: wecom, url_env: CS_WECOM_PLANNERS}
      sales-dingtalk: {type: dingtalk, url_env: CS_DINGTALK_URL, secret_env: CS_DINGTALK_SECRET}
      exec-feishu:    {type: feishu, url_env: CS_FEISHU_URL, secret_env: CS_FEISHU_SECRET, lang: zh}
      ops-hook:       {type: webhook, url: "https://ops.example.com/hooks/chainsight", secret_env: CS_HOOK_SECRET}
      warehouse-mail: {type: email, host: smtp.example.com, port: 465, security: ssl,
                       username_env: CS_SMTP_USER, password_env: CS_SMTP_PASSWORD,
                       sender: alerts@example.com, to: [wh@example.com]}
    routes:
      - {channels: [planners-wecom], roles: [planner]}
      - {channels: [sales-dingtalk], roles: [sales_manager], scope: {province: [浙江省]}}
      - {channels: [exec-feishu], min_severity: critical}
    retry: {max_attempts: 5, backoff_seconds: 2, max_backoff_seconds: 300, max_wait_seconds: 60}
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from chainsight._errors import DefinitionError
from chainsight.alerts._spec import OWNER_ROLES, SCOPE_KEYS, SEVERITIES, SEVERITY_RANK, owner_role

CHANNEL_TYPES = ("webhook", "wecom", "dingtalk", "feishu", "email")
EVENTS = ("opened", "escalated", "deescalated", "acknowledged", "resolved")
DEFAULT_EVENTS = ("opened", "escalated", "resolved")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Channel:
    """Where messages go. HTTP types use ``url`` or ``url_env``; email uses host/port/sender/to."""

    name: str
    type: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    lang: str = "both"
    timeout_seconds: float = 10.0
    host: str | None = None
    port: int | None = None
    security: str = "starttls"  # starttls | ssl | none
    username_env: str | None = None
    password_env: str | None = None
    sender: str | None = None
    to: tuple[str, ...] = ()
    ca_file: str | None = None  # a CA bundle to trust (an internal CA); default: the system's


@dataclass(frozen=True, slots=True)
class Route:
    """Which alerts go to which channels: by owner role, scope values, minimum severity and event."""

    channels: tuple[str, ...]
    roles: tuple[str, ...] = ()
    scope: MappingProxyType[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    min_severity: str = "info"
    events: tuple[str, ...] = DEFAULT_EVENTS

    def matches(self, owner_role: str, severity: str, scope: Mapping[str, str], event: str) -> bool:
        if event not in self.events:
            return False
        if self.roles and owner_role not in self.roles:
            return False
        if SEVERITY_RANK.get(severity, 0) < SEVERITY_RANK[self.min_severity]:
            return False
        return all(scope.get(k) in allowed for k, allowed in self.scope.items())


@dataclass(frozen=True, slots=True)
class Retry:
    """Bounded exponential backoff: attempt n waits ``backoff_seconds × 2^(n-1)`` (at most
    ``max_backoff_seconds``); after ``max_attempts`` the delivery goes to the dead-letter list.
    One ``deliver`` call waits for retries at most ``max_wait_seconds`` in total; later retries
    wait for the next call."""

    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0
    max_wait_seconds: float = 60.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff_seconds, self.backoff_seconds * 2 ** max(0, attempt - 1)))


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """Channels, routes and retry policy. Build with :meth:`from_dict` or :meth:`from_yaml`.

    >>> cfg = DeliveryConfig.from_dict({"channels": {"hook": {"type": "webhook", "url": "http://x"}},
    ...                                 "routes": [{"channels": ["hook"]}]})
    >>> cfg.channels["hook"].type, cfg.retry.max_attempts
    ('webhook', 5)
    """

    channels: MappingProxyType[str, Channel]
    routes: tuple[Route, ...]
    retry: Retry = field(default_factory=Retry)
    max_event_age_hours: float = 72.0
    file: str = ""

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str], key: str | None = None) -> DeliveryConfig:
        """Load from a YAML file; ``key`` (e.g. ``"delivery"``) picks a section of a larger config."""
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise DefinitionError(
                f"无法读取投递配置:{exc}", f"cannot read the delivery config: {exc}", file=str(p)
            ) from None
        except yaml.YAMLError as exc:
            raise DefinitionError(f"YAML 格式错误:{exc}", f"not valid YAML: {exc}", file=str(p)) from None
        if key is not None:
            if not isinstance(data, dict) or key not in data:
                raise DefinitionError(
                    f"配置中没有 {key}: 部分", f"the config has no {key}: section", file=str(p)
                )
            data = data[key]
        return cls.from_dict(data, file=str(p))

    @classmethod
    def from_dict(cls, data: Any, *, file: str = "") -> DeliveryConfig:
        """Validate a plain mapping (as read from YAML); errors name the field."""
        if not isinstance(data, dict):
            raise _fail(file, "(top)", "应为映射", "must be a mapping")
        _known(file, "", data, {"channels", "routes", "retry", "max_event_age_hours"})
        chans_raw = data.get("channels") or {}
        if not isinstance(chans_raw, dict):
            raise _fail(file, "channels", "应为 名称: 设置 的映射", "must map channel names to settings")
        channels = {str(n): _channel(file, str(n), c) for n, c in chans_raw.items()}
        routes_raw = data.get("routes") or []
        if not isinstance(routes_raw, list):
            raise _fail(file, "routes", "应为列表", "must be a list")
        routes = tuple(_route(file, i, r, channels) for i, r in enumerate(routes_raw))
        retry = _retry(file, data.get("retry") or {})
        age = data.get("max_event_age_hours", 72.0)
        if not isinstance(age, int | float) or isinstance(age, bool) or age <= 0:
            raise _fail(file, "max_event_age_hours", "应为正数", "must be a positive number")
        return cls(MappingProxyType(channels), routes, retry, float(age), file)

    def channels_for(self, owner_role: str, severity: str, scope: Mapping[str, str], event: str) -> list[str]:
        """Channel names an event of an alert goes to (each once, in config order)."""
        out: list[str] = []
        for r in self.routes:
            if r.matches(owner_role, severity, scope, event):
                out += [c for c in r.channels if c not in out]
        return out


def _fail(file: str, where: str, zh: str, en: str) -> DefinitionError:
    return DefinitionError(
        f"投递配置 {where}: {zh}", f"delivery config {where}: {en}", file=file, field=where
    )


def _known(file: str, where: str, data: dict[str, Any], known: set[str]) -> None:
    for k in data:
        if k not in known:
            at = f"{where}.{k}" if where else str(k)
            raise _fail(
                file,
                at,
                f"未知字段;可用:{', '.join(sorted(known))}",
                f"unknown field; known: {', '.join(sorted(known))}",
            )


def _env(file: str, where: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not _ENV_NAME.match(v):
        raise _fail(
            file,
            where,
            "应为环境变量名(如 CS_WECOM_URL)",
            "must be an environment variable name (e.g. CS_WECOM_URL)",
        )
    return v


def _ca(file: str, where: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not Path(v).is_file():
        raise _fail(file, where, f"找不到 CA 文件 {v!r}", f"CA file {v!r} not found")
    return v


def _channel(file: str, name: str, c: Any) -> Channel:
    w = f"channels.{name}"
    if not isinstance(c, dict):
        raise _fail(file, w, "应为映射", "must be a mapping")
    _known(
        file,
        w,
        c,
        {
            "type",
            "url",
            "url_env",
            "secret_env",
            "lang",
            "timeout_seconds",
            "host",
            "port",
            "security",
            "username_env",
            "password_env",
            "sender",
            "to",
            "ca_file",
        },
    )
    t = c.get("type")
    if t not in CHANNEL_TYPES:
        raise _fail(
            file,
            f"{w}.type",
            f"应为 {', '.join(CHANNEL_TYPES)}",
            f"must be one of {', '.join(CHANNEL_TYPES)}",
        )
    lang = c.get("lang", "both")
    if lang not in ("zh", "en", "both"):
        raise _fail(file, f"{w}.lang", "应为 zh、en 或 both", "must be zh, en or both")
    timeout = c.get("timeout_seconds", 10.0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise _fail(file, f"{w}.timeout_seconds", "应为正数", "must be a positive number")
    kw: dict[str, Any] = {
        "name": name,
        "type": t,
        "lang": lang,
        "timeout_seconds": float(timeout),
        "secret_env": _env(file, f"{w}.secret_env", c.get("secret_env")),
        "ca_file": _ca(file, f"{w}.ca_file", c.get("ca_file")),
    }
    if t == "email":
        for k in ("host", "sender"):
            if not isinstance(c.get(k), str) or not c[k]:
                raise _fail(file, f"{w}.{k}", "邮件渠道必填", "is required for an email channel")
        to = c.get("to")
        if not isinstance(to, list) or not to or not all(isinstance(x, str) and "@" in x for x in to):
            raise _fail(file, f"{w}.to", "应为收件人邮箱列表", "must be a list of e-mail addresses")
        security = c.get("security", "starttls")
        if security not in ("starttls", "ssl", "none"):
            raise _fail(file, f"{w}.security", "应为 starttls、ssl 或 none", "must be starttls, ssl or none")
        port = c.get("port", 465 if security == "ssl" else 587)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise _fail(file, f"{w}.port", "应为端口号", "must be a port number")
        kw.update(
            host=c["host"],
            port=port,
            security=security,
            sender=c["sender"],
            to=tuple(to),
            username_env=_env(file, f"{w}.username_env", c.get("username_env")),
            password_env=_env(file, f"{w}.password_env", c.get("password_env")),
        )
    else:
        for k in ("host", "port", "security", "username_env", "password_env", "sender", "to"):
            if k in c:
                raise _fail(file, f"{w}.{k}", "只用于邮件渠道", "applies to email channels only")
        url, url_env = c.get("url"), _env(file, f"{w}.url_env", c.get("url_env"))
        if (url is None) == (url_env is None):
            raise _fail(
                file,
                w,
                "需要 url 或 url_env 之一(含密钥的地址请用 url_env)",
                "needs exactly one of url or url_env (use url_env for URLs holding a key)",
            )
        if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise _fail(file, f"{w}.url", "应为 http(s) 地址", "must be an http(s) URL")
        kw.update(url=url, url_env=url_env)
    return Channel(**kw)


def _route(file: str, i: int, r: Any, channels: dict[str, Channel]) -> Route:
    w = f"routes[{i}]"
    if not isinstance(r, dict):
        raise _fail(file, w, "应为映射", "must be a mapping")
    _known(file, w, r, {"channels", "roles", "scope", "min_severity", "events"})
    chans = r.get("channels")
    if isinstance(chans, str):
        chans = [chans]
    if not isinstance(chans, list) or not chans:
        raise _fail(file, f"{w}.channels", "需要至少一个渠道", "needs at least one channel")
    for c in chans:
        if c not in channels:
            raise _fail(
                file,
                f"{w}.channels",
                f"未定义的渠道 {c!r}",
                f"unknown channel {c!r}; defined: {', '.join(channels) or 'none'}",
            )
    given = r.get("roles") or []
    roles = [owner_role(x) for x in given] if isinstance(given, list) else [None]
    if not all(roles):
        raise _fail(
            file,
            f"{w}.roles",
            f"应为 {', '.join(OWNER_ROLES)} 中的角色列表",
            f"must list roles among {', '.join(OWNER_ROLES)}",
        )
    scope_raw = r.get("scope") or {}
    if not isinstance(scope_raw, dict):
        raise _fail(file, f"{w}.scope", "应为 维度: [值] 的映射", "must map a dimension to values")
    scope: dict[str, frozenset[str]] = {}
    for k, v in scope_raw.items():
        key = "province" if k == "region" else k
        if key not in SCOPE_KEYS:
            raise _fail(
                file,
                f"{w}.scope.{k}",
                f"未知维度;可用:{', '.join(SCOPE_KEYS)}",
                f"unknown dimension; known: {', '.join(SCOPE_KEYS)}",
            )
        vals = [v] if isinstance(v, str) else v
        if not isinstance(vals, list) or not vals or not all(isinstance(x, str) for x in vals):
            raise _fail(file, f"{w}.scope.{k}", "应为值或值列表", "must be a value or a list of values")
        scope[key] = frozenset(vals)
    sev = r.get("min_severity", "info")
    if sev not in SEVERITIES:
        raise _fail(
            file,
            f"{w}.min_severity",
            f"应为 {', '.join(SEVERITIES)}",
            f"must be one of {', '.join(SEVERITIES)}",
        )
    events = r.get("events", list(DEFAULT_EVENTS))
    if not isinstance(events, list) or not events or any(e not in EVENTS for e in events):
        raise _fail(
            file,
            f"{w}.events",
            f"应为 {', '.join(EVENTS)} 中的事件列表",
            f"must list events among {', '.join(EVENTS)}",
        )
    return Route(tuple(chans), tuple(r for r in roles if r), MappingProxyType(scope), sev, tuple(events))


def _retry(file: str, r: Any) -> Retry:
    if not isinstance(r, dict):
        raise _fail(file, "retry", "应为映射", "must be a mapping")
    _known(file, "retry", r, {"max_attempts", "backoff_seconds", "max_backoff_seconds", "max_wait_seconds"})
    d = Retry()
    out: dict[str, Any] = {}
    for k in ("max_attempts", "backoff_seconds", "max_backoff_seconds", "max_wait_seconds"):
        v = r.get(k, getattr(d, k))
        if (
            not isinstance(v, int | float)
            or isinstance(v, bool)
            or v < 0
            or (k == "max_attempts" and (v < 1 or v > 50 or not float(v).is_integer()))
        ):
            raise _fail(file, f"retry.{k}", f"取值无效:{v!r}", f"invalid value {v!r}")
        out[k] = int(v) if k == "max_attempts" else float(v)
    return Retry(**out)

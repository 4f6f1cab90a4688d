"""The app database: users and roles, scopes, sessions, API tokens, the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import create_engine, event, make_url, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from chainsight._errors import UserInputError
from chainsight.appdb import migrate
from chainsight.appdb._models import AuditRow, SessionRow, SettingRow, TokenRow, UserRow, utcnow
from chainsight.metrics import Scope
from chainsight.model import ROLES as MODEL_ROLES
from chainsight.model import SIGN_IN_ROLE_NAMES

# The sign-in roles of the one vocabulary (chainsight.model.ROLES): name -> (zh, en) label.
ROLES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {n: (MODEL_ROLES[n].label.zh, MODEL_ROLES[n].label.en) for n in SIGN_IN_ROLE_NAMES}
)
# Roles that see everything unless given a narrower scope; the others see nothing until given one.
WIDE_ROLES = frozenset(n for n in SIGN_IN_ROLE_NAMES if MODEL_ROLES[n].wide)
MIN_PASSWORD = 10
SESSION_HOURS = 12

_hasher = PasswordHasher()


def default_appdb_url(warehouse_path: str | os.PathLike[str]) -> str:
    """A SQLite file beside the warehouse: ``w.duckdb`` -> ``w.app.sqlite``.

    >>> default_appdb_url("/data/w.duckdb")
    'sqlite:////data/w.app.sqlite'
    >>> default_appdb_url("spark://local[2]?warehouse=/data/cs")  # a Spark warehouse: inside its folder
    'sqlite:////data/cs/app.sqlite'
    """
    from chainsight.warehouse import SparkConfig

    target = os.fspath(warehouse_path)
    if SparkConfig.is_spark_target(target):
        folder = Path(SparkConfig.parse(target).warehouse).expanduser().resolve()
        return f"sqlite:///{folder / 'app.sqlite'}"
    p = Path(target).expanduser().resolve()
    return f"sqlite:///{p.with_suffix('.app.sqlite')}"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class User:
    """A person who may sign in; ``scope`` is the metrics Scope applied to every query they make."""

    id: int
    username: str
    display_name: str
    role: str
    scope: Scope
    lang: str | None
    disabled: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "scope": scope_to_dict(self.scope),
            "lang": self.lang,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "last_login_at": self.last_login_at.isoformat(timespec="seconds") if self.last_login_at else None,
        }


def scope_to_dict(scope: Scope) -> dict[str, Any]:
    if scope.unrestricted:
        return {"all": True}
    return {"rules": {d: sorted(v) for d, v in sorted(scope.rules.items())}}


def scope_from_dict(data: dict[str, Any]) -> Scope:
    """Deny by default: anything but ``{"all": true}`` or non-empty rules sees nothing."""
    if data.get("all") is True:
        return Scope.all()
    rules = data.get("rules") or {}
    return Scope.of({d: list(v) for d, v in rules.items()}) if rules else Scope()


def parse_scope(items: list[str] | None) -> Scope | None:
    """``["province=浙江省,江苏省", "channel_kind=offline"]`` -> a Scope; ``["all"]`` -> everything."""
    if not items:
        return None
    if [i.strip().lower() for i in items] == ["all"]:
        return Scope.all()
    if [i.strip().lower() for i in items] == ["none"]:
        return Scope()
    rules: dict[str, list[str]] = {}
    for item in items:
        dim, sep, value = item.partition("=")
        values = [v.strip() for v in value.split(",") if v.strip()]
        if not sep or not dim.strip() or not values:
            raise UserInputError(
                f"权限范围需要 维度=值(或 all / none),收到 “{item}”",
                f"a scope needs DIM=VALUE (or all / none), got '{item}'",
            )
        rules.setdefault(dim.strip(), []).extend(values)
    return Scope.of(rules)


def _to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name or row.username,
        role=row.role,
        scope=scope_from_dict(json.loads(row.scope_json or "{}")),
        lang=row.lang,
        disabled=row.disabled,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


class AppDB:
    """Users, sessions, tokens and the audit log in one SQLAlchemy database (SQLite by default).

    >>> db = AppDB("sqlite://")
    >>> db.add_user("ada", "correct horse battery", role="admin").scope.unrestricted
    True
    >>> db.authenticate("ada", "wrong password") is None
    True
    """

    def __init__(
        self, url: str, *, hasher: PasswordHasher | None = None, upgrade: bool | None = None
    ) -> None:
        """Open (creating when needed) the database at ``url`` and bring its schema to the newest revision.

        ``upgrade`` False (or ``CHAINSIGHT_APPDB_AUTO_UPGRADE=0``) leaves the schema alone and refuses
        an out-of-date database with a message naming ``chainsight db upgrade``.
        """
        self.url = url
        # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile); tests pass a cheaper one.
        self.hasher = hasher or _hasher
        self._dummy: str | None = None
        self.engine: Engine = make_engine(url)
        if upgrade is None:
            upgrade = os.environ.get("CHAINSIGHT_APPDB_AUTO_UPGRADE", "1").strip().lower() not in (
                "0",
                "false",
                "no",
            )
        try:
            if upgrade:
                migrate.upgrade(self.engine)
            else:
                migrate.check_current(self.engine)
        except Exception:
            self.engine.dispose()
            raise
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ settings
    def secret_key(self) -> str:
        """The key signing cookies; made once, kept in the database so sessions survive restarts."""
        with self._session.begin() as s:
            row = s.get(SettingRow, "secret_key")
            if row is None:
                row = SettingRow(key="secret_key", value=secrets.token_urlsafe(48))
                s.add(row)
            return row.value

    # ------------------------------------------------------------ users
    def _row(self, s: Session, username: str) -> UserRow:
        row = s.scalar(select(UserRow).where(UserRow.username == username))
        if row is None:
            raise UserInputError(f"没有用户 “{username}”", f"no user '{username}'", user=username)
        return row

    def add_user(
        self,
        username: str,
        password: str,
        *,
        role: str,
        scope: Scope | None = None,
        display_name: str = "",
        lang: str | None = None,
        actor: str = "cli",
    ) -> User:
        """Create a user. admin/executive/planner see everything unless given a scope; others nothing."""
        username = username.strip()
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise UserInputError("用户名不能为空且不能含空格", "a username must be non-empty with no spaces")
        if role not in ROLES:
            raise UserInputError(
                f"未知角色 “{role}”,可用:{', '.join(ROLES)}", f"unknown role '{role}'; use {', '.join(ROLES)}"
            )
        check_password(password)
        if scope is None:
            scope = Scope.all() if role in WIDE_ROLES else Scope()
        if role == "admin" and not scope.unrestricted:
            raise UserInputError("管理员的权限范围必须是全部", "an admin's scope must be all")
        with self._session.begin() as s:
            if s.scalar(select(UserRow).where(UserRow.username == username)) is not None:
                raise UserInputError(f"用户 “{username}” 已存在", f"user '{username}' already exists")
            row = UserRow(
                username=username,
                display_name=display_name or username,
                password_hash=self.hasher.hash(password),
                role=role,
                scope_json=json.dumps(scope_to_dict(scope), ensure_ascii=False),
                lang=lang,
            )
            s.add(row)
            s.flush()
            s.add(
                AuditRow(
                    actor=actor,
                    action="user_add",
                    target=username,
                    detail=json.dumps({"role": role, "scope": scope_to_dict(scope)}, ensure_ascii=False),
                )
            )
            return _to_user(row)

    def get_user(self, username: str) -> User | None:
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.username == username))
            return _to_user(row) if row else None

    def list_users(self) -> list[User]:
        with self._session() as s:
            return [_to_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.username))]

    def count_admins(self) -> int:
        return sum(1 for u in self.list_users() if u.role == "admin" and not u.disabled)

    def set_scope(self, username: str, scope: Scope, *, role: str | None = None, actor: str = "cli") -> User:
        """Change what a user may see (and optionally their role); audited."""
        if role is not None and role not in ROLES:
            raise UserInputError(
                f"未知角色 “{role}”,可用:{', '.join(ROLES)}", f"unknown role '{role}'; use {', '.join(ROLES)}"
            )
        with self._session.begin() as s:
            row = self._row(s, username)
            new_role = role or row.role
            if new_role == "admin" and not scope.unrestricted:
                raise UserInputError("管理员的权限范围必须是全部", "an admin's scope must be all")
            before = {"role": row.role, "scope": json.loads(row.scope_json)}
            row.role = new_role
            row.scope_json = json.dumps(scope_to_dict(scope), ensure_ascii=False)
            after = {"role": new_role, "scope": scope_to_dict(scope)}
            s.add(
                AuditRow(
                    actor=actor,
                    action="scope_change",
                    target=username,
                    detail=json.dumps({"before": before, "after": after}, ensure_ascii=False),
                )
            )
            # a narrower scope takes effect at once: end the user's sessions
            s.query(SessionRow).filter(SessionRow.user_id == row.id).delete()
            return _to_user(row)

    def set_disabled(self, username: str, disabled: bool = True, *, actor: str = "cli") -> User:
        with self._session.begin() as s:
            row = self._row(s, username)
            row.disabled = disabled
            s.add(
                AuditRow(actor=actor, action="user_disable" if disabled else "user_enable", target=username)
            )
            if disabled:
                s.query(SessionRow).filter(SessionRow.user_id == row.id).delete()
                for t in s.scalars(select(TokenRow).where(TokenRow.user_id == row.id)):
                    t.revoked = True
            return _to_user(row)

    def set_password(self, username: str, password: str, *, actor: str = "cli") -> None:
        check_password(password)
        with self._session.begin() as s:
            row = self._row(s, username)
            row.password_hash = self.hasher.hash(password)
            s.query(SessionRow).filter(SessionRow.user_id == row.id).delete()
            s.add(AuditRow(actor=actor, action="password_change", target=username))

    def set_lang(self, user_id: int, lang: str | None) -> None:
        with self._session.begin() as s:
            row = s.get(UserRow, user_id)
            if row is not None:
                row.lang = lang

    def _dummy_hash(self) -> str:
        # A valid hash of a random password: an unknown user costs the same time as a wrong password.
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches and the account is enabled; None otherwise (same cost)."""
        with self._session.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.username == username))
            stored = row.password_hash if row is not None else self._dummy_hash()
            try:
                self.hasher.verify(stored, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return None
            if row is None or row.disabled:
                return None
            if self.hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self.hasher.hash(password)
            row.last_login_at = utcnow()
            return _to_user(row)

    # ------------------------------------------------------------ sessions
    def create_session(self, user: User, ip: str = "") -> str:
        """A new random session key (the cookie carries it, signed); only its hash is stored."""
        key = secrets.token_urlsafe(32)
        with self._session.begin() as s:
            s.add(
                SessionRow(
                    id=_sha(key),
                    user_id=user.id,
                    expires_at=utcnow() + dt.timedelta(hours=SESSION_HOURS),
                    ip=ip,
                )
            )
        return key

    def session_user(self, key: str) -> User | None:
        with self._session() as s:
            sess = s.get(SessionRow, _sha(key))
            if sess is None or sess.expires_at < utcnow():
                return None
            row = s.get(UserRow, sess.user_id)
            return _to_user(row) if row is not None and not row.disabled else None

    def end_session(self, key: str) -> None:
        with self._session.begin() as s:
            s.query(SessionRow).filter(SessionRow.id == _sha(key)).delete()

    # ------------------------------------------------------------ API tokens
    def create_token(self, username: str, name: str, *, actor: str = "cli") -> str:
        """A new API token for ``username``; shown once, stored only as a hash."""
        token = "cs_" + secrets.token_urlsafe(32)
        with self._session.begin() as s:
            row = self._row(s, username)
            if row.disabled:
                raise UserInputError(f"用户 “{username}” 已停用", f"user '{username}' is disabled")
            if s.scalar(select(TokenRow).where(TokenRow.user_id == row.id, TokenRow.name == name)):
                raise UserInputError(f"令牌 “{name}” 已存在", f"token '{name}' already exists")
            s.add(TokenRow(user_id=row.id, name=name, token_hash=_sha(token)))
            s.add(AuditRow(actor=actor, action="token_create", target=username, detail=name))
        return token

    def revoke_token(self, username: str, name: str, *, actor: str = "cli") -> None:
        with self._session.begin() as s:
            row = self._row(s, username)
            tok = s.scalar(select(TokenRow).where(TokenRow.user_id == row.id, TokenRow.name == name))
            if tok is None:
                raise UserInputError(f"没有令牌 “{name}”", f"no token '{name}'")
            tok.revoked = True
            s.add(AuditRow(actor=actor, action="token_revoke", target=username, detail=name))

    def token_user(self, token: str) -> User | None:
        with self._session.begin() as s:
            tok = s.scalar(select(TokenRow).where(TokenRow.token_hash == _sha(token)))
            if tok is None or tok.revoked:
                return None
            row = s.get(UserRow, tok.user_id)
            if row is None or row.disabled:
                return None
            tok.last_used_at = utcnow()
            return _to_user(row)

    # ------------------------------------------------------------ audit
    def audit(self, actor: str, action: str, target: str = "", detail: str = "", ip: str = "") -> None:
        with self._session.begin() as s:
            s.add(AuditRow(actor=actor, action=action, target=target, detail=detail, ip=ip))

    def audit_log(self, limit: int = 100, action: str | None = None) -> list[dict[str, Any]]:
        with self._session() as s:
            q = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if action:
                q = q.where(AuditRow.action == action)
            return [
                {
                    "at": r.at.isoformat(timespec="seconds"),
                    "actor": r.actor,
                    "action": r.action,
                    "target": r.target,
                    "detail": r.detail,
                    "ip": r.ip,
                }
                for r in s.scalars(q)
            ]


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


def make_engine(url: str) -> Engine:
    """An engine for the app database: SQLite gets foreign keys, WAL and one shared in-memory DB."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # bad URL or missing driver: the user's to fix
        shown = safe_url(url)
        raise UserInputError(
            f"无法打开应用数据库 “{shown}”:{exc}", f"cannot open the app database '{shown}': {exc}"
        ) from None
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserInputError(
            f"密码至少需要 {MIN_PASSWORD} 个字符", f"a password needs at least {MIN_PASSWORD} characters"
        )


def _sqlite_pragmas(dbapi_con: Any, _record: Any) -> None:
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()

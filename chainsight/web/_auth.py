"""Sign-in plumbing: signed session cookies, CSRF tokens, login rate limiting, the current user."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from chainsight.appdb import SESSION_HOURS, AppDB, User

SESSION_COOKIE = "cs_session"
CSRF_COOKIE = "cs_csrf"
LANG_COOKIE = "cs_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginLimiter:
    """At most ``max_failures`` failed sign-ins per client address and per username in ``window`` seconds."""

    def __init__(self, max_failures: int = 5, window: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window = window
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._guard = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, ip: str, username: str) -> bool:
        now = time.monotonic()
        with self._guard:
            return any(
                len(self._recent(k, now)) >= self.max_failures
                for k in (f"ip:{ip}", f"user:{username.lower()}")
            )

    def failed(self, ip: str, username: str) -> None:
        now = time.monotonic()
        with self._guard:
            for k in (f"ip:{ip}", f"user:{username.lower()}"):
                self._recent(k, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._guard:
            self._fails.pop(f"user:{username.lower()}", None)


class Auth:
    """Cookies signed with the app database's secret key; sessions and tokens checked against it."""

    def __init__(self, db: AppDB, secure: bool | None = None) -> None:
        self.db = db
        self.secure = secure  # None: Secure when the request came over HTTPS
        self.signer = URLSafeTimedSerializer(db.secret_key(), salt="chainsight-session")
        self.csrf_signer = URLSafeTimedSerializer(db.secret_key(), salt="chainsight-csrf")
        self.limiter = LoginLimiter()

    def _secure(self, request: Request) -> bool:
        return self.secure if self.secure is not None else request.url.scheme == "https"

    # ------------------------------------------------------------ sessions
    def start_session(self, response: Response, request: Request, user: User) -> None:
        key = self.db.create_session(user, ip=client_ip(request))
        response.set_cookie(
            SESSION_COOKIE,
            self.signer.dumps(key),
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="lax",
            secure=self._secure(request),
            path="/",
        )
        # a fresh CSRF token after signing in, so one planted before cannot be reused
        self.set_csrf(response, request, secrets.token_urlsafe(24))

    def end_session(self, response: Response, request: Request) -> None:
        key = self._session_key(request)
        if key:
            self.db.end_session(key)
        response.delete_cookie(SESSION_COOKIE, path="/")

    def _session_key(self, request: Request) -> str | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            return str(self.signer.loads(raw, max_age=SESSION_HOURS * 3600))
        except BadSignature:
            return None

    def user(self, request: Request) -> User | None:
        """The signed-in user from the session cookie, or from ``Authorization: Bearer <token>``."""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return self.db.token_user(header[7:].strip())
        key = self._session_key(request)
        return self.db.session_user(key) if key else None

    # ------------------------------------------------------------ CSRF (double submit, signed)
    def csrf_token(self, request: Request) -> str:
        """The token forms must send back; made on first use and set as a cookie by the response hook."""
        token = getattr(request.state, "csrf_token", None)
        if token:
            return str(token)
        raw = request.cookies.get(CSRF_COOKIE)
        token = None
        if raw:
            try:
                token = str(self.csrf_signer.loads(raw))
            except BadSignature:
                token = None
        if not token:
            token = secrets.token_urlsafe(24)
            request.state.new_csrf = token
        request.state.csrf_token = token
        return token

    def set_csrf(self, response: Response, request: Request, token: str) -> None:
        request.state.csrf_token = token
        response.set_cookie(
            CSRF_COOKIE,
            self.csrf_signer.dumps(token),
            httponly=True,
            samesite="lax",
            secure=self._secure(request),
            path="/",
        )

    def csrf_ok(self, request: Request, sent: str | None) -> bool:
        raw = request.cookies.get(CSRF_COOKIE)
        if not raw or not sent:
            return False
        try:
            expected = str(self.csrf_signer.loads(raw))
        except BadSignature:
            return False
        return hmac.compare_digest(expected, sent)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""

"""The FastAPI app: server-rendered pages (Jinja2 + HTMX + ECharts), sign-in, and the JSON API."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlparse

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from chainsight._errors import UserInputError
from chainsight.appdb import ROLES, AppDB, User, default_appdb_url
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse, resolve_warehouse_path
from chainsight.web._auth import CSRF_FIELD, CSRF_HEADER, LANG_COOKIE, Auth, client_ip
from chainsight.web._i18n import LANGS, fmt_date, negotiate, translate
from chainsight.web._views import Views

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Roles that may see raw rows (load history, rejects): those rows bypass the metric scopes.
DATA_ROLES = frozenset({"admin", "planner"})


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


def _safe_next(target: str | None) -> str:
    """Only same-site paths after sign-in (no open redirect)."""
    if not target:
        return "/"
    p = urlparse(target)
    if p.scheme or p.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def create_app(
    warehouse: str | Warehouse | None = None,
    appdb: str | AppDB | None = None,
    *,
    secure_cookies: bool | None = None,
    warm: bool = False,
) -> FastAPI:
    """The web app over one warehouse (opened read-only) and one app database.

    ``appdb`` is a SQLAlchemy URL (default: a SQLite file beside the warehouse).
    ``secure_cookies`` None marks cookies Secure when a request came over HTTPS.
    ``warm`` computes the cockpit for every user's scope in the background at start.
    """
    wh = warehouse if isinstance(warehouse, Warehouse) else Warehouse.open(warehouse, read_only=True)
    if isinstance(appdb, AppDB):
        db = appdb
    else:
        db = AppDB(appdb or default_appdb_url(resolve_warehouse_path(wh.path)))
    views = Views(wh)
    auth = Auth(db, secure=secure_cookies)
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    app = FastAPI(
        title="Chainsight API",
        version="0.1.0",
        description="Governed FMCG metrics, explained. Authenticate with a session or `Authorization: Bearer`.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.views, app.state.auth, app.state.db, app.state.warehouse = views, auth, db, wh
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # ------------------------------------------------------------ helpers
    def lang_of(request: Request, user: User | None) -> str:
        if user is not None and user.lang in LANGS:
            return user.lang  # type: ignore[return-value]
        cookie = request.cookies.get(LANG_COOKIE)
        if cookie in LANGS:
            return cookie  # type: ignore[return-value]
        return negotiate(request.headers.get("accept-language"))

    def page_user(request: Request) -> User:
        user = auth.user(request)
        if user is None:
            raise LoginRequired
        return user

    def render(request: Request, name: str, user: User | None, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = ctx.pop("lang", None) or lang_of(request, user)
        return templates.TemplateResponse(
            request,
            name,
            {
                "lang": lang,
                "t": lambda key: translate(key, lang),
                "user": user,
                "role_label": (ROLES[user.role][0 if lang == "zh" else 1] if user else ""),
                "scope_text": _scope_text(user.scope, lang) if user else "",
                "csrf": auth.csrf_token(request),
                "csrf_field": CSRF_FIELD,
                "path": request.url.path,
                "can_data": bool(user and user.role in DATA_ROLES and user.scope.unrestricted),
                "fmt_date": lambda d: fmt_date(d, lang),
                "tojson": lambda v: json.dumps(v, ensure_ascii=False, default=str),
                **ctx,
            },
            status_code=status,
        )

    # ------------------------------------------------------------ middleware & errors
    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        new = getattr(request.state, "new_csrf", None)
        if new and "set-cookie" not in response.headers:
            auth.set_csrf(response, request, new)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path != "/docs":
            response.headers.setdefault("Content-Security-Policy", CSP)
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _exc: Forbidden) -> Response:
        user = auth.user(request)
        return render(request, "error.html", user, status=403, message_key="forbidden")

    @app.exception_handler(UserInputError)
    async def user_error(request: Request, exc: UserInputError) -> Response:
        user = auth.user(request)
        lang = lang_of(request, user)
        if request.url.path.startswith("/api"):
            return JSONResponse({"error": {"zh": exc.zh, "en": exc.en, "message": exc.message(lang)}}, 400)
        return render(request, "error.html", user, status=400, message=exc.message(lang))

    # ------------------------------------------------------------ sign-in
    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/", lang: str | None = None) -> Response:
        if lang in LANGS:
            response = render(request, "login.html", None, next=_safe_next(next), lang=lang)
            response.set_cookie(LANG_COOKIE, lang, samesite="lax", httponly=True, max_age=365 * 86400)
            return response
        return render(request, "login.html", None, next=_safe_next(next))

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        username = str(form.get("username", "")).strip()[:64]
        password = str(form.get("password", ""))[:1024]
        target = _safe_next(str(form.get("next", "/")))
        ip = client_ip(request)
        if not auth.csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
            return render(request, "login.html", None, status=403, error_key="csrf_failed", next=target)
        if auth.limiter.blocked(ip, username):
            db.audit(username or "anonymous", "login_rate_limited", username, ip=ip)
            response = render(request, "login.html", None, status=429, error_key="rate_limited", next=target)
            response.headers["Retry-After"] = str(int(auth.limiter.window))
            return response
        user = db.authenticate(username, password)
        if user is None:
            auth.limiter.failed(ip, username)
            db.audit(username or "anonymous", "login_failure", username, ip=ip)
            return render(request, "login.html", None, status=401, error_key="login_failed", next=target)
        auth.limiter.succeeded(username)
        db.audit(user.username, "login", user.username, ip=ip)
        redirect = RedirectResponse(target, status_code=303)
        auth.start_session(redirect, request, user)
        return redirect

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        form = await request.form()
        if not auth.csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
            return Response("CSRF check failed", status_code=403)
        user = auth.user(request)
        response = RedirectResponse("/login", status_code=303)
        auth.end_session(response, request)
        if user:
            db.audit(user.username, "logout", user.username, ip=client_ip(request))
        return response

    @app.post("/lang", include_in_schema=False)
    async def set_lang(request: Request) -> Response:
        form = await request.form()
        sent = str(form.get(CSRF_FIELD, "")) or request.headers.get(CSRF_HEADER, "")
        if not auth.csrf_ok(request, sent):
            return Response("CSRF check failed", status_code=403)
        lang = str(form.get("lang", ""))
        if lang not in LANGS:
            return Response("unknown language", status_code=400)
        user = auth.user(request)
        if user is not None:
            db.set_lang(user.id, lang)
        response = RedirectResponse(_safe_next(str(form.get("next", "/"))), status_code=303)
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", httponly=True, max_age=365 * 86400)
        return response

    # ------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def cockpit(request: Request) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        data = views.cockpit(user.scope, lang)
        return render(
            request, "cockpit.html", user, lang=lang, data=data, empty_scope=user.scope.sees_nothing
        )

    @app.get("/partials/explain", response_class=HTMLResponse, include_in_schema=False)
    def explain_partial(request: Request, metric: str, period: str, vs: str | None = None) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        if vs not in (None, "pop", "yoy"):
            vs = None
        e = views.explanation(metric, period, user.scope, lang, vs=vs)
        return render(request, "_explain.html", user, lang=lang, e=e, period=period, vs=vs or "pop")

    @app.get("/sales", response_class=HTMLResponse, include_in_schema=False)
    def sales(request: Request, province: str | None = None, channel_kind: str | None = None) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        data = views.sales(user.scope, lang, province or None, channel_kind or None)
        return render(request, "sales.html", user, lang=lang, data=data)

    @app.get("/inventory", response_class=HTMLResponse, include_in_schema=False)
    def inventory(request: Request, category: str | None = None) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        data = views.inventory(user.scope, lang, (category or "")[:200] or None)
        return render(request, "inventory.html", user, lang=lang, data=data)

    @app.get("/glossary", response_class=HTMLResponse, include_in_schema=False)
    def glossary(request: Request) -> Response:
        user = page_user(request)
        lang = lang_of(request, user)
        return render(request, "glossary.html", user, lang=lang, groups=views.glossary(lang))

    @app.get("/data", response_class=HTMLResponse, include_in_schema=False)
    async def data_page(request: Request) -> Response:
        return await render_data(request)

    async def render_data(
        request: Request, status: int = 200, upload: dict[str, Any] | None = None
    ) -> Response:
        """The data page: load history, open rejects, the upload form and the last upload's result."""
        user = page_user(request)
        if user.role not in DATA_ROLES or not user.scope.unrestricted:
            raise Forbidden
        with views.lock:
            tables = _data_tables(views.wh)
        from chainsight.model import ENTITIES

        return render(
            request,
            "data.html",
            user,
            status=status,
            upload=upload,
            entities=[(e.name, e.label.zh, e.label.en) for e in ENTITIES.values()],
            **tables,
        )

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="Chainsight API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    from chainsight.web._api import api_router
    from chainsight.web._ops import register_routes

    ops = register_routes(
        app,
        views,
        SimpleNamespace(
            render=render,
            page_user=page_user,
            lang_of=lang_of,
            auth=auth,
            db=db,
            forbidden=Forbidden,
            data_roles=DATA_ROLES,
            csrf_field=CSRF_FIELD,
            client_ip=client_ip,
            t=translate,
            data_page=render_data,
        ),
    )
    app.state.ops = ops
    app.include_router(api_router(views, auth, lang_of, ops))
    from chainsight.web._alerts import alerts_router

    app.include_router(alerts_router())  # /alerts and /api/alerts
    from chainsight.web._readiness import readiness_router

    app.include_router(readiness_router())  # /readiness and /api/readiness

    if warm:
        threading.Thread(target=_warm, args=(views, db), daemon=True, name="chainsight-warm").start()
    return app


def _warm(views: Views, db: AppDB) -> None:
    """Compute the cockpit once per distinct scope so the first visit is fast."""
    seen = set()
    for user in db.list_users():
        if user.disabled or user.scope.sees_nothing:
            continue
        key = repr(sorted((d, sorted(v)) for d, v in user.scope.rules.items())) + str(user.scope.unrestricted)
        if key in seen:
            continue
        seen.add(key)
        try:
            views.cockpit(user.scope, user.lang or "zh")
        except Exception:  # warming is best effort; the page will report a real error
            continue


def _scope_text(scope: Scope, lang: str) -> str:
    if scope.unrestricted:
        return translate("scope_all", lang)
    if scope.sees_nothing:
        return translate("scope_none", lang)
    from chainsight.metrics import DIMENSIONS

    return "; ".join(
        f"{DIMENSIONS[d].get(lang)}: {', '.join(sorted(v))}" for d, v in sorted(scope.rules.items())
    )


def _data_tables(wh: Warehouse) -> dict[str, Any]:
    from chainsight.ingest import list_rejects
    from chainsight.warehouse import LOAD_HISTORY

    history = wh.duckdb.execute(
        f"SELECT entity, files, rows_read, rows_loaded, rows_rejected, outcome, finished_at "
        f"FROM {LOAD_HISTORY} ORDER BY finished_at DESC LIMIT 200"
    ).fetchall()
    rejects = list_rejects(wh).slice(0, 500).to_pylist()
    return {"history": history, "rejects": rejects}

"""Alerts in the web app: the JSON API (``/api/alerts``, ack/resolve by POST) and the alerts page.

Everything is filtered by the signed-in user's scope (deny by default). Changing an alert needs a role
other than viewer, and either a bearer token (``Authorization: Bearer``) or a session with the CSRF
token (form field or ``X-CSRF-Token`` header); the acting user is recorded in the alert's history and
the audit log.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from chainsight._errors import UserInputError
from chainsight.alerts import (
    ACTIVE,
    OWNER_ROLES,
    SEVERITIES,
    STATES,
    acknowledge,
    alert_history,
    get_alert,
    list_alerts,
    resolve,
    top_alerts,
    visible,
)
from chainsight.appdb import ROLES, User
from chainsight.web._api import CurrentUser
from chainsight.web._auth import CSRF_FIELD, CSRF_HEADER, LANG_COOKIE, client_ip
from chainsight.web._i18n import LANGS, negotiate, translate

HERE = FilePath(__file__).parent
AlertId = Path(ge=1, le=2**62, description="Alert number")
ACT_ROLES = frozenset(ROLES) - {"viewer"}

LABELS: dict[str, tuple[str, str]] = {
    "alerts": ("预警", "Alerts"),
    "severity": ("级别", "Severity"),
    "state": ("状态", "State"),
    "rule": ("规则", "Rule"),
    "what": ("内容", "What"),
    "action": ("建议", "Recommended action"),
    "owner": ("负责", "Owner"),
    "last_seen": ("最近发现", "Last seen"),
    "ack": ("确认", "Acknowledge"),
    "resolve": ("解决", "Resolve"),
    "note": ("备注", "Note"),
    "none": ("当前范围内没有预警。", "No alerts in your scope."),
    "active": ("未关闭", "Active"),
    "all": ("全部", "All"),
    "history": ("历史", "History"),
    "top_alerts": ("重点预警", "Top alerts"),
}


def _label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en


def _lang(request: Request, user: User | None) -> str:
    if user is not None and user.lang in LANGS:
        return str(user.lang)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return str(cookie)
    return str(negotiate(request.headers.get("accept-language")))


def _user(request: Request) -> User | None:
    return request.app.state.auth.user(request)  # type: ignore[no-any-return]


def _states(state: str) -> tuple[str, ...] | None:
    if state == "active":
        return ACTIVE
    if state == "all":
        return None
    if state not in STATES:
        raise HTTPException(400, f"unknown state '{state}'; use active, all, open, acknowledged or resolved")
    return (state,)


def _may_change(request: Request, user: User, sent_csrf: str | None) -> None:
    if user.role not in ACT_ROLES:
        raise HTTPException(403, "your role may not change alerts")
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # a token is not sent by browsers on their own: no CSRF risk
    if not request.app.state.auth.csrf_ok(request, sent_csrf or request.headers.get(CSRF_HEADER, "")):
        raise HTTPException(403, "CSRF check failed")


def alerts_router() -> APIRouter:
    """``/api/alerts`` (list, one with history, ack, resolve) and the ``/alerts`` page."""
    router = APIRouter()
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    # ------------------------------------------------------------ API
    @router.get("/api/alerts", tags=["alerts"], summary="Alerts in the caller's scope, most severe first")
    def api_list(
        request: Request,
        user: CurrentUser,
        state: str = Query("active", description="active, all, open, acknowledged or resolved"),
        limit: int = Query(100, ge=1, le=1000),
    ) -> list[dict[str, Any]]:
        rows = list_alerts(request.app.state.db, states=_states(state), scope=user.scope, limit=limit)
        return [a.to_dict() for a in rows]

    @router.get("/api/alerts/{alert_id}", tags=["alerts"], summary="One alert with its history")
    def api_get(request: Request, user: CurrentUser, alert_id: int = AlertId) -> dict[str, Any]:
        db = request.app.state.db
        try:
            a = get_alert(db, alert_id)
        except UserInputError:
            raise HTTPException(404, "no such alert") from None
        if not visible(a.scope, user.scope):
            raise HTTPException(404, "no such alert")
        return {**a.to_dict(), "history": alert_history(db, alert_id)}

    async def _api_change(request: Request, user: User, alert_id: int, fn: Any) -> dict[str, Any]:
        note = ""
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                raise HTTPException(400, "the body is not valid JSON") from None
            note = str((body or {}).get("note", ""))[:2000] if isinstance(body, dict) else ""
        _may_change(request, user, None)
        try:
            a = fn(
                request.app.state.db,
                alert_id,
                actor=user.username,
                note=note,
                scope=user.scope,
                ip=client_ip(request),
            )
        except UserInputError as exc:
            code = 404 if "no alert" in exc.en else 409
            raise HTTPException(code, exc.en) from None
        return a.to_dict()  # type: ignore[no-any-return]

    @router.post("/api/alerts/{alert_id}/ack", tags=["alerts"], summary="Acknowledge an alert (body: {note})")
    async def api_ack(request: Request, user: CurrentUser, alert_id: int = AlertId) -> dict[str, Any]:
        return await _api_change(request, user, alert_id, acknowledge)

    @router.post("/api/alerts/{alert_id}/resolve", tags=["alerts"], summary="Resolve an alert (body: {note})")
    async def api_resolve(request: Request, user: CurrentUser, alert_id: int = AlertId) -> dict[str, Any]:
        return await _api_change(request, user, alert_id, resolve)

    # ------------------------------------------------------------ page
    @router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request, state: str = "active") -> Response:
        from chainsight.web._app import DATA_ROLES, _scope_text

        user = _user(request)
        if user is None:
            return RedirectResponse("/login?next=/alerts", status_code=303)
        lang = _lang(request, user)
        rows = list_alerts(request.app.state.db, states=_states(state), scope=user.scope, limit=500)
        auth = request.app.state.auth
        return templates.TemplateResponse(
            request,
            "alerts.html",
            {
                "lang": lang,
                "t": lambda key: translate(key, lang),
                "L": lambda key: _label(key, lang),
                "user": user,
                "role_label": ROLES[user.role][0 if lang == "zh" else 1],
                "scope_text": _scope_text(user.scope, lang),
                "csrf": auth.csrf_token(request),
                "csrf_field": CSRF_FIELD,
                "path": request.url.path,
                "can_data": user.role in DATA_ROLES and user.scope.unrestricted,
                "alerts": rows,
                "state": state,
                "can_act": user.role in ACT_ROLES,
                "sev_label": lambda s: SEVERITIES[s].get(lang) if s in SEVERITIES else s,
                "state_label": lambda s: STATES.get(s, (s, s))[0 if lang == "zh" else 1],
                "owner_label": lambda r: OWNER_ROLES[r].get(lang) if r in OWNER_ROLES else r,
            },
        )

    @router.get("/partials/alerts-top", response_class=HTMLResponse, include_in_schema=False)
    def top_partial(request: Request, n: int = Query(5, ge=1, le=20)) -> Response:
        """The cockpit's panel: the most severe active alerts the user may see."""
        user = _user(request)
        if user is None:
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        lang = _lang(request, user)
        return templates.TemplateResponse(
            request,
            "_alerts_top.html",
            {
                "lang": lang,
                "L": lambda key: _label(key, lang),
                "alerts": top_alerts(request.app.state.db, user.scope, n),
                "sev_label": lambda s: SEVERITIES[s].get(lang) if s in SEVERITIES else s,
            },
        )

    async def _form_change(request: Request, alert_id: int, fn: Any) -> Response:
        user = _user(request)
        if user is None:
            return RedirectResponse("/login?next=/alerts", status_code=303)
        form = await request.form()
        _may_change(request, user, str(form.get(CSRF_FIELD, "")))
        try:
            fn(
                request.app.state.db,
                alert_id,
                actor=user.username,
                note=str(form.get("note", ""))[:2000],
                scope=user.scope,
                ip=client_ip(request),
            )
        except UserInputError as exc:
            raise HTTPException(409, exc.message(_lang(request, user))) from None
        return RedirectResponse("/alerts", status_code=303)

    @router.post("/alerts/{alert_id}/ack", include_in_schema=False)
    async def form_ack(request: Request, alert_id: int = AlertId) -> Response:
        return await _form_change(request, alert_id, acknowledge)

    @router.post("/alerts/{alert_id}/resolve", include_in_schema=False)
    async def form_resolve(request: Request, alert_id: int = AlertId) -> Response:
        return await _form_change(request, alert_id, resolve)

    return router

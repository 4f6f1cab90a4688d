"""Alerts in the web app: the JSON API (``/api/alerts``, ack/resolve by POST) and the alerts page.

Everything is filtered by the signed-in user's scope (deny by default): an alert outside it is answered
as absent (404). Changing an alert needs a role other than viewer, and either a bearer token
(``Authorization: Bearer``) or a session with the CSRF token (form field or ``X-CSRF-Token`` header);
the acting user is recorded in the alert's history and the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from chainsight._errors import Forbidden, NotFound, UserInputError
from chainsight.alerts import (
    ACTIVE,
    OWNER_ROLES,
    SEVERITIES,
    STATES,
    Alert,
    acknowledge,
    alert_history,
    get_alert,
    list_alerts,
    resolve,
    top_alerts,
    visible,
)
from chainsight.appdb import ROLES, User
from chainsight.web._auth import client_ip
from chainsight.web._deps import CheckedForm, CurrentUser, Language, Render, ServicesDep
from chainsight.web._handlers import API_ERRORS, CONFLICT, NOT_FOUND
from chainsight.web._services import Services

AlertId = Path(ge=1, le=2**62, description="Alert number")
ACT_ROLES = frozenset(ROLES) - {"viewer"}
VIEWERS_CANNOT_ACT = ("您的角色不能修改预警", "your role may not change alerts")

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


def _states(state: str) -> tuple[str, ...] | None:
    if state == "active":
        return ACTIVE
    if state == "all":
        return None
    if state not in STATES:
        raise UserInputError(
            f"未知状态 “{state}”,可用 active、all、open、acknowledged 或 resolved",
            f"unknown state '{state}'; use active, all, open, acknowledged or resolved",
        )
    return (state,)


def _not_found(alert_id: int) -> NotFound:
    return NotFound(f"没有告警 #{alert_id}", f"no alert #{alert_id}", alert=alert_id)


def acting_user(user: CurrentUser) -> User:
    """A user whose role may change alerts."""
    if user.role not in ACT_ROLES:
        raise Forbidden(*VIEWERS_CANNOT_ACT)
    return user


ActingUser = Annotated[User, Depends(acting_user)]
Change = Callable[..., Alert]

router = APIRouter()
api = APIRouter(prefix="/api/alerts", tags=["alerts"], responses=API_ERRORS)


# ---------------------------------------------------------------- API
@api.get("", summary="Alerts in the caller's scope, most severe first")
def api_list(
    user: CurrentUser,
    services: ServicesDep,
    state: str = Query("active", description="active, all, open, acknowledged or resolved"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    rows = list_alerts(services.db, states=_states(state), scope=user.scope, limit=limit)
    return [a.to_dict() for a in rows]


@api.get("/{alert_id}", summary="One alert with its history", responses=NOT_FOUND)
def api_get(user: CurrentUser, services: ServicesDep, alert_id: int = AlertId) -> dict[str, Any]:
    a = get_alert(services.db, alert_id)
    if not visible(a.scope, user.scope):
        raise _not_found(alert_id)  # outside the scope: as if absent
    return {**a.to_dict(), "history": alert_history(services.db, alert_id)}


async def _api_change(
    request: Request, user: User, services: Services, alert_id: int, change: Change
) -> dict[str, Any]:
    note = ""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise UserInputError("请求体不是有效的 JSON", "the body is not valid JSON") from None
        note = str((body or {}).get("note", ""))[:2000] if isinstance(body, dict) else ""
    a = change(services.db, alert_id, actor=user.username, note=note, scope=user.scope, ip=client_ip(request))
    return a.to_dict()


@api.post(
    "/{alert_id}/ack", summary="Acknowledge an alert (body: {note})", responses={**NOT_FOUND, **CONFLICT}
)
async def api_ack(
    request: Request, user: ActingUser, _form: CheckedForm, services: ServicesDep, alert_id: int = AlertId
) -> dict[str, Any]:
    return await _api_change(request, user, services, alert_id, acknowledge)


@api.post(
    "/{alert_id}/resolve", summary="Resolve an alert (body: {note})", responses={**NOT_FOUND, **CONFLICT}
)
async def api_resolve(
    request: Request, user: ActingUser, _form: CheckedForm, services: ServicesDep, alert_id: int = AlertId
) -> dict[str, Any]:
    return await _api_change(request, user, services, alert_id, resolve)


router.include_router(api)


# ---------------------------------------------------------------- page
def _sev_label(lang: str) -> Callable[[str], str]:
    return lambda s: SEVERITIES[s].get(lang) if s in SEVERITIES else s


@router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
def page(
    user: CurrentUser, lang: Language, render: Render, services: ServicesDep, state: str = "active"
) -> Response:
    rows = list_alerts(services.db, states=_states(state), scope=user.scope, limit=500)
    return render(
        "alerts.html",
        L=lambda key: _label(key, lang),
        alerts=rows,
        state=state,
        can_act=user.role in ACT_ROLES,
        sev_label=_sev_label(lang),
        state_label=lambda s: STATES.get(s, (s, s))[0 if lang == "zh" else 1],
        owner_label=lambda r: OWNER_ROLES[r].get(lang) if r in OWNER_ROLES else r,
    )


@router.get("/partials/alerts-top", response_class=HTMLResponse, include_in_schema=False)
def top_partial(
    user: CurrentUser, lang: Language, render: Render, services: ServicesDep, n: int = Query(5, ge=1, le=20)
) -> Response:
    """The cockpit's panel: the most severe active alerts the user may see."""
    return render(
        "_alerts_top.html",
        L=lambda key: _label(key, lang),
        alerts=top_alerts(services.db, user.scope, n),
        sev_label=_sev_label(lang),
    )


def _form_change(
    request: Request, user: User, services: Services, form: FormData, alert_id: int, change: Change
) -> Response:
    note = str(form.get("note", ""))[:2000]
    change(services.db, alert_id, actor=user.username, note=note, scope=user.scope, ip=client_ip(request))
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/{alert_id}/ack", include_in_schema=False)
def form_ack(
    request: Request, user: ActingUser, form: CheckedForm, services: ServicesDep, alert_id: int = AlertId
) -> Response:
    return _form_change(request, user, services, form, alert_id, acknowledge)


@router.post("/alerts/{alert_id}/resolve", include_in_schema=False)
def form_resolve(
    request: Request, user: ActingUser, form: CheckedForm, services: ServicesDep, alert_id: int = AlertId
) -> Response:
    return _form_change(request, user, services, form, alert_id, resolve)

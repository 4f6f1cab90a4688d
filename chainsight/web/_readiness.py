"""The readiness page (``/readiness``) and ``/api/readiness``: data readiness per domain and the organisational
checklist. Any signed-in user may look (it shows checks, dates and reject rates, no business figures);
only an admin may answer the checklist (form POST with the CSRF token, audited)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from chainsight._errors import UserInputError
from chainsight.appdb import ROLES, User
from chainsight.readiness import Checklist, readiness
from chainsight.web._auth import CSRF_FIELD, LANG_COOKIE
from chainsight.web._i18n import LANGS, negotiate, translate

HERE = Path(__file__).parent

LABELS: dict[str, tuple[str, str]] = {
    "readiness": ("就绪度", "Readiness"),
    "overall": ("总体就绪度", "Overall readiness"),
    "data": ("数据就绪度", "Data readiness"),
    "organisation": ("组织就绪度", "Organisational readiness"),
    "domain": ("业务域", "Domain"),
    "present": ("有数据", "Present"),
    "fresh": ("及时", "Fresh"),
    "complete": ("完整", "Complete"),
    "clean": ("干净", "Clean"),
    "metrics": ("可用指标", "Metrics"),
    "decisions": ("可支持的决策", "Decisions supported"),
    "blocked": ("尚不能支持", "Not yet supported"),
    "notes": ("说明", "Notes"),
    "missing": ("缺少", "missing"),
    "stale": ("滞后", "stale"),
    "days": ("天", "days"),
    "months_missing": ("个月缺数据", "months missing"),
    "reject_rate": ("拒绝率", "reject rate"),
    "next": ("下一步加载这些数据", "Load these next"),
    "unlocks": ("可解锁", "unlocks"),
    "item": ("检查项", "Item"),
    "answer": ("回答", "Answer"),
    "points": ("得分", "Points"),
    "save": ("保存", "Save"),
    "as_of": ("检查日期", "Checked on"),
    "admin_only": ("只有管理员可以修改回答。", "Only an admin can change the answers."),
}


def _lang(request: Request, user: User | None) -> str:
    if user is not None and user.lang in LANGS:
        return str(user.lang)
    cookie = request.cookies.get(LANG_COOKIE)
    return str(cookie) if cookie in LANGS else str(negotiate(request.headers.get("accept-language")))


def _user(request: Request) -> User | None:
    return request.app.state.auth.user(request)  # type: ignore[no-any-return]


def _as_of(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, "as_of must be a date, YYYY-MM-DD") from None


def _result(request: Request, as_of: dt.date | None) -> dict[str, Any]:
    state = request.app.state
    with state.views.lock:  # one DuckDB connection serves every request thread
        return readiness(state.warehouse, state.db, as_of)


def readiness_router() -> APIRouter:
    """``/readiness`` (page), ``/readiness/answer`` (admin form POST) and ``/api/readiness`` (JSON)."""
    router = APIRouter()
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    @router.get("/api/readiness", tags=["readiness"], summary="Data and organisational readiness")
    def api(
        request: Request,
        as_of: str | None = Query(None, description="Check freshness on this date (default today)"),
    ) -> dict[str, Any]:
        if _user(request) is None:
            raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
        return _result(request, _as_of(as_of))

    @router.get("/readiness", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request, as_of: str | None = None) -> Response:
        from chainsight.web._app import DATA_ROLES, _scope_text

        user = _user(request)
        if user is None:
            return RedirectResponse("/login?next=/readiness", status_code=303)
        lang = _lang(request, user)
        auth = request.app.state.auth
        return templates.TemplateResponse(
            request,
            "readiness.html",
            {
                "lang": lang,
                "t": lambda key: translate(key, lang),
                "L": lambda key: LABELS[key][0 if lang == "zh" else 1],
                "user": user,
                "role_label": ROLES[user.role][0 if lang == "zh" else 1],
                "scope_text": _scope_text(user.scope, lang),
                "csrf": auth.csrf_token(request),
                "csrf_field": CSRF_FIELD,
                "path": request.url.path,
                "can_data": user.role in DATA_ROLES and user.scope.unrestricted,
                "can_answer": user.role == "admin",
                "r": _result(request, _as_of(as_of)),
                "label": "label_zh" if lang == "zh" else "label_en",
                "hint": "hint_zh" if lang == "zh" else "hint_en",
            },
        )

    @router.post("/readiness/answer", include_in_schema=False)
    async def answer(request: Request) -> Response:
        user = _user(request)
        if user is None:
            return RedirectResponse("/login?next=/readiness", status_code=303)
        form = await request.form()
        if user.role != "admin":
            raise HTTPException(403, "only an admin may answer the readiness checklist")
        if not request.app.state.auth.csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
            raise HTTPException(403, "CSRF check failed")
        try:
            Checklist(request.app.state.db).answer(
                str(form.get("key", "")), str(form.get("value", "")), actor=user.username
            )
        except UserInputError as exc:
            raise HTTPException(400, exc.message(_lang(request, user))) from None
        return RedirectResponse("/readiness", status_code=303)

    return router

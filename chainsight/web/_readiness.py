"""The readiness page (``/readiness``) and ``/api/readiness``: data readiness per domain and the organisational
checklist. Any signed-in user may look (it shows checks, dates and reject rates, no business figures);
only an admin may answer the checklist (form POST with the CSRF token, audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chainsight._errors import UserInputError
from chainsight.readiness import Checklist, readiness
from chainsight.web._deps import AdminUser, CheckedForm, CurrentUser, Language, Render, ServicesDep
from chainsight.web._handlers import API_ERRORS
from chainsight.web._services import Services

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


def _as_of(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserInputError(
            f"as_of 须是日期(YYYY-MM-DD),收到 “{text}”", f"as_of must be a date, YYYY-MM-DD, got '{text}'"
        ) from None


def _result(services: Services, as_of: dt.date | None) -> dict[str, Any]:
    with services.read() as wh:
        return readiness(wh, services.db, as_of)


router = APIRouter()


@router.get(
    "/api/readiness", tags=["readiness"], summary="Data and organisational readiness", responses=API_ERRORS
)
def api(
    _user: CurrentUser,
    services: ServicesDep,
    as_of: str | None = Query(None, description="Check freshness on this date (default today)"),
) -> dict[str, Any]:
    return _result(services, _as_of(as_of))


@router.get("/readiness", response_class=HTMLResponse, include_in_schema=False)
def page(
    user: CurrentUser, lang: Language, render: Render, services: ServicesDep, as_of: str | None = None
) -> Response:
    return render(
        "readiness.html",
        L=lambda key: LABELS[key][0 if lang == "zh" else 1],
        can_answer=user.role == "admin",
        r=_result(services, _as_of(as_of)),
        label="label_zh" if lang == "zh" else "label_en",
        hint="hint_zh" if lang == "zh" else "hint_en",
    )


@router.post("/readiness/answer", include_in_schema=False)
def answer(user: AdminUser, form: CheckedForm, services: ServicesDep) -> Response:
    Checklist(services.db).answer(str(form.get("key", "")), str(form.get("value", "")), actor=user.username)
    return RedirectResponse("/readiness", status_code=303)

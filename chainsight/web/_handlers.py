"""Errors and response headers for the whole app.

Errors map by type, never by message text: a :class:`~chainsight._errors.UserInputError` answers its
``http_status`` (400; ``NotFound`` 404, ``Conflict`` 409, ``WarehouseBusy`` 503), ``LoginRequired``
401 (pages redirect to sign-in), ``Forbidden`` 403. Under ``/api`` every error is one JSON shape,
``{"error": {"code", "message", "zh", "en"}}`` with ``message`` in the caller's language; pages render
``error.html``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlparse

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from chainsight._errors import AccessError, LoginRequired, UserInputError
from chainsight.web._deps import Renderer, request_language
from chainsight.web._services import services_of

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

# One code per status, so a client can branch on it without reading the message.
CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    503: "unavailable",
}
# What the generic statuses say when no more specific text is at hand.
GENERIC: dict[int, tuple[str, str]] = {
    401: ("请先登录", "sign in first"),
    403: ("您的角色无权查看此页面", "your role may not see this page"),
    404: ("没有这个页面", "no such page"),
    405: ("不支持这种请求方法", "method not allowed"),
}
API_NOT_FOUND = ("没有这个接口,见 /docs", "no such endpoint; see /docs")


class ErrorBody(BaseModel):
    code: str
    message: str
    zh: str
    en: str


class ErrorResponse(BaseModel):
    """Every error of the JSON API."""

    error: ErrorBody


API_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (400, "Bad input (message in the caller's language)"),
        (401, "Not signed in: send a session cookie or `Authorization: Bearer <token>`"),
        (403, "The caller's role or scope does not allow this"),
        (422, "A parameter does not have the documented type or range"),
        (503, "The warehouse is busy (another process writes it)"),
    )
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such thing (or not in the caller's scope)"}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "Clashes with the current state"}
}


def _is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def _renderer(request: Request) -> Renderer:
    services = services_of(request.app)
    user = services.auth.user(request)
    return Renderer(request, services, user, request_language(request, user))


def _error(
    request: Request, status: int, zh: str, en: str, headers: dict[str, str] | None = None
) -> Response:
    """The error as JSON under /api, as the error page elsewhere."""
    render = _renderer(request)
    message = zh if render.lang == "zh" else en
    if _is_api(request):
        body = {"error": {"code": CODES.get(status, "error"), "message": message, "zh": zh, "en": en}}
        return JSONResponse(body, status_code=status, headers=headers)
    response = render("error.html", status=status, message=message)
    response.headers.update(headers or {})
    return response


async def on_user_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UserInputError)
    return _error(request, exc.http_status, exc.message("zh"), exc.message("en"))


def _texts(exc: AccessError) -> tuple[str, str]:
    if len(exc.args) == 2 and all(isinstance(a, str) for a in exc.args):
        return exc.args[0], exc.args[1]
    return GENERIC[exc.http_status]


async def on_access_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessError)
    if isinstance(exc, LoginRequired) and not _is_api(request):
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={quote(_back_to(request))}", status_code=303)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, LoginRequired) else None
    return _error(request, exc.http_status, *_texts(exc), headers=headers)


def _back_to(request: Request) -> str:
    """Where to go after signing in: this page, or for a form post the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    ref = urlparse(request.headers.get("referer", ""))
    if ref.netloc == request.url.netloc and ref.path.startswith("/") and not ref.path.startswith("//"):
        return ref.path + (f"?{ref.query}" if ref.query else "")
    return "/"


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such route, wrong method) in the same shapes as ours."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404 and _is_api(request):
        zh, en = API_NOT_FOUND
    else:
        zh, en = GENERIC.get(exc.status_code, (str(exc.detail), str(exc.detail)))
    return _error(request, exc.status_code, zh, en, headers=dict(exc.headers or {}))


# What a parameter's validation failure says in Chinese, by pydantic's error type (others: "格式不对").
ZH_INVALID = {
    "missing": "缺少此参数",
    "int_parsing": "须是整数",
    "int_from_float": "须是整数",
    "float_parsing": "须是数字",
    "bool_parsing": "须是 true 或 false",
    "date_parsing": "须是日期(YYYY-MM-DD)",
    "date_from_datetime_parsing": "须是日期(YYYY-MM-DD)",
    "greater_than_equal": "须不小于 {ge}",
    "greater_than": "须大于 {gt}",
    "less_than_equal": "须不大于 {le}",
    "less_than": "须小于 {lt}",
    "string_too_long": "最长 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符",
}


async def on_invalid_request(request: Request, exc: Exception) -> Response:
    """A parameter that does not fit its declared type or range: 422, naming the parameter."""
    assert isinstance(exc, RequestValidationError)
    zh, en = [], []
    for e in exc.errors()[:5]:
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body", "header"))
        ctx = e.get("ctx") or {}
        try:
            said = ZH_INVALID.get(str(e.get("type")), "格式不对").format(**ctx)
        except (KeyError, IndexError):
            said = "格式不对"
        zh.append(f"{where}:{said}" if where else said)
        en.append(f"{where}: {e.get('msg', '')}" if where else str(e.get("msg", "")))
    return _error(request, 422, "请求参数无效:" + ";".join(zh), "invalid request: " + "; ".join(en))


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Headers every response carries."""
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.url.path != "/docs":
        response.headers.setdefault("Content-Security-Policy", CSP)
    if not request.url.path.startswith("/static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def install(app: FastAPI) -> None:
    """Register the error handlers and the header middleware on ``app``."""
    app.add_exception_handler(UserInputError, on_user_error)
    app.add_exception_handler(AccessError, on_access_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.middleware("http")(security_headers)

"""Signing in and out, and the reader's language choice (``/login``, ``/logout``, ``/lang``)."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chainsight._errors import UserInputError
from chainsight.web._auth import CSRF_FIELD, LANG_COOKIE, client_ip
from chainsight.web._deps import CheckedForm, MaybeUser, Render, ServicesDep
from chainsight.web._i18n import LANGS

router = APIRouter(include_in_schema=False)

LANG_COOKIE_SECONDS = 365 * 86400


def safe_next(target: str | None) -> str:
    """Only same-site paths after sign-in (no open redirect).

    >>> safe_next("/sales?province=x"), safe_next("//evil.example/x"), safe_next("https://evil.example")
    ('/sales?province=x', '/', '/')
    """
    if not target:
        return "/"
    p = urlparse(target)
    if p.scheme or p.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _remember_lang(response: Response, lang: str) -> None:
    response.set_cookie(LANG_COOKIE, lang, samesite="lax", httponly=True, max_age=LANG_COOKIE_SECONDS)


@router.get("/login", response_class=HTMLResponse)
def login_page(render: Render, next: str = "/", lang: str | None = None) -> Response:
    """The sign-in form; ``?lang=zh`` shows it in that language and remembers the choice."""
    if lang in LANGS:
        assert lang is not None
        response = render("login.html", next=safe_next(next), lang=lang)
        _remember_lang(response, lang)
        return response
    return render("login.html", next=safe_next(next))


@router.post("/login")
async def login(request: Request, services: ServicesDep, render: Render) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))[:1024]
    target = safe_next(str(form.get("next", "/")))
    ip = client_ip(request)
    auth, db = services.auth, services.db
    # the sign-in form answers on itself, so a refused attempt keeps what was typed
    if not auth.csrf_ok(request, str(form.get(CSRF_FIELD, ""))):
        return render("login.html", status=403, error_key="csrf_failed", next=target)
    if auth.limiter.blocked(ip, username):
        db.audit(username or "anonymous", "login_rate_limited", username, ip=ip)
        response = render("login.html", status=429, error_key="rate_limited", next=target)
        response.headers["Retry-After"] = str(int(auth.limiter.window))
        return response
    user = db.authenticate(username, password)
    if user is None:
        auth.limiter.failed(ip, username)
        db.audit(username or "anonymous", "login_failure", username, ip=ip)
        return render("login.html", status=401, error_key="login_failed", next=target)
    auth.limiter.succeeded(username)
    db.audit(user.username, "login", user.username, ip=ip)
    redirect = RedirectResponse(target, status_code=303)
    auth.start_session(redirect, request, user)
    return redirect


@router.post("/logout")
def logout(request: Request, _form: CheckedForm, services: ServicesDep, user: MaybeUser) -> Response:
    response = RedirectResponse("/login", status_code=303)
    services.auth.end_session(response, request)
    if user:
        services.db.audit(user.username, "logout", user.username, ip=client_ip(request))
    return response


@router.post("/lang")
def set_lang(form: CheckedForm, services: ServicesDep, user: MaybeUser) -> Response:
    """Switch the language: saved for a signed-in user, and remembered by this browser."""
    lang = str(form.get("lang", ""))
    if lang not in LANGS:
        raise UserInputError(f"未知语言 “{lang}”,可用 zh 或 en", f"unknown language '{lang}'; use zh or en")
    if user is not None:
        services.db.set_lang(user.id, lang)
    response = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
    _remember_lang(response, lang)
    return response

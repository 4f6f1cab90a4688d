"""The web shell's dependencies: what a route declares it needs, resolved by FastAPI once per request.

``ServicesDep`` (the app's services) → ``MaybeUser`` / ``CurrentUser`` (the signed-in user) →
``Language`` (the reader's language) → ``Render`` (a template with the context every page shares).
Role guards (``DataUser``, ``AdminUser``, ``WideUser``) build on the user; ``CheckedForm`` is a form
post whose CSRF token was checked. Failures raise the typed errors of :mod:`chainsight._errors`
(``LoginRequired``, ``Forbidden``), which the app's exception handlers turn into a sign-in redirect,
an error page or a JSON error. A page route reads::

    @router.get("/sales")
    def sales(user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
        return render("sales.html", data=services.views.sales(user.scope, lang, ...))
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Security
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import FormData

from chainsight._errors import Forbidden, LoginRequired
from chainsight.appdb import ROLES, User
from chainsight.metrics import DIMENSIONS, Scope
from chainsight.web._auth import CSRF_FIELD, CSRF_HEADER, LANG_COOKIE
from chainsight.web._i18n import LANGS, fmt_date, negotiate, translate
from chainsight.web._services import Services, services_of

# Roles that may see raw rows (load history, rejects) and load files: those rows bypass the metric scopes.
DATA_ROLES = frozenset({"admin", "planner"})

# Why a request was refused, in both languages (the typed access errors carry (zh, en) as their args).
NOT_SIGNED_IN = ("请先登录", "sign in first")
NO_PAGE = ("您的角色无权查看此页面", "your role may not see this page")
ADMINS_ONLY = ("只有管理员可以这样做", "administrators only")
CSRF_FAILED = ("表单已过期,请刷新页面后重试", "the form expired; reload the page and try again")
NOT_SCOPED_YET = (
    "此分析暂不能按您的可见范围过滤,只向可查看全部数据的角色开放",
    "this analysis cannot be limited to your scope yet; it is available to roles that see everything",
)


# ---------------------------------------------------------------- services
def get_services(request: Request) -> Services:
    """The app's services (tests may replace them through ``app.dependency_overrides``)."""
    return services_of(request.app)


ServicesDep = Annotated[Services, Depends(get_services)]


# ---------------------------------------------------------------- the user
_bearer = HTTPBearer(auto_error=False, description="An API token from `chainsight users token`.")


def optional_user(request: Request, services: ServicesDep) -> User | None:
    """The signed-in user (session cookie or ``Authorization: Bearer``), or None."""
    return services.auth.user(request)


MaybeUser = Annotated[User | None, Depends(optional_user)]


def current_user(
    user: MaybeUser, _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
) -> User:
    """The signed-in user; ``LoginRequired`` otherwise (pages redirect to sign-in, the API says 401)."""
    if user is None:
        raise LoginRequired(*NOT_SIGNED_IN)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def data_user(user: CurrentUser) -> User:
    """A user who may see raw rows and load files: a data role that sees everything."""
    if user.role not in DATA_ROLES or not user.scope.unrestricted:
        raise Forbidden(*NO_PAGE)
    return user


DataUser = Annotated[User, Depends(data_user)]


def admin_user(user: CurrentUser) -> User:
    if user.role != "admin":
        raise Forbidden(*ADMINS_ONLY)
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def wide_user(user: CurrentUser) -> User:
    """A user whose scope is everything: for analyses that cannot be limited to a scope yet."""
    if not user.scope.unrestricted:
        raise Forbidden(*NOT_SCOPED_YET)
    return user


WideUser = Annotated[User, Depends(wide_user)]


def user_scope(user: CurrentUser) -> Scope:
    """The rows the user may see; every figure a route computes is under it."""
    return user.scope


UserScope = Annotated[Scope, Depends(user_scope)]


# ---------------------------------------------------------------- language
def request_language(request: Request, user: User | None) -> str:
    """The reader's language: their saved choice, then the language cookie, then the browser's."""
    if user is not None and user.lang in LANGS:
        return str(user.lang)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return str(cookie)
    return str(negotiate(request.headers.get("accept-language")))


def language(request: Request, user: MaybeUser) -> str:
    return request_language(request, user)


Language = Annotated[str, Depends(language)]


def api_language(
    reader: Language,
    lang: Annotated[str | None, Query(description="zh or en (default: the user's language)")] = None,
) -> str:
    """The reader's language, unless the API call asks for one (``?lang=zh``)."""
    return lang if lang in LANGS else reader


ApiLanguage = Annotated[str, Depends(api_language)]


# ---------------------------------------------------------------- CSRF
def is_bearer(request: Request) -> bool:
    """A token is not sent by browsers on their own: such a request carries no CSRF risk."""
    return request.headers.get("authorization", "").lower().startswith("bearer ")


async def checked_form(request: Request, services: ServicesDep) -> FormData:
    """The posted form, after its CSRF token (form field or ``X-CSRF-Token`` header) was checked."""
    form = await request.form()
    if is_bearer(request):
        return form
    sent = str(form.get(CSRF_FIELD, "") or "") or request.headers.get(CSRF_HEADER, "")
    if not services.auth.csrf_ok(request, sent):
        raise Forbidden(*CSRF_FAILED)
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


# ---------------------------------------------------------------- templates
class Renderer:
    """Renders a template with what every page shares: language, user, role and scope, CSRF token."""

    def __init__(self, request: Request, services: Services, user: User | None, lang: str) -> None:
        self.request = request
        self.services = services
        self.user = user
        self.lang = lang

    def context(self, lang: str | None = None) -> dict[str, Any]:
        lang = lang or self.lang
        user, auth = self.user, self.services.auth
        return {
            "lang": lang,
            "t": _phrase(lang),
            "user": user,
            "role_label": (ROLES[user.role][0 if lang == "zh" else 1] if user else ""),
            "scope_text": scope_text(user.scope, lang) if user else "",
            "csrf": auth.csrf_token(self.request),
            "csrf_field": CSRF_FIELD,
            "path": self.request.url.path,
            "can_data": bool(user and user.role in DATA_ROLES and user.scope.unrestricted),
            "fmt_date": lambda d: fmt_date(d, lang),
            "tojson": lambda v: json.dumps(v, ensure_ascii=False, default=str),
        }

    def __call__(self, name: str, *, status: int = 200, lang: str | None = None, **ctx: Any) -> HTMLResponse:
        """``name`` rendered in ``lang`` (default: the reader's) with the shared context and ``ctx``."""
        response = self.services.templates.TemplateResponse(
            self.request, name, {**self.context(lang), **ctx}, status_code=status
        )
        # a CSRF token minted for this page's forms goes out as the cookie it is checked against
        minted = getattr(self.request.state, "new_csrf", None)
        if minted:
            self.services.auth.set_csrf(response, self.request, minted)
        return response


def renderer(request: Request, services: ServicesDep, user: MaybeUser, lang: Language) -> Renderer:
    return Renderer(request, services, user, lang)


Render = Annotated[Renderer, Depends(renderer)]


def _phrase(lang: str) -> Callable[[str], str]:
    return lambda key: translate(key, lang)


def scope_text(scope: Scope, lang: str) -> str:
    """A user's scope as a reader says it ("省份: 浙江省")."""
    if scope.unrestricted:
        return translate("scope_all", lang)
    if scope.sees_nothing:
        return translate("scope_none", lang)
    return "; ".join(
        f"{DIMENSIONS[d].get(lang)}: {', '.join(sorted(v))}" for d, v in sorted(scope.rules.items())
    )

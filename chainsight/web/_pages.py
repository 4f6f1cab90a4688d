"""The cockpit, sales, inventory and glossary pages, the "why did it change" panel, API docs, health."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from chainsight.web._deps import CurrentUser, Language, Render, ServicesDep

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def cockpit(user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
    data = services.views.cockpit(user.scope, lang)
    return render("cockpit.html", data=data, empty_scope=user.scope.sees_nothing)


@router.get("/partials/explain", response_class=HTMLResponse)
def explain_partial(
    user: CurrentUser,
    lang: Language,
    render: Render,
    services: ServicesDep,
    metric: str,
    period: str,
    vs: str | None = None,
) -> Response:
    compare = vs if vs in ("pop", "yoy") else None
    e = services.views.explanation(metric, period, user.scope, lang, vs=compare)
    return render("_explain.html", e=e, period=period, vs=compare or "pop")


@router.get("/sales", response_class=HTMLResponse)
def sales(
    user: CurrentUser,
    lang: Language,
    render: Render,
    services: ServicesDep,
    province: str | None = None,
    channel_kind: str | None = None,
) -> Response:
    data = services.views.sales(user.scope, lang, province or None, channel_kind or None)
    return render("sales.html", data=data)


@router.get("/inventory", response_class=HTMLResponse)
def inventory(
    user: CurrentUser, lang: Language, render: Render, services: ServicesDep, category: str | None = None
) -> Response:
    data = services.views.inventory(user.scope, lang, (category or "")[:200] or None)
    return render("inventory.html", data=data)


@router.get("/glossary", response_class=HTMLResponse)
def glossary(_user: CurrentUser, lang: Language, render: Render, services: ServicesDep) -> Response:
    return render("glossary.html", groups=services.views.glossary(lang))


@router.get("/docs", response_class=HTMLResponse)
def docs() -> Response:
    """Swagger UI from the app's own static files (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="Chainsight API",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}

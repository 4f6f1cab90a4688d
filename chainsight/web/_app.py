"""The FastAPI app: server-rendered pages (Jinja2 + HTMX + ECharts), sign-in, and the JSON API.

``create_app`` makes the app's :class:`~chainsight.web._services.Services` and assembles one router
per area; the routes get what they need through the dependencies of ``_deps``.
"""

from __future__ import annotations

import os
import threading

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from chainsight.appdb import AppDB, default_appdb_url
from chainsight.warehouse import Warehouse, resolve_warehouse_path
from chainsight.web import _alerts, _api, _operations, _pages, _readiness, _signin
from chainsight.web._handlers import install
from chainsight.web._services import HERE, Services, Settings, SharedConnection

ROUTERS = (_signin.router, _pages.router, _operations.router, _api.router, _alerts.router, _readiness.router)


def create_app(
    wh: str | os.PathLike[str] | Warehouse | None = None,
    appdb: str | AppDB | None = None,
    *,
    secure_cookies: bool | None = None,
    warm: bool = False,
) -> FastAPI:
    """The web app over one warehouse and one app database.

    ``wh`` is a :class:`~chainsight.warehouse.Warehouse`, or where to open one (read-only; default
    as for the CLI). ``appdb`` is a SQLAlchemy URL (default: a SQLite file beside the warehouse).
    ``secure_cookies`` None marks cookies Secure when a request came over HTTPS.
    ``warm`` computes the cockpit for every user's scope in the background at start.
    """
    if not isinstance(wh, Warehouse):
        wh = Warehouse.open(wh, read_only=True)
    if isinstance(appdb, AppDB):
        db = appdb
    else:
        db = AppDB(appdb or default_appdb_url(resolve_warehouse_path(wh.path)))
    services = Services(SharedConnection(wh), db, Settings(secure_cookies=secure_cookies, warm=warm))

    app = FastAPI(
        title="Chainsight API",
        version="0.1.0",
        description="Governed FMCG metrics, explained. Authenticate with a session or `Authorization: Bearer`.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.services = services
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    install(app)
    for router in ROUTERS:
        app.include_router(router)
    if warm:
        threading.Thread(target=_warm, args=(services,), daemon=True, name="chainsight-warm").start()
    return app


def _warm(services: Services) -> None:
    """Compute the cockpit once per distinct scope so the first visit is fast."""
    seen = set()
    for user in services.db.list_users():
        if user.disabled or user.scope.sees_nothing or user.scope.key in seen:
            continue
        seen.add(user.scope.key)
        try:
            services.views.cockpit(user.scope, user.lang or "zh")
        except Exception:  # warming is best effort; the page will report a real error
            continue

"""The JSON API under /api: who am I, the metric catalog, query, explain, the cockpit and the analyses.

Session or bearer-token auth (``CurrentUser``); every figure is under the caller's scope. Errors are
``{"error": {"code", "message", "zh", "en"}}`` (see ``_handlers``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Query

from chainsight._errors import UserInputError
from chainsight.appdb import scope_to_dict
from chainsight.metrics import Metric
from chainsight.web._deps import AdminUser, ApiLanguage, CurrentUser, ServicesDep, WideUser
from chainsight.web._handlers import API_ERRORS

MAX_ROWS = 100_000

router = APIRouter(prefix="/api", tags=["api"], responses=API_ERRORS)


def clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become null, dates ISO strings."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def metric_record(m: Metric) -> dict[str, Any]:
    return {
        "name": m.name,
        "domain": m.domain,
        "label": {"zh": m.label.zh, "en": m.label.en},
        "description": {"zh": m.description.zh, "en": m.description.en},
        "formula": {"zh": m.formula.zh, "en": m.formula.en},
        "unit": m.unit.value,
        "kind": m.kind.value,
        "good_direction": m.good_direction.value,
        "owner": m.owner,
        "dimensions": sorted(m.dimensions),
    }


def _pairs(items: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip() or not value.strip():
            raise UserInputError(f"where 需要 维度=值,收到 “{item}”", f"where needs DIM=VALUE, got '{item}'")
        out.setdefault(dim.strip(), []).extend(v.strip() for v in value.split(",") if v.strip())
    return out


@router.get("/me", summary="The signed-in user, role and scope")
def me(user: CurrentUser) -> dict[str, Any]:
    return user.to_dict()


@router.get("/metrics", summary="Every metric in the catalog, with zh/en labels and explanations")
def metrics(_user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return [metric_record(m) for m in services.views.catalog if not getattr(m, "hidden", False)]


@router.get("/metrics/{name}", summary="One metric's definition")
def metric(name: str, _user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return metric_record(services.views.catalog.get(name))


@router.get("/query", summary="Compute metrics by dimensions and period, under the caller's scope")
def run_query(
    user: CurrentUser,
    services: ServicesDep,
    metrics: Annotated[str, Query(description="Comma-separated metric names", max_length=2000)],
    by: Annotated[str | None, Query(description="Dimensions, comma-separated", max_length=500)] = None,
    grain: Annotated[str | None, Query(description="day, week, month, quarter or year")] = None,
    start: Annotated[dt.date | None, Query(description="First date, inclusive")] = None,
    end: Annotated[dt.date | None, Query(description="Last date, inclusive")] = None,
    where: Annotated[list[str] | None, Query(description="DIM=VALUE[,VALUE]; repeatable")] = None,
    compare: Annotated[str | None, Query(description="pop, yoy, ytd or lfl")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 10_000,
) -> dict[str, Any]:
    table = services.views.query(
        metrics,
        by=by,
        grain=grain,
        start=start,
        end=end,
        where=_pairs(where or []),
        compare=compare,
        scope=user.scope,
    )
    rows = table.slice(0, limit).to_dicts()
    return clean(
        {
            "columns": table.columns,
            "rows": rows,
            "row_count": table.height,
            "truncated": table.height > limit,
            "scope": scope_to_dict(user.scope),
        }
    )


@router.get("/explain", summary="Why did a metric move? Drivers and a zh/en summary")
def run_explain(
    user: CurrentUser,
    services: ServicesDep,
    metric: Annotated[str, Query(max_length=200)],
    period: Annotated[str, Query(description="2025-06, 2025-Q2, 2025, 2025-W23 or a day", max_length=40)],
    vs: Annotated[str | None, Query(description="pop (default), yoy or a period", max_length=40)] = None,
    by: Annotated[str | None, Query(max_length=500)] = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    result = services.views.explain(metric, period, vs=vs, by=by, top=top, scope=user.scope)
    return clean(result.to_dict())


@router.get("/cockpit", summary="Everything the executive cockpit page shows, as JSON")
def cockpit(user: CurrentUser, lang: ApiLanguage, services: ServicesDep) -> dict[str, Any]:
    return clean(services.views.cockpit(user.scope, lang))


@router.get("/audit", summary="The audit log (administrators only)")
def audit(
    _user: AdminUser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: str | None = None,
) -> list[dict[str, Any]]:
    return services.db.audit_log(limit=limit, action=action)


# ---------------------------------------------------------------- analyses
def _page(data: dict[str, Any]) -> dict[str, Any]:
    # pages carry wide-only panels; the API answers them at their own endpoints
    return clean({k: v for k, v in data.items() if k not in ("runs", "plan")})


@router.get(
    "/procurement", tags=["analyses"], summary="Procurement figures and charts under the caller's scope"
)
def procurement(user: CurrentUser, lang: ApiLanguage, services: ServicesDep) -> dict[str, Any]:
    return _page(services.ops.procurement(user.scope, lang))


@router.get(
    "/production", tags=["analyses"], summary="Production figures and charts under the caller's scope"
)
def production(user: CurrentUser, lang: ApiLanguage, services: ServicesDep) -> dict[str, Any]:
    return _page(services.ops.production(user.scope, lang))


@router.get(
    "/planning",
    tags=["analyses"],
    summary="Forecast vs actual and forecast accuracy under the caller's scope",
)
def planning(user: CurrentUser, lang: ApiLanguage, services: ServicesDep) -> dict[str, Any]:
    return _page(services.ops.planning(user.scope, lang))


@router.get(
    "/inventory", tags=["analyses"], summary="Inventory and shelf-life figures under the caller's scope"
)
def inventory(
    user: CurrentUser,
    lang: ApiLanguage,
    services: ServicesDep,
    category: Annotated[
        str | None, Query(description="Drill into one category (SKUs)", max_length=200)
    ] = None,
) -> dict[str, Any]:
    return clean(services.views.inventory(user.scope, lang, category or None))


@router.get(
    "/analysis/suppliers",
    tags=["analyses"],
    summary="Supplier scorecard (OTIF, lead times, QC) and material coverage; roles that see everything",
)
def suppliers(_user: WideUser, services: ServicesDep) -> dict[str, Any]:
    data = services.ops.suppliers("en")
    return clean({"as_of": data["as_of"], **data["raw"]})


@router.get(
    "/analysis/production",
    tags=["analyses"],
    summary="Production lines: attainment, yield, utilization; roles that see everything",
)
def lines(_user: WideUser, services: ServicesDep) -> dict[str, Any]:
    data = services.ops.lines("en")
    return clean({k: data[k] for k in ("as_of", "start", "lines")})


@router.get(
    "/analysis/expiry-actions",
    tags=["analyses"],
    summary="Recommended actions for at-risk lots, ranked by value saved; roles that see everything",
)
def actions(
    _user: WideUser, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=5000)] = 200
) -> dict[str, Any]:
    data = services.ops.expiry_actions("en")
    return clean(
        {
            "value_saved": data["value_saved"],
            "value_at_stake": data["value_at_stake"],
            "actions": data["actions"][:limit],
            "total": len(data["actions"]),
        }
    )


@router.get(
    "/analysis/plan",
    tags=["analyses"],
    summary="The latest stored plan: planned orders and exceptions; roles that see everything",
)
def plan(_user: WideUser, lang: ApiLanguage, services: ServicesDep) -> dict[str, Any]:
    return clean({"plan": services.ops.plan(lang), "forecast_runs": services.ops.forecast_runs(lang)})

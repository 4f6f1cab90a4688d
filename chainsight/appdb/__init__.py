"""App metadata for the web app and API: users, roles and scopes, sessions, API tokens, audit log.

Stored through SQLAlchemy 2 (SQLite beside the warehouse by default, any SQLAlchemy URL otherwise).
The row models (``AlertRow`` ...) are the tables the alerts, pipeline and readiness packages keep
here; ``migrate`` upgrades and inspects the schema (``chainsight db``).

>>> from chainsight.appdb import AppDB
>>> db = AppDB("sqlite://")
>>> db.add_user("li", "a long passphrase", role="viewer").scope.sees_nothing
True
"""

from chainsight.appdb._alert_models import AlertDeliveryAttemptRow, AlertDeliveryRow, AlertEventRow, AlertRow
from chainsight.appdb._models import AuditRow, utcnow
from chainsight.appdb._pipeline_models import PipelineRunRow, PipelineStepRow, ReadinessAnswerRow
from chainsight.appdb._store import (
    MIN_PASSWORD,
    ROLES,
    SESSION_HOURS,
    WIDE_ROLES,
    AppDB,
    User,
    default_appdb_url,
    make_engine,
    parse_scope,
    safe_url,
    scope_from_dict,
    scope_to_dict,
)

__all__ = [
    "MIN_PASSWORD",
    "ROLES",
    "SESSION_HOURS",
    "WIDE_ROLES",
    "AlertDeliveryAttemptRow",
    "AlertDeliveryRow",
    "AlertEventRow",
    "AlertRow",
    "AppDB",
    "AuditRow",
    "PipelineRunRow",
    "PipelineStepRow",
    "ReadinessAnswerRow",
    "User",
    "default_appdb_url",
    "make_engine",
    "parse_scope",
    "safe_url",
    "scope_from_dict",
    "scope_to_dict",
    "utcnow",
]

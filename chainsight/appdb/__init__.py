"""App metadata for the web app and API: users, roles and scopes, sessions, API tokens, audit log.

Stored through SQLAlchemy 2 (SQLite beside the warehouse by default, any SQLAlchemy URL otherwise).

>>> from chainsight.appdb import AppDB
>>> db = AppDB("sqlite://")
>>> db.add_user("li", "a long passphrase", role="viewer").scope.sees_nothing
True
"""

from chainsight.appdb._store import (
    MIN_PASSWORD,
    ROLES,
    SESSION_HOURS,
    WIDE_ROLES,
    AppDB,
    User,
    default_appdb_url,
    parse_scope,
    scope_from_dict,
    scope_to_dict,
)

__all__ = [
    "MIN_PASSWORD",
    "ROLES",
    "SESSION_HOURS",
    "WIDE_ROLES",
    "AppDB",
    "User",
    "default_appdb_url",
    "parse_scope",
    "scope_from_dict",
    "scope_to_dict",
]

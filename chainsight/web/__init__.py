"""The web app: executive cockpit and pages over the governed metrics, sign-in, roles and scopes, JSON API.

A thin shell: every figure comes from :func:`chainsight.metrics.query` / :func:`chainsight.metrics.explain`
under the signed-in user's scope (deny by default).

>>> from chainsight.web import create_app, services_of  # doctest: +SKIP
>>> app = create_app("w.duckdb")                         # doctest: +SKIP
>>> services_of(app).db.count_admins()                   # doctest: +SKIP
1
"""

from chainsight.web._app import create_app
from chainsight.web._i18n import compact_number, fmt_value, negotiate
from chainsight.web._services import Services, Settings, services_of

__all__ = ["Services", "Settings", "compact_number", "create_app", "fmt_value", "negotiate", "services_of"]

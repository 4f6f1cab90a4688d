"""The web app: executive cockpit and pages over the governed metrics, sign-in, roles and scopes, JSON API.

A thin shell: every figure comes from :func:`chainsight.metrics.query` / :func:`chainsight.metrics.explain`
under the signed-in user's scope (deny by default).

>>> from chainsight.web import create_app  # doctest: +SKIP
>>> app = create_app("w.duckdb")            # doctest: +SKIP
"""

from chainsight.web._app import create_app
from chainsight.web._i18n import compact_number, fmt_value, negotiate

__all__ = ["compact_number", "create_app", "fmt_value", "negotiate"]

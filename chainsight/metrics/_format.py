"""How a metric value reads to a person: the one formatter set lives in :mod:`chainsight.present`.

Kept so ``chainsight.metrics.format_value`` / ``format_change`` (full digits, the catalog's and the
explanations' default) stay where their callers import them.
"""

from __future__ import annotations

from chainsight.present import format_change, format_value

__all__ = ["format_change", "format_value"]

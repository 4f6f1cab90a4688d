"""Management reports: the weekly cockpit and top exceptions as HTML and PDF, in zh and en.

>>> from chainsight.reports import parse_week
>>> parse_week("2025-W23")
(datetime.date(2025, 6, 2), datetime.date(2025, 6, 8))
"""

from chainsight.reports._data import parse_week, weekly_data
from chainsight.reports._render import WeeklyReport, render_html, render_weekly

__all__ = ["WeeklyReport", "parse_week", "render_html", "render_weekly", "weekly_data"]

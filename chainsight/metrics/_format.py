"""How a metric value reads to a person: ¥1,234,567, 12.3%, 45.2 days, 1.30×."""

from __future__ import annotations

import math

from chainsight.metrics._spec import Unit


def format_value(value: float | int | None, unit: Unit, lang: str = "en", *, signed: bool = False) -> str:
    """Format ``value`` in ``unit``; None and NaN read as an em dash.

    >>> format_value(1234567.8, Unit.CNY)
    '¥1,234,568'
    >>> format_value(0.1234, Unit.PCT, signed=True)
    '+12.3%'
    >>> format_value(45.25, Unit.DAYS, "zh")
    '45.2 天'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sign = "+" if signed and value > 0 else ""
    whole = abs(value) >= 100 or float(value).is_integer()
    if unit is Unit.CNY:
        return f"{sign}{'-' if value < 0 else ''}¥{abs(value):,.{0 if whole else 2}f}"
    if unit is Unit.PCT:
        return f"{sign}{value * 100:.1f}%"
    if unit is Unit.DAYS:
        return f"{sign}{value:,.1f} {'天' if lang == 'zh' else 'days'}"
    if unit is Unit.RATIO:
        return f"{sign}{value:,.2f}×"
    if unit is Unit.COUNT:
        return f"{sign}{value:,.0f}"
    return f"{sign}{value:,.{0 if whole else 2}f}"


def format_change(value: float | None, unit: Unit, lang: str = "en") -> str:
    """A change of a metric: percentage metrics change in percentage points."""
    if unit is Unit.PCT and value is not None and not math.isnan(value):
        points = round(value * 100, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
        return f"{'+' if points > 0 else ''}{points:.1f} {'个百分点' if lang == 'zh' else 'pp'}"
    return format_value(value, unit, lang, signed=True)

"""Small static SVG charts drawn on the server: no JavaScript, so they print in a PDF exactly as on screen."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

FONT = (
    "'Chainsight Sans SC', 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', "
    "'Microsoft YaHei', sans-serif"
)
COLORS = ("#1f4e79", "#2a9d8f", "#e76f51", "#8d99ae", "#e9c46a", "#6a4c93", "#43aa8b", "#f4a261")
AXIS = "#8a94a6"
GRID = "#e6e9ef"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 4, 6, 8 × 10^n), so its quarters are round too."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):  # quarters of these read as round numbers
        if step * exp >= value:
            return float(step * exp)
    return float(10 * exp)


def _open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" role="img">',
        f"<title>{escape(title)}</title>",
    ]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int = 11,
    fill: str = "#333",
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}">{escape(text)}</text>'
    )


def _legend(items: Sequence[tuple[str, str, str]], x: float, y: float) -> list[str]:
    """items: (label, colour, 'bar' | 'line')."""
    out = []
    for label, colour, kind in items:
        if kind == "line":
            out.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 16:.1f}" y2="{y - 4:.1f}" stroke="{colour}" stroke-width="2.5"/>'
            )
        else:
            out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="10" rx="2" fill="{colour}"/>')
        out.append(_text(x + 20, y, label, size=10, fill="#555"))
        x += 32 + 6.5 * sum(2 if ord(c) > 0x2E80 else 1 for c in label)
    return out


def bars_with_line(
    labels: Sequence[str],
    bars: Sequence[float | None],
    line: Sequence[float | None],
    *,
    names: tuple[str, str],
    fmt_axis: Callable[[float], str],
    title: str,
    width: int = 640,
    height: int = 230,
) -> str:
    """Bars (this period) with a line (the comparison, e.g. the same weeks last year)."""
    left, right, top, bottom = 58, 12, 28, 34
    pw, ph = width - left - right, height - top - bottom
    peak = max([v for v in (*bars, *line) if v is not None] or [0.0])
    ymax = _nice_max(peak * 1.05)
    out = _open(width, height, title)
    for i in range(5):
        tick = ymax * i / 4
        y = top + ph - ph * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(left - 6, y + 4, fmt_axis(tick), anchor="end", size=9, fill=AXIS))
    n = max(len(labels), 1)
    slot = pw / n
    bw = slot * 0.62
    for i, v in enumerate(bars):
        if v is None:
            continue
        h = ph * max(v, 0) / ymax
        x = left + slot * i + (slot - bw) / 2
        colour = COLORS[0] if i == n - 1 else "#7fa6c9"
        out.append(
            f'<rect x="{x:.1f}" y="{top + ph - h:.1f}" width="{bw:.1f}" height="{h:.1f}" rx="2" fill="{colour}"/>'
        )
    pts = [
        f"{left + slot * i + slot / 2:.1f},{top + ph - ph * max(v, 0) / ymax:.1f}"
        for i, v in enumerate(line)
        if v is not None
    ]
    if len(pts) > 1:
        out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{COLORS[2]}" stroke-width="2"/>')
    for p in pts:
        cx, cy = p.split(",")
        out.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{COLORS[2]}"/>')
    step = max(1, math.ceil(n / 7))
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            out.append(
                _text(
                    left + slot * i + slot / 2,
                    height - bottom + 15,
                    label,
                    anchor="middle",
                    size=9,
                    fill=AXIS,
                )
            )
    out += _legend([(names[0], COLORS[0], "bar"), (names[1], COLORS[2], "line")], left, 14)
    out.append("</svg>")
    return "".join(out)


def hbars(
    items: Sequence[tuple[str, float | None, str]],
    *,
    title: str,
    marker: float | None = None,
    marker_label: str = "",
    scale_max: float | None = None,
    width: int = 310,
    row: int = 22,
    label_width: int = 82,
) -> str:
    """Horizontal bars: (label, value, text shown at the bar's end); an optional vertical marker (e.g. pace)."""
    top = 18 if marker is not None else 6
    height = top + row * max(len(items), 1) + 8
    vmax = scale_max or max([v for _, v, _ in items if v is not None] or [1.0]) or 1.0
    if marker is not None:
        vmax = max(vmax, marker)
    pw = width - label_width - 104  # room for the value text after the longest bar
    out = _open(width, height, title)
    for i, (label, value, shown) in enumerate(items):
        y = top + row * i
        out.append(_text(label_width - 6, y + row / 2 + 4, label, anchor="end", size=10))
        w = pw * max(value or 0.0, 0.0) / vmax
        colour = (
            COLORS[i % len(COLORS)]
            if marker is None
            else (COLORS[1] if (value or 0) >= marker else COLORS[2])
        )
        out.append(
            f'<rect x="{label_width}" y="{y + 4:.1f}" width="{max(w, 1):.1f}" height="{row - 8:.1f}" rx="2" fill="{colour}"/>'
        )
        out.append(_text(label_width + w + 4, y + row / 2 + 4, shown, size=10, fill="#333"))
    if marker is not None:
        x = label_width + pw * marker / vmax
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 4}" stroke="#333" stroke-dasharray="3,3"/>'
        )
        out.append(_text(x, top - 7, marker_label, anchor="middle", size=9, fill="#333"))
    out.append("</svg>")
    return "".join(out)


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    fmt_axis: Callable[[float], str],
    title: str,
    width: int = 310,
    height: int = 200,
    colours: Sequence[str] = (COLORS[4], COLORS[2]),
) -> str:
    """Several series side by side per label (e.g. near-expiry and expired stock per month)."""
    left, right, top, bottom = 52, 8, 26, 30
    pw, ph = width - left - right, height - top - bottom
    peak = max([v for _, vals in series for v in vals if v is not None] or [0.0])
    ymax = _nice_max(peak * 1.05)
    out = _open(width, height, title)
    for i in range(5):
        y = top + ph - ph * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(left - 5, y + 4, fmt_axis(ymax * i / 4), anchor="end", size=9, fill=AXIS))
    n = max(len(labels), 1)
    slot = pw / n
    bw = slot * 0.7 / max(len(series), 1)
    for s, (_, vals) in enumerate(series):
        for i, v in enumerate(vals):
            if v is None:
                continue
            h = ph * max(v, 0) / ymax
            x = left + slot * i + slot * 0.15 + bw * s
            out.append(
                f'<rect x="{x:.1f}" y="{top + ph - h:.1f}" width="{bw:.1f}" height="{h:.1f}" rx="1.5" '
                f'fill="{colours[s % len(colours)]}"/>'
            )
    for i, label in enumerate(labels):
        out.append(
            _text(left + slot * i + slot / 2, height - bottom + 14, label, anchor="middle", size=9, fill=AXIS)
        )
    out += _legend([(name, colours[s % len(colours)], "bar") for s, (name, _) in enumerate(series)], left, 13)
    out.append("</svg>")
    return "".join(out)

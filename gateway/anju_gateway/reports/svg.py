"""Hand-written SVG charts (heatmap and daily trend): small, legible, no plotting library.

Output is standalone SVG 1.1 (valid XML), with Chinese labels in a CJK font stack, a
``<title>`` tooltip per mark and ``data-*`` attributes so tests and scripts can read values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif"
INK, MUTED, GRID = "#1d2733", "#5b6876", "#e3e7eb"
# White -> amber -> deep red: readable in print and for the common kinds of colour blindness.
RAMP = ((255, 255, 255), (254, 217, 118), (253, 141, 60), (227, 26, 28), (128, 0, 38))


def _x(text: object) -> str:
    return escape(str(text), quote=True)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" '
        f'role="img" aria-label="{_x(title)}">'
        f"<title>{_x(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def colour(value: float, maximum: float) -> str:
    if maximum <= 0 or value <= 0:
        return "#f4f6f8"
    t = min(1.0, value / maximum) * (len(RAMP) - 1)
    i = min(int(t), len(RAMP) - 2)
    f = t - i
    a, b = RAMP[i], RAMP[i + 1]
    r, g, bl = (round(a[k] + (b[k] - a[k]) * f) for k in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def _text_width(text: str, size: float) -> float:
    # CJK glyphs are about 1 em wide, Latin about 0.6 em: enough to size the label column.
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


HEATMAP_AXIS = "时段(时) Hour of day · 颜色越深警情越多 darker = more alerts"
TREND_AXIS = "日期 Date · 每日警情数 alerts per day"
NO_DATA = "无数据 No data"


def heatmap(
    title: str,
    rows: Sequence[tuple[str, Sequence[int]]],
    subtitle: str = "",
    *,
    axis: str = HEATMAP_AXIS,
    no_data: str = NO_DATA,
) -> str:
    """Rows of (label, 24 hourly counts) -> hour-of-day heatmap. The words default to both
    languages (the exported file); a page passes its own language's."""
    cell, font = 28, 12
    label_w = int(max([_text_width(label, font) for label, _ in rows] + [80.0])) + 16
    left, top = label_w, 64
    width = left + 24 * cell + 20
    height = top + max(len(rows), 1) * cell + 70
    maximum = max((max(counts) for _, counts in rows if counts), default=0)
    body = [
        f'<text x="16" y="24" font-size="16" font-weight="bold" fill="{INK}">{_x(title)}</text>',
        f'<text x="16" y="44" font-size="12" fill="{MUTED}">{_x(subtitle)}</text>',
    ]
    for hour in range(24):
        x = left + hour * cell + cell / 2
        body.append(
            f'<text class="hour" x="{x:.0f}" y="{top - 6}" font-size="11" fill="{MUTED}" '
            f'text-anchor="middle">{hour}</text>'
        )
    if not rows:
        body.append(
            f'<text x="{left}" y="{top + 20}" font-size="13" fill="{MUTED}">{_x(no_data)}</text>'
        )
    for r, (label, counts) in enumerate(rows):
        y = top + r * cell
        body.append(
            f'<text class="row-label" x="{left - 8}" y="{y + cell / 2 + 4:.0f}" '
            f'font-size="{font}" fill="{INK}" text-anchor="end">{_x(label)}</text>'
        )
        for hour, count in enumerate(counts):
            fill = colour(count, maximum)
            body.append(
                f'<rect class="cell" data-row="{_x(label)}" data-hour="{hour}" '
                f'data-count="{count}" x="{left + hour * cell}" y="{y}" width="{cell - 1}" '
                f'height="{cell - 1}" fill="{fill}"><title>{_x(label)} {hour:02d}:00 '
                f"— {count}</title></rect>"
            )
            if count:
                ink = "#ffffff" if maximum and count / maximum > 0.55 else INK
                body.append(
                    f'<text x="{left + hour * cell + cell / 2 - 0.5:.1f}" '
                    f'y="{y + cell / 2 + 4:.0f}" font-size="10" fill="{ink}" '
                    f'text-anchor="middle">{count}</text>'
                )
    foot = top + max(len(rows), 1) * cell + 24
    body.append(f'<text x="{left}" y="{foot}" font-size="11" fill="{MUTED}">{_x(axis)}</text>')
    # Whole-number steps only: a legend reading "0 0 1 1 2" would look like a bug.
    steps = sorted({round(maximum * i / 5) for i in range(6)})
    for i, value in enumerate(steps):
        body.append(
            f'<rect x="{left + i * 34}" y="{foot + 10}" width="32" height="12" '
            f'fill="{colour(value, maximum)}" stroke="{GRID}"/>'
            f'<text x="{left + i * 34 + 16}" y="{foot + 36}" font-size="10" fill="{MUTED}" '
            f'text-anchor="middle">{value}</text>'
        )
    return _svg(width, height, title, body)


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return value


def trend(
    title: str, points: Sequence[tuple[str, int]], subtitle: str = "", *, axis: str = TREND_AXIS
) -> str:
    """Daily counts as a column chart with a y grid; labels are 'MM-DD'."""
    left, top, plot_h = 56, 64, 220
    n = max(len(points), 1)
    col = max(8, min(36, 860 // n))
    width = left + n * col + 24
    height = top + plot_h + 64
    ymax = _nice_max(max((c for _, c in points), default=0))
    body = [
        f'<text x="16" y="24" font-size="16" font-weight="bold" fill="{INK}">{_x(title)}</text>',
        f'<text x="16" y="44" font-size="12" fill="{MUTED}">{_x(subtitle)}</text>',
    ]
    for i in range(6):
        value = ymax * i / 5
        y = top + plot_h - plot_h * i / 5
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + n * col}" y2="{y:.1f}" '
            f'stroke="{GRID}"/><text x="{left - 6}" y="{y + 4:.1f}" font-size="11" '
            f'fill="{MUTED}" text-anchor="end">{value:g}</text>'
        )
    every = max(1, math.ceil(n / 15))  # at most ~15 date labels
    for i, (day, count) in enumerate(points):
        h = plot_h * count / ymax if ymax else 0
        x = left + i * col
        body.append(
            f'<rect class="bar" data-date="{_x(day)}" data-count="{count}" x="{x + 1}" '
            f'y="{top + plot_h - h:.1f}" width="{col - 2}" height="{h:.1f}" fill="#0f3057">'
            f"<title>{_x(day)}: {count}</title></rect>"
        )
        if i % every == 0:
            body.append(
                f'<text class="date" x="{x + col / 2:.1f}" y="{top + plot_h + 16}" '
                f'font-size="10" fill="{MUTED}" text-anchor="middle">{_x(day[5:])}</text>'
            )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + n * col}" y2="{top + plot_h}" '
        f'stroke="{INK}"/><text x="{left}" y="{top + plot_h + 40}" font-size="11" '
        f'fill="{MUTED}">{_x(axis)}</text>'
    )
    return _svg(width, height, title, body)

"""Where and when alerts happen (警力跟着警情走): hour-of-day cube, daily trend, 环比 and 同比.

All bucketing is in local time (``GatewaySettings.timezone``) by the alert's ``ts``.
- month-over-month (环比): the month against the previous month;
- year-over-year (同比): the month against the same month a year earlier;
- for the month in progress both use the same number of days (month-to-date, today included,
  against the first days of the other month), so a half month is not compared with a full one,
  and today's alerts count here as they do in the trend chart.
A change is ``(current - base) / base``; None when the base is 0 (no meaningful ratio).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from anju_contracts import Strict, format_ts
from anju_gateway.access.scope import Scope
from anju_gateway.store.compounds import display_names
from anju_gateway.store.db import Conn
from anju_gateway.store.reporting import CountRow, count_rows

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Filter:
    compound_ids: tuple[str, ...] | None  # from the caller's scope (None: all)
    compound_id: str | None = None
    kind: str | None = None


def _utc(day: date, tz: str) -> str:
    return format_ts(datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC))


def fetch(conn: Conn, f: Filter, start: date, end: date, tz: str) -> list[CountRow]:
    """Alerts with local day in [start, end) (end exclusive)."""
    return count_rows(
        conn,
        compound_ids=f.compound_ids,
        since=_utc(start, tz),
        until=_utc(end, tz),
        compound_id=f.compound_id,
        kind=f.kind,
    )


def count(conn: Conn, f: Filter, start: date, end: date, tz: str) -> Counter[Any]:
    """Counts in [start, end) keyed by '' (total), ('kind', k) and ('compound', id)."""
    out: Counter[Any] = Counter()
    for r in fetch(conn, f, start, end, tz):
        out[""] += 1
        out[("kind", r.kind)] += 1
        out[("compound", r.compound_id)] += 1
    return out


@dataclass(frozen=True, slots=True)
class Cube:
    cells: Counter[tuple[str, str, int]]  # (compound_id, kind, local hour) -> count
    names: dict[str, str]


def hour_cube(rows: list[CountRow], tz: str) -> Cube:
    zone = ZoneInfo(tz)
    cells: Counter[tuple[str, str, int]] = Counter()
    names: dict[str, str] = {}
    for r in rows:
        hour = datetime.fromisoformat(r.ts).astimezone(zone).hour
        cells[(r.compound_id, r.kind, hour)] += 1
        names[r.compound_id] = r.compound_name
    return Cube(cells, names)


def heatmap_rows(cube: Cube, by: str, kind_label: Any) -> list[tuple[str, list[int]]]:
    """Rows for the heatmap: by 'compound', 'kind' or 'compound_kind', busiest first."""
    rows: dict[str, list[int]] = {}
    for (compound, kind, hour), n in cube.cells.items():
        name = cube.names.get(compound, compound)
        label = {
            "compound": name,
            "kind": kind_label(kind),
            "compound_kind": f"{name} · {kind_label(kind)}",
        }[by]
        rows.setdefault(label, [0] * 24)[hour] += n
    return sorted(rows.items(), key=lambda kv: (-sum(kv[1]), kv[0]))


def daily_trend(rows: list[CountRow], start: date, end: date, tz: str) -> list[tuple[str, int]]:
    zone = ZoneInfo(tz)
    days = Counter(datetime.fromisoformat(r.ts).astimezone(zone).date() for r in rows)
    out: list[tuple[str, int]] = []
    day = start
    while day < end:
        out.append((day.isoformat(), days.get(day, 0)))
        day += timedelta(days=1)
    return out


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def change(current: int, base: int) -> float | None:
    return None if base == 0 else round((current - base) / base, 4)


class Change(Strict):
    key: str
    label: str
    current: int
    previous_month: int
    last_year: int
    mom: float | None
    yoy: float | None


class Summary(Strict):
    month: str
    timezone: str
    current_window: tuple[str, str]
    previous_window: tuple[str, str]
    last_year_window: tuple[str, str]
    partial: bool
    total: Change
    by_kind: list[Change]
    top_compounds: list[Change]


def _window(first: date, days: int | None) -> tuple[date, date]:
    end = add_months(first, 1)
    if days is not None:
        end = min(end, first + timedelta(days=days))
    return first, end


def summary(
    conn: Conn,
    f: Filter,
    month: date,
    *,
    tz: str,
    today: date,
    names: dict[str, str],
    kind_label: Any,
    top: int = 10,
) -> Summary:
    first = month.replace(day=1)
    partial = first <= today < add_months(first, 1)
    days = (today - first).days + 1 if partial else None  # today included
    cur_w = _window(first, days)
    prev_w = _window(add_months(first, -1), days)
    year_w = _window(add_months(first, -12), days)
    cur, prev, year = (count(conn, f, a, b, tz) for a, b in (cur_w, prev_w, year_w))

    def make(key: Any, label: str) -> Change:
        c, p, y = cur.get(key, 0), prev.get(key, 0), year.get(key, 0)
        name = key if isinstance(key, str) else key[1]
        return Change(key=name or "total", label=label, current=c, previous_month=p,
                      last_year=y, mom=change(c, p), yoy=change(c, y))  # fmt: skip

    keys = set(cur) | set(prev) | set(year)
    kinds = sorted({k[1] for k in keys if isinstance(k, tuple) and k[0] == "kind"})
    compounds = sorted(
        {k[1] for k in keys if isinstance(k, tuple) and k[0] == "compound"},
        key=lambda c: (-cur.get(("compound", c), 0), c),
    )
    return Summary(
        month=first.strftime("%Y-%m"),
        timezone=tz,
        current_window=(cur_w[0].isoformat(), cur_w[1].isoformat()),
        previous_window=(prev_w[0].isoformat(), prev_w[1].isoformat()),
        last_year_window=(year_w[0].isoformat(), year_w[1].isoformat()),
        partial=partial,
        total=make("", "全部 All"),
        by_kind=sorted(
            (make(("kind", k), kind_label(k)) for k in kinds), key=lambda c: (-c.current, c.key)
        ),
        top_compounds=[make(("compound", c), names.get(c, c)) for c in compounds[:top]],
    )


def compound_names(conn: Conn, scope: Scope) -> dict[str, str]:
    names = display_names(conn)
    return {k: v for k, v in names.items() if scope.compound_ids is None or k in scope.compound_ids}

"""Armed hours: is a rule active at a local time? Windows may cross midnight."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from anju_edge.config.model import ScheduleWindow, Weekday

_DAYS = list(Weekday)


def armed(windows: Sequence[ScheduleWindow] | None, local: datetime) -> bool:
    if windows is None:
        return True
    t = local.time()
    today = _DAYS[local.weekday()]
    yesterday = _DAYS[(local - timedelta(days=1)).weekday()]
    for w in windows:
        if w.start <= w.end:
            if today in w.days and w.start <= t < w.end:
                return True
        else:  # crosses midnight: 22:00-06:00 opens on the day it starts
            if today in w.days and t >= w.start:
                return True
            if yesterday in w.days and t < w.end:
                return True
    return False

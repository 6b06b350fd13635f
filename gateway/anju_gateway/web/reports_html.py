"""The printable daily clearance report page (日报): one language per page, zh-CN first."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from anju_gateway.reports.daily import DailyReport
from anju_gateway.web.pages import Viewer, local_time, pct, render, zone_word
from anju_gateway.web.words import SEVERITY, WORDS, Lang, kind_word


def minutes(value: float | None, lang: Lang) -> str:
    if value is None:
        return "—"
    if value < 120:
        return WORDS[lang]["minutes"].format(n=f"{value:.0f}")
    return WORDS[lang]["hours"].format(n=f"{value / 60:.1f}")


def render_daily(report: DailyReport, scope: str, *, lang: Lang, viewer: Viewer) -> str:
    r, tz, w = report, report.timezone, WORDS[lang]
    hours = f"{r.clearance_hours:g}"
    cards = [
        (w["total"], str(r.total), ""),
        (w["closed"], str(r.closed), ""),
        (w["share_in_time"].format(h=hours), pct(r.share_closed_in_time), ""),
        (w["not_yet_due"], str(r.not_yet_due), ""),
        (w["overdue"], str(r.overdue_count), "bad" if r.overdue_count else "good"),
        (w["ack_late"], str(r.ack_breached), "bad" if r.ack_breached else "good"),
        (w["median_ack"], minutes(r.median_ack_minutes, lang), ""),
        (w["median_close"], minutes(r.median_close_minutes, lang), ""),
    ]
    generated = datetime.fromisoformat(r.generated_at).astimezone(ZoneInfo(tz))
    today_d = generated.date()
    return render(
        "daily.html",
        lang=lang,
        viewer=viewer,
        path="/reports/daily",
        here={"date": r.date},
        active="report",
        r=r,
        scope=scope,
        hours=hours,
        cards=cards,
        tz_word=zone_word(tz, lang),
        generated=generated.strftime("%Y-%m-%d %H:%M"),
        today=today_d.isoformat(),
        yesterday=(today_d - timedelta(days=1)).isoformat(),
        previous=(date.fromisoformat(r.date) - timedelta(days=1)).isoformat(),
        local_time=lambda ts: local_time(ts, tz),
        compound_label=lambda g: g.label,
        kind_label=lambda g: kind_word(g.key, lang),
        severity_label=lambda g: SEVERITY[lang].get(g.key, g.key),
    )

"""The printable daily clearance report page (日报), Chinese first with English."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from anju_gateway.reports.daily import DailyReport, GroupCount
from anju_gateway.web.reports_common import (
    SEVERITY_LABELS,
    STATE_LABELS,
    esc,
    kind_label,
    local_time,
    page,
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} 分钟 min" if value < 120 else f"{value / 60:.1f} 小时 h"


def _group_table(title: str, rows: list[GroupCount], label) -> str:  # type: ignore[no-untyped-def]
    if not rows:
        return f"<h2>{esc(title)}</h2><p class='empty'>无数据 No data</p>"
    body = "".join(
        f"<tr><td>{esc(label(g))}</td><td class='n'>{g.total}</td><td class='n'>{g.closed}</td>"
        f"<td class='n'>{g.closed_in_time}</td>"
        f"<td class='n{' bad' if g.overdue else ''}'>{g.overdue}</td>"
        f"<td class='n'>{_pct(g.closed_in_time / g.total if g.total else None)}</td></tr>"
        for g in rows
    )
    return (
        f"<h2>{esc(title)}</h2><table><thead><tr><th></th><th>警情 Alerts</th>"
        "<th>已销号 Closed</th><th>按时销号 In time</th><th>超时 Overdue</th>"
        f"<th>按时率 In-time share</th></tr></thead><tbody>{body}</tbody></table>"
    )


def render_daily(report: DailyReport, scope_label: str) -> str:
    tz = report.timezone
    r = report
    cards = [
        ("警情总数 Alerts", str(r.total), ""),
        ("已销号 Closed", str(r.closed), ""),
        ("24小时内销号率 Closed within 24 h (of those due)", _pct(r.share_closed_in_time), ""),
        ("未到期 Not yet due", str(r.not_yet_due), ""),
        ("超时 Overdue", str(r.overdue_count), "bad" if r.overdue_count else "good"),
        ("签收超时 Acknowledged late", str(r.ack_breached), "bad" if r.ack_breached else "good"),
        ("接警中位时长 Median to acknowledge", _minutes(r.median_ack_minutes), ""),
        ("销号中位时长 Median to close", _minutes(r.median_close_minutes), ""),
    ]
    card_html = "".join(
        f"<div class='card'><div class='v {cls}'>{esc(v)}</div><div class='k'>{esc(k)}</div></div>"
        for k, v, cls in cards
    )
    states = " · ".join(f"{esc(STATE_LABELS.get(s, s))}: {n}" for s, n in r.by_state.items()) or "—"
    if r.overdue:
        rows = "".join(
            f"<tr><td>{esc(o.compound_name)}</td><td>{esc(kind_label(o.kind))}</td>"
            f"<td>{esc(SEVERITY_LABELS.get(o.severity, o.severity))}</td>"
            f"<td>{esc(local_time(o.ts, tz))}</td>"
            f"<td>{esc(STATE_LABELS.get(o.state, o.state))}</td>"
            f"<td>{esc(o.owner or '未分配 unassigned')}</td>"
            f"<td>{esc(local_time(o.deadline, tz))}</td>"
            f"<td>{esc('超时未销号 open' if o.reason == 'open' else '逾期销号 closed late')}</td>"
            f"<td class='n bad'>{o.hours_over:.1f}</td>"
            f"<td><code>{esc(o.id)}</code></td></tr>"
            for o in r.overdue
        )
        overdue = (
            "<table><thead><tr><th>小区 Compound</th><th>类型 Type</th><th>级别 Severity</th>"
            "<th>发生 Time</th><th>状态 State</th><th>责任人 Owner</th><th>时限 Deadline</th>"
            "<th>原因 Why</th><th>超时(小时) Hours over</th><th>编号 Id</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    else:
        overdue = "<p class='empty good'>无超时警情 Nothing overdue</p>"
    q = f"date={esc(r.date)}"
    today_d = datetime.fromisoformat(r.generated_at).astimezone(ZoneInfo(tz)).date()
    today, yesterday = today_d.isoformat(), (today_d - timedelta(days=1)).isoformat()
    previous = (date.fromisoformat(r.date) - timedelta(days=1)).isoformat()
    body = f"""
<h1>警情清零日报 Daily clearance report — {esc(r.date)}</h1>
<p class="sub">范围 Scope: {esc(scope_label)} · 时区 Time zone: {esc(tz)} ·
销号时限 Close within {r.clearance_hours:g} 小时 h ·
生成 Generated {esc(local_time(r.generated_at, tz, "%Y-%m-%d %H:%M"))}</p>
<p class="days"><a href="/reports/daily?date={esc(today)}">今天 Today</a>
<a href="/reports/daily?date={esc(yesterday)}">昨天 Yesterday</a>
<a href="/reports/daily?date={esc(previous)}">前一天 Day before {esc(r.date)}</a></p>
<form class="controls" method="get" action="/reports/daily">
<label>日期 Date <input type="date" name="date" value="{esc(r.date)}"></label>
<button type="submit">查看 Show</button>
<span class="downloads"><a href="/api/v1/reports/daily.csv?{q}">CSV 明细 alerts</a>
<a href="/api/v1/reports/daily.csv?{q}&amp;view=compounds">CSV 按小区 by compound</a>
<a href="/api/v1/reports/daily?{q}">JSON</a></span>
</form>
<section class="cards">{card_html}</section>
<p class="sub">状态 States: {states}</p>
<h2>超时警情 Overdue (未按时销号 not closed within {r.clearance_hours:g} h)</h2>
{overdue}
{_group_table("按小区 By compound", r.by_compound, lambda g: g.label)}
{_group_table("按类型 By type", r.by_kind, lambda g: kind_label(g.key))}
{_group_table("按级别 By severity", r.by_severity, lambda g: SEVERITY_LABELS.get(g.key, g.key))}
"""
    return page(f"警情清零日报 {r.date}", body)

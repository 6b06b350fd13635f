"""The analytics page (警情分析): filters, inline SVG charts, 环比/同比 tables, CSV links."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from anju_gateway.reports.analytics import Change, Summary
from anju_gateway.web.reports_common import KIND_LABELS, esc, page


def _ratio(value: float | None) -> str:
    if value is None:
        return "<span class='sub'>—</span>"
    arrow, cls = ("▲", "bad") if value > 0 else ("▼", "good") if value < 0 else ("", "")
    return f"<span class='{cls}'>{arrow}{value * 100:+.1f}%</span>"


def _change_table(title: str, rows: list[Change]) -> str:
    if not rows:
        return f"<h2>{esc(title)}</h2><p class='empty'>无数据 No data</p>"
    body = "".join(
        f"<tr><td>{esc(c.label)}</td><td class='n'>{c.current}</td>"
        f"<td class='n'>{c.previous_month}</td><td class='n'>{_ratio(c.mom)}</td>"
        f"<td class='n'>{c.last_year}</td><td class='n'>{_ratio(c.yoy)}</td></tr>"
        for c in rows
    )
    return (
        f"<h2>{esc(title)}</h2><table><thead><tr><th></th><th>本期 This period</th>"
        "<th>上月同期 Previous month</th><th>环比 MoM</th><th>去年同期 Last year</th>"
        f"<th>同比 YoY</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _inline(svg_text: str) -> str:
    return svg_text.split("?>", 1)[1] if svg_text.startswith("<?xml") else svg_text


def _options(pairs: list[tuple[str, str]], selected: str | None) -> str:
    return "".join(
        f"<option value='{esc(v)}'{' selected' if v == (selected or '') else ''}>{esc(t)}</option>"
        for v, t in pairs
    )


def render_analytics(
    *,
    scope_label: str,
    start: date,
    last: date,
    by: str,
    compound_id: str | None,
    kind: str | None,
    names: dict[str, str],
    heatmap_svg: str,
    trend_svg: str,
    summary: Summary,
) -> str:
    filters = {"from": start.isoformat(), "to": last.isoformat(), "by": by}
    if compound_id:
        filters["compound_id"] = compound_id
    if kind:
        filters["kind"] = kind
    qs = esc(urlencode(filters))
    sq = esc(urlencode({**filters, "month": summary.month}))
    compounds = _options([("", "全部小区 All compounds"), *sorted(names.items())], compound_id)
    kinds = _options([("", "全部类型 All types"), *KIND_LABELS.items()], kind)
    bys = _options(
        [("compound_kind", "小区×类型 Compound × type"), ("compound", "小区 Compound"),
         ("kind", "类型 Type")],
        by,
    )  # fmt: skip
    partial = (
        "（本月至今，按相同天数比较 month to date, same days compared）" if summary.partial else ""
    )
    body = f"""
<h1>警情分析 Alert analytics</h1>
<p class="sub">范围 Scope: {esc(scope_label)} · 警力跟着警情走 — patrols follow the alerts</p>
<form class="controls" method="get" action="/analytics">
<label>从 From <input type="date" name="from" value="{start.isoformat()}"></label>
<label>到 To <input type="date" name="to" value="{last.isoformat()}"></label>
<label>小区 Compound <select name="compound_id">{compounds}</select></label>
<label>类型 Type <select name="kind">{kinds}</select></label>
<label>行 Rows <select name="by">{bys}</select></label>
<label>月份 Month <input type="month" name="month" value="{esc(summary.month)}"></label>
<button type="submit">查看 Show</button>
</form>
<p class="downloads">导出 Export:
<a href="/api/v1/analytics/heatmap.csv?{qs}">时段 heatmap CSV</a>
<a href="/api/v1/analytics/trend.csv?{qs}">趋势 trend CSV</a>
<a href="/api/v1/analytics/summary.csv?{sq}">环比同比 summary CSV</a>
<a href="/api/v1/analytics/heatmap.svg?{qs}">heatmap SVG</a>
<a href="/api/v1/analytics/trend.svg?{qs}">trend SVG</a></p>
<h2>时段分布 When alerts happen</h2>
<figure id="heatmap">{_inline(heatmap_svg)}</figure>
<h2>每日趋势 Daily trend</h2>
<figure id="trend">{_inline(trend_svg)}</figure>
<p class="sub">{esc(summary.month)} {esc(partial)} ·
本期 {esc(summary.current_window[0])}–{esc(summary.current_window[1])} ·
上月 {esc(summary.previous_window[0])}–{esc(summary.previous_window[1])} ·
去年 {esc(summary.last_year_window[0])}–{esc(summary.last_year_window[1])}
（不含末日 end exclusive）</p>
{_change_table("环比与同比 Month-over-month and year-over-year", [summary.total])}
{_change_table("按类型 By type", summary.by_kind)}
{_change_table("重点小区 Top compounds", summary.top_compounds)}
"""
    return page("警情分析 Analytics", body)

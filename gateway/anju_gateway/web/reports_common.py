"""Labels and page frame shared by the report and analytics pages (server-rendered HTML).

Every value interpolated into HTML goes through ``esc``; the pages carry no script.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

# The officers' console's words (web/console/i18n.js), so a report says what the list says.
KIND_LABELS = {
    "intrusion": "周界入侵 Intrusion",
    "loitering": "可疑徘徊 Loitering",
    "fire_lane": "占用消防通道 Fire lane blocked",
    "ebike_indoor": "电动车进楼 E-bike indoors",
    "crowd": "人员聚集 Crowd",
    "watchlist": "布控命中 Watchlist hit",
    "door_forced": "门被强行打开 Door forced",
    "door_held_open": "门长时间未关 Door held open",
    "tamper": "设备被破坏 Tamper",
    "device_offline": "设备离线 Device offline",
    "camera_frozen": "画面冻结 Camera frozen",
    "edge_offline": "边缘盒离线 Edge box offline",
    "clock_skew": "设备时钟偏差 Device clock off",
    "never_seen": "设备未报上线 Device never online",
    "data_loss": "边缘盒丢失数据 Edge box lost data",
}
SEVERITY_LABELS = {
    "critical": "紧急 Critical",
    "high": "高 High",
    "normal": "一般 Normal",
    "low": "低 Low",
}
STATE_LABELS = {
    "new": "待签收 New",
    "acknowledged": "已签收 Acknowledged",
    "dispatched": "已派警 Dispatched",
    "resolved": "已办结 Resolved",
    "false_alarm": "误报 False alarm",
}


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def kind_short(kind: str) -> str:
    """Chinese part only, for tight chart labels."""
    return KIND_LABELS.get(kind, kind).split(" ")[0]


def local_time(ts: str | None, tz: str, fmt: str = "%m-%d %H:%M") -> str:
    if not ts:
        return ""
    return datetime.fromisoformat(ts).astimezone(ZoneInfo(tz)).strftime(fmt)


CSS = """
:root { --ink:#1d2733; --muted:#5b6876; --line:#d5dbe1; --accent:#b3261e; --ok:#1b7f3b; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
       color: var(--ink); margin: 0; background: #f6f7f9; }
header { background: #0f3057; color: #fff; padding: 10px 24px; display: flex; gap: 24px;
         align-items: center; }
header a { color: #fff; text-decoration: none; }
header .title { font-size: 18px; font-weight: 600; margin-right: auto; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; border-left: 4px solid #0f3057; padding-left: 8px; }
.sub { color: var(--muted); font-size: 13px; }
form.controls { display: flex; gap: 12px; align-items: center; margin: 12px 0; flex-wrap: wrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.card .v { font-size: 26px; font-weight: 700; }
.card .k { color: var(--muted); font-size: 13px; }
.bad { color: var(--accent); }
.good { color: var(--ok); }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; }
th { background: #eef1f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); padding: 8px 0; }
.downloads a { margin-right: 12px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px;
         padding: 8px; overflow-x: auto; }
@media print {
  header, form.controls, .downloads { display: none; }
  body { background: #fff; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
}
"""


def page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{CSS}</style></head>
<body><header><span class="title">安居 Anju</span>
<a href="/">警情台 Console</a><a href="/reports/daily">日报 Daily report</a>
<a href="/analytics">分析 Analytics</a></header>
<main>{body}</main></body></html>"""

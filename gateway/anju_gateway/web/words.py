"""The words of the server-rendered pages (daily report, analytics), one language at a time.

zh-CN first, English second, one table per language with the same keys (a test checks the
keys match and that the alert vocabulary is the officers' console's, web/console/i18n.js).
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}

KIND: dict[str, dict[str, str]] = {
    "zh": {
        "intrusion": "周界入侵", "loitering": "可疑徘徊", "fire_lane": "占用消防通道",
        "ebike_indoor": "电动车进楼", "crowd": "人员聚集", "watchlist": "布控命中",
        "door_forced": "门被强行打开", "door_held_open": "门长时间未关", "tamper": "设备被破坏",
        "device_offline": "设备离线", "camera_frozen": "画面冻结", "edge_offline": "边缘盒离线",
        "clock_skew": "设备时钟偏差", "never_seen": "设备未报上线", "data_loss": "边缘盒丢失数据",
    },
    "en": {
        "intrusion": "Intrusion", "loitering": "Loitering", "fire_lane": "Fire lane blocked",
        "ebike_indoor": "E-bike indoors", "crowd": "Crowd", "watchlist": "Watchlist hit",
        "door_forced": "Door forced", "door_held_open": "Door held open", "tamper": "Tamper",
        "device_offline": "Device offline", "camera_frozen": "Camera frozen",
        "edge_offline": "Edge box offline", "clock_skew": "Device clock off",
        "never_seen": "Device never online", "data_loss": "Edge box lost data",
    },
}  # fmt: skip
SEVERITY: dict[str, dict[str, str]] = {
    "zh": {"critical": "紧急", "high": "高", "normal": "一般", "low": "低"},
    "en": {"critical": "Critical", "high": "High", "normal": "Normal", "low": "Low"},
}
STATE: dict[str, dict[str, str]] = {
    "zh": {"new": "待签收", "acknowledged": "已签收", "dispatched": "已派警",
           "resolved": "已办结", "false_alarm": "误报"},
    "en": {"new": "New", "acknowledged": "Acknowledged", "dispatched": "Dispatched",
           "resolved": "Resolved", "false_alarm": "False alarm"},
}  # fmt: skip
ROLE: dict[str, dict[str, str]] = {
    "zh": {"admin": "管理员", "supervisor": "值班领导", "officer": "民警",
           "property_manager": "物业", "installer": "安装人员"},
    "en": {"admin": "admin", "supervisor": "supervisor", "officer": "officer",
           "property_manager": "property manager", "installer": "installer"},
}  # fmt: skip
# Local time zones named the way an officer says them; others as their UTC offset.
TIME_ZONE = {"zh": {"Asia/Shanghai": "北京时间"}, "en": {"Asia/Shanghai": "China Standard Time"}}

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        # frame (the console's header)
        "brand": "安居", "console": "民警工作台", "feed": "警情", "report": "日报",
        "board": "设备", "watch": "布控", "admin": "管理",
        "analytics": "分析", "logout": "退出", "switch": "English", "other_lang": "en",
        "colon": "：",
        # scope
        "scope": "范围", "scope_all": "全部小区", "scope_compound": "小区 {name}",
        "scope_precinct": "{name}",
        # daily report
        "daily_title": "警情清零日报", "time_zone": "时区", "close_within": "销号时限 {h} 小时",
        "generated": "生成于", "today": "今天", "yesterday": "昨天", "day_before": "前一天",
        "date": "日期", "show": "查看", "export": "导出", "csv_alerts": "明细 CSV",
        "csv_compounds": "按小区 CSV", "json": "JSON",
        "total": "警情总数", "closed": "已销号", "share_in_time": "{h} 小时内销号率（已到期的）",
        "not_yet_due": "未到期", "overdue": "超时", "ack_late": "签收超时",
        "median_ack": "接警中位时长", "median_close": "销号中位时长",
        "minutes": "{n} 分钟", "hours": "{n} 小时", "states": "状态",
        "overdue_title": "超时警情（未在 {h} 小时内销号）", "nothing_overdue": "无超时警情",
        "compound": "小区", "kind": "类型", "severity": "级别", "time": "发生时间",
        "state": "状态", "owner": "责任人", "deadline": "时限", "why": "原因",
        "hours_over": "超时（小时）", "id": "编号", "unassigned": "未分配",
        "reason_open": "超时未销号", "reason_closed_late": "逾期销号",
        "by_compound": "按小区", "by_kind": "按类型", "by_severity": "按级别",
        "alerts": "警情", "in_time": "按时销号", "in_time_share": "按时率", "no_data": "无数据",
        # analytics
        "analytics_title": "警情分析", "tagline": "警力跟着警情走", "from": "从", "to": "到",
        "rows": "行", "month": "月份", "all_compounds": "全部小区", "all_kinds": "全部类型",
        "by_compound_kind": "小区×类型", "by_compound_only": "小区", "by_kind_only": "类型",
        "heatmap_csv": "时段 CSV", "trend_csv": "趋势 CSV", "summary_csv": "环比同比 CSV",
        "heatmap_svg": "时段图 SVG", "trend_svg": "趋势图 SVG",
        "when": "时段分布", "trend": "每日趋势", "partial": "（本月至今，按相同天数比较）",
        "this_period": "本期", "previous_month": "上月同期", "last_year": "去年同期",
        "prev_short": "上月", "year_short": "去年", "end_exclusive": "（不含末日）",
        "mom": "环比", "yoy": "同比", "change_title": "环比与同比", "top_compounds": "重点小区",
        "all": "全部",
        # the charts
        "heatmap_chart": "警情时段分布", "trend_chart": "每日警情趋势",
        "heatmap_axis": "时段（时）· 颜色越深警情越多", "trend_axis": "日期 · 每日警情数",
    },
    "en": {
        "brand": "Anju", "console": "Officers' console", "feed": "Alerts",
        "board": "Devices", "watch": "Watch list", "admin": "Admin",
        "report": "Daily report", "analytics": "Analytics", "logout": "Log out",
        "switch": "中文", "other_lang": "zh", "colon": ": ",
        "scope": "Scope", "scope_all": "all compounds", "scope_compound": "compound {name}",
        "scope_precinct": "precinct {name}",
        "daily_title": "Daily clearance report", "time_zone": "Time zone",
        "close_within": "close within {h} h", "generated": "generated", "today": "Today",
        "yesterday": "Yesterday", "day_before": "Day before", "date": "Date", "show": "Show",
        "export": "Export", "csv_alerts": "Alerts CSV", "csv_compounds": "By compound CSV",
        "json": "JSON", "total": "Alerts", "closed": "Closed",
        "share_in_time": "Closed within {h} h (of those due)", "not_yet_due": "Not yet due",
        "overdue": "Overdue", "ack_late": "Acknowledged late",
        "median_ack": "Median to acknowledge", "median_close": "Median to close",
        "minutes": "{n} min", "hours": "{n} h", "states": "States",
        "overdue_title": "Overdue (not closed within {h} h)", "nothing_overdue": "Nothing overdue",
        "compound": "Compound", "kind": "Type", "severity": "Severity", "time": "Time",
        "state": "State", "owner": "Owner", "deadline": "Deadline", "why": "Why",
        "hours_over": "Hours over", "id": "Number", "unassigned": "unassigned",
        "reason_open": "open", "reason_closed_late": "closed late",
        "by_compound": "By compound", "by_kind": "By type", "by_severity": "By severity",
        "alerts": "Alerts", "in_time": "In time", "in_time_share": "In-time share",
        "no_data": "No data",
        "analytics_title": "Alert analytics", "tagline": "patrols follow the alerts",
        "from": "From", "to": "To", "rows": "Rows", "month": "Month",
        "all_compounds": "All compounds", "all_kinds": "All types",
        "by_compound_kind": "Compound × type", "by_compound_only": "Compound",
        "by_kind_only": "Type", "heatmap_csv": "Heatmap CSV", "trend_csv": "Trend CSV",
        "summary_csv": "Summary CSV", "heatmap_svg": "Heatmap SVG", "trend_svg": "Trend SVG",
        "when": "When alerts happen", "trend": "Daily trend",
        "partial": "(month to date, same days compared)", "this_period": "This period",
        "previous_month": "Previous month", "last_year": "Last year",
        "prev_short": "previous month", "year_short": "last year",
        "end_exclusive": "(end exclusive)", "mom": "MoM", "yoy": "YoY",
        "change_title": "Month-over-month and year-over-year", "top_compounds": "Top compounds",
        "all": "All",
        "heatmap_chart": "Alerts by hour of day", "trend_chart": "Daily trend",
        "heatmap_axis": "Hour of day · darker = more alerts", "trend_axis": "Date · alerts per day",
    },
}  # fmt: skip


def lang_of(value: str | None) -> Lang:
    """zh-CN unless the page was asked for in English."""
    return "en" if value == "en" else "zh"


def kind_word(kind: str, lang: Lang) -> str:
    return KIND[lang].get(kind, kind)


def kind_short(kind: str) -> str:
    """Chinese only, for the tight row labels of the exported charts."""
    return KIND["zh"].get(kind, kind)


def kind_label(kind: str) -> str:
    """Both languages, for the CSV exports and the JSON summary ("周界入侵 Intrusion")."""
    if kind not in KIND["zh"]:
        return kind
    return f"{KIND['zh'][kind]} {KIND['en'][kind]}"

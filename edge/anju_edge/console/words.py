"""The console's words in zh-CN, where the server speaks (the CSV export, refusals): event types,
results, directions and the fields a form can get wrong. The page has the same words (and their
English) in ``web/app.js``."""

from __future__ import annotations

from typing import Any

TYPES = {
    "card_swipe": "刷卡",
    "face_access": "刷脸",
    "plate_read": "车牌识别",
    "door_forced": "强行开门",
    "door_held_open": "门未关",
    "tamper": "防拆报警",
    "exit_button": "出门按钮",
    "intercom_call": "对讲呼叫",
    "remote_open": "远程开门",
    "visitor_pass": "访客放行",
}
RESULTS = {"granted": "放行", "denied": "拒绝", "pending": "待开门", "no_answer": "未响应"}
REMOTE_RESULTS = {**RESULTS, "granted": "已开门"}  # a command's row: the gate said it opened
DIRECTIONS = {"in": "进", "out": "出"}

FIELDS = {
    "name": "访客姓名",
    "phone": "手机号",
    "host_unit": "到访房号",
    "plate": "车牌",
    "reason": "原因",
    "id_number": "身份证号",
    "hours": "有效时长",
    "valid_until": "有效期",
    "note": "备注",
    "username": "用户名",
    "password": "密码",
    "since": "开始时间",
    "until": "结束时间",
    "resolution": "关闭原因",
}

# How a guard closes a property alert (关闭原因); the page offers the same list. The reason
# travels to the gateway as the close's note (已处理：已劝离占道车辆).
RESOLUTIONS = {
    "handled": "已处理",
    "false_alarm": "误报",
    "device_fault": "设备故障",
    "other": "其他",
}
ARRIVED = "物业到场"  # a guard's note on a police alert: the guard is on site


def _problem(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "string_too_short":
        least = ctx.get("min_length", 0)
        return f"太短（至少 {least} 个字）" if least > 1 else "必填"
    if kind == "string_too_long":
        return f"太长（最多 {ctx.get('max_length')} 个字）"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return "超出范围"
    if kind == "extra_forbidden":
        return "不认识的字段"
    if kind.startswith(("datetime", "timezone")):
        return "时间格式不对"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type"):
        return "须为数字"
    return "格式不对"


def validation_message(errors: list[dict[str, Any]]) -> str:
    """A form's refusal in words: 手机号：太短（至少 7 个字）；车牌：必填."""
    parts: list[str] = []
    for error in errors:
        loc = [str(x) for x in error.get("loc", ()) if x not in ("body", "query")]
        field = FIELDS.get(loc[-1], "") if loc else ""
        text = f"{field}：{_problem(error)}" if field else f"请求格式不对（{_problem(error)}）"
        if text not in parts:
            parts.append(text)
    return "；".join(parts) or "请求格式不对"

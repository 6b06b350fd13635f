// Gate console: pass log and alerts live (SSE), alerts worked by who handles them (the property's:
// 签收, 处理, 关闭 with a reason, against their clocks; the police's: 物业到场 only), device board,
// remote opening with the gate's answer, visitors. Works against the edge box alone: nothing
// here needs the precinct; the header says when the precinct's gateway is out of reach.
"use strict";
const TYPES_ZH = { card_swipe: "刷卡", face_access: "刷脸", plate_read: "车牌识别", door_forced: "强行开门",
  door_held_open: "门未关", tamper: "防拆报警", exit_button: "出门按钮", intercom_call: "对讲呼叫", remote_open: "远程开门",
  visitor_pass: "访客放行" };
const T = {
  zh: { title: "门岗控制台", username: "用户名", password: "密码", login: "登录", logout: "退出",
    gate_log: "通行记录", export: "导出 CSV", r_24h: "最近 24 小时", r_today: "今天", r_yesterday: "昨天", r_7d: "最近 7 天",
    r_day: "指定日期", all_gates: "全部门岗", all_types: "全部类型", search: "搜索车牌/卡号/人员", time: "时间",
    gate: "门岗", type: "类型", direction: "方向", result: "结果", who_what: "详情", alerts: "告警", empty: "暂无记录",
    devices: "设备状态", open_door: "远程开门", reason: "开门原因（必填）", open: "开门", visitors: "访客登记",
    history: "访客历史", history_title: "访客历史（最近 7 天）", close: "关闭", on_site: "在场访客",
    v_name: "访客姓名", v_phone: "手机号", v_unit: "到访房号，如 3-2-501", v_reason: "事由（选填），如 送货",
    v_plate: "车牌（步行可不填）", v_id: "身份证号（选填，只存后 4 位）", valid_hours: "有效时长（小时）",
    register: "登记", acknowledge: "签收", acknowledged: "已签收", note: "备注", add_note: "添加备注",
    sending: "开门指令已发送，等待门岗回应…", opened: "已开门", refused_open: "门岗拒绝开门，请到现场确认", no_answer: "未响应：门可能没有打开，请到现场确认",
    registered: "已登记", registered_car: "已登记，车牌到达时自动放行", wrong: "用户名或密码错误",
    online: "在线", offline: "离线", auth_failed: "密码错误", stopped: "已停止", in: "进", out: "出", granted: "放行", denied: "拒绝", pending: "待开门",
    until: "有效至", walk_in: "步行", sign_out: "签离", h_created: "登记时间", h_name: "姓名", h_id: "身份证",
    h_unit: "到访", h_reason: "事由", h_plate: "车牌", h_state: "状态", on_site_state: "在场", signed_out: "已签离", expired: "已过期",
    visit: "到访", held: "开门 {0} 秒", device_clock: "门岗设备时间 {0}（{1}）", slow: "慢 {0} 秒", fast: "快 {0} 秒",
    passage_on: "车辆通行记录上传公安：已开启",
    passage_tip: "按派出所要求（智能卡口），本小区门岗的车辆通行记录（车牌、时间、门岗、进出方向）会上传公安视图库；不含图片，不含人员卡号。由平台管理员开启或关闭。",
    uplink_up: "平台已连接", uplink_down: "平台连接中断", uplink_unknown: "正在连接平台",
    uplink_banner: "与派出所平台的连接已断开{0}。本机照常可用：登录、通行记录、远程开门、访客登记、告警的签收、处理、关闭和物业到场。"
      + "等待上传：告警 {1} 条、告警处置 {2} 条，连接恢复后自动发送，不会丢失。",
    last_contact: "（最后联系 {0}）", severity: "级别",
    h_police: "民警处置", h_property: "物业处置", h_both: "共同处置",
    h_police_tip: "公安处置：门岗只读，可报告物业到场", h_property_tip: "物业处置：门岗签收、处理、关闭", h_both_tip: "公安与物业共同处置：门岗签收、处理、关闭物业一方",
    st_new: "待签收", st_acknowledged: "已签收", st_closed: "已关闭", pending_upload: "待上传",
    ack_left: "签收剩余 {0}", ack_late: "签收超时 {0}", close_left: "关闭剩余 {0}", close_late: "关闭超时 {0}",
    handle: "处理", handle_note: "处理情况，如 已派保安到场", ack_note: "签收备注（选填）",
    close_alert: "关闭", close_reason: "关闭原因", close_note: "说明（选“其他”时必填）", closed_by: "已关闭 · {0} · {1}",
    arrive: "物业到场", arrive_note: "到场情况", police_only: "民警处置，门岗只读",
    l_acknowledge: "签收", l_close: "关闭", l_note: "", l_arrived: "",
    res: { handled: "已处理", false_alarm: "误报", device_fault: "设备故障", other: "其他" },
    sev: { critical: "紧急", high: "高", normal: "一般", low: "低" },
    types: TYPES_ZH,
    kinds: { door_forced: "门被强行打开", door_held_open: "门长时间未关", tamper: "设备被破坏", watchlist: "布控命中",
      device_offline: "设备离线", intrusion: "周界入侵", loitering: "可疑徘徊", fire_lane: "占用消防通道",
      ebike_indoor: "电动车进楼", crowd: "人员聚集", camera_frozen: "画面冻结", clock_skew: "设备时钟不准",
      never_seen: "设备未上线", edge_offline: "边缘盒离线", data_loss: "数据丢失" } },
  en: { title: "Gate console", username: "Username", password: "Password", login: "Log in", logout: "Log out",
    gate_log: "Pass log", export: "Export CSV", r_24h: "Last 24 h", r_today: "Today", r_yesterday: "Yesterday", r_7d: "Last 7 days",
    r_day: "A day", all_gates: "All gates", all_types: "All types", search: "Plate / card / person", time: "Time",
    gate: "Gate", type: "Type", direction: "Dir.", result: "Result", who_what: "Details", alerts: "Alerts", empty: "Nothing yet",
    devices: "Devices", open_door: "Open a door", reason: "Reason (required)", open: "Open", visitors: "Visitors",
    history: "History", history_title: "Visitors (last 7 days)", close: "Close", on_site: "On site",
    v_name: "Visitor name", v_phone: "Phone", v_unit: "Host unit, e.g. 3-2-501", v_reason: "Reason (optional)",
    v_plate: "Plate (none: on foot)", v_id: "ID number (optional, last 4 kept)", valid_hours: "Valid for (hours)",
    register: "Register", acknowledge: "Acknowledge", acknowledged: "Acknowledged", note: "Note", add_note: "Add note",
    sending: "Open command sent, waiting for the gate…", opened: "opened", refused_open: "the gate refused to open, check on site", no_answer: "no answer: the door may be shut, check on site",
    registered: "Registered", registered_car: "Registered: the plate will be let in", wrong: "Wrong username or password",
    online: "online", offline: "offline", auth_failed: "wrong password", stopped: "stopped", in: "in", out: "out", granted: "let in", denied: "refused", pending: "waiting",
    until: "until", walk_in: "on foot", sign_out: "Sign out", h_created: "Registered", h_name: "Name", h_id: "ID",
    h_unit: "Visiting", h_reason: "Reason", h_plate: "Plate", h_state: "State", on_site_state: "on site", signed_out: "signed out", expired: "expired",
    visit: "visiting", held: "open {0} s", device_clock: "gate's clock {0} ({1})", slow: "{0} s slow", fast: "{0} s fast",
    passage_on: "Vehicle passages sent to police: on",
    passage_tip: "At the precinct's request (smart checkpoint), vehicle passages at this compound's gates (plate, time, gate, in/out) are sent to the police video-image platform; no pictures, no card numbers. Switched on or off by the platform's admin.",
    uplink_up: "Precinct linked", uplink_down: "Precinct link down", uplink_unknown: "Linking to precinct",
    uplink_banner: "The link to the precinct is down{0}. Everything here still works: login, pass log, remote opening, "
      + "visitors, and acknowledging, working on, closing alerts and reporting staff on site. Waiting to upload: {1} alert(s), {2} alert action(s), sent when the link is back.",
    last_contact: " (last contact {0})", severity: "Severity",
    h_police: "Police", h_property: "Property", h_both: "Shared",
    h_police_tip: "Police handle it: read-only here, report that staff are on site", h_property_tip: "Property handles it: acknowledge, work on, close",
    h_both_tip: "Police and property: acknowledge, work on and close the property's part",
    st_new: "To acknowledge", st_acknowledged: "Acknowledged", st_closed: "Closed", pending_upload: "Not uploaded",
    ack_left: "Ack. in {0}", ack_late: "Ack. late {0}", close_left: "Close in {0}", close_late: "Close late {0}",
    handle: "Work", handle_note: "What was done, e.g. guard sent", ack_note: "Note",
    close_alert: "Close", close_reason: "Reason", close_note: "Details (required for other)", closed_by: "Closed · {0} · {1}",
    arrive: "On site", arrive_note: "What staff found", police_only: "Police handle it; read-only here",
    l_acknowledge: "acknowledged", l_close: "closed", l_note: "", l_arrived: "",
    res: { handled: "handled", false_alarm: "false alarm", device_fault: "device fault", other: "other" },
    sev: { critical: "critical", high: "high", normal: "normal", low: "low" },
    types: { card_swipe: "Card", face_access: "Face", plate_read: "Plate", door_forced: "Door forced",
      door_held_open: "Held open", tamper: "Tamper", exit_button: "Exit button", intercom_call: "Intercom", remote_open: "Remote open",
      visitor_pass: "Visitor" },
    kinds: { door_forced: "Door forced", door_held_open: "Door held open", tamper: "Tamper", watchlist: "Watchlist hit",
      device_offline: "Device offline", intrusion: "Intrusion", loitering: "Loitering", fire_lane: "Fire lane blocked",
      ebike_indoor: "E-bike indoors", crowd: "Crowd", camera_frozen: "Camera frozen", clock_skew: "Device clock off",
      never_seen: "Device never online", edge_offline: "Box offline", data_loss: "Data lost" } },
};
let lang = localStorage.getItem("anju.lang") || "zh";
let me = null;
let logRows = [];
let pendingOpen = null; // {command_id, gate, timer}
const $ = (s) => document.querySelector(s);
const t = (k, ...args) => String(T[lang][k] ?? k).replace(/\{(\d)\}/g, (_, i) => args[Number(i)]);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
// "中文 / English" answers of the box: the half in the page's language.
const said = (text) => { const [zh, en] = String(text).split(" / "); return lang === "en" && en ? en : zh; };

// --- time: the box's zone; the date only when it is not today ---
const tz = () => me?.timezone || "Asia/Shanghai";
function parts(d) {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone: tz(), year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  return Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
}
function when(iso, seconds = true) {
  if (!iso) return "";
  const p = parts(new Date(iso)); const n = parts(new Date());
  const clock = seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
  if (p.year !== n.year) return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  if (p.month !== n.month || p.day !== n.day) return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
  return clock;
}
function dated(iso) { const p = parts(new Date(iso)); return `${p.month}-${p.day} ${p.hour}:${p.minute}`; } // always with its date
function fullWhen(iso) { const p = parts(new Date(iso)); return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`; }
function dayStart(offsetDays, ymd) { // midnight in the box's zone, as an ISO instant
  const p = ymd ? { year: ymd.slice(0, 4), month: ymd.slice(5, 7), day: ymd.slice(8, 10) } : parts(new Date());
  const guess = new Date(Date.UTC(+p.year, +p.month - 1, +p.day + offsetDays));
  const q = parts(guess); // shift by the zone's offset at that day
  const shown = Date.UTC(+q.year, +q.month - 1, +q.day, +q.hour, +q.minute, +q.second);
  return new Date(guess.getTime() - (shown - guess.getTime())).toISOString();
}

async function api(path, opts = {}) {
  const r = await fetch(path, { credentials: "same-origin", headers: { "Content-Type": "application/json" }, ...opts });
  if (r.status === 401 && !path.endsWith("/login")) { show(false); throw new Error("login"); }
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  if (!r.ok) throw new Error(typeof body?.detail === "string" ? said(body.detail) : t("wrong"));
  return body;
}
function show(app) { $("#app").hidden = !app; $("#login").hidden = app; }
function say(el, text, kind) { el.textContent = text; el.className = `msg ${kind || ""}`; }
function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-t]").forEach((e) => { e.textContent = t(e.dataset.t); delete e.dataset.full; e.removeAttribute("title"); });
  document.querySelectorAll("[data-tp]").forEach((e) => { e.placeholder = t(e.dataset.tp); });
  document.querySelectorAll(".lang").forEach((b) => { b.textContent = lang === "zh" ? "English" : "中文"; });
  const types = $("#log-filter").elements.type; const keep = types.value;
  types.querySelectorAll("option:not([value=''])").forEach((o) => o.remove());
  for (const k of Object.keys(TYPES_ZH)) types.add(new Option(T[lang].types[k], k));
  types.value = keep;
  if (me) { loadEvents(); loadAlerts(); loadDevices(); loadVisitors(); loadStatus(); }
}
document.querySelectorAll(".lang").forEach((b) => b.addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("anju.lang", lang); applyLang();
}));
$("#login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); const f = new FormData(ev.target);
  try { await api("/api/login", { method: "POST", body: JSON.stringify({ username: f.get("username"), password: f.get("password") }) });
    // Logged in again after a session ended (expiry, password reset): a fresh page, so the
    // gate lists, live feed and timers are set up once, for this session.
    if (me) location.reload(); else start(); }
  catch (e) { $("#login-error").textContent = e.message === "login" ? t("wrong") : e.message; }
});
$("#logout").addEventListener("click", async () => { await api("/api/logout", { method: "POST" }); location.reload(); });

// --- fitting: a cell's text is cut to its column's width (…) with the whole text as tooltip,
// measured on a canvas (no layout per cell), so no cell ever overflows or wraps ---
const ruler = document.createElement("canvas").getContext("2d");
function fontOf(cell) { const st = getComputedStyle(cell); return `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`; }
function fitTable(table) {
  const heads = [...table.tHead.rows[0].cells];
  if (!heads.length) return;
  const style = getComputedStyle(heads[0]);
  const pad = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  const widths = heads.map((h) => h.clientWidth - pad - 2);
  const body = table.tBodies[0].rows;
  for (const [rows, font] of [[table.tHead.rows, fontOf(heads[0])], [body, body.length ? fontOf(body[0].cells[0]) : ""]]) {
    ruler.font = font;
    for (const row of rows) {
      [...row.cells].forEach((cell, i) => {
        const full = cell.dataset.full ?? cell.textContent; cell.dataset.full = full;
        if (ruler.measureText(full).width <= widths[i]) { cell.textContent = full; return; }
        let lo = 0; let hi = full.length;
        while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ruler.measureText(full.slice(0, mid) + "…").width <= widths[i]) lo = mid; else hi = mid - 1; }
        cell.textContent = full.slice(0, lo) + "…";
        if (!cell.title) cell.title = full;
      });
    }
  }
}
window.addEventListener("resize", () => { fitTable($("#log-table")); });

// --- the pass log ---
function resultWord(e) {
  if (e.result === "granted" && e.type === "remote_open") return t("opened");
  if (e.result === "no_answer") return lang === "zh" ? "未响应" : "no reply";
  return e.result ? t(e.result) : "";
}
function detailText(e) {
  if (e.type === "remote_open") return [e.actor, e.note].filter(Boolean).join(" · ");
  if (e.type === "visitor_pass") return [e.actor, e.note, e.plate].filter(Boolean).join(" · ");
  if (e.type === "door_held_open" && e.detail) return t("held", e.detail);
  return e.plate || e.credential_masked || "";
}
function clockNote(e) {
  if (!e.device_ts) return fullWhen(e.ts);
  const off = Math.round((Date.parse(e.device_ts) - Date.parse(e.ts)) / 1000);
  if (Math.abs(off) < 2) return fullWhen(e.ts);
  return `${fullWhen(e.ts)} · ${t("device_clock", when(e.device_ts), off < 0 ? t("slow", -off) : t("fast", off))}`;
}
function eventRow(e) {
  const name = e.gate_name || me.gates.find((g) => g.id === e.gate_id)?.name || e.gate_id;
  const cls = e.result === "no_answer" || e.result === "denied" ? "bad" : e.result === "pending" ? "wait" : e.result === "granted" ? "ok" : "";
  return `<tr class="ev-${e.type}" data-type="${esc(e.type)}" data-id="${e.id}" data-result="${esc(e.result || "")}">`
    + `<td title="${esc(clockNote(e))}">${esc(when(e.ts))}</td><td>${esc(name)}</td><td>${esc(T[lang].types[e.type] || "")}</td>`
    + `<td>${esc(e.direction ? t(e.direction) : "")}</td><td class="${cls}">${esc(resultWord(e))}</td>`
    + `<td>${esc(detailText(e))}</td></tr>`;
}
function renderEvents() {
  logRows.sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : b.id - a.id));
  $("#events").innerHTML = logRows.map(eventRow).join("");
  $("#events-empty").hidden = logRows.length > 0;
  fitTable($("#log-table"));
}
function logRange() {
  const f = $("#log-filter").elements; const r = f.range.value;
  f.day.hidden = r !== "day";
  if (r === "today") return { since: dayStart(0) };
  if (r === "yesterday") return { since: dayStart(-1), until: dayStart(0) };
  if (r === "7d") return { since: new Date(Date.now() - 7 * 864e5).toISOString() };
  if (r === "day" && f.day.value) return { since: dayStart(0, f.day.value), until: dayStart(1, f.day.value) };
  return { since: new Date(Date.now() - 864e5).toISOString() };
}
function logParams() {
  const f = $("#log-filter").elements; const p = new URLSearchParams(logRange());
  for (const k of ["gate", "type", "q"]) if (f[k].value) p.set(k, f[k].value);
  return p;
}
async function loadEvents() {
  const p = logParams();
  $("#export").href = "/api/events.csv?" + p;
  logRows = await api("/api/events?" + p);
  renderEvents();
}
$("#log-filter").addEventListener("input", loadEvents);
function matchesFilter(e) {
  const f = $("#log-filter").elements;
  return ["24h", "today", "7d"].includes(f.range.value) && (!f.gate.value || f.gate.value === e.gate_id)
    && (!f.type.value || f.type.value === e.type) && !f.q.value;
}

// --- alerts: by who handles them ---
function span(ms) { // 09:41, or 23:58:10 from an hour up
  const x = Math.floor(Math.abs(ms) / 1000); const two = (n) => String(n).padStart(2, "0");
  const h = Math.floor(x / 3600); const m = Math.floor((x % 3600) / 60);
  return h ? `${h}:${two(m)}:${two(x % 60)}` : `${two(m)}:${two(x % 60)}`;
}
function tickClocks() {
  for (const c of document.querySelectorAll("#alerts .clock[data-due]")) {
    const left = Date.parse(c.dataset.due) - Date.now();
    c.textContent = t(`${c.dataset.clock}_${left >= 0 ? "left" : "late"}`, span(left));
    c.classList.toggle("late", left < 0);
  }
}
function alertClock(a) {
  if (a.handler === "police" || a.state === "closed") return "";
  const [clock, due] = a.state === "new" ? ["ack", a.ack_due_at] : ["close", a.close_due_at];
  return due ? `<span class="clock" data-clock="${clock}" data-due="${esc(due)}"></span>` : "";
}
function noteLine(n) {
  const what = [T[lang][`l_${n.kind}`] || "", n.note].filter(Boolean).join(" · ");
  return `<li data-kind="${esc(n.kind)}"><time>${esc(when(n.at, false))}</time> ${esc(n.by)}：${esc(what)}`
    + `${n.pending ? ` <span class="pending">${t("pending_upload")}</span>` : ""}</li>`;
}
function alertForms(a) {
  if (a.handler === "police")
    return `<form class="arrive-form row"><input name="note" maxlength="400" placeholder="${t("arrive_note")}"><button class="primary">${t("arrive")}</button></form>`;
  if (a.state === "closed") return "";
  const ack = a.state === "new";
  const reasons = Object.entries(T[lang].res).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join("");
  return `<form class="ack-form row" data-action="${ack ? "acknowledge" : "note"}"><input name="note" maxlength="500" placeholder="${t(ack ? "ack_note" : "handle_note")}">
      <button class="${ack ? "primary" : ""}">${t(ack ? "acknowledge" : "handle")}</button></form>
    <form class="close-form row"><select name="resolution"><option value="">${t("close_reason")}</option>${reasons}</select>
      <input name="note" maxlength="400" placeholder="${t("close_note")}"><button>${t("close_alert")}</button></form>`;
}
function alertCard(a) {
  const where = [a.source_name, a.zone_name].filter(Boolean).join(" · ");
  const notes = (a.notes || []).map(noteLine).join("");
  const police = a.handler === "police";
  const state = police ? `<span class="readonly">${t("police_only")}</span>`
    : `<span class="state st-${esc(a.state)}">${t(`st_${a.state}`)}</span>${alertClock(a)}`;
  return `<li class="alert sev-${esc(a.severity)} h-${esc(a.handler)}" data-id="${esc(a.id)}" data-handler="${esc(a.handler)}" data-state="${esc(a.state)}">
    <div class="a-head"><b>${esc(T[lang].kinds[a.kind] || t("alerts"))}</b><span class="badges"><span class="handler h-${esc(a.handler)}" title="${esc(t(`h_${a.handler}_tip`))}">${t(`h_${a.handler}`)}</span><span class="sev sev-${esc(a.severity)}">${esc(T[lang].sev[a.severity] || "")}</span></span></div>
    <div class="a-where">${esc(where)} <time title="${esc(fullWhen(a.ts))}">${esc(when(a.ts))}</time></div>
    ${a.has_snapshot ? `<img src="/api/alerts/${esc(a.id)}/snapshot.jpg" alt="">` : ""}
    <div class="a-state">${state}${a.pending_upload ? `<span class="pending">${t("pending_upload")}</span>` : ""}</div>
    ${!police && a.acknowledged_by ? `<div class="ack">${t("acknowledged")} · ${esc(a.acknowledged_by_name)} <time>${esc(when(a.acknowledged_at, false))}</time></div>` : ""}
    ${a.closed_at ? `<div class="closed">${esc(t("closed_by", a.closed_by_name, T[lang].res[a.resolution] || ""))} <time>${esc(when(a.closed_at, false))}</time></div>` : ""}
    ${notes ? `<ul class="notes">${notes}</ul>` : ""}
    ${alertForms(a)}
    <p class="msg"></p></li>`;
}
async function loadAlerts() {
  const rows = await api("/api/alerts");
  $("#alerts-empty").hidden = rows.length > 0;
  $("#alerts").innerHTML = rows.map(alertCard).join("");
  tickClocks();
}
$("#alerts").addEventListener("submit", async (ev) => {
  ev.preventDefault(); const form = ev.target; const li = form.closest("li"); const f = form.elements;
  let path; let body;
  if (form.classList.contains("close-form")) { path = "close"; body = { resolution: f.resolution.value || null, note: f.note.value }; }
  else if (form.classList.contains("arrive-form")) { path = "arrive"; body = { note: f.note.value }; }
  else { path = form.dataset.action; body = { note: f.note.value }; }
  if (body.resolution === null) delete body.resolution; // the box says why in Chinese
  try { await api(`/api/alerts/${li.dataset.id}/${path}`, { method: "POST", body: JSON.stringify(body) });
    loadAlerts(); loadStatus(); }
  catch (e) { say(li.querySelector(".msg"), e.message, "error"); }
});

// --- devices and the uplink ---
async function loadDevices() {
  const rows = await api("/api/devices");
  $("#devices-empty").hidden = rows.length > 0;
  // auth_failed: a pulled (RTSP/HTTP) camera refused the box's credentials; stopped: shut down
  // cleanly (not an outage).
  const DEVICE_STATES = ["online", "offline", "auth_failed", "stopped"];
  $("#devices").innerHTML = rows.map((d) => `<li class="${esc(d.state)}"><span class="dot ${d.state === "online" ? "on" : ""}"></span>
    ${esc(d.name || d.id)} <small>${esc(t(DEVICE_STATES.includes(d.state) ? d.state : "offline"))}${d.last_seen ? " · " + esc(when(d.last_seen)) : ""}</small></li>`).join("");
}
let queuedActions = null;
async function loadStatus() {
  const s = await api("/api/status");
  // An action reached the gateway (or another was queued): the cards' 待上传 follows.
  if (queuedActions !== null && s.queued_actions !== queuedActions) loadAlerts();
  queuedActions = s.queued_actions;
  const badge = $("#uplink-state");
  badge.textContent = t(`uplink_${s.uplink}`); badge.className = `uplink ${s.uplink}`;
  const passage = $("#passage-badge");
  passage.hidden = !s.passage_upload;
  passage.textContent = t("passage_on"); passage.title = t("passage_tip");
  const banner = $("#uplink-banner");
  banner.hidden = s.uplink !== "down";
  if (s.uplink === "down")
    banner.textContent = t("uplink_banner", s.last_contact ? t("last_contact", when(s.last_contact)) : "", s.queued_alerts, s.queued_actions);
}

// --- remote opening: sent, then 已开门 when the gate answers or 未响应 after the limit ---
function openAnswered(e) {
  if (!pendingOpen || e.command_id !== pendingOpen.command_id || e.result === "pending") return;
  clearTimeout(pendingOpen.timer);
  const name = pendingOpen.gate; pendingOpen = null;
  if (e.result === "granted") say($("#open-msg"), `${name} ${t("opened")}`, "ok");
  else if (e.result === "no_answer") say($("#open-msg"), `${name} ${t("no_answer")}`, "error");
  else say($("#open-msg"), `${name} ${t("refused_open")}`, "error"); // the gate answered, but did not open
}
$("#open-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); const f = ev.target.elements;
  try {
    const r = await api(`/api/gates/${encodeURIComponent(f.gate.value)}/open`, { method: "POST", body: JSON.stringify({ reason: f.reason.value }) });
    if (pendingOpen) clearTimeout(pendingOpen.timer);
    pendingOpen = { command_id: r.command_id, gate: f.gate.selectedOptions[0].textContent };
    // If the live feed missed the answer, the log says what happened.
    pendingOpen.timer = setTimeout(async () => {
      const rows = await api("/api/events?type=remote_open&limit=50");
      const row = rows.find((x) => x.command_id === r.command_id); if (row) openAnswered(row);
    }, (r.answer_s + 3) * 1000);
    say($("#open-msg"), t("sending"), "wait"); f.reason.value = "";
  } catch (e) { say($("#open-msg"), e.message, "error"); }
});

// --- visitors ---
function visitorLine(v) {
  return `<li data-id="${esc(v.id)}"><div><b>${esc(v.name)}</b> · ${esc(v.host_unit)} · ${esc(v.plate || t("walk_in"))}</div>
    <div><small>${esc(v.reason ? v.reason + " · " : "")}${esc(v.phone)}${v.id_number ? " · " + esc(v.id_number) : ""}</small></div>
    <div class="v-line"><small>${t("until")} ${esc(dated(v.valid_until))}</small><button type="button" class="sign-out">${t("sign_out")}</button></div></li>`;
}
async function loadVisitors() {
  const rows = await api("/api/visitors");
  $("#visitors-empty").hidden = rows.length > 0;
  $("#visitors").innerHTML = rows.map(visitorLine).join("");
}
$("#visitors").addEventListener("click", async (ev) => {
  if (!ev.target.classList.contains("sign-out")) return;
  try { await api(`/api/visitors/${ev.target.closest("li").dataset.id}/sign-out`, { method: "POST" }); loadVisitors(); }
  catch (e) { say($("#visitor-msg"), e.message, "error"); }
});
$("#visitor-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); const f = ev.target.elements;
  const body = { name: f.name.value, phone: f.phone.value, host_unit: f.host_unit.value, reason: f.reason.value,
    plate: f.plate.value || null, id_number: f.id_number.value || null, hours: Number(f.hours.value) };
  try { const v = await api("/api/visitors", { method: "POST", body: JSON.stringify(body) });
    say($("#visitor-msg"), `${t(v.plate ? "registered_car" : "registered")} · ${t("until")} ${dated(v.valid_until)}`, "ok");
    ev.target.reset(); await loadVisitors(); $(`#visitors li[data-id="${v.id}"]`)?.scrollIntoView({ block: "nearest" }); }
  catch (e) { say($("#visitor-msg"), e.message, "error"); }
});
async function loadHistory() {
  const rows = await api("/api/visitors/history");
  $("#history-empty").hidden = rows.length > 0;
  const table = $("#history table");
  $("#history-rows").innerHTML = rows.map((v) => `<tr data-state="${esc(v.state)}"><td>${esc(when(v.created_at, false))}</td><td>${esc(v.name)}</td>
    <td>${esc(v.phone)}</td><td>${esc(v.id_number)}</td><td>${esc(v.host_unit)}</td><td>${esc(v.reason)}</td><td>${esc(v.plate || t("walk_in"))}</td>
    <td>${esc(dated(v.valid_until))}</td><td>${esc(t(v.state === "on_site" ? "on_site_state" : v.state))}</td></tr>`).join("");
  fitTable(table);
}
$("#history-open").addEventListener("click", () => { $("#history").hidden = false; loadHistory(); });
$("#history-close").addEventListener("click", () => { $("#history").hidden = true; });

// --- live feed ---
function live() {
  const src = new EventSource("/api/live");
  src.addEventListener("hello", () => $("#live").classList.add("on"));
  src.addEventListener("gate", (ev) => {
    const e = JSON.parse(ev.data);
    if (matchesFilter(e) && !logRows.some((r) => r.id === e.id)) { logRows.push(e); renderEvents(); }
    openAnswered(e); loadDevices();
  });
  src.addEventListener("gate.updated", (ev) => {
    const e = JSON.parse(ev.data); const i = logRows.findIndex((r) => r.id === e.id);
    if (i >= 0) { logRows[i] = e; renderEvents(); }
    openAnswered(e);
  });
  src.addEventListener("alert", () => loadAlerts());
  src.addEventListener("alert.updated", () => loadAlerts());
  src.onerror = () => $("#live").classList.remove("on");
}
async function start() {
  try { me = await api("/api/me"); } catch (e) { show(false); return; }
  show(true); $("#who").textContent = me.display_name || me.username; $("#compound").textContent = me.compound;
  const gates = $("#log-filter").elements.gate; const open = $("#open-gate");
  for (const g of me.gates) { gates.add(new Option(g.name || g.id, g.id)); open.add(new Option(g.name || g.id, g.id)); }
  applyLang(); live(); setInterval(loadDevices, 10000); setInterval(loadStatus, 5000); setInterval(tickClocks, 1000);
  let today = parts(new Date()).day; // a new day: dates appear on yesterday's rows
  setInterval(() => { const d = parts(new Date()).day; if (d !== today) { today = d; loadEvents(); loadAlerts(); } }, 60000);
}
applyLang(); start();

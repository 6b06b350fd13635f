// Gate console: gate log and alerts live (SSE), acknowledgements, device board, door open,
// visitor passes. Works against the edge box alone: nothing here needs the precinct.
"use strict";
const T = {
  zh: { title: "门岗控制台", username: "用户名", password: "密码", login: "登录", logout: "退出",
    gate_log: "通行记录", all_gates: "全部门岗", all_types: "全部类型", search: "搜索车牌/卡号", time: "时间",
    gate: "门岗", type: "类型", direction: "方向", result: "结果", who_what: "车牌/凭证", alerts: "告警",
    devices: "设备状态", open_door: "远程开门", reason: "开门原因（必填）", open: "开门", visitors: "访客登记",
    v_name: "访客姓名", v_phone: "手机号", v_unit: "到访房号", v_plate: "车牌", valid_hours: "有效时长（小时）",
    register: "登记", acknowledge: "签收", acknowledged: "已签收", note: "备注", sent: "已发送开门指令",
    registered: "已登记，车牌到达时自动放行", wrong: "用户名或密码错误", online: "在线", offline: "离线",
    in: "进", out: "出", granted: "放行", denied: "拒绝", until: "有效至",
    types: { card_swipe: "刷卡", face_access: "刷脸", plate_read: "车牌识别", door_forced: "强行开门",
      door_held_open: "门未关", tamper: "防拆报警", exit_button: "出门按钮", intercom_call: "对讲呼叫", remote_open: "远程开门" },
    kinds: { door_forced: "门被强行打开", door_held_open: "门长时间未关", tamper: "设备被破坏", watchlist: "布控命中",
      device_offline: "设备离线", intrusion: "周界入侵", loitering: "可疑徘徊", fire_lane: "占用消防通道",
      ebike_indoor: "电动车进楼", crowd: "人员聚集" } },
  en: { title: "Gate console", username: "Username", password: "Password", login: "Log in", logout: "Log out",
    gate_log: "Gate log", all_gates: "All gates", all_types: "All types", search: "Search plate / card", time: "Time",
    gate: "Gate", type: "Type", direction: "Dir.", result: "Result", who_what: "Plate / credential", alerts: "Alerts",
    devices: "Devices", open_door: "Open a door", reason: "Reason (required)", open: "Open", visitors: "Visitors",
    v_name: "Visitor name", v_phone: "Phone", v_unit: "Host unit", v_plate: "Plate", valid_hours: "Valid for (hours)",
    register: "Register", acknowledge: "Acknowledge", acknowledged: "Acknowledged", note: "Note", sent: "Open command sent",
    registered: "Registered: the plate will be let in", wrong: "Wrong username or password", online: "online", offline: "offline",
    in: "in", out: "out", granted: "granted", denied: "denied", until: "until",
    types: { card_swipe: "Card", face_access: "Face", plate_read: "Plate", door_forced: "Door forced",
      door_held_open: "Held open", tamper: "Tamper", exit_button: "Exit button", intercom_call: "Intercom", remote_open: "Remote open" },
    kinds: { door_forced: "Door forced", door_held_open: "Door held open", tamper: "Tamper", watchlist: "Watchlist hit",
      device_offline: "Device offline", intrusion: "Intrusion", loitering: "Loitering", fire_lane: "Fire lane blocked",
      ebike_indoor: "E-bike indoors", crowd: "Crowd" } },
};
let lang = localStorage.getItem("anju.lang") || "zh";
let me = null;
const $ = (s) => document.querySelector(s);
const t = (k) => T[lang][k] ?? k;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fmt = (iso) => new Date(iso).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false });
async function api(path, opts = {}) {
  const r = await fetch(path, { credentials: "same-origin", headers: { "Content-Type": "application/json" }, ...opts });
  if (r.status === 401 && !path.endsWith("/login")) { show(false); throw new Error("login"); }
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  if (!r.ok) throw new Error(typeof body?.detail === "string" ? body.detail : JSON.stringify(body?.detail));
  return body;
}
function show(app) { $("#app").hidden = !app; $("#login").hidden = app; }
function applyLang() {
  document.querySelectorAll("[data-t]").forEach((e) => { e.textContent = t(e.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((e) => { e.placeholder = t(e.dataset.tp); });
  document.querySelectorAll(".lang").forEach((b) => { b.textContent = lang === "zh" ? "English" : "中文"; });
  const types = $("#log-filter").elements.type; const keep = types.value;
  types.querySelectorAll("option:not([value=''])").forEach((o) => o.remove());
  for (const k of Object.keys(T.zh.types)) types.add(new Option(T[lang].types[k], k));
  types.value = keep;
  if (me) { loadEvents(); loadAlerts(); loadDevices(); loadVisitors(); }
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
  catch (e) { $("#login-error").textContent = t("wrong"); }
});
$("#logout").addEventListener("click", async () => { await api("/api/logout", { method: "POST" }); location.reload(); });

function eventRow(e) {
  const name = me.gates.find((g) => g.id === e.gate_id)?.name || e.gate_id;
  return `<tr class="ev-${e.type}" data-type="${e.type}"><td>${fmt(e.ts)}</td><td>${esc(name)}</td><td>${esc(T[lang].types[e.type] || e.type)}</td>
    <td>${esc(t(e.direction || ""))}</td><td class="${e.result || ""}">${esc(t(e.result || ""))}</td>
    <td>${esc(e.plate || e.credential_masked || e.detail || "")}</td></tr>`;
}
async function loadEvents() {
  const p = new URLSearchParams(); for (const el of $("#log-filter").elements) if (el.value) p.set(el.name, el.value);
  const rows = await api("/api/events?" + p); $("#events").innerHTML = rows.map(eventRow).join("");
}
$("#log-filter").addEventListener("input", loadEvents);
async function loadAlerts() {
  const rows = await api("/api/alerts");
  $("#alerts").innerHTML = rows.map((a) => `<li class="alert sev-${a.severity}" data-id="${a.id}">
    <div><b>${esc(T[lang].kinds[a.kind] || a.kind)}</b> · ${esc(a.source_id)} <time>${fmt(a.ts)}</time></div>
    ${a.has_snapshot ? `<img src="/api/alerts/${a.id}/snapshot.jpg" alt="">` : ""}
    ${a.acknowledged_by ? `<div class="ack">${t("acknowledged")}: ${esc(a.acknowledged_by)} ${esc(a.note)}</div>`
      : `<form class="ack-form row"><input name="note" placeholder="${t("note")}"><button class="primary">${t("acknowledge")}</button></form>`}
  </li>`).join("");
}
$("#alerts").addEventListener("submit", async (ev) => {
  ev.preventDefault(); const li = ev.target.closest("li");
  await api(`/api/alerts/${li.dataset.id}/acknowledge`, { method: "POST", body: JSON.stringify({ note: ev.target.elements.note.value }) });
  loadAlerts();
});
async function loadDevices() {
  const rows = await api("/api/devices");
  $("#devices").innerHTML = rows.map((d) => `<li class="${d.state}"><span class="dot ${d.state === "online" ? "on" : ""}"></span>
    ${esc(d.name || d.id)} <small>${esc(t(d.state === "online" ? "online" : "offline"))}${d.last_seen ? " · " + fmt(d.last_seen) : ""}</small></li>`).join("");
}
$("#open-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); const f = ev.target.elements;
  try { await api(`/api/gates/${f.gate.value}/open`, { method: "POST", body: JSON.stringify({ reason: f.reason.value }) });
    $("#open-msg").textContent = t("sent"); f.reason.value = ""; }
  catch (e) { $("#open-msg").textContent = e.message; }
});
async function loadVisitors() {
  const rows = await api("/api/visitors");
  $("#visitors").innerHTML = rows.map((v) => `<li><b>${esc(v.plate)}</b> ${esc(v.name)} ${esc(v.phone)} → ${esc(v.host_unit)}
    <small>${t("until")} ${fmt(v.valid_until)}</small></li>`).join("");
}
$("#visitor-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); const f = ev.target.elements;
  const until = new Date(Date.now() + Number(f.hours.value) * 3600e3).toISOString();
  try { await api("/api/visitors", { method: "POST", body: JSON.stringify({ name: f.name.value, phone: f.phone.value,
      host_unit: f.host_unit.value, plate: f.plate.value, valid_until: until }) });
    $("#visitor-msg").textContent = t("registered"); ev.target.reset(); loadVisitors(); }
  catch (e) { $("#visitor-msg").textContent = e.message; }
});
function live() {
  const src = new EventSource("/api/live");
  src.addEventListener("hello", () => $("#live").classList.add("on"));
  src.addEventListener("gate", (ev) => {
    const e = JSON.parse(ev.data); const f = $("#log-filter").elements;
    if ((!f.gate.value || f.gate.value === e.gate_id) && (!f.type.value || f.type.value === e.type) && !f.q.value)
      $("#events").insertAdjacentHTML("afterbegin", eventRow(e));
    loadDevices();
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
  applyLang(); live(); setInterval(loadDevices, 10000);
}
applyLang(); start();

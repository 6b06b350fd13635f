// Officers' console: live feed (SSE), alert detail with lifecycle, SLA countdowns, device board.
"use strict";

const state = {
  checked: new Set(),  // alerts ticked for bulk acknowledge
  lang: localStorage.getItem("anju.lang") || "zh",
  user: null,
  alerts: new Map(),      // id -> alert view
  selected: null,
  source: null,
  sound: localStorage.getItem("anju.sound") === "on",  // off until the officer turns it on
};
const $ = (sel) => document.querySelector(sel);
const t = (key) => I18N[state.lang][key] ?? key;
const label = (group, key) => (I18N[state.lang][group] || {})[key] || key;
const TZ = "Asia/Shanghai";

function fmtTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB",
    { timeZone: TZ, hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
// Names, not ids: what the installer called the compound, gate, camera and zone. An id shows
// only for a thing nobody named yet (a box older than names in heartbeats).
function sourceName(a) {
  if (a.source_name) return a.source_name;
  return a.source_kind === "edge" ? t("edge") : a.source_id;
}
function placeParts(a) {
  return [a.compound_name || a.compound_id, sourceName(a), a.zone_name || a.zone].filter(Boolean);
}
const place = (a) => placeParts(a).join(" · ");
// 门禁 北门, 摄像机 东侧围墙, 边缘盒 (a box names itself).
const sourceLabel = (a) => (a.source_kind === "edge" ? "" : label("dev_kind", a.source_kind) + " ") + sourceName(a);
async function api(path, opts = {}) {
  const resp = await fetch(path, { credentials: "same-origin", headers: { "Content-Type": "application/json" }, ...opts });
  if (resp.status === 401) { showLogin(); throw new Error("login required"); }
  const body = resp.headers.get("content-type")?.includes("json") ? await resp.json() : null;
  if (!resp.ok) throw new Error(body?.detail ? JSON.stringify(body.detail) : resp.statusText);
  return body;
}

// ---- language ----
function applyLang() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll(".lang-switch").forEach((b) => { b.textContent = state.lang === "zh" ? "English" : "中文"; });
  renderSound();
  if (state.user) $("#who").textContent = `${state.user.display_name || state.user.username} (${label("role", state.user.role)})`;
  fillFilterOptions();
  renderList();
  if (state.selected) renderDetail(state.selected);
  Admin.render();
}
document.querySelectorAll(".lang-switch").forEach((b) => b.addEventListener("click", () => {
  state.lang = state.lang === "zh" ? "en" : "zh";
  localStorage.setItem("anju.lang", state.lang);
  applyLang();
}));

// ---- login ----
function showLogin() {
  $("#app").hidden = true; $("#login").hidden = false;
  if (state.source) { state.source.close(); state.source = null; }
  // A shared precinct PC: nothing of the last officer's (alerts, the one open, its snapshot
  // and notes) stays in the page for the next one.
  state.user = null; state.alerts = new Map(); state.selected = null; state.checked = new Set();
  $("#alerts").innerHTML = "";
  $("#detail").innerHTML = `<p class="muted" data-i18n="pick">${t("pick")}</p>`;
  Admin.reset();
}
$("#login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const resp = await fetch("/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.get("username"), password: form.get("password") }) });
  if (resp.status === 429) {
    // Throttled: say for how long (Retry-After, seconds), not "wrong password".
    const seconds = Number(resp.headers.get("Retry-After")) || 60;
    $("#login-error").textContent = t("too_many").replace("{n}", Math.max(1, Math.ceil(seconds / 60)));
    return;
  }
  if (!resp.ok) { $("#login-error").textContent = t("wrong_login"); return; }
  $("#login-error").textContent = "";
  const next = nextPath();
  if (next) { location.assign(next); return; }
  start();
});
// Where the officer was going before the login (a report page sends ?next=/reports/daily%3F…,
// its query kept): a page of this gateway only, never another site — judged on the URL the
// browser would really open (it drops tabs and newlines, reads a backslash as /), not on the text.
function nextPath() {
  const next = new URLSearchParams(location.search).get("next");
  if (!next || !next.startsWith("/")) return null;
  let url;
  try { url = new URL(next, location.origin); } catch (e) { return null; }
  if (url.origin !== location.origin) return null;
  const path = url.pathname + url.search + url.hash;
  return path === "/" ? null : path;
}
$("#logout").addEventListener("click", async () => {
  await fetch("/api/v1/auth/logout", { method: "POST" });
  showLogin();
});

// ---- filters and list ----
function fillFilterOptions() {
  const f = $("#filters");
  const fill = (name, group) => {
    const sel = f.elements[name]; const keep = sel.value;
    sel.querySelectorAll("option:not([value=''])").forEach((o) => o.remove());
    for (const key of Object.keys(I18N.zh[group])) sel.add(new Option(label(group, key), key));
    sel.value = keep;
  };
  fill("kind", "kind"); fill("severity", "severity"); fill("state", "state");
}
async function loadCompounds() {
  if (!["admin", "supervisor", "officer"].includes(state.user.role)) return;
  const sel = $("#filters").elements.compound_id;
  const compounds = await api("/api/v1/compounds");
  // A shared precinct PC: the next person to log in must not see the last one's compounds.
  sel.querySelectorAll("option:not([value=''])").forEach((o) => o.remove());
  sel.value = "";
  for (const c of compounds) sel.add(new Option(c.name || c.id, c.id));
}
function filterParams() {
  const params = new URLSearchParams();
  for (const el of $("#filters").elements) if (el.value) params.set(el.name, el.value);
  params.set("limit", "200");
  return params;
}
// The newest 200, and every open alert however old: an old breached alert must head the list
// and count in the header even when 200 newer ones came after it.
const OPEN_STATES = ["new", "acknowledged", "dispatched"];
async function loadAlerts() {
  const queries = [filterParams()];
  if (!$("#filters").elements.state.value) {
    for (const st of OPEN_STATES) {
      const params = filterParams(); params.set("state", st); params.set("limit", "500");
      queries.push(params);
    }
  }
  const pages = await Promise.all(queries.map((q) => api("/api/v1/alerts?" + q)));
  state.alerts = new Map(pages.flatMap((p) => p.alerts).map((a) => [a.id, a]));
  resetPaging(pages[0].next_before);  // older than the newest 200: paging.js
  learnPlaces(state.alerts.values());
  renderList();
}
$("#filters").addEventListener("change", loadAlerts);

// The gates, cameras and zones the officer has seen alerts from, by name, for the filters
// (kept for the session, so choosing one does not empty the others' lists).
const places = { source_id: new Map(), zone: new Map() };
function learnPlaces(alerts) {
  let grew = false;
  for (const a of alerts) {
    if (!places.source_id.has(a.source_id)) { places.source_id.set(a.source_id, sourceLabel(a)); grew = true; }
    if (a.zone && !places.zone.has(a.zone)) { places.zone.set(a.zone, a.zone_name || a.zone); grew = true; }
  }
  if (!grew) return;
  for (const name of ["source_id", "zone"]) {
    const sel = $("#filters").elements[name]; const keep = sel.value;
    sel.querySelectorAll("option:not([value=''])").forEach((o) => o.remove());
    [...places[name]].sort((x, y) => x[1].localeCompare(y[1], "zh-CN"))
      .forEach(([id, text]) => sel.add(new Option(text, id)));
    sel.value = keep;
  }
}
function matchesFilters(a) {
  for (const el of $("#filters").elements) if (el.value && a[el.name] !== el.value) return false;
  return true;
}
// The running police clock as text, and its level: ok, near (amber) or breached (red).
function slaText(a) {
  const u = urgency(a, Date.now());
  if (!u.clock) return { text: "", level: "none" };
  const left = Math.round(u.left);
  if (u.level === "breached") return { text: `${t("breached")} ${hms(-left)}`, level: "breached" };
  return { text: `${t(u.clock.kind === "ack" ? "ack_in" : "close_in")} ${hms(left)}`, level: u.level };
}
function hms(s) {
  s = Math.max(0, s); const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return (h ? h + ":" : "") + String(m).padStart(h ? 2 : 1, "0") + ":" + String(sec).padStart(2, "0");
}
function renderCounters() {
  const c = counters([...state.alerts.values()], Date.now());
  $("#count-pending").textContent = c.pending;
  $("#count-near").textContent = c.near;
  $("#count-breached").textContent = c.breached;
  $("#counters").classList.toggle("alarm", c.breached > 0);
  // The tab title says how many wait, so a duty officer on another tab sees it too.
  document.title = (c.pending ? `(${c.pending}) ` : "") + t("console");
}
function renderList() {
  const list = $("#alerts"); if (!list) return;
  const rows = [...state.alerts.values()].filter(matchesFilters).sort(byUrgency(Date.now()));
  $("#empty").hidden = rows.length > 0;
  if (state.selected && !rows.some((a) => a.id === state.selected)) {
    // The detail follows the filter: an alert the filter hides is not left open beside it.
    state.selected = null;
    delete $("#detail").dataset.id;
    $("#detail").innerHTML = `<p class="muted" data-i18n="pick">${t("pick")}</p>`;
  }
  list.innerHTML = rows.map((a) => {
    const sla = slaText(a);
    const alarm = a._fresh && a.severity === "critical" ? "alarm" : "";
    const pick = bulkable(a)
      ? `<input type="checkbox" class="pick" aria-label="${esc(t("bulk_pick"))}" ${state.checked.has(a.id) ? "checked" : ""}>` : "";
    return `<li class="alert sev-${a.severity} ${a.id === state.selected ? "selected" : ""} ${a._fresh ? "fresh" : ""} ${alarm}" data-id="${a.id}" data-state="${a.state}" data-urgency="${sla.level}">
      <div class="line1">${pick}<span class="badge sev-${a.severity}">${esc(label("severity", a.severity))}</span>
        <strong>${esc(label("kind", a.kind))}</strong><span class="state st-${a.state}">${esc(label("state", a.state))}</span></div>
      <div class="line2"><span class="place">${esc(place(a))}</span>
        <time>${fmtTime(a.ts)}</time></div>
      <div class="sla lvl-${sla.level}">${esc(sla.text)}</div>${outageLine(a)}</li>`;
  }).join("") + moreItem(rows.length);
  for (const id of [...state.checked]) if (!rows.some((a) => a.id === id && bulkable(a))) state.checked.delete(id);
  renderBulk();
  renderCounters();
}
$("#alerts").addEventListener("click", (ev) => {
  const li = ev.target.closest("li.alert"); if (!li) return;
  if (ev.target.classList.contains("pick")) {  // the row's checkbox: select for bulk, not open
    if (ev.target.checked) state.checked.add(li.dataset.id); else state.checked.delete(li.dataset.id);
    renderBulk();
    return;
  }
  select(li.dataset.id);
});

// ---- bulk acknowledge: several 待签收 alerts at once (e.g. a burst from one device) ----
const bulkable = (a) => a.state === "new" && a.handler !== "property"
  && ["officer", "supervisor", "admin"].includes(state.user?.role);
function renderBulk() {
  $("#bulk").hidden = state.checked.size === 0;
  $("#bulk-count").textContent = t("bulk_count").replace("{n}", state.checked.size);
}
$("#bulk-clear").addEventListener("click", () => { state.checked.clear(); renderList(); });
$("#bulk-ack").addEventListener("click", async () => {
  const ids = [...state.checked];
  const failed = [];
  for (const id of ids) {
    try {
      await api(`/api/v1/alerts/${id}/acknowledge`, { method: "POST", body: JSON.stringify({ note: t("bulk_note") }) });
      state.alerts.set(id, await api(`/api/v1/alerts/${id}`));
      state.checked.delete(id);
    } catch (e) { failed.push(e.message); }
  }
  $("#bulk-error").textContent = failed.length ? `${t("bulk_failed").replace("{n}", failed.length)}` : "";
  renderList();
  if (state.selected) select(state.selected);
});

// ---- detail ----
async function select(id) {
  state.selected = id;
  const a = await api(`/api/v1/alerts/${id}`);
  a._fresh = false; state.alerts.set(id, a);
  renderList(); renderDetail(id);
}
const RES_RESOLVE = ["handled", "apprehended", "referred", "no_finding"];
const RES_FALSE = ["false_detection", "resident", "device_fault", "test"];
// An alert's details as labelled fields in words (人数 7, 最多允许 4, 停留 21 秒), never the raw keys;
// internal ones (the gate's sequence number, the tracker's id) are left out.
const DETAIL_HIDDEN = new Set(["seq", "track_id"]);
const DETAIL_TIMES = new Set(["device_ts", "box_ts", "last_seen", "last_heartbeat", "enrolled_at", "cleared_at"]);
const DETAIL_SECONDS = new Set(["held_seconds", "dwell_s", "frozen_s", "offline_s", "skew_s", "silent_s"]);
const DETAIL_WORDS = { event_type: "event_type", direction: "direction", label: "object", device_kind: "dev_kind",
                       state: "dev_state", watchlist_kind: "watchlist_kind", counter: "counter" };
function detailValue(key, value) {
  if (value === null || value === "") return t("none");
  if (DETAIL_TIMES.has(key)) return fmtTime(value);
  if (DETAIL_SECONDS.has(key)) return `${value} ${t("seconds")}`;
  if (DETAIL_WORDS[key]) return label(DETAIL_WORDS[key], String(value));
  return String(value);
}
function detailRows(details) {
  return Object.entries(details).filter(([k]) => !DETAIL_HIDDEN.has(k))
    .map(([k, v]) => `<dt>${esc(label("detail", k))}</dt><dd>${esc(detailValue(k, v))}</dd>`).join("");
}
async function renderDetail(id) {
  const a = state.alerts.get(id); if (!a) return;
  const events = await api(`/api/v1/alerts/${id}/events`);
  const x = a.extra || {};
  const canNote = ["officer", "supervisor", "admin"].includes(state.user.role);
  // An alert routed to the property only is worked at the gate console: officers read it and add notes.
  const canAct = canNote && a.handler !== "property";
  const canReopen = canAct && ["supervisor", "admin"].includes(state.user.role);
  const buttons = [];
  if (canAct && a.state === "new") buttons.push(["acknowledge", "primary"]);
  if (canAct && a.state === "acknowledged") buttons.push(["dispatch", "primary"]);
  if (canAct && ["acknowledged", "dispatched"].includes(a.state)) buttons.push(["resolve", "primary"]);
  if (canAct && ["new", "acknowledged", "dispatched"].includes(a.state)) buttons.push(["false_alarm", ""]);
  if (canReopen && ["resolved", "false_alarm"].includes(a.state)) buttons.push(["reopen", ""]);
  const sla = slaText(a);
  const details = detailRows(a.details || {});
  const objects = (a.objects || []).map((o) => `${esc(label("object", o.label))} ${Math.round(o.score * 100)}%`).join(", ") || t("none");
  $("#detail").innerHTML = `
    <h2><span class="badge sev-${a.severity}">${esc(label("severity", a.severity))}</span> ${esc(label("kind", a.kind))}
      <span class="state st-${a.state}" id="detail-state">${esc(label("state", a.state))}</span></h2>
    <div class="sla big lvl-${sla.level}" id="detail-sla">${esc(sla.text)}</div>
    <div class="cols">
      <figure>${a.has_snapshot ? `<img id="snapshot" alt="${t("snapshot")}" src="/api/v1/alerts/${a.id}/snapshot.jpg">` : `<div class="noshot">${t("snapshot")}: ${t("none")}</div>`}</figure>
      <dl>
        <dt>${t("time")}</dt><dd>${fmtTime(a.ts)}</dd>
        <dt>${t("compound")}</dt><dd id="detail-compound">${esc(a.compound_name || a.compound_id)}</dd>
        <dt>${t("source")}</dt><dd id="detail-source">${esc(sourceLabel(a))}</dd>
        <dt>${t("zone")}</dt><dd id="detail-zone">${esc(a.zone_name || a.zone || t("none"))}</dd>
        <dt>${t("handler")}</dt><dd>${esc(label("handler_names", a.handler || "police"))}</dd>
        <dt>${t("owner")}</dt><dd>${esc(x.owner || x.property_owner || t("none"))}</dd>
        <dt>${t("objects")}</dt><dd>${objects}</dd>
        ${x.dispatched_to ? `<dt>${t("target")}</dt><dd id="detail-target">${esc(x.dispatched_to)}</dd>` : ""}
        ${x.resolution ? `<dt>${t("resolution")}</dt><dd>${esc(label("res", x.resolution))}</dd>` : ""}
        ${outageRows(a)}${details}
      </dl>
    </div>
    <form id="act" class="act">
      ${buttons.some(([b]) => b === "dispatch") ? dispatchField() : ""}
      <select name="resolution" hidden></select>
      <input name="note" maxlength="500" placeholder="${t("note")}">
      <div class="buttons">${buttons.map(([b, cls]) => `<button type="button" class="${cls}" data-action="${b}">${t(b)}</button>`).join("")}
        ${canNote ? `<button type="button" data-action="note">${t("add_note")}</button>` : ""}</div>
      <p class="error" id="act-error"></p>
    </form>
    <h3>${t("history")}</h3>
    <ol class="history">${events.map((e) => historyLine(a, e, events)).join("")}</ol>`;
  $("#detail").dataset.id = id;  // which alert the pane shows (tests wait for it)
  $("#act").addEventListener("click", onAction);
  // Resolving is one step: where 办结 is offered, its resolution chooser is shown at once.
  if (buttons.some(([b]) => b === "resolve")) showResolutions("resolve");
  if (buttons.some(([b]) => b === "dispatch")) fillTargets(a).catch(() => {});  // typing still works
}
// One history line; what raised the alert is named (北门), not its id.
function historyLine(a, e, events) {
  const raisedBy = `${a.source_kind}:${a.source_id}`;
  let actor = e.actor;
  if (actor === raisedBy) actor = sourceLabel(a);
  else if (actor === "system") actor = t("system");
  // A guard at the gate acts as compound:user; the compound is named.
  else if (actor.startsWith(`${a.compound_id}:`)) actor = `${a.compound_name || a.compound_id} ${actor.slice(a.compound_id.length + 1)}`;
  const note = e.action === "received"
    ? [a.compound_name || a.compound_id, a.zone_name || a.zone, label("handler_names", a.handler || "police")].filter(Boolean).join(" · ")
    : outageNote(a, e, events) ?? taggedNote(e) ?? e.note;
  return `<li><time>${fmtTime(e.at)}</time> <b>${esc(actor)}</b> ${esc(t(e.action) || e.action)}
    ${e.to_state && e.action !== "received" ? "→ " + esc(label("state", e.to_state)) : ""} ${note ? "· " + esc(note) : ""}</li>`;
}
function showResolutions(action) {
  const sel = $("#act").elements.resolution;
  sel.innerHTML = (action === "resolve" ? RES_RESOLVE : RES_FALSE).map((r) => `<option value="${r}">${esc(label("res", r))}</option>`).join("");
  sel.hidden = false; sel.dataset.for = action;
}
async function onAction(ev) {
  const button = ev.target.closest("button[data-action]"); if (!button) return;
  const action = button.dataset.action;
  const form = $("#act");
  const sel = form.elements.resolution;
  if ((action === "resolve" || action === "false_alarm") && (sel.hidden || sel.dataset.for !== action)) {
    showResolutions(action);  // 误报 asks for its reason first (办结's chooser is already shown)
    button.textContent = t(action) + " ✓";
    return;
  }
  const body = { note: form.elements.note.value };
  if (action === "resolve" || action === "false_alarm") body.resolution = sel.value;
  if (action === "dispatch") { body.target = dispatchTarget(form); if (!body.target) return; }
  const path = action === "false_alarm" ? "false-alarm" : action;
  try {
    await api(`/api/v1/alerts/${state.selected}/${path}`, { method: "POST", body: JSON.stringify(body) });
    await select(state.selected);
  } catch (e) { $("#act-error").textContent = e.message; }
}

// ---- live feed ----
function beep() {
  if (!state.sound) return;  // off by default; the header toggle turns it on, per browser
  try {
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    const osc = ctx.createOscillator(); const gain = ctx.createGain();
    osc.frequency.value = 880; gain.gain.value = 0.15;
    osc.connect(gain).connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.25);
  } catch (e) { /* audio may be blocked until the user interacts; the highlight still shows */ }
}
// A notice; a critical one stays (red, on top) until the officer opens the alert or closes it.
function toast(text, alertId = null, critical = false) {
  const el = $("#toast");
  el.querySelector(".toast-text").textContent = text;
  el.dataset.id = alertId || "";
  el.classList.toggle("critical", critical);
  el.hidden = false;
  clearTimeout(toast.timer);
  if (!critical) toast.timer = setTimeout(() => { el.hidden = true; }, 6000);
}
$("#toast").addEventListener("click", (ev) => {
  const el = $("#toast"); el.hidden = true;
  if (!ev.target.closest(".toast-close") && el.dataset.id && state.alerts.has(el.dataset.id)) select(el.dataset.id);
});
function renderSound() {
  const b = $("#sound"); if (!b) return;
  b.textContent = t(state.sound ? "sound_on" : "sound_off");
  b.setAttribute("aria-pressed", String(state.sound));
}
$("#sound").addEventListener("click", () => {
  state.sound = !state.sound;
  localStorage.setItem("anju.sound", state.sound ? "on" : "off");
  renderSound();
  beep();  // the click lets the browser play sound from now on, and proves it works
});
function connectLive() {
  const source = new EventSource("/api/v1/live");
  state.source = source;
  source.addEventListener("hello", () => { $("#live-dot").classList.add("on"); });
  source.addEventListener("alert.new", async (ev) => {
    const { id } = JSON.parse(ev.data);
    const a = await api(`/api/v1/alerts/${id}`);
    a._fresh = true; state.alerts.set(id, a); learnPlaces([a]);
    renderList(); beep();
    toast(`${t("new_alert")}${t("colon")}${label("severity", a.severity)} ${label("kind", a.kind)} · ${place(a)}`, id, a.severity === "critical");
  });
  source.addEventListener("alert.updated", async (ev) => {
    const { id } = JSON.parse(ev.data);
    if (!state.alerts.has(id)) return;
    state.alerts.set(id, await api(`/api/v1/alerts/${id}`));
    renderList(); if (state.selected === id) renderDetail(id);
  });
  source.addEventListener("alert.escalated", async (ev) => {
    const d = JSON.parse(ev.data);
    if (state.alerts.has(d.id)) state.alerts.set(d.id, await api(`/api/v1/alerts/${d.id}`));
    renderList();
    const a = state.alerts.get(d.id);
    if (["supervisor", "admin"].includes(state.user.role)) {
      beep(); toast(`${t("escalated")}${t("colon")}${a ? `${label("kind", a.kind)} · ${place(a)}` : label("severity", d.severity)}`, d.id);
    }
  });
  source.addEventListener("edge.status", () => { if (boardVisible()) loadBoard(); });
  source.onerror = () => { $("#live-dot").classList.remove("on"); };
}

// ---- device board ----
const BOARD_POLL_MS = 10000;
const boardVisible = () => !$("#board-tab").hidden;
// Alerts the box's disk quota shed and messages it set aside: totals so far, red when any.
function lostText(e) {
  const parts = [["shed", e.shed_total], ["dead_letters", e.dead_letters_total]]
    .filter(([, n]) => n > 0).map(([key, n]) => `<span class="loss">${t(key)} ${n}</span>`);
  if (e.storage_failing) parts.unshift(`<span class="loss">${t("storage_failing")}</span>`);
  return parts.length ? parts.join(" ") : `<span class="muted">0</span>`;
}
// A device by name with its state and when its box last heard from it; while the box is offline
// the state is as of its last heartbeat, so it is marked stale (状态未更新).
function deviceChip(d, boxOnline) {
  const seen = d.last_seen ? ` · <time>${fmtTime(d.last_seen)}</time>` : "";
  const stale = boxOnline ? "" : ` · ${t("stale")}`;
  return `<span class="dev ${esc(d.state)} ${boxOnline ? "" : "stale"}">${esc(label("dev_kind", d.kind))} ${esc(d.name || d.id)} · ${esc(label("dev_state", d.state))}${stale}${seen}</span>`;
}
async function loadBoard() {
  let edges;
  try { edges = await api("/api/v1/edges"); }
  catch (e) { $("#board-error").textContent = `${t("board_failed")}: ${e.message}`; return; }
  $("#board-error").textContent = "";
  $("#board-empty").hidden = edges.length > 0;
  const down = edges.filter((e) => !e.online).length;
  const devices = edges.flatMap((e) => e.devices || []);
  const devicesDown = devices.filter((d) => d.state !== "online").length;
  $("#board-summary").textContent = `${t("boxes")} ${edges.length} · ${t("online")} ${edges.length - down} · ${t("offline")} ${down} · ${t("devices")} ${devices.length} · ${t("devices_down")} ${devicesDown} · ${t("updated")} ${fmtTime(new Date().toISOString())}`;
  // Boxes by compound and number (边缘盒 2), never by hostname: two boxes called "vm" differ.
  $("#edges").innerHTML = edges.map((e) => `<tr class="${e.online ? "" : "down"}" data-edge="${esc(e.id)}">
    <td class="compound">${esc(e.compound_name || e.compound_id)}</td><td class="box">${t("edge")} ${e.number}<div class="muted small">${esc(e.software_version || "")}</div></td>
    <td><span class="state ${e.online ? "st-resolved" : "st-new"}">${e.online ? t("online") : t("offline")}</span></td>
    <td class="when">${e.last_heartbeat_at ? fmtTime(e.last_heartbeat_at) : t("never")}</td>
    <td>${e.queue_depth ?? ""}${e.oldest_unsent_age_s ? ` <span class="muted small">(${Math.round(e.oldest_unsent_age_s)} s)</span>` : ""}</td>
    <td class="lost">${lostText(e)}</td>
    <td class="devs">${(e.devices || []).map((d) => deviceChip(d, e.online)).join(" ")}</td></tr>`).join("");
}
setInterval(() => { if (state.user && boardVisible()) loadBoard(); }, BOARD_POLL_MS);
document.querySelectorAll("a.tab").forEach((a) => a.addEventListener("click", (ev) => {
  ev.preventDefault();
  document.querySelectorAll("a.tab").forEach((x) => x.classList.toggle("active", x === a));
  $("#feed-tab").hidden = a.dataset.tab !== "feed";
  $("#board-tab").hidden = a.dataset.tab !== "board";
  if (a.dataset.tab === "board") loadBoard();
  Admin.show(a.dataset.tab);  // the watch list and admin pages (admin.js)
}));

// ---- start ----
async function start() {
  try { state.user = await api("/api/v1/auth/me"); } catch (e) { return; }
  // Logged in meanwhile (another tab): a ?next= page is where the officer was going.
  const next = nextPath();
  if (next) { location.replace(next); return; }
  $("#login").hidden = true; $("#app").hidden = false;
  Admin.start(state.user);
  applyLang();
  await loadCompounds();
  await loadAlerts();
  connectLive();
}
setInterval(() => {
  renderList();
  const a = state.selected && state.alerts.get(state.selected);
  if (a && $("#detail-sla")) { const s = slaText(a); $("#detail-sla").textContent = s.text; $("#detail-sla").className = `sla big lvl-${s.level}`; }
}, 1000);
applyLang();
start();

// 视图库对接 (GA/T 1400) per precinct, admins: the link's settings (the password write-only:
// left empty, the stored one stays) and its state, refreshed every few seconds while the page is
// shown. The API is /api/v1/precincts/{id}/viid and .../viid/status (docs/precinct-link.md).
"use strict";

const VIID_REFRESH_MS = 3000;

Admin.pages.viid = {
  precinct: null, status: null, error: "", message: "", statusError: "", timer: null,
  clear() { this.stop(); this.precinct = null; this.status = null; this.error = ""; this.message = ""; this.statusError = ""; },
  async load() {
    if (!this.precinct || !Admin.precincts.has(this.precinct)) this.precinct = [...Admin.precincts.keys()][0] || null;
    this.status = this.precinct ? await this.fetchStatus() : null;
    this.statusError = "";
  },
  path(tail = "") { return `/api/v1/precincts/${encodeURIComponent(this.precinct)}/viid${tail}`; },
  // The status carries the settings too; null when the precinct has no link yet.
  async fetchStatus() {
    const resp = await fetch(this.path("/status"), { credentials: "same-origin" });
    if (resp.status === 404) return null;
    if (resp.status === 401) { showLogin(); throw new Error(t("login")); }
    if (!resp.ok) throw new Error(Admin.refusal(resp.status, null));
    return resp.json();
  },
  showing() { return Admin.visible() && Admin.tab === "admin" && Admin.sub === "viid"; },
  start() { if (!this.timer) this.timer = setInterval(() => this.tick(), VIID_REFRESH_MS); },
  stop() { if (this.timer) clearInterval(this.timer); this.timer = null; },
  async tick() {
    if (!this.showing() || !this.precinct) { this.stop(); return; }
    const precinct = this.precinct;
    try {
      const status = await this.fetchStatus();
      if (precinct !== this.precinct) return;  // the admin picked another precinct meanwhile
      this.status = status; this.statusError = "";
    } catch (e) { this.statusError = e.message; }
    const panel = document.querySelector("#vi-status");
    if (panel && this.showing()) panel.innerHTML = this.statusHtml();
  },
  render(el) {
    const s = this.status;
    const kinds = Object.keys(I18N.zh.kind);
    const chosen = new Set(s ? s.kinds : []);
    const picking = chosen.size > 0;
    el.innerHTML = `<form id="vi-form" class="adm-form viid" novalidate>
        <label><span>${t("rt_precinct")}</span><select name="precinct">${Admin.options([...Admin.precincts], this.precinct)}</select></label>
        <label class="wide"><span>${t("vi_url")}</span><input name="url" value="${esc(s ? s.url : "")}" placeholder="http://10.36.4.2:8080" autocomplete="off"></label>
        <label class="wide"><span>${t("vi_system_id")}</span><input name="system_id" value="${esc(s ? s.system_id : "")}" maxlength="20" inputmode="numeric" autocomplete="off"></label>
        <label><span>${t("vi_username")}</span><input name="username" value="${esc(s ? s.username : "")}" maxlength="64" autocomplete="off"></label>
        <label class="wide"><span>${t("vi_password")}</span><input name="password" type="password" autocomplete="new-password" maxlength="200"
          placeholder="${t(s && s.password_set ? "vi_password_keep" : "vi_password_needed")}"></label>
        <label><span>${t("vi_keepalive")}</span><input name="keepalive_s" type="number" min="5" max="3600" step="1" value="${s ? s.keepalive_s : 60}"></label>
        <label class="check"><input name="enabled" type="checkbox"${!s || s.enabled ? " checked" : ""}> <span>${t("vi_enabled")}</span></label>
        <fieldset class="kinds"><legend>${t("vi_kinds")}</legend>
          <label class="check"><input type="radio" name="which" value="police"${picking ? "" : " checked"}> <span>${t("vi_kinds_default")}</span></label>
          <label class="check"><input type="radio" name="which" value="pick"${picking ? " checked" : ""}> <span>${t("vi_kinds_pick")}</span></label>
          <div class="kind-list">${kinds.map((k) => `<label class="check"><input type="checkbox" name="kind" value="${esc(k)}"${chosen.has(k) ? " checked" : ""}${picking ? "" : " disabled"}>
            <span>${esc(label("kind", k))}</span></label>`).join("")}</div></fieldset>
        <button type="submit" class="primary">${t("vi_save")}</button>
      </form>
      <p class="error" id="vi-error" role="alert">${esc(this.error)}</p><p class="ok" id="vi-ok">${esc(this.message)}</p>
      ${s ? `<p class="muted">${t("rt_updated")}${t("colon")}${fmtTime(s.updated_at)} · ${esc(Admin.personName(s.updated_by))}</p>` : ""}
      <section id="vi-status" class="viid-status">${this.statusHtml()}</section>`;
    const form = el.querySelector("#vi-form");
    form.elements.precinct.addEventListener("change", async () => {
      if (form.elements.precinct.value === this.precinct) return;  // nothing to reload (and no typing lost)
      this.precinct = form.elements.precinct.value; this.message = ""; this.error = ""; await Admin.refresh();
    });
    form.querySelectorAll("input[name=which]").forEach((r) => r.addEventListener("change", () => {
      const pick = form.elements.which.value === "pick";
      form.querySelectorAll("input[name=kind]").forEach((c) => { c.disabled = !pick; });
    }));
    form.addEventListener("submit", (ev) => { ev.preventDefault(); this.save(form); });
    this.start();
  },
  statusHtml() {
    const s = this.status;
    if (this.statusError) return `<p class="error" role="alert">${esc(this.statusError)}</p>`;
    if (!s) return `<p class="muted">${t("vi_none")}</p>`;
    const state = s.enabled ? s.state : "disabled";
    const tone = { registered: "st-resolved", disabled: "st-false_alarm", unregistered: "st-acknowledged",
      keepalive_refused: "st-acknowledged" }[state] || "st-new";
    const offset = s.clock_offset_s == null ? t("vi_unknown")
      : `${s.clock_offset_s >= 0 ? "+" : "−"}${Math.abs(s.clock_offset_s).toFixed(1)} ${t("seconds")}`;
    const items = [
      ["vi_last_register", s.registered_at ? fmtTime(s.registered_at) : t("vi_never")],
      ["vi_last_keepalive", s.last_keepalive_at ? fmtTime(s.last_keepalive_at) : t("vi_never")],
      ["vi_offset", offset], ["vi_pending", s.queue.pending], ["vi_sent", s.queue.delivered], ["vi_dead", s.queue.dead],
    ];
    const dead = s.dead.map((d) => `<tr><td class="when">${fmtTime(d.created_at)}</td><td>${esc(label("vi_resource", d.resource))}</td>
      <td>${d.attempts}</td><td class="reason">${esc(d.last_error)}</td></tr>`).join("");
    return `<h2>${t("vi_status")}</h2>
      <p class="link-state"><span class="state ${tone}" id="vi-state">${esc(label("vi_state", state))}</span>
        <span class="muted">${esc(label("vi_state_hint", state))}</span></p>
      <dl class="viid-facts">${items.map(([k, v]) => `<div data-k="${k}"><dt>${t(k)}</dt><dd>${esc(v)}</dd></div>`).join("")}</dl>
      <h3>${t("vi_dead_title")}</h3>
      ${s.dead.length ? `<table class="adm"><thead><tr><th>${t("vi_dead_at")}</th><th>${t("vi_dead_kind")}</th><th>${t("vi_attempts")}</th>
        <th>${t("vi_upper_said")}</th></tr></thead><tbody id="vi-dead">${dead}</tbody></table>` : `<p class="muted">${t("vi_no_dead")}</p>`}`;
  },
  // Checked here first (the API checks the same and says why in Chinese and English).
  check(f, pick, kinds) {
    if (!/^https?:\/\/\S+$/.test(f.url)) return "vi_err_url";
    if (!/^\d{20}$/.test(f.system_id)) return "vi_err_system_id";
    if (!f.username) return "vi_err_username";
    if (!f.password && !(this.status && this.status.password_set)) return "vi_err_password";
    const keep = Number(f.keepalive_s);
    if (!(keep >= 5 && keep <= 3600)) return "vi_err_keepalive_s";
    if (pick && !kinds.length) return "vi_err_kinds";
    return "";
  },
  // Words under the form without drawing it again: what the admin typed stays until it is saved.
  say(error, message) {
    this.error = error; this.message = message;
    const [e, o] = [document.querySelector("#vi-error"), document.querySelector("#vi-ok")];
    if (e) e.textContent = error;
    if (o) o.textContent = message;
  },
  async save(form) {
    const f = Object.fromEntries(["url", "system_id", "username", "password", "keepalive_s"].map((k) => [k, form.elements[k].value.trim()]));
    const pick = form.elements.which.value === "pick";
    const kinds = pick ? [...form.querySelectorAll("input[name=kind]:checked")].map((c) => c.value) : [];
    const wrong = this.check(f, pick, kinds);
    if (wrong) { this.say(t(wrong), ""); return; }
    const body = { url: f.url, system_id: f.system_id, username: f.username, kinds,
      keepalive_s: Number(f.keepalive_s), enabled: form.elements.enabled.checked };
    if (f.password) body.password = form.elements.password.value;  // empty: the stored one stays
    this.say("", t("vi_saving"));
    try {
      await this.put(body);
      this.status = await this.fetchStatus();
    } catch (e) { this.say(e.message, ""); return; }
    this.error = ""; this.message = t("vi_saved");
    Admin.render();  // the stored settings, the password field empty again
  },
  async put(body) {
    const resp = await fetch(this.path(), { method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (resp.ok) return;
    if (resp.status === 401) { showLogin(); throw new Error(t("login")); }
    const detail = (await resp.json().catch(() => ({}))).detail;
    if (Array.isArray(detail)) {  // a refused field: the API's words when it gives them, else ours
      const field = String(detail[0].loc[detail[0].loc.length - 1]);
      const said = String(detail[0].msg || "").replace(/^Value error, /, "");
      if (said.includes(" / ")) throw new Error(Admin.refusal(422, said));
      throw new Error(t(I18N.zh["vi_err_" + field] ? "vi_err_" + field : "err_failed"));
    }
    throw new Error(Admin.refusal(resp.status, detail));
  },
};

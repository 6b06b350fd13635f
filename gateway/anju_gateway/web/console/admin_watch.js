// The watch list (布控) for admins, supervisors and officers, scoped like its API, and the
// routing policy per precinct (分类处置, admins). Part of the admin pages (admin.js).
"use strict";

Admin.pages.watch = {
  entries: [], audit: null, confirming: null, error: "", message: "",
  clear() { this.entries = []; this.audit = null; this.confirming = null; this.error = ""; this.message = ""; },
  async load() { this.entries = await api("/api/v1/watchlist"); },
  // Like the API: admins and city-wide supervisors remove any entry, others their precinct's.
  mayRemove(e) {
    const u = Admin.user;
    return u.role === "admin" || (u.role === "supervisor" && !u.precinct_id) || (e.precinct_id && e.precinct_id === u.precinct_id);
  },
  render(el) {
    const u = Admin.user;
    const wide = u.role === "admin" || !u.precinct_id;
    const scopes = wide ? [["", t("wl_citywide")], ...Admin.precincts] : [[u.precinct_id, Admin.precinctName(u.precinct_id)]];
    const kinds = Object.keys(I18N.zh.watchlist_kind).map((k) => [k, label("watchlist_kind", k)]);
    const rows = this.entries.map((e) => `<tr data-id="${e.id}" class="${this.audit && this.audit.id === e.id ? "picked" : ""}">
      <td>${esc(label("watchlist_kind", e.kind))}</td><td class="value">${esc(e.display)}</td><td class="reason">${esc(e.reason)}</td>
      <td>${esc(Admin.precinctName(e.precinct_id))}</td><td class="when">${e.expires_at ? fmtTime(e.expires_at) : t("wl_no_expiry")}</td>
      <td class="by">${esc(e.created_by_name)}</td><td class="when">${fmtTime(e.created_at)}</td>
      <td class="acts"><button type="button" class="link audit">${t("wl_audit")}</button>
        ${this.mayRemove(e) ? `<button type="button" class="${this.confirming === e.id ? "danger" : "link"} remove">${t(this.confirming === e.id ? "wl_confirm" : "wl_remove")}</button>` : ""}</td></tr>`).join("");
    const a = this.audit;
    el.innerHTML = `<h2>${t("wl_title")}</h2>
      <form id="wl-form" class="adm-form">
        <label><span>${t("wl_kind")}</span><select name="kind">${Admin.options(kinds, "plate")}</select></label>
        <label><span>${t("wl_value")}</span><input name="value" maxlength="64" required autocomplete="off"></label>
        <label class="wide"><span>${t("wl_reason")}</span><input name="reason" maxlength="200" required autocomplete="off"></label>
        <label><span>${t("wl_expires")}</span><input name="expires_at" type="datetime-local"></label>
        <label><span>${t("wl_scope")}</span><select name="precinct_id">${Admin.options(scopes, wide ? "" : u.precinct_id)}</select></label>
        <button type="submit" class="primary">${t("wl_add")}</button>
      </form>
      <p class="error" id="wl-error" role="alert">${esc(this.error)}</p><p class="ok">${esc(this.message)}</p>
      <table class="adm"><thead><tr><th>${t("wl_kind")}</th><th>${t("wl_object")}</th><th>${t("wl_reason")}</th><th>${t("wl_scope")}</th>
        <th>${t("wl_expires")}</th><th>${t("wl_added_by")}</th><th>${t("wl_added_at")}</th><th>${t("actions")}</th></tr></thead>
        <tbody id="watch-rows">${rows}</tbody></table>
      ${this.entries.length ? "" : `<p class="muted">${t("wl_empty")}</p>`}
      ${a ? `<section id="wl-audit" class="audit"><h3>${t("wl_audit_of")}${esc(a.display)}
        <button type="button" class="link close">${t("close")}</button></h3><ol>${a.log.map((x) =>
          `<li><time>${fmtTime(x.at)}</time> ${esc(x.actor_name)} ${esc(label("wl_action", x.action))}${x.detail.reason ? `${t("colon")}${esc(x.detail.reason)}` : ""}</li>`).join("")}</ol></section>` : ""}`;
    const form = el.querySelector("#wl-form");
    form.addEventListener("submit", (ev) => { ev.preventDefault(); this.add(form); });
    el.querySelectorAll("tr[data-id]").forEach((tr) => {
      const entry = this.entries.find((e) => e.id === Number(tr.dataset.id));
      tr.querySelector(".audit").addEventListener("click", () => this.act(() => this.showAudit(entry)));
      tr.querySelector(".remove")?.addEventListener("click", () => this.remove(entry));
    });
    el.querySelector("#wl-audit .close")?.addEventListener("click", () => { this.audit = null; Admin.render(); });
  },
  async act(work) {
    try { await work(); this.error = ""; } catch (e) { this.error = e.message; this.message = ""; }
    Admin.render();
  },
  add(form) {
    const f = Object.fromEntries(new FormData(form));
    // The browser's local time (the duty room's) as an instant with its offset.
    const body = { kind: f.kind, value: f.value.trim(), reason: f.reason.trim(),
      expires_at: f.expires_at ? new Date(f.expires_at).toISOString() : null, precinct_id: f.precinct_id || null };
    return this.act(async () => {
      const made = await Admin.call("/api/v1/watchlist", "POST", body);
      this.message = `${t("wl_added")}${t("colon")}${made.display}`;
      await this.load();
    });
  },
  async showAudit(entry) {
    const log = await Admin.call(`/api/v1/watchlist/${entry.id}/audit`, "GET");
    this.audit = { id: entry.id, display: entry.display, log };
    Admin.render();
  },
  remove(entry) {
    if (this.confirming !== entry.id) { this.confirming = entry.id; Admin.render(); return; }
    return this.act(async () => {
      this.confirming = null;
      await Admin.call(`/api/v1/watchlist/${entry.id}`, "DELETE");
      this.message = `${t("wl_removed")}${t("colon")}${entry.display}`;
      await this.load();
      await this.showAudit(entry);  // the removal, by whom and when, stays in view
    });
  },
};

// ---- routing per precinct: alert types x police / property / both, defaults marked ----
Admin.pages.routing = {
  precinct: null, policy: null, error: "", message: "",
  clear() { this.precinct = null; this.policy = null; this.error = ""; this.message = ""; },
  async load() {
    if (!this.precinct || !Admin.precincts.has(this.precinct)) this.precinct = [...Admin.precincts.keys()][0] || null;
    this.policy = this.precinct ? await api(`/api/v1/precincts/${encodeURIComponent(this.precinct)}/routing`) : null;
  },
  render(el) {
    const p = this.policy;
    const handlers = ["police", "property", "both"];
    const rows = p ? Object.keys(p.routes).map((kind) => `<tr data-kind="${esc(kind)}" class="${p.routes[kind] !== p.defaults[kind] ? "changed" : ""}">
      <td class="kind">${esc(label("kind", kind))}${p.routes[kind] !== p.defaults[kind] ? ` <span class="tag">${t("rt_changed")}</span>` : ""}</td>
      ${handlers.map((h) => `<td class="pick ${h === p.defaults[kind] ? "default" : ""}"><label><input type="radio" name="${esc(kind)}" value="${h}"${p.routes[kind] === h ? " checked" : ""}>
        ${h === p.defaults[kind] ? `<span class="tag">${t("rt_default")}</span>` : ""}</label></td>`).join("")}</tr>`).join("") : "";
    const raise = [...Object.keys(I18N.zh.rt_raise_at).map((s) => [s, label("rt_raise_at", s)]), ["", t("rt_never")]];
    el.innerHTML = `<form id="rt-form" class="adm-form">
        <label><span>${t("rt_precinct")}</span><select name="precinct">${Admin.options([...Admin.precincts], this.precinct)}</select></label>
        <label class="wide"><span>${t("rt_raise")}</span><select name="raise_at">${Admin.options(raise, p ? p.raise_at || "" : "critical")}</select></label>
        <button type="submit" class="primary">${t("rt_save")}</button>
      </form>
      <p class="error" id="rt-error" role="alert">${esc(this.error)}</p><p class="ok" id="rt-ok">${esc(this.message)}</p>
      ${p && p.updated_at ? `<p class="muted">${t("rt_updated")}${t("colon")}${fmtTime(p.updated_at)} · ${esc(Admin.personName(p.updated_by))}</p>` : ""}
      <table class="adm routing"><thead><tr><th>${t("rt_kind")}</th>${handlers.map((h) => `<th>${esc(label("handler_names", h))}</th>`).join("")}</tr></thead>
        <tbody id="routes">${rows}</tbody></table>`;
    const form = el.querySelector("#rt-form");
    form.elements.precinct.addEventListener("change", async () => {
      this.precinct = form.elements.precinct.value; this.message = ""; await Admin.refresh();
    });
    form.addEventListener("submit", (ev) => { ev.preventDefault(); this.save(el, form); });
  },
  // Only the kinds routed unlike their default are sent: the others follow the defaults.
  async save(el, form) {
    const routes = {};
    el.querySelectorAll("#routes tr").forEach((tr) => {
      const kind = tr.dataset.kind; const chosen = tr.querySelector("input:checked").value;
      if (chosen !== this.policy.defaults[kind]) routes[kind] = chosen;
    });
    try {
      this.policy = await Admin.call(`/api/v1/precincts/${encodeURIComponent(this.precinct)}/routing`, "PUT",
        { routes, raise_at: form.elements.raise_at.value || null });
      this.error = ""; this.message = t("rt_saved");
    } catch (e) { this.error = e.message; this.message = ""; }
    Admin.render();
  },
};

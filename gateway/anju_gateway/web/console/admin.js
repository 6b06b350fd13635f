// Admin pages of the officers' console: the shell (nav entries by role, sub-pages), the users and
// roles page, compounds and enrolment codes. The watch list and routing are in admin_watch.js.
// app.js calls Admin.start(user), Admin.show(tab), Admin.render() and Admin.reset().
"use strict";

const Admin = {
  user: null, tab: null, sub: "users", pages: {},
  precincts: new Map(), compounds: [], users: new Map(),
  // Who sees which entry: the watch list like its API (admin, supervisor, officer), the rest
  // (users, compounds, routing) admins only.
  start(user) {
    this.user = user;
    $("#nav-watch").hidden = !["admin", "supervisor", "officer"].includes(user.role);
    $("#nav-admin").hidden = user.role !== "admin";
  },
  async show(tab) {
    const mine = tab === "watch" || tab === "admin";
    $("#admin-tab").hidden = !mine;
    if (!mine) return;
    this.tab = tab;
    await this.refresh(() => this.loadNames());
  },
  // Load, then draw; a failed load says so in the page instead of leaving it blank.
  async refresh(before) {
    try {
      if (before) await before();
      await this.page().load();
      this.render();
    } catch (e) {
      $("#admin-tab").innerHTML = `<p class="error" role="alert">${esc(t("err_failed"))}${t("colon")}${esc(e.message)}</p>`;
    }
  },
  page() { return this.pages[this.tab === "watch" ? "watch" : this.sub]; },
  visible() { return this.user && !$("#admin-tab").hidden; },
  render() {
    if (!this.visible()) return;
    if (this.lang !== state.lang) {  // one language per page: the last action's words go
      this.lang = state.lang;
      Object.values(this.pages).forEach((p) => { p.message = ""; p.error = ""; });
    }
    const root = $("#admin-tab");
    const subs = ["users", "compounds", "routing"];
    root.innerHTML = (this.tab === "admin" ? `<nav class="subnav">${subs.map((s) =>
      `<button type="button" data-sub="${s}" class="${s === this.sub ? "active" : ""}">${t("adm_" + s)}</button>`).join("")}</nav>` : "")
      + `<section id="adm-page" class="adm-page"></section>`;
    root.querySelectorAll("[data-sub]").forEach((b) => b.addEventListener("click", async () => {
      this.sub = b.dataset.sub; await this.refresh();
    }));
    this.page().render($("#adm-page"));
  },
  // A shared precinct PC: nothing of the last admin's pages (an enrolment code above all) stays.
  reset() {
    // Back on the alerts for whoever logs in next.
    if (document.querySelector("a.tab.active:is(#nav-watch, #nav-admin)")) document.querySelector("a.tab[data-tab=feed]").click();
    this.user = null; this.tab = null; this.sub = "users";
    this.precincts = new Map(); this.compounds = []; this.users = new Map();
    Object.values(this.pages).forEach((p) => p.clear && p.clear());
    $("#admin-tab").innerHTML = ""; $("#admin-tab").hidden = true;
    $("#nav-watch").hidden = true; $("#nav-admin").hidden = true;
  },
  async loadNames() {
    const [precincts, compounds] = await Promise.all([api("/api/v1/precincts"), api("/api/v1/compounds")]);
    this.precincts = new Map(precincts.map((p) => [p.id, p.name || p.id]));
    this.compounds = compounds;
    if (this.user.role === "admin") this.users = new Map((await api("/api/v1/users")).map((u) => [u.username, u]));
  },
  precinctName(id) { return id ? this.precincts.get(id) || id : t("wl_citywide"); },
  compoundName(id) { const c = this.compounds.find((x) => x.id === id); return c ? c.name || c.id : id; },
  personName(username) { const u = this.users.get(username); return (u && u.display_name) || username; },
  // One call; refusals as words in the page's language (the API says "中文 / English").
  async call(path, method, body) {
    const resp = await fetch(path, { method, credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body) });
    if (resp.status === 401) { showLogin(); throw new Error(t("login")); }
    const data = resp.status !== 204 && resp.headers.get("content-type")?.includes("json") ? await resp.json() : null;
    if (resp.ok) return data;
    throw new Error(this.refusal(resp.status, data && data.detail));
  },
  refusal(code, detail) {
    if (code === 403) return t("err_forbidden");
    if (Array.isArray(detail)) {
      const field = String(detail[0].loc[detail[0].loc.length - 1]);
      return t({ username: "err_username", password: "err_password", value: "err_value", reason: "err_reason" }[field] || "err_failed");
    }
    if (typeof detail === "string") { const [zh, en] = detail.split(" / "); return state.lang === "zh" || !en ? zh : en; }
    return t("err_failed");
  },
  options(pairs, selected) {
    return pairs.map(([v, text]) => `<option value="${esc(v)}"${v === selected ? " selected" : ""}>${esc(text)}</option>`).join("");
  },
};

// ---- users and roles ----
Admin.pages.users = {
  message: "", error: "", resetting: null,
  clear() { this.message = ""; this.error = ""; this.resetting = null; },
  async load() { Admin.users = new Map((await api("/api/v1/users")).map((u) => [u.username, u])); },
  place(u) {
    if (u.compound_id) return Admin.compoundName(u.compound_id);
    return u.precinct_id ? Admin.precinctName(u.precinct_id) : t("us_none");
  },
  render(el) {
    const roles = Object.keys(I18N.zh.role).map((r) => [r, label("role", r)]);
    const precincts = [["", t("us_pick_precinct")], ...Admin.precincts];
    const compounds = [["", t("us_pick_compound")], ...Admin.compounds.map((c) => [c.id, c.name || c.id])];
    const rows = [...Admin.users.values()].map((u) => `<tr class="${u.disabled ? "off" : ""}" data-user="${esc(u.username)}">
      <td class="name">${esc(u.display_name || u.username)}${u.username === Admin.user.username ? t("us_you") : ""}</td>
      <td>${esc(u.username)}</td><td>${esc(label("role", u.role))}</td><td>${esc(this.place(u))}</td>
      <td class="when">${fmtTime(u.created_at)}</td>
      <td><span class="state ${u.disabled ? "st-new" : "st-resolved"}">${t(u.disabled ? "us_disabled" : "us_active")}</span></td>
      <td class="acts"><button type="button" class="link reset">${t("us_reset")}</button>
        ${u.username === Admin.user.username ? "" : `<button type="button" class="link toggle">${t(u.disabled ? "us_enable" : "us_disable")}</button>`}</td></tr>`).join("");
    const who = this.resetting && Admin.users.get(this.resetting);
    el.innerHTML = `<h2>${t("us_new")}</h2>
      <form id="us-form" class="adm-form">
        <label><span>${t("us_username")}</span><input name="username" required autocomplete="off"></label>
        <label><span>${t("us_name")}</span><input name="display_name" autocomplete="off"></label>
        <label><span>${t("us_role")}</span><select name="role">${Admin.options(roles, "officer")}</select></label>
        <label class="for-precinct"><span>${t("us_pick_precinct")}</span><select name="precinct_id">${Admin.options(precincts, "")}</select></label>
        <label class="for-compound" hidden><span>${t("us_pick_compound")}</span><select name="compound_id">${Admin.options(compounds, "")}</select></label>
        <label><span>${t("us_password")}</span><input name="password" type="password" autocomplete="new-password" required></label>
        <button type="submit" class="primary">${t("us_create")}</button>
      </form>
      <p class="error" id="us-error" role="alert">${esc(this.error)}</p><p class="ok" id="us-ok">${esc(this.message)}</p>
      ${who ? `<form id="us-reset" class="adm-form inline"><span>${t("us_reset_for")}<b>${esc(who.display_name || who.username)}</b></span>
        <input name="password" type="password" autocomplete="new-password" placeholder="${t("us_new_password")}" required>
        <button type="submit" class="primary">${t("us_set")}</button><button type="button" class="link cancel">${t("cp_cancel")}</button></form>` : ""}
      <table class="adm"><thead><tr><th>${t("us_name")}</th><th>${t("us_username")}</th><th>${t("us_role")}</th><th>${t("us_place")}</th>
        <th>${t("us_created")}</th><th>${t("us_state")}</th><th>${t("actions")}</th></tr></thead><tbody id="users">${rows}</tbody></table>`;
    const form = el.querySelector("#us-form");
    const roleChanged = () => {
      const role = form.elements.role.value;
      form.querySelector(".for-precinct").hidden = !["officer", "supervisor"].includes(role);
      form.querySelector(".for-compound").hidden = role !== "property_manager";
      // No precinct: an officer must pick one, a supervisor without one is city-wide.
      form.elements.precinct_id.options[0].text = t(role === "supervisor" ? "wl_citywide" : "us_pick_precinct");
    };
    form.elements.role.addEventListener("change", roleChanged); roleChanged();
    form.addEventListener("submit", (ev) => { ev.preventDefault(); this.create(form); });
    el.querySelectorAll("tr[data-user]").forEach((tr) => {
      const name = tr.dataset.user;
      tr.querySelector(".reset").addEventListener("click", () => { this.resetting = name; this.message = ""; Admin.render(); });
      tr.querySelector(".toggle")?.addEventListener("click", () => this.toggle(name));
    });
    const reset = el.querySelector("#us-reset");
    if (reset) {
      reset.addEventListener("submit", (ev) => { ev.preventDefault(); this.reset(reset.elements.password.value); });
      reset.querySelector(".cancel").addEventListener("click", () => { this.resetting = null; Admin.render(); });
    }
  },
  async act(done, work) {
    try { await work(); this.error = ""; this.message = done; await this.load(); }
    catch (e) { this.error = e.message; this.message = ""; }
    Admin.render();
  },
  create(form) {
    const f = Object.fromEntries(new FormData(form));
    const role = f.role;
    const body = { username: f.username.trim(), display_name: f.display_name.trim(), role, password: f.password,
      precinct_id: ["officer", "supervisor"].includes(role) && f.precinct_id ? f.precinct_id : null,
      compound_id: role === "property_manager" && f.compound_id ? f.compound_id : null };
    if (body.compound_id) body.precinct_id = Admin.compounds.find((c) => c.id === body.compound_id)?.precinct_id || null;
    return this.act(`${t("us_created_ok")}${t("colon")}${body.display_name || body.username}`,
      () => Admin.call("/api/v1/users", "POST", body));
  },
  reset(password) {
    const name = this.resetting;
    return this.act(t("us_done_reset"), async () => {
      await Admin.call(`/api/v1/users/${encodeURIComponent(name)}/password`, "POST", { password });
      this.resetting = null;
    });
  },
  toggle(name) {
    const u = Admin.users.get(name);
    return this.act("", () => Admin.call(`/api/v1/users/${encodeURIComponent(name)}/enabled`, "PUT", { enabled: u.disabled }));
  },
};

// ---- compounds, precincts and enrolment codes ----
Admin.pages.compounds = {
  editing: null, code: null, error: "", message: "",  // code: shown once, gone on leaving the page
  clear() { this.editing = null; this.code = null; this.error = ""; this.message = ""; },
  async load() { this.code = null; },
  render(el) {
    const count = (p) => Admin.compounds.filter((c) => c.precinct_id === p).length;
    const edit = (name) => `<input name="name" value="${esc(name)}" maxlength="100" required>
      <button type="submit" class="primary">${t("cp_save")}</button><button type="button" class="link cancel">${t("cp_cancel")}</button>`;
    const precinctRows = [...Admin.precincts].map(([id, name]) => `<tr data-key="p:${esc(id)}">
      <td class="name">${this.editing === "p:" + id ? `<form class="rename">${edit(name)}</form>` : esc(name)}</td>
      <td>${count(id)}</td><td class="acts"><button type="button" class="link rename-btn">${t("cp_rename")}</button></td></tr>`).join("");
    const ttl = Object.keys(I18N.zh.ttl).map((m) => [m, label("ttl", m)]);
    const compoundRows = Admin.compounds.map((c) => `<tr data-key="c:${esc(c.id)}" data-id="${esc(c.id)}">
      <td class="name">${this.editing === "c:" + c.id ? `<form class="rename">${edit(c.name)}</form>` : esc(c.name || c.id)}</td>
      <td>${esc(Admin.precinctName(c.precinct_id))}</td>
      <td class="acts"><button type="button" class="link rename-btn">${t("cp_rename")}</button>
        <select name="ttl" aria-label="${t("cp_ttl")}">${Admin.options(ttl, "1440")}</select>
        <button type="button" class="issue">${t("cp_issue")}</button></td></tr>`).join("");
    el.innerHTML = `${this.code ? `<p class="code-once" id="enrol-code">${t("cp_code_for")}<b class="code">${esc(this.code.code)}</b>
        · ${esc(Admin.compoundName(this.code.compound_id))} · ${t("cp_expires")} ${fmtTime(this.code.expires_at)}</p>` : ""}
      <p class="error" id="cp-error" role="alert">${esc(this.error)}</p><p class="ok">${esc(this.message)}</p>
      <h2>${t("adm_compounds")}</h2>
      <table class="adm"><thead><tr><th>${t("cp_name")}</th><th>${t("cp_precinct")}</th><th>${t("actions")}</th></tr></thead>
        <tbody id="compounds">${compoundRows}</tbody></table>
      ${Admin.compounds.length ? "" : `<p class="muted">${t("cp_empty")}</p>`}
      <h2>${t("rt_precinct")}</h2>
      <table class="adm narrow"><thead><tr><th>${t("rt_precinct")}</th><th>${t("cp_count")}</th><th>${t("actions")}</th></tr></thead>
        <tbody id="precincts">${precinctRows}</tbody></table>`;
    el.querySelectorAll("tr[data-key]").forEach((tr) => {
      const key = tr.dataset.key;
      tr.querySelector(".rename-btn").addEventListener("click", () => { this.editing = key; Admin.render(); });
      tr.querySelector(".cancel")?.addEventListener("click", () => { this.editing = null; Admin.render(); });
      tr.querySelector("form.rename")?.addEventListener("submit", (ev) => { ev.preventDefault(); this.rename(key, ev.target.elements.name.value.trim()); });
      tr.querySelector(".issue")?.addEventListener("click", () => this.issue(tr.dataset.id, Number(tr.querySelector("select[name=ttl]").value)));
    });
    el.querySelector("form.rename input")?.focus();
  },
  async act(work) {
    try { await work(); this.error = ""; } catch (e) { this.error = e.message; this.message = ""; }
    Admin.render();
  },
  rename(key, name) {
    const [what, id] = [key.slice(0, 1), key.slice(2)];
    return this.act(async () => {
      if (what === "p") await Admin.call(`/api/v1/precincts/${encodeURIComponent(id)}`, "PUT", { name });
      else {
        const c = Admin.compounds.find((x) => x.id === id);
        await Admin.call(`/api/v1/compounds/${encodeURIComponent(id)}`, "PUT", { id, name, precinct_id: c.precinct_id });
      }
      this.editing = null; this.message = `${t("cp_saved")}${t("colon")}${name}`;
      await Admin.loadNames();
    });
  },
  issue(compoundId, minutes) {
    return this.act(async () => {
      this.code = await Admin.call("/api/v1/enrol-codes", "POST", { compound_id: compoundId, ttl_minutes: minutes });
      this.message = "";
    });
  },
};

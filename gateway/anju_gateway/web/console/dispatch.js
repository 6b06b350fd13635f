// Dispatch names a target (派警对象): picked from the precinct's officers (GET
// /api/v1/dispatch-targets, by name) or typed freely (a unit: 巡逻一组). History lines show
// whom an alert was dispatched to, and a closing's resolution, in words.
"use strict";

const dispatchTargets = new Map();  // compound id -> the precinct's officers, for the session

// The form's target field, shown where 派警 is offered; its suggestions arrive a moment later.
function dispatchField() {
  return `<input name="target" list="dispatch-targets" maxlength="64" autocomplete="off"
    placeholder="${esc(t("target_hint"))}" aria-label="${esc(t("target"))}"><datalist id="dispatch-targets"></datalist>`;
}
async function fillTargets(a) {
  if (!dispatchTargets.has(a.compound_id)) {
    const answer = await api(`/api/v1/dispatch-targets?compound_id=${encodeURIComponent(a.compound_id)}`);
    dispatchTargets.set(a.compound_id, answer.targets);
  }
  const list = document.querySelector("#dispatch-targets"); if (!list) return;
  list.innerHTML = dispatchTargets.get(a.compound_id)
    .map((p) => `<option value="${esc(p.name)}">${esc(label("role", p.role))}</option>`).join("");
}
// The dispatch request's target, or null (and the form says so) when none is named.
function dispatchTarget(form) {
  const target = form.elements.target?.value.trim() || "";
  if (target) return target;
  $("#act-error").textContent = t("need_target");
  form.elements.target?.focus();
  return null;
}
// "[王伟] 速到北门" (dispatch) and "[handled] 门锁已修复" (resolve) as the audit keeps them, in words.
function taggedNote(e) {
  const m = /^\[([^\]]+)\]\s*([\s\S]*)$/.exec(e.note || "");
  if (!m) return null;
  let head = null;
  if (e.action === "dispatch") head = t("dispatch_to").replace("{who}", m[1]);
  else if (e.action === "resolve" || e.action === "false_alarm") head = label("res", m[1]);
  return head === null ? null : [head, m[2]].filter(Boolean).join(" · ");
}

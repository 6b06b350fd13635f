// Outages (设备离线): one open alert per device and outage kind. A repeat while it is open is
// counted on it (2 次), and a device back online marks it 已恢复 with the time (docs/lifecycle.md).
"use strict";

// The row's outage line: how many times, and when the device came back; "" for other alerts.
function outageLine(a) {
  const parts = [];
  if ((a.occurrences || 1) > 1) parts.push(`<span class="times">${esc(t("times").replace("{n}", a.occurrences))}</span>`);
  const back = a.details && a.details.cleared_at;
  if (back) parts.push(`<span class="recovered">${esc(t("cleared"))} <time>${fmtTime(back)}</time></span>`);
  return parts.length ? `<div class="outage">${parts.join(" ")}</div>` : "";
}
// The detail's count of occurrences and the latest one's time (已恢复 is a labelled detail).
function outageRows(a) {
  if ((a.occurrences || 1) <= 1) return "";
  const latest = a.last_ts ? `<dt>${t("latest")}</dt><dd id="detail-latest">${fmtTime(a.last_ts)}</dd>` : "";
  return `<dt>${t("occurrences")}</dt><dd id="detail-occurrences">${esc(t("times").replace("{n}", a.occurrences))}</dd>${latest}`;
}
// History notes the gateway writes for outages, in the page's language: 第 N 次, 设备恢复在线.
function outageNote(a, e, events) {
  if (e.action === "occurrence") {
    const n = events.slice(0, events.indexOf(e) + 1).filter((x) => x.action === "occurrence").length + 1;
    return t("occurrence_n").replace("{n}", n);
  }
  if (e.action === "cleared") return t(a.kind === "edge_offline" ? "beats_back" : "back_online");
  if (e.action === "resolve" && e.actor === "system") return t("auto_closed");
  return null;
}

// Urgency: which alert a duty officer answers first, the header counters and the tab title.
// Pure functions of the alerts and the time, so the order is the same in every browser.
"use strict";

const NEAR_S = 30;          // under 30 s left ...
const NEAR_FRACTION = 0.2;  // ... or under 20 % of the clock's window left: 即将超时
const SEV_RANK = { critical: 0, high: 1, normal: 2, low: 3 };
const CLOSED = ["resolved", "false_alarm"];

// The police clock running on the alert now (acknowledge while new, close while open), or null.
function runningClock(a) {
  const x = a.extra || {};
  if (a.state === "new" && x.ack_due_at) return { kind: "ack", due: x.ack_due_at, breached: x.ack_breached_at };
  if (["acknowledged", "dispatched"].includes(a.state) && x.close_due_at) {
    return { kind: "close", due: x.close_due_at, breached: x.close_breached_at };
  }
  return null;
}

// level: breached, near, ok, or none (no police clock running); left in seconds.
function urgency(a, now) {
  const clock = runningClock(a);
  if (!clock) return { level: "none", left: Infinity, clock: null };
  const due = Date.parse(clock.due);
  const left = (due - now) / 1000;
  const window = (due - Date.parse(a.received_at)) / 1000;
  let level = "ok";
  if (clock.breached || left < 0) level = "breached";
  else if (left < NEAR_S || (window > 0 && left < NEAR_FRACTION * window)) level = "near";
  return { level, left, clock };
}

// Breached first, then the least time left on the running clock, then severity; then alerts
// with no police clock (still open before closed), newest received first.
function group(a, u) {
  if (u.level === "breached") return 0;
  if (u.level !== "none") return 1;
  return CLOSED.includes(a.state) ? 3 : 2;
}
function byUrgency(now) {
  return (a, b) => {
    const ua = urgency(a, now), ub = urgency(b, now);
    const ga = group(a, ua), gb = group(b, ub);
    if (ga !== gb) return ga - gb;
    if (ga <= 1 && ua.left !== ub.left) return ua.left - ub.left;
    const sev = (SEV_RANK[a.severity] ?? 9) - (SEV_RANK[b.severity] ?? 9);
    if (ga <= 1 && sev !== 0) return sev;
    const ra = a.received_at || a.ts, rb = b.received_at || b.ts;
    if (ra !== rb) return ra < rb ? 1 : -1;
    return a.id < b.id ? 1 : -1;
  };
}

// 待签收 (new, on a police clock), 即将超时 and 已超时 among the running police clocks.
function counters(alerts, now) {
  const out = { pending: 0, near: 0, breached: 0 };
  for (const a of alerts) {
    const u = urgency(a, now);
    if (a.state === "new" && u.clock) out.pending += 1;
    if (u.level === "near") out.near += 1;
    if (u.level === "breached") out.breached += 1;
  }
  return out;
}

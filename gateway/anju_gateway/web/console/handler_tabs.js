// 分类处置 tabs over the list: 全部, 公安处置 (police- and both-routed alerts: the ones the police
// clocks run on) and 物业处置 (property-routed: door held open, fire lane, e-bike indoors, device
// offline — the property's to handle at the gate console, read-only here). Each tab says how many
// of its alerts are still open, so property work piling up is seen without mixing it in.
"use strict";

const HANDLER_TABS = ["all", "police", "property"];
const handlerTab = { current: "all" };

const isProperty = (a) => a.handler === "property";
function inHandlerTab(a) {
  if (handlerTab.current === "police") return !isProperty(a);
  if (handlerTab.current === "property") return isProperty(a);
  return true;
}

// Open alerts per tab, among those the other filters let through.
function handlerCounts(alerts) {
  const out = { all: 0, police: 0, property: 0 };
  for (const a of alerts) {
    if (CLOSED.includes(a.state)) continue;
    out.all += 1;
    out[isProperty(a) ? "property" : "police"] += 1;
  }
  return out;
}

function renderHandlerTabs(alerts) {
  const counts = handlerCounts(alerts);
  for (const key of HANDLER_TABS) {
    const button = document.querySelector(`#handler-tabs [data-handler=${key}]`);
    if (!button) continue;
    const on = key === handlerTab.current;
    button.classList.toggle("active", on);
    button.setAttribute("aria-selected", String(on));
    button.querySelector("span").textContent = t(`tab_${key}`);
    button.querySelector("b").textContent = counts[key];
  }
}

function chooseHandlerTab(key, render) {
  if (!HANDLER_TABS.includes(key)) return;
  handlerTab.current = key;
  render();
}

// Paging past the first 200 alerts: older ones 200 at a time from GET /api/v1/alerts?before=
// (the cursor the last page gave, next_before), by the button at the foot of the list or by
// scrolling to it. A change of the filters starts over (app.js loadAlerts resets the cursor).
"use strict";

const paging = { next: null, generation: 0, loading: false };

// Called by loadAlerts with the first page's cursor: a new list, a new generation, from the top.
function resetPaging(next) {
  paging.next = next; paging.generation += 1; paging.loading = false;
  alertList.scrollTop = 0;
}

// The list's last item: how many are shown, and the button for older ones while there are any.
function moreItem(shown) {
  if (!paging.next) return "";
  const label = paging.loading ? t("loading") : t("load_more");
  return `<li class="more"><span class="muted">${esc(t("shown").replace("{n}", shown))}</span>
    <button type="button" class="link" id="more" ${paging.loading ? "disabled" : ""}>${esc(label)}</button></li>`;
}

async function loadMore() {
  if (!paging.next || paging.loading) return;
  const generation = paging.generation;
  paging.loading = true; renderList();
  const params = filterParams(); params.set("before", paging.next);
  try {
    const page = await api("/api/v1/alerts?" + params);
    if (generation !== paging.generation) return;  // the filters changed meanwhile
    for (const a of page.alerts) if (!state.alerts.has(a.id)) state.alerts.set(a.id, a);
    paging.next = page.next_before;
    learnPlaces(page.alerts);
  } finally {
    if (generation === paging.generation) { paging.loading = false; renderList(); }
  }
}

// Loaded before app.js (whose first render calls moreItem): the rest of it is called later.
const alertList = document.querySelector("#alerts");
alertList.addEventListener("click", (ev) => { if (ev.target.closest("#more")) loadMore(); });
// Infinite scroll: reaching the foot of the list loads the next page.
alertList.addEventListener("scroll", () => {
  if (alertList.scrollTop + alertList.clientHeight >= alertList.scrollHeight - 40) loadMore();
});

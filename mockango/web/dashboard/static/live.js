// mockango dashboard: live lists. Every element with [data-live] and an id is refreshed in
// place: the page is fetched again (same URL, so its paging and filters stay) and the
// element is swapped for its new version when that differs. Server-rendered, so each list
// looks exactly as on a reload; nothing here runs the fetched page's scripts.
"use strict";

const LIVE_MS = 1000;

async function refreshLiveLists() {
  const lists = document.querySelectorAll("[data-live][id]");
  if (!lists.length || document.hidden) return;
  const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
  if (!response.ok) throw new Error(`${window.location.href}: HTTP ${response.status}`);
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const list of lists) {
    const next = fresh.getElementById(list.id);
    if (next && next.innerHTML !== list.innerHTML) {
      list.replaceWith(document.adoptNode(next));
    }
  }
}

function liveLists() {
  if (!document.querySelector("[data-live][id]")) return;
  const tick = async () => {
    try { await refreshLiveLists(); } catch (err) { console.warn(err); }
    setTimeout(tick, LIVE_MS);
  };
  setTimeout(tick, LIVE_MS);
}

document.addEventListener("DOMContentLoaded", liveLists);

// mockango dashboard: the only script. Keeps live lights and session logs fresh by
// polling the control API (same-origin, the sign-in cookie authenticates), reloads
// the run dialog when its plugin or project changes, and confirms deletes.
"use strict";

const POLL_MS = 500;
const POLL_ENDED_MS = 2000;

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function setLight(el, live) {
  el.className = "light " + (live ? "live" : "offline");
  el.textContent = live ? "live" : "offline";
}

// Plugin lights: any [data-poll-plugins] block with [data-plugin] rows.
function pollPlugins() {
  if (!document.querySelector("[data-poll-plugins]")) return;
  const tick = async () => {
    try {
      const { plugins } = await getJSON("/api/plugins");
      const live = new Map(plugins.map((p) => [p._id, p.live]));
      document.querySelectorAll("[data-plugin]").forEach((row) => {
        const light = row.querySelector(".light");
        if (light && live.has(row.dataset.plugin)) setLight(light, live.get(row.dataset.plugin));
      });
    } catch (err) { console.warn(err); }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
}

// Session page: poll the session while it runs; append new log lines, update status and outcome.
// Each poll asks only for the lines not shown yet (?logsFrom=), so it costs the same however long the log.
function pollSession() {
  const root = document.querySelector("[data-poll-session]");
  if (!root) return;
  const log = document.getElementById("log");
  const empty = log.querySelector(".empty");
  let shown = log.querySelectorAll(".line").length;

  const field = (name) => root.querySelector(`[data-field="${name}"]`);
  const stamp = (iso) => (iso ? iso.slice(0, 10) + " " + iso.slice(11, 23) : "—");
  const muted = (text) => { const s = document.createElement("span"); s.className = "muted"; s.textContent = text; return s; };

  const render = (s) => {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    for (const entry of s.logs) {  // only the lines from `shown` on: asked with ?logsFrom=
      const line = document.createElement("div");
      line.className = "line " + String(entry.level || "").toLowerCase() + (entry.late ? " late" : "");
      const parts = [["time", (entry.time || "").slice(11, 23)], ["level", entry.level], ["msg", entry.msg]];
      if (entry.late) parts.splice(2, 0, ["late-tag", "late"]);
      for (const [cls, text] of parts) {
        const span = document.createElement("span");
        span.className = cls;
        span.textContent = text == null ? "" : String(text);
        line.append(span, " ");
      }
      log.insertBefore(line, empty);
    }
    shown += s.logs.length;
    if (shown) empty.hidden = true;
    if (atBottom) log.scrollTop = log.scrollHeight;

    const status = root.querySelector("[data-status]");
    status.className = "status " + s.status;
    status.textContent = s.status;
    field("endedAt").textContent = stamp(s.endedAt);
    field("imports").textContent = String(s.imports.length);
    const message = field("message");
    message.replaceChildren(s.message == null ? muted("—")
      : document.createTextNode(typeof s.message === "string" ? s.message : JSON.stringify(s.message)));
    const reason = field("reason");
    if (s.reason) {
      // A cancel is someone's choice, not an error of the run: its reason is not shown as one.
      const span = document.createElement("span");
      span.className = s.status === "cancelled" ? "" : "error"; span.textContent = s.reason;
      reason.replaceChildren(span);
    } else reason.replaceChildren(muted("—"));
    renderLateAnswers(root, s.lateAnswers || []);
    const cancel = document.getElementById("cancel-form");
    if (cancel) cancel.hidden = s.status !== "running";
  };

  const tick = async () => {
    let running = true;
    try {
      const s = await getJSON(`${root.dataset.api}?logsFrom=${shown}`);
      render(s);
      running = s.status === "running";
    } catch (err) { console.warn(err); }
    // After the end, slower: lines and answers that come late are still shown.
    setTimeout(tick, running ? POLL_MS : POLL_ENDED_MS);
  };
  setTimeout(tick, POLL_MS);
}

function renderLateAnswers(root, answers) {
  const list = root.querySelector('[data-field="lateAnswers"]');
  if (!list || list.children.length === answers.length) return;
  list.replaceChildren(...answers.map((a) => {
    const item = document.createElement("li");
    item.className = "late-answer";
    const tag = document.createElement("span"); tag.className = "late-tag"; tag.textContent = "late";
    const time = document.createElement("code"); time.textContent = (a.time || "").slice(11, 23);
    const text = document.createElement("span");
    if (a.error) { text.className = "error"; text.textContent = typeof a.error === "string" ? "error: " + a.error : "error"; }
    else if (a.response !== undefined && a.response !== null) text.textContent = typeof a.response === "string" ? a.response : JSON.stringify(a.response);
    else if (a.message !== undefined && a.message !== null) text.textContent = "message: " + (typeof a.message === "string" ? a.message : JSON.stringify(a.message));
    else { text.className = "muted"; text.textContent = "no response"; }
    item.append(tag, " ", time, " ", text);
    return item;
  }));
  document.getElementById("late-answers").hidden = answers.length === 0;
}

// Run dialog: picking another plugin or project reloads the dialog (class mapping, config).
function runDialog() {
  const form = document.getElementById("run-form");
  if (!form) return;
  form.querySelectorAll("select[data-reload]").forEach((select) => {
    select.addEventListener("change", () => {
      const params = new URLSearchParams({ plugin: form.plugin.value, project: form.project.value });
      window.location.assign(form.action + "?" + params);
    });
  });
}

// Create-a-plugin form: the type decides the fields. Class names only for the types that take them;
// the Default config follows the type's example unless the user has written one of their own.
function createForm() {
  const form = document.getElementById("create-form");
  if (!form) return;
  const type = form.querySelector("#type");
  const config = form.querySelector("#defaultConfig");
  const classes = form.querySelector("#class-names-field");
  const example = () => type.selectedOptions[0].dataset.config || "";
  let shownExample = example();
  type.addEventListener("change", () => {
    const takesClasses = type.selectedOptions[0].dataset.classes === "yes";
    classes.hidden = !takesClasses;
    form.querySelector("#classNames").disabled = !takesClasses;
    if (config.value.trim() === "" || config.value.trim() === shownExample.trim()) config.value = example();
    shownExample = example();
  });
}

// Copy buttons: [data-copy] copies the text of the element with that id; the button says so.
// One listener on the document, so buttons inside live lists (swapped on refresh) keep working.
function copyButtons() {
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(source.textContent);
    } catch (err) {  // no clipboard here (e.g. plain http on another name): select it to copy by hand
      const range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      button.textContent = "Selected: press Ctrl+C";
      return;
    }
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  });
}

function confirmForms() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  pollPlugins();
  pollSession();
  runDialog();
  createForm();
  copyButtons();
  confirmForms();
});

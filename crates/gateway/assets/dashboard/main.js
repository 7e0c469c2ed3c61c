// The dashboard page: reads who the caller is (/v1/whoami, asking for an API key when the
// gateway has keys), then the stats and one page of shares for the view in the URL; more
// pages on request. `document.body.dataset` tells tests and scripts where it is: `state`
// (loading / ready / error / key), `loads` (views rendered so far); the first screen sets the
// performance mark `unishare:first-screen`.

import * as api from "./api.js";
import { askKey } from "./dialogs.js";
import { el, replace, count, toast } from "./dom.js";
import * as charts from "./charts.js";
import * as tiles from "./tiles.js";
import * as table from "./table.js";
import * as urlState from "./url-state.js";
import { wireRows, wireBulk, wireCsv } from "./actions.js";

const $ = (id) => document.getElementById(id);
const PAGE = 50;

const page = {
  who: null,
  view: urlState.read(),
  cursor: null,
  shares: new Map(),
  generation: 0,
  refreshBulk: () => {},
  updateCsv: () => {},
};

const canWrite = () => !!page.who && page.who.scopes.includes("write");

function setState(s) {
  document.body.dataset.state = s;
}

function showError(err) {
  const box = $("error");
  if (!err) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.textContent = "The gateway refused this request: " + err.message;
  box.hidden = false;
}

/** The sync banner: accounts that are not fresh, and any that could not be read, so that a
 * missing account never looks like zero links. */
function showSync(resp) {
  const lines = [];
  for (const a of resp.accounts || []) {
    if (a.state === "stale") lines.push(`${a.account}: stale data (synced ${a.synced_at || "never"}), refreshing`);
    if (a.state === "syncing") lines.push(`${a.account}: first sync still running`);
    if (a.state === "failed") lines.push(`${a.account}: sync failed`);
  }
  for (const e of resp.errors || []) lines.push(`${e.account} (${e.provider}) could not be read: ${e.detail}`);
  if (resp.partial) lines.unshift("Partial results: some accounts are missing from these numbers.");
  const banner = $("banner");
  replace(banner, lines.map((l) => el("p", {}, l)));
  banner.hidden = lines.length === 0;
  banner.dataset.partial = resp.partial ? "true" : "false";
}

function listParams(cursor) {
  const p = new URLSearchParams(page.view);
  if (!p.has("limit")) p.set("limit", String(PAGE));
  if (cursor) p.set("cursor", cursor);
  return p;
}

function showCount(resp) {
  $("count").textContent = `Showing ${count(page.shares.size)} of ${count(resp.total)} links`;
  $("count").dataset.total = String(resp.total);
  page.cursor = resp.next_cursor;
  $("more").hidden = !resp.next_cursor;
}

function appendRows(resp) {
  const rows = $("rows");
  for (const s of resp.shares) {
    page.shares.set(s.id, s);
    rows.append(table.row(s, canWrite()));
  }
}

/** Loads the stats and the first page of the current view. */
async function load() {
  const generation = ++page.generation;
  document.body.dataset.busy = "1";
  showError(null);
  const view = page.view;
  table.showSort($("shares"), view.get("sort") || "created_at", view.get("order") || "desc");
  page.updateCsv();
  try {
    const [stats, list] = await Promise.all([
      api.get("/v1/stats", urlState.filtersOf(view)),
      api.get("/v1/shares", listParams(null)),
    ]);
    if (generation !== page.generation) return;
    tiles.render($("tiles"), stats);
    charts.months($("chart-months"), stats.created_by_month);
    charts.groups($("chart-groups"), stats);
    page.shares.clear();
    replace($("rows"));
    appendRows(list);
    if (list.shares.length === 0) $("rows").append(table.message("No share links match these filters."));
    showSync(list);
    showCount(list);
    page.refreshBulk();
    setState("ready");
    if (!performance.getEntriesByName("unishare:first-screen").length) {
      performance.mark("unishare:first-screen");
    }
  } catch (err) {
    if (generation !== page.generation) return;
    if (err instanceof api.AuthError) return reauth("The key was refused: enter another.");
    showError(err);
    page.shares.clear();
    replace($("rows"), table.message("Nothing to show: " + err.message));
    $("count").textContent = "";
    $("more").hidden = true;
    setState("error");
  } finally {
    if (generation === page.generation) {
      document.body.dataset.busy = "0";
      document.body.dataset.loads = String(Number(document.body.dataset.loads) + 1);
    }
  }
}

async function more() {
  if (!page.cursor) return;
  document.body.dataset.busy = "1";
  try {
    const list = await api.get("/v1/shares", listParams(page.cursor));
    appendRows(list);
    showCount(list);
  } catch (err) {
    if (err instanceof api.AuthError) return reauth("The key was refused: enter another.");
    showError(err);
  } finally {
    document.body.dataset.busy = "0";
    document.body.dataset.loads = String(Number(document.body.dataset.loads) + 1);
  }
}

/** Puts the view's values into the filter controls. */
function showView() {
  for (const input of $("filters").querySelectorAll("[data-param]")) {
    const v = page.view.get(input.dataset.param) || "";
    input.value = input.type === "date" ? urlState.dateOf(v) : v;
  }
}

/** The view the filter controls describe (sort and page size kept). */
function viewFromControls() {
  const view = new URLSearchParams();
  for (const input of $("filters").querySelectorAll("[data-param]")) {
    const v = input.type === "date" ? urlState.rfc3339Of(input.value) : input.value.trim();
    if (v) view.set(input.dataset.param, v);
  }
  for (const k of urlState.LIST_ONLY) if (page.view.get(k)) view.set(k, page.view.get(k));
  return view;
}

function go(view) {
  page.view = view;
  urlState.write(view);
  return load();
}

function sortBy(key) {
  const view = new URLSearchParams(page.view);
  const current = view.get("sort") || "created_at";
  const order = view.get("order") || "desc";
  view.set("sort", key);
  view.set("order", current === key ? (order === "asc" ? "desc" : "asc") : urlState.SORT_DEFAULT_ORDER[key]);
  return go(view);
}

async function fillAccounts() {
  const { accounts } = await api.get("/v1/accounts");
  const providers = [...new Set(accounts.map((a) => a.provider))];
  const provider = $("f-provider");
  const account = $("f-account");
  replace(provider, el("option", { value: "" }, "any"), providers.map((p) => el("option", { value: p }, p)));
  replace(
    account,
    el("option", { value: "" }, "any"),
    accounts.map((a) => el("option", { value: a.account }, `${a.account} (${a.provider})`)),
  );
}

function showWho() {
  const who = page.who;
  $("who-name").textContent = who.keys_required ? `key: ${who.key} (${who.scopes.join(", ")})` : "no API keys (loopback)";
  $("sign-out").hidden = !who.keys_required;
  for (const node of document.querySelectorAll("[data-write]")) node.hidden = !canWrite();
}

async function reauth(message) {
  api.clearKey();
  setState("key");
  api.setKey(await askKey(message));
  return start();
}

/** Reads who the caller is, then the view. */
async function start() {
  try {
    page.who = await api.get("/v1/whoami");
  } catch (err) {
    if (err instanceof api.AuthError) {
      return reauth(api.key() ? "The key was refused: enter another." : "");
    }
    showError(err);
    setState("error");
    return;
  }
  showWho();
  try {
    await fillAccounts();
  } catch (err) {
    if (err instanceof api.AuthError) return reauth("The key was refused: enter another.");
    showError(err);
  }
  showView();
  return load();
}

function wire() {
  $("filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    go(viewFromControls());
  });
  for (const input of $("filters").querySelectorAll("select, input[type=date]")) {
    input.addEventListener("change", () => go(viewFromControls()));
  }
  $("reset").addEventListener("click", () => {
    const view = new URLSearchParams();
    for (const k of urlState.LIST_ONLY) if (page.view.get(k)) view.set(k, page.view.get(k));
    page.view = view;
    showView();
    go(view);
  });
  for (const th of $("shares").querySelectorAll("th[data-sort] button")) {
    th.addEventListener("click", () => sortBy(th.parentElement.dataset.sort));
  }
  $("more").addEventListener("click", more);
  $("sign-out").addEventListener("click", () => reauth(""));
  window.addEventListener("popstate", () => {
    page.view = urlState.read();
    showView();
    load();
  });
  const after = () => load();
  wireRows($("rows"), (id) => page.shares.get(id), after, showError);
  page.refreshBulk = wireBulk($("rows"), $("bulk-revoke"), $("select-all"), after, showError);
  page.updateCsv = wireCsv(
    $("csv"),
    () => {
      const p = urlState.filtersOf(page.view);
      p.set("format", "csv");
      for (const k of ["sort", "order"]) if (page.view.get(k)) p.set(k, page.view.get(k));
      return p;
    },
    () => !!page.who && page.who.keys_required,
    showError,
  );
}

wire();
start().catch((err) => {
  showError(err);
  toast(String(err));
  setState("error");
});

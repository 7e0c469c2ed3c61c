// What the buttons do: copy a link, extend an expiry, revoke one or the selected links (each
// after a confirmation), download the current view as CSV. Every write reloads the view.

import * as api from "./api.js";
import { confirm, newExpiry } from "./dialogs.js";
import { toast } from "./dom.js";
import { selected } from "./table.js";

/** Largest batch of POST /v1/shares/revoke. */
const MAX_BATCH = 1000;

async function copy(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-http origins have no clipboard API: copy through a selected, off-screen text box.
  const box = document.createElement("textarea");
  box.value = text;
  box.setAttribute("readonly", "");
  box.className = "offscreen";
  document.body.append(box);
  box.select();
  document.execCommand("copy");
  box.remove();
}

/** Revokes `ids` in batches; resolves with { revoked, failed: [{id, detail}] }. */
export async function revoke(ids) {
  if (ids.length === 1) {
    await api.send("DELETE", "/v1/shares/" + encodeURIComponent(ids[0]));
    return { revoked: 1, failed: [] };
  }
  const out = { revoked: 0, failed: [] };
  for (let i = 0; i < ids.length; i += MAX_BATCH) {
    const r = await api.send("POST", "/v1/shares/revoke", { ids: ids.slice(i, i + MAX_BATCH) });
    out.revoked += r.revoked;
    for (const x of r.results) {
      if (x.status !== "revoked") out.failed.push({ id: x.id, detail: x.error ? x.error.detail : "" });
    }
  }
  return out;
}

function report(r) {
  const failed = r.failed.map((f) => `${f.id}: ${f.detail}`).join("; ");
  toast(`Revoked ${r.revoked}` + (r.failed.length ? `, ${r.failed.length} failed (${failed})` : ""));
}

/** Wires the row buttons of `tbody`. `shareOf(id)` finds a loaded share; `after()` reloads;
 * `fail(err)` shows an error. */
export function wireRows(tbody, shareOf, after, fail) {
  tbody.addEventListener("click", async (ev) => {
    const button = ev.target.closest("[data-action]");
    if (!button) return;
    const share = shareOf(button.closest("tr").dataset.id);
    if (!share) return;
    try {
      switch (button.dataset.action) {
        case "copy":
          await copy(share.url);
          toast("Link copied");
          break;
        case "extend": {
          const at = await newExpiry(share);
          if (!at) return;
          await api.send("PATCH", "/v1/shares/" + encodeURIComponent(share.id), { expires_at: at });
          toast(`Expiry of ${share.name} set to ${at}`);
          await after();
          break;
        }
        case "revoke":
          if (!(await confirm("Revoke link", `Revoke "${share.name}" (${share.id})? The link stops working at once.`))) return;
          report(await revoke([share.id]));
          await after();
          break;
        default:
          return;
      }
    } catch (err) {
      fail(err);
    }
  });
}

/** Wires the bulk revoke button and the select-all box. */
export function wireBulk(tbody, button, selectAll, after, fail) {
  const refresh = () => {
    const n = selected(tbody).length;
    button.disabled = n === 0;
    button.textContent = n ? `Revoke selected (${n})` : "Revoke selected";
  };
  tbody.addEventListener("change", refresh);
  selectAll.addEventListener("change", () => {
    for (const box of tbody.querySelectorAll("input.row-select")) box.checked = selectAll.checked;
    refresh();
  });
  button.addEventListener("click", async () => {
    const ids = selected(tbody);
    if (!ids.length) return;
    if (!(await confirm("Revoke links", `Revoke ${ids.length} selected links? They stop working at once.`))) return;
    try {
      report(await revoke(ids));
    } catch (err) {
      fail(err);
    }
    selectAll.checked = false;
    await after();
    refresh();
  });
  return refresh;
}

/** Points the CSV link at the export of the current view; returns the function that re-points
 * it after the view changes. With an API key the browser cannot send the header on a plain
 * link: the click fetches the file with it instead. */
export function wireCsv(link, params, needsKey, fail) {
  const update = () => {
    link.href = api.url("/v1/export", params());
  };
  update();
  link.addEventListener("click", async (ev) => {
    update();
    if (!needsKey()) return;
    ev.preventDefault();
    try {
      await api.download("/v1/export", params());
    } catch (err) {
      fail(err);
    }
  });
  return update;
}

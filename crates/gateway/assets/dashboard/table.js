// The share table: one row per share of the pages loaded so far, sort state on the column
// headers, row selection for bulk revoke. Rows only display; actions.js wires the buttons.

import { el, count, when, safeHref } from "./dom.js";

const COLUMNS = 12;

/** The owner's name, with the e-mail (what the `owner` filter takes) under it. */
function owner(share) {
  const o = share.owner;
  if (!o) return [];
  const name = o.name || o.id || "";
  const email = o.email && o.email !== name ? el("span", { class: "owner-email" }, o.email) : null;
  return [el("span", {}, name), email];
}

function protectedText(p) {
  if (p === true) return "yes";
  if (p === false) return "no";
  return "unknown";
}

function cell(label, ...content) {
  return el("td", { "data-label": label }, ...content);
}

/** The table row of one share. `canWrite` adds the selection box and the write buttons. */
export function row(share, canWrite) {
  const href = safeHref(share.url);
  const name = href
    ? el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "share-name" }, share.name)
    : el("span", { class: "share-name" }, share.name);
  const actions = el(
    "div",
    { class: "row-actions" },
    el("button", { type: "button", "data-action": "copy", "aria-label": `Copy link of ${share.name}` }, "Copy link"),
    href
      ? el(
          "a",
          {
            href,
            target: "_blank",
            rel: "noopener noreferrer",
            class: "button",
            "data-action": "open",
            "aria-label": `Open ${share.name}`,
          },
          "Open",
        )
      : null,
    canWrite
      ? el("button", { type: "button", "data-action": "extend", "aria-label": `Extend expiry of ${share.name}` }, "Extend")
      : null,
    canWrite
      ? el(
          "button",
          { type: "button", class: "danger", "data-action": "revoke", "aria-label": `Revoke ${share.name}` },
          "Revoke",
        )
      : null,
  );
  return el(
    "tr",
    { "data-id": share.id, "data-status": share.status },
    canWrite
      ? el(
          "td",
          { class: "sel", "data-label": "Select" },
          el("input", { type: "checkbox", class: "row-select", "aria-label": `Select ${share.name}` }),
        )
      : null,
    cell("Name", name),
    cell("Vendor / account", `${share.provider} / ${share.account}`),
    cell("Owner", ...owner(share)),
    cell("Status", el("span", { class: "pill status-" + share.status }, share.status.replace("_", " "))),
    cell("Audience", share.audience),
    cell("Protected", protectedText(share.password_protected)),
    cell("Created", el("time", { datetime: share.created_at || "" }, when(share.created_at, "unknown"))),
    cell("Expires", el("time", { datetime: share.expires_at || "" }, when(share.expires_at, "never"))),
    el("td", { class: "num", "data-label": "Views" }, count(share.stats.views)),
    el("td", { class: "num", "data-label": "Downloads" }, count(share.stats.downloads)),
    cell("Actions", actions),
  );
}

/** A row spanning the table with a message (no rows, or an error). */
export function message(text) {
  return el("tr", { class: "message" }, el("td", { colspan: COLUMNS }, text));
}

/** Marks the column sorted by `sort` in `order` (aria-sort), every other one unsorted. */
export function showSort(table, sort, order) {
  for (const th of table.querySelectorAll("th[data-sort]")) {
    const on = th.dataset.sort === sort;
    th.setAttribute("aria-sort", on ? (order === "asc" ? "ascending" : "descending") : "none");
  }
}

/** Ids of the selected rows. */
export function selected(tbody) {
  return [...tbody.querySelectorAll("input.row-select:checked")].map(
    (box) => box.closest("tr").dataset.id,
  );
}

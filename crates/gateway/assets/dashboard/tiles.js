// The tiles from /v1/stats: links, views, downloads, expiring soon, protected / open /
// unknown, by vendor and by status. A counter that some vendor does not report says so.

import { el, replace, count } from "./dom.js";

function tile(label, value, note, id) {
  return el(
    "div",
    { class: "tile", "data-tile": id },
    el("span", { class: "tile-label" }, label),
    el("span", { class: "tile-value" }, value),
    note ? el("span", { class: "tile-note" }, note) : null,
  );
}

function unreported(n) {
  return n > 0 ? `${count(n)} links not reported by their vendor` : "";
}

function list(entries) {
  return el(
    "ul",
    { class: "tile-list" },
    entries.map(([k, v]) => el("li", {}, el("span", {}, k), el("span", {}, count(v)))),
  );
}

/** Renders every tile of `stats` into `container`. */
export function render(container, stats) {
  const t = stats.total;
  const pw = stats.password || {};
  const byVendor = tile("By vendor", "", "", "by-vendor");
  byVendor.append(list((stats.by_provider || []).map((p) => [p.provider, p.shares])));
  const byStatus = tile("By status", "", "", "by-status");
  byStatus.append(
    list((stats.by_status || []).map((s) => [s.status.replace("_", " "), s.shares])),
  );
  const protection = tile("Protected / open / unknown", "", "", "password");
  protection.append(
    list([
      ["password", pw.protected || 0],
      ["open", pw.open || 0],
      // `unknown` (links whose vendor does not say) is absent from older gateways: 0 then.
      ["unknown", pw.unknown || 0],
    ]),
  );
  replace(
    container,
    tile("Links", count(t.shares), "", "links"),
    tile("Views", count(t.views), unreported(t.views_unreported), "views"),
    tile("Downloads", count(t.downloads), unreported(t.downloads_unreported), "downloads"),
    tile("Expiring in 24 h", count(stats.expiring.next_24h), "active links", "expiring-24h"),
    tile("Expiring in 7 days", count(stats.expiring.next_7d), "active links", "expiring-7d"),
    protection,
    byVendor,
    byStatus,
  );
}

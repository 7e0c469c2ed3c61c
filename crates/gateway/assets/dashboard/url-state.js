// The view's filters and sort live in the page URL, under the API's own parameter names
// (`/?q=report&provider=cloudreve&sort=views&order=desc`), so a view can be bookmarked and
// shared; the same names go to /v1/shares, /v1/stats and /v1/export unchanged.

/** Filter parameters, as the API names them. */
export const FILTERS = [
  "q",
  "provider",
  "account",
  "status",
  "audience",
  "password_protected",
  "expires_before",
  "owner",
];

/** Parameters of the list only (not taken by /v1/stats). */
export const LIST_ONLY = ["sort", "order", "limit"];

/** The sort keys the API takes and the direction a first click on each picks. */
export const SORT_DEFAULT_ORDER = {
  name: "asc",
  created_at: "desc",
  expires_at: "asc",
  views: "desc",
  downloads: "desc",
};

/** The view in the page URL now: every known parameter with a non-empty value. */
export function read() {
  const from = new URLSearchParams(location.search);
  const view = new URLSearchParams();
  for (const k of [...FILTERS, ...LIST_ONLY]) {
    for (const v of from.getAll(k)) {
      if (v !== "") view.append(k, v);
    }
  }
  return view;
}

/** Puts `view` in the page URL (a new history entry, so Back returns to the previous view). */
export function write(view) {
  const qs = view.toString();
  const url = location.pathname + (qs ? "?" + qs : "");
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
}

/** The filters of `view` only (what /v1/stats and the export take besides sort). */
export function filtersOf(view) {
  const out = new URLSearchParams();
  for (const [k, v] of view) if (FILTERS.includes(k)) out.append(k, v);
  return out;
}

/** `expires_before` as the date input shows it (`YYYY-MM-DD`), from the RFC 3339 value. */
export function dateOf(rfc3339) {
  return rfc3339 ? rfc3339.slice(0, 10) : "";
}

/** The RFC 3339 value (`YYYY-MM-DDT00:00:00Z`) of a date input's `YYYY-MM-DD`. */
export function rfc3339Of(date) {
  return date ? date + "T00:00:00Z" : "";
}

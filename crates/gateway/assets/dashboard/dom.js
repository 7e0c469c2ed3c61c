// DOM helpers. Every string from the API (vendor-supplied names, owners, URLs) goes into the
// page as text (textContent, attribute values), never as HTML: nothing here parses markup.

const SVG_NS = "http://www.w3.org/2000/svg";

/** Creates an element: `attrs` are set as attributes (`class`, `data-*`, `aria-*`, ...) or,
 * for `on*` keys, as event listeners; `children` are nodes or strings (added as text). */
export function el(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** Like `el`, in the SVG namespace. */
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      node.addEventListener(k.slice(2), v);
    } else {
      node.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Removes every child of `node`, then appends `children`. */
export function replace(node, ...children) {
  node.replaceChildren();
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) {
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }
}

/** The URL when it is an absolute http(s) URL, else null: only such links become `href`s
 * (a vendor-supplied `javascript:` or `data:` URL is shown as text). */
export function safeHref(url) {
  if (typeof url !== "string") return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** A counter for display: `n/a` when the vendor does not report it. */
export function count(n) {
  return n === null || n === undefined ? "n/a" : Number(n).toLocaleString("en-US");
}

/** An RFC 3339 time as `YYYY-MM-DD HH:MM` (UTC), or `fallback` when absent. */
export function when(t, fallback = "") {
  if (!t) return fallback;
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().slice(0, 16).replace("T", " ");
}

/** Shows a short message at the bottom of the page for a few seconds. */
export function toast(text) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    t.hidden = true;
  }, 5000);
}

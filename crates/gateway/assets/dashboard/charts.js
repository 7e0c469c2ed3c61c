// Two small SVG charts drawn from /v1/stats, with no charting library: links created per month
// (`created_by_month`) and links by vendor and by status. Colours come from app.css classes,
// so they follow dark mode; every bar has a <title> and the numbers are also written out.

import { el, svg, replace, count } from "./dom.js";

/** Vertical bars, one per month, oldest first. */
export function months(container, createdByMonth) {
  const data = createdByMonth || [];
  const w = 720;
  const h = 180;
  const pad = { l: 36, r: 8, t: 10, b: 34 };
  const max = Math.max(1, ...data.map((m) => m.shares));
  const step = (w - pad.l - pad.r) / Math.max(1, data.length);
  const y = (v) => pad.t + (h - pad.t - pad.b) * (1 - v / max);
  const chart = svg("svg", {
    viewBox: `0 0 ${w} ${h}`,
    role: "img",
    "aria-label": "Links created per month",
    class: "svg-chart",
  });
  chart.append(
    svg("line", { x1: pad.l, x2: w - pad.r, y1: y(0), y2: y(0), class: "axis" }),
    svg("text", { x: pad.l - 4, y: y(max) + 4, class: "tick end" }, count(max)),
    svg("text", { x: pad.l - 4, y: y(0), class: "tick end" }, "0"),
  );
  data.forEach((m, i) => {
    const x = pad.l + i * step;
    const top = y(m.shares);
    chart.append(
      svg(
        "rect",
        {
          x: x + 1,
          y: top,
          width: Math.max(1, step - 2),
          height: y(0) - top,
          class: "bar",
          "data-month": m.month,
        },
        svg("title", {}, `${m.month}: ${count(m.shares)}`),
      ),
    );
    if (i % 3 === 0 || i === data.length - 1) {
      chart.append(svg("text", { x: x + step / 2, y: h - 18, class: "tick mid" }, m.month));
    }
  });
  replace(container, chart);
}

/** Horizontal bars: one per vendor, then one per status. */
export function groups(container, stats) {
  const rows = [
    ...(stats.by_provider || []).map((p) => ({ label: p.provider, n: p.shares, cls: "bar" })),
    ...(stats.by_status || []).map((s) => ({
      label: s.status.replace("_", " "),
      n: s.shares,
      cls: "bar status-" + s.status,
    })),
  ];
  const max = Math.max(1, ...rows.map((r) => r.n));
  const list = el("ul", { class: "hbars" });
  for (const r of rows) {
    const bar = el("span", { class: "hbar " + r.cls.replace("bar", "fill") });
    bar.style.width = `${(100 * r.n) / max}%`;
    list.append(
      el(
        "li",
        {},
        el("span", { class: "hlabel" }, r.label),
        el("span", { class: "htrack" }, bar),
        el("span", { class: "hnum" }, count(r.n)),
      ),
    );
  }
  replace(container, list);
}

// A small SVG line chart (axes, ticks, one polyline with markers per series, legend), for figures like the paper's.
export interface Series {
  name: string;
  points: [number, number][];
  /** Error bars: each point's half-length in y (a standard deviation, say), drawn as y ± it. */
  spread?: number[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
const MARKERS = ["circle", "square", "diamond", "triangle", "cross", "circle"];

/** Round tick steps (1, 2 or 5 times a power of ten) covering [lo, hi] with about `count` ticks. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / Math.max(1, count - 1), mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9);
  for (let i = first; i <= last; i++) out.push(Number((i * step).toFixed(10)));
  return out;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An SVG's first elements: its size, a white background and the title centred at `titleX`. */
const svgHead = (W: number, H: number, title: string, titleX: number) => [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${titleX}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
];

/** A grey grid line from `x0` to `x1` at each y tick, labelled left of `x0`. */
const yGrid = (yt: number[], py: (y: number) => number, x0: number, x1: number) =>
  yt.map((y) =>
    `<line x1="${x0}" x2="${x1}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>` +
    `<text x="${x0 - 6}" y="${py(y) + 4}" text-anchor="end">${y}</text>`
  );

function marker(kind: string, x: number, y: number, color: string): string {
  const r = 4;
  switch (kind) {
    case "square":
      return `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
    case "diamond":
      return `<path d="M${x} ${y - r - 1}L${x + r + 1} ${y}L${x} ${y + r + 1}L${
        x - r - 1
      } ${y}Z" fill="${color}"/>`;
    case "triangle":
      return `<path d="M${x} ${y - r - 1}L${x + r + 1} ${y + r}L${x - r - 1} ${y + r}Z" fill="${color}"/>`;
    case "cross":
      return `<path d="M${x - r} ${y - r}L${x + r} ${y + r}M${x - r} ${y + r}L${x + r} ${
        y - r
      }" stroke="${color}" stroke-width="2"/>`;
    default:
      return `<circle cx="${x}" cy="${y}" r="${r}" fill="${color}"/>`;
  }
}

export function lineChart(
  o: { title: string; xLabel: string; yLabel: string; series: Series[]; xTicks?: number[] },
) {
  const W = 700, H = 420, left = 64, right = 230, top = 40, bottom = 56;
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0])),
    ys = o.series.flatMap((s) =>
      s.points.flatMap(([, y], j) => [y - (s.spread?.[j] ?? 0), y + (s.spread?.[j] ?? 0)])
    );
  if (!xs.length) throw new Error(`${o.title}: nothing to plot`);
  const xt = o.xTicks ?? ticks(Math.min(...xs), Math.max(...xs));
  const pad = (Math.max(...ys) - Math.min(...ys)) * 0.1 || 0.5;
  const yt = ticks(Math.min(...ys) - pad, Math.max(...ys) + pad);
  const [x0, x1, y0, y1] = [xt[0], xt[xt.length - 1], yt[0], yt[yt.length - 1]];
  const round = (v: number) => Math.round(v * 10) / 10;
  const px = (x: number) => round(left + ((x - x0) / (x1 - x0 || 1)) * (W - left - right));
  const py = (y: number) => round(H - bottom - ((y - y0) / (y1 - y0 || 1)) * (H - top - bottom));
  const parts = [
    ...svgHead(W, H, o.title, (left + W - right) / 2),
    ...yGrid(yt, py, left, W - right),
    ...xt.map((x) =>
      `<line x1="${px(x)}" x2="${px(x)}" y1="${H - bottom}" y2="${H - bottom + 5}" stroke="black"/>` +
      `<text x="${px(x)}" y="${H - bottom + 18}" text-anchor="middle">${x}</text>`
    ),
    `<path d="M${left} ${top}V${H - bottom}H${W - right}" fill="none" stroke="black"/>`,
    `<text x="${(left + W - right) / 2}" y="${H - 14}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(18 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">${
      esc(o.yLabel)
    }</text>`,
  ];
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length], kind = MARKERS[i % MARKERS.length];
    const d = s.points.map(([x, y], j) => `${j ? "L" : "M"}${px(x)} ${py(y)}`).join("");
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    s.points.forEach(([x, y], j) => {
      const e = s.spread?.[j] ?? 0;
      if (e > 0) {
        parts.push(
          `<path d="M${px(x)} ${py(y - e)}V${py(y + e)}M${px(x) - 3} ${py(y - e)}h6M${px(x) - 3} ${
            py(y + e)
          }h6" stroke="${color}"/>`,
        );
      }
      parts.push(marker(kind, px(x), py(y), color));
    });
    const ly = top + 10 + 22 * i;
    parts.push(
      `<path d="M${W - right + 14} ${ly}H${W - right + 40}" stroke="${color}" stroke-width="2"/>`,
      marker(kind, W - right + 27, ly, color),
      `<text x="${W - right + 46}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  parts.push("</svg>", "");
  return parts.join("\n");
}

/** Grouped bars (one group per name, one bar per label, values in [0, max]), e.g. learnt layer weights. */
export function barChart(
  o: { title: string; yLabel: string; groups: { name: string; bars: { label: string; value: number }[] }[] },
) {
  const barW = 18, gap = 28, left = 64, top = 40, plotH = 260, bottom = 120;
  const n = o.groups.reduce((s, g) => s + g.bars.length, 0);
  const W = Math.max(420, left + 20 + n * barW + o.groups.length * gap), H = top + plotH + bottom;
  const max = Math.max(...o.groups.flatMap((g) => g.bars.map((b) => b.value)), 1e-9);
  const yt = ticks(0, max, 5), y1 = yt[yt.length - 1];
  const py = (v: number) => Math.round((top + plotH - (v / y1) * plotH) * 10) / 10;
  const parts = [
    ...svgHead(W, H, o.title, W / 2),
    ...yGrid(yt, py, left, W - 10),
    `<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${
      esc(o.yLabel)
    }</text>`,
  ];
  let x = left + 10;
  o.groups.forEach((g, i) => {
    const color = COLORS[i % COLORS.length], start = x;
    for (const b of g.bars) {
      parts.push(
        `<rect x="${x}" y="${py(b.value)}" width="${barW - 2}" height="${
          Math.round((top + plotH - py(b.value)) * 10) / 10
        }" fill="${color}"/>`,
        `<text x="${x + barW / 2 - 1}" y="${top + plotH + 14}" text-anchor="middle" font-size="10">${
          esc(b.label)
        }</text>`,
      );
      x += barW;
    }
    parts.push(
      `<text transform="translate(${(start + x) / 2} ${top + plotH + 26}) rotate(30)" font-size="11">${
        esc(g.name)
      }</text>`,
    );
    x += gap;
  });
  parts.push(`<path d="M${left} ${top}V${top + plotH}H${W - 10}" fill="none" stroke="black"/>`, "</svg>", "");
  return parts.join("\n");
}

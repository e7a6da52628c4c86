/**
 * Bar charts drawn on the server as SVG markup, inserted into the page as is.
 * Chosen over a browser charting library because the pages must work without
 * JavaScript and under a CSP without inline style: the SVG carries no style
 * attribute and no script, only class names (static/css/reports.css colours
 * them) and geometry. Every text that reaches the markup — title, labels,
 * values — goes through escapeXml, so a unit name cannot inject markup.
 */

export interface Bar {
  label: string;
  value: number;
  /** Shown at the end of the bar instead of the number (e.g. "1.234"). */
  display?: string;
}

export interface BarChartOptions {
  /** Prefix of the element ids (title, desc); letters, digits and dashes. */
  id: string;
  /** The accessible name of the chart. */
  title: string;
  /** A longer description, e.g. "The same figures are in the table below." */
  description?: string;
  bars: Bar[];
}

const ROW = 28;
const BAR = 18;
const WIDTH = 640;
const VALUE_ROOM = 64;
const MAX_LABEL_CHARS = 30;

/** XML-escape a text for an element or a double- or single-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Ids come from code, but are restricted anyway: an id ends up in attributes. */
const safeId = (id: string) => id.replace(/[^A-Za-z0-9-]/g, "") || "chart";

/** Shorten a long label (the full text stays in the bar's <title>). */
const shorten = (label: string) => ([...label].length > MAX_LABEL_CHARS ? `${[...label].slice(0, MAX_LABEL_CHARS - 1).join("")}…` : label);

/**
 * A horizontal bar chart: one row per bar, the label on the left, the value at
 * the end of the bar. Negative or non-finite values are drawn as zero.
 * Returns SVG markup that is safe to insert unescaped.
 */
export function barChart(opts: BarChartOptions): string {
  const id = safeId(opts.id);
  const labelWidth = Math.min(240, Math.max(80, ...opts.bars.map((b) => [...shorten(b.label)].length * 7.5 + 12)));
  const plot = WIDTH - labelWidth - VALUE_ROOM;
  const max = Math.max(0, ...opts.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const height = Math.max(1, opts.bars.length) * ROW + 8;
  const rows = opts.bars.map((b, i) => {
    const value = Number.isFinite(b.value) && b.value > 0 ? b.value : 0;
    const y = 4 + i * ROW;
    const w = max > 0 ? Math.round((value / max) * plot * 10) / 10 : 0;
    const mid = y + BAR / 2 + 5;
    return (
      `<g class="chart-row"><title>${escapeXml(`${b.label}: ${b.display ?? String(value)}`)}</title>` +
      `<text class="chart-label" x="${labelWidth - 8}" y="${mid}" text-anchor="end">${escapeXml(shorten(b.label))}</text>` +
      `<rect class="chart-bar" x="${labelWidth}" y="${y}" width="${w}" height="${BAR}"/>` +
      `<text class="chart-value" x="${labelWidth + w + 6}" y="${mid}">${escapeXml(b.display ?? String(value))}</text></g>`
    );
  });
  const desc = opts.description ? `<desc id="${id}-desc">${escapeXml(opts.description)}</desc>` : "";
  const labelledBy = opts.description ? `${id}-title ${id}-desc` : `${id}-title`;
  return (
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${labelledBy}" preserveAspectRatio="xMinYMin meet">` +
    `<title id="${id}-title">${escapeXml(opts.title)}</title>${desc}` +
    `<line class="chart-axis" x1="${labelWidth}" y1="0" x2="${labelWidth}" y2="${height}"/>` +
    rows.join("") +
    `</svg>`
  );
}

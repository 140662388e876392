// Server-side SVG bar charts for the QA dashboard: no script, no library, readable without
// CSS. Each chart is an image with a title and a text description; the same numbers are in
// a table beside it, so the chart is for looking, the table for reading.
import { escapeXml } from '../badges/badgeImage';

export interface Bar {
  label: string;
  value: number;
  /** Shown at the end of the bar instead of the value, e.g. "62.5%". */
  text?: string;
}

export interface BarChartOptions {
  /** Used for the accessible name; unique per page. */
  id: string;
  title: string;
  bars: readonly Bar[];
  /** The value of a full-width bar; the largest value when absent. */
  max?: number;
}

const WIDTH = 560;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 70;
const BAR_HEIGHT = 20;
const GAP = 8;

/** Long labels are cut, with the whole label kept in the bar's <title>. */
function shorten(label: string, max = 28): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

export function barChart({ id, title, bars, max }: BarChartOptions): string {
  const top = Math.max(max ?? 0, ...bars.map((b) => b.value), 1);
  const plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = bars.length * (BAR_HEIGHT + GAP) + GAP;
  const description = bars.map((b) => `${b.label}: ${b.text ?? b.value}`).join('; ');
  const rows = bars
    .map((b, i) => {
      const y = GAP + i * (BAR_HEIGHT + GAP);
      const w = Math.max(0, Math.round((b.value / top) * plot));
      return [
        `<g><title>${escapeXml(`${b.label}: ${b.text ?? b.value}`)}</title>`,
        `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end" font-size="13">${escapeXml(shorten(b.label))}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${plot}" height="${BAR_HEIGHT}" fill="#eef1f4"/>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${w}" height="${BAR_HEIGHT}" fill="#2f6fab"/>`,
        `<text x="${LABEL_WIDTH + plot + 6}" y="${y + 15}" font-size="13">${escapeXml(b.text ?? String(b.value))}</text></g>`,
      ].join('');
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${WIDTH} ${height}" width="100%" style="max-width:${WIDTH}px" aria-labelledby="${id}-t ${id}-d" font-family="system-ui, sans-serif">` +
    `<title id="${id}-t">${escapeXml(title)}</title><desc id="${id}-d">${escapeXml(description)}</desc>${rows}</svg>`
  );
}

/**
 * Generated badge artwork for achievements without an uploaded image: an SVG with the title and a
 * PNG emblem, both in a colour derived deterministically from a seed (so the same achievement
 * always looks the same). No image library: the SVG is a string template and the PNG is encoded by
 * hand (RGBA, filter 0, zlib), which is all a baked download needs (see ./baking.ts).
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { encodePngChunk } from './baking';

/**
 * Badge colours. Each has a contrast ratio of at least 4.5:1 against white (WCAG AA for normal
 * text), so the white title stays readable whichever colour a seed picks.
 */
export const BADGE_PALETTE = [
  '#1D4ED8', // blue
  '#047857', // green
  '#B91C1C', // red
  '#7E22CE', // purple
  '#C2410C', // orange
  '#0F766E', // teal
  '#BE185D', // pink
  '#4338CA', // indigo
] as const;

type Rgb = readonly [number, number, number];

function hashOf(seed: string): Buffer {
  return createHash('sha256').update(seed, 'utf8').digest();
}

/** The palette colour for a seed (sha-256 rather than a weak string hash so colours spread evenly). */
export function badgeColor(seed: string): string {
  return BADGE_PALETTE[hashOf(seed).readUInt32BE(0) % BADGE_PALETTE.length];
}

function rgbOf(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

function shade(rgb: Rgb, factor: number): Rgb {
  return [Math.round(rgb[0] * factor), Math.round(rgb[1] * factor), Math.round(rgb[2] * factor)];
}

function hexOf(rgb: Rgb): string {
  return `#${rgb
    .map((c) => c.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase()}`;
}

/** The inner disc is the badge colour darkened, giving depth without a second hue. */
const INNER_SHADE = 0.7;

// ---------------------------------------------------------------------------------------------
// SVG
// ---------------------------------------------------------------------------------------------

/**
 * Escapes text for XML content and attribute values, and drops characters XML 1.0 forbids
 * (C0 controls other than tab/newline/CR, lone surrogates, U+FFFE/U+FFFF) so that any title
 * still yields a well-formed document.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Shortens to `max` characters (code points, so emoji are not cut in half), ending with an ellipsis. */
function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

const MAX_LINE_CHARS = 18;
const MAX_TITLE_LINES = 3;

/**
 * Greedy word wrap into at most three lines of ~18 characters; over-long words are hard-broken and
 * the last line gets an ellipsis if the title does not fit. Lengths are estimates — SVG has no text
 * measurement — so the font size below leaves generous margins.
 */
export function wrapTitle(title: string, maxChars = MAX_LINE_CHARS, maxLines = MAX_TITLE_LINES): string[] {
  const words = title.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  const push = () => {
    if (line) lines.push(line);
    line = '';
  };
  for (const word of words) {
    let chars = Array.from(word);
    if (line && Array.from(line).length + 1 + chars.length <= maxChars) {
      line += ` ${word}`;
      continue;
    }
    push();
    while (chars.length > maxChars) {
      lines.push(chars.slice(0, maxChars).join(''));
      chars = chars.slice(maxChars);
    }
    line = chars.join('');
  }
  push();
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const last = Array.from(kept[maxLines - 1]);
    kept[maxLines - 1] = `${(last.length < maxChars ? last : last.slice(0, maxChars - 1)).join('').trimEnd()}…`;
    return kept;
  }
  return lines.length ? lines : [''];
}

const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/** A 600×600 circular badge SVG with the title (up to three lines), subtitle and issuer in white. */
export function badgeSvg(opts: { title: string; subtitle?: string; issuer?: string; seed?: string }): string {
  const seed = opts.seed ?? opts.title;
  const base = rgbOf(badgeColor(seed));
  const inner = hexOf(shade(base, INNER_SHADE));
  // Unique ids so several badges can be inlined in one HTML page without clashing.
  const id = `badge-${hashOf(`${seed}\u0000${opts.title}`).toString('hex').slice(0, 10)}`;

  const lines = wrapTitle(opts.title);
  const longest = Math.max(...lines.map((l) => Array.from(l).length), 1);
  // ~0.6 em per character average for bold sans-serif; the usable width in the inner disc is ~400px.
  const fontSize = Math.max(30, Math.min(64, Math.floor(400 / (longest * 0.6))));
  const lineHeight = Math.round(fontSize * 1.15);
  const firstBaseline = 318 - ((lines.length - 1) * lineHeight) / 2;
  const titleText = lines.map((line, i) => `<tspan x="300" y="${Math.round(firstBaseline + i * lineHeight)}">${escapeXml(line)}</tspan>`).join('');

  const subtitle = opts.subtitle?.trim() ? truncate(opts.subtitle.trim(), 28) : undefined;
  const issuer = opts.issuer?.trim() ? truncate(opts.issuer.trim(), 28) : undefined;
  const description = [opts.subtitle?.trim(), opts.issuer?.trim() && `Issued by ${opts.issuer.trim()}`].filter(Boolean).join('. ');

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 600" width="600" height="600" role="img"`,
    ` aria-labelledby="${id}-title${description ? ` ${id}-desc` : ''}">`,
    `<title id="${id}-title">${escapeXml(opts.title)}</title>`,
    description ? `<desc id="${id}-desc">${escapeXml(description)}</desc>` : '',
    `<circle cx="300" cy="300" r="296" fill="${hexOf(base)}"/>`,
    `<circle cx="300" cy="300" r="257" fill="${inner}"/>`,
    `<circle cx="300" cy="300" r="263" fill="none" stroke="#FFFFFF" stroke-width="14"/>`,
    // Five-pointed star above the title, same geometry as the PNG emblem.
    `<path d="${starPath(300, 130, 44)}" fill="#FFFFFF"/>`,
    `<g fill="#FFFFFF" font-family="${FONT_FAMILY}" text-anchor="middle">`,
    `<text font-size="${fontSize}" font-weight="700">${titleText}</text>`,
    subtitle ? `<text x="300" y="446" font-size="24">${escapeXml(subtitle)}</text>` : '',
    issuer ? `<text x="300" y="488" font-size="20" opacity="0.9">${escapeXml(issuer)}</text>` : '',
    `</g>`,
    `</svg>`,
  ].join('');
}

/** Ratio of a five-pointed star's inner to outer radius; a bit fuller than a pentagram (0.382). */
const STAR_INNER_RATIO = 0.45;

function starVertices(cx: number, cy: number, outer: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let k = 0; k < 10; k++) {
    const angle = -Math.PI / 2 + (k * Math.PI) / 5;
    const r = k % 2 === 0 ? outer : outer * STAR_INNER_RATIO;
    points.push([cx + r * Math.cos(angle), cy + r * Math.sin(angle)]);
  }
  return points;
}

function starPath(cx: number, cy: number, outer: number): string {
  return `M${starVertices(cx, cy, outer)
    .map(([x, y]) => `${x.toFixed(1)} ${y.toFixed(1)}`)
    .join(' L')} Z`;
}

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

/**
 * Hoisted so the per-sample loop does not look up the global `Math` each time: in sandboxed
 * contexts (Jest's vm, for one) global lookups are slow enough to dominate the rendering time.
 */
const { abs, sqrt, round } = Math;

export const DEFAULT_BADGE_PNG_SIZE = 400;
/** Bounds keep memory predictable (4 bytes per pixel) and the emblem legible. */
const MIN_PNG_SIZE = 16;
const MAX_PNG_SIZE = 2048;
/** 4×4 samples per pixel: 16 coverage levels give smooth edges at badge sizes. */
const SUPERSAMPLE = 4;

/** Emblem geometry as fractions of the image radius. */
const OUTER_R = 0.98;
const RING_OUTER_R = 0.86;
const RING_INNER_R = 0.8;
const STAR_R = 0.48;

const WHITE: Rgb = [255, 255, 255];

/** Even-odd point-in-polygon test (the star is concave, so no convex shortcut). */
function insidePolygon(x: number, y: number, poly: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * A square RGBA PNG of the emblem: a disc in the seed's colour, a white ring, a darker inner disc
 * and a white star, with transparent corners. Edges are anti-aliased by averaging 4×4 samples.
 */
export function badgePng(opts: { seed?: string; title?: string; size?: number } = {}): Buffer {
  const size = opts.size ?? DEFAULT_BADGE_PNG_SIZE;
  if (!Number.isInteger(size) || size < MIN_PNG_SIZE || size > MAX_PNG_SIZE) {
    throw new RangeError(`Badge PNG size must be an integer from ${MIN_PNG_SIZE} to ${MAX_PNG_SIZE}, got ${size}`);
  }
  const base = rgbOf(badgeColor(opts.seed ?? opts.title ?? ''));
  const inner = shade(base, INNER_SHADE);

  // Work in units of the image radius, centred on the image, so geometry is size-independent.
  const half = size / 2;
  const star = starVertices(0, 0.04, STAR_R); // nudged down: a star's visual centre sits below its circumcentre
  const starTop = 0.04 - STAR_R;
  const starBottom = 0.04 + STAR_R;
  const ringOuter2 = RING_OUTER_R ** 2;
  const ringInner2 = RING_INNER_R ** 2;
  const outer2 = OUTER_R ** 2;

  const colourAt = (x: number, y: number): Rgb | undefined => {
    const d2 = x * x + y * y;
    if (d2 > outer2) return undefined;
    if (d2 > ringOuter2) return base;
    if (d2 > ringInner2) return WHITE;
    if (y >= starTop && y <= starBottom && abs(x) <= STAR_R && insidePolygon(x, y, star)) return WHITE;
    return inner;
  };

  // Only pixels on a boundary need supersampling; the rest take one sample, which keeps 400px fast.
  // Circle edges: pixels within ~1px of a radius. Star edges: pixels whose four corners disagree on
  // being inside the star (corners are evaluated once on the pixel grid, only inside the star's box).
  const edgeMargin = 1 / half; // one pixel, in radius units (> half a pixel diagonal)
  const nearEdge = (d: number) => abs(d - OUTER_R) < edgeMargin || abs(d - RING_OUTER_R) < edgeMargin || abs(d - RING_INNER_R) < edgeMargin;
  const grid = size + 1;
  const starCorners = new Uint8Array(grid * grid);
  const gMin = Math.max(0, Math.floor(half - STAR_R * half) - 1);
  const gMax = Math.min(size, Math.ceil(half + STAR_R * half) + 1);
  const gyMin = Math.max(0, Math.floor(half + starTop * half) - 1);
  const gyMax = Math.min(size, Math.ceil(half + starBottom * half) + 1);
  for (let gy = gyMin; gy <= gyMax; gy++) {
    for (let gx = gMin; gx <= gMax; gx++) {
      starCorners[gy * grid + gx] = insidePolygon((gx - half) / half, (gy - half) / half, star) ? 1 : 0;
    }
  }
  // A sharp star tip can poke into a pixel without covering any of its corners: always supersample
  // the pixels holding a vertex.
  const vertexPixels = new Set(star.map(([x, y]) => Math.floor(y * half + half) * size + Math.floor(x * half + half)));
  const onStarEdge = (px: number, py: number) => {
    const i = py * grid + px;
    const c = starCorners[i];
    return starCorners[i + 1] !== c || starCorners[i + grid] !== c || starCorners[i + grid + 1] !== c || vertexPixels.has(py * size + px);
  };

  const stride = size * 4 + 1; // filter byte + RGBA per pixel
  const raw = Buffer.alloc(size * stride); // zero-filled: filter 0 (None) and transparent pixels
  const samples = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    const row = py * stride + 1;
    const cy = (py + 0.5 - half) / half;
    for (let px = 0; px < size; px++) {
      const cx = (px + 0.5 - half) / half;
      if (!onStarEdge(px, py) && !nearEdge(sqrt(cx * cx + cy * cy))) {
        const colour = colourAt(cx, cy);
        if (colour) {
          const o = row + px * 4;
          raw[o] = colour[0];
          raw[o + 1] = colour[1];
          raw[o + 2] = colour[2];
          raw[o + 3] = 255;
        }
        continue;
      }
      let r = 0;
      let g = 0;
      let b = 0;
      let covered = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        const y = (py + (sy + 0.5) / SUPERSAMPLE - half) / half;
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const colour = colourAt((px + (sx + 0.5) / SUPERSAMPLE - half) / half, y);
          if (!colour) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          covered++;
        }
      }
      if (covered === 0) continue;
      // Straight (non-premultiplied) alpha, as PNG requires: average colour of the covered samples.
      const o = row + px * 4;
      raw[o] = round(r / covered);
      raw[o + 1] = round(g / covered);
      raw[o + 2] = round(b / covered);
      raw[o + 3] = round((covered / samples) * 255);
    }
  }

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  // compression 0, filter method 0, interlace 0 (none): already zero
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    encodePngChunk('IHDR', ihdr),
    encodePngChunk('IDAT', deflateSync(raw)),
    encodePngChunk('IEND', Buffer.alloc(0)),
  ]);
}

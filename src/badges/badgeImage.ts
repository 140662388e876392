/**
 * Badge artwork. A credential version carries its badge image (BadgeImageSpec): a design made from
 * templates (shape, two colours that must contrast, a bundled icon; the title and level are drawn as
 * text in the image), an uploaded SVG (sanitised) or an uploaded PNG (checked by content, resized).
 * Without one, a default design in a colour derived from a seed. Drawing is SVG; rasterising is
 * resvg with the bundled Noto Sans fonts only (./fonts.ts), so text renders the same everywhere;
 * PNG uploads are decoded and resized by sharp. Baking stays in ./baking.ts.
 */
import { createHash } from 'node:crypto';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import createDOMPurify from 'dompurify';
import type Sharp from 'sharp';
import { FONT_FAMILY, FONT_FILES } from './fonts';

/**
 * Badge colours for the default design. Each has a contrast ratio of at least 4.5:1 against white
 * (WCAG AA for normal text), so the white title stays readable whichever colour a seed picks.
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

function hashOf(seed: string): Buffer {
  return createHash('sha256').update(seed, 'utf8').digest();
}

/** The palette colour for a seed (sha-256 rather than a weak string hash so colours spread evenly). */
export function badgeColor(seed: string): string {
  return BADGE_PALETTE[hashOf(seed).readUInt32BE(0) % BADGE_PALETTE.length];
}

// ---------------------------------------------------------------------------------------------
// Colours
// ---------------------------------------------------------------------------------------------

const HEX_COLOUR = /^#[0-9A-Fa-f]{6}$/;

function rgbOf(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/** WCAG 2 relative luminance of an sRGB colour. */
function luminance(hex: string): number {
  const [r, g, b] = rgbOf(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two #RRGGBB colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The text in a designed badge must be readable: WCAG AA for normal text. */
export const MIN_CONTRAST = 4.5;

/** `hex` moved `amount` of the way towards white (amount > 0) or black (amount < 0). */
function shade(hex: string, amount: number): string {
  const target = amount > 0 ? 255 : 0;
  return `#${rgbOf(hex)
    .map((c) =>
      Math.round(c + (target - c) * Math.abs(amount))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')
    .toUpperCase()}`;
}

/**
 * The inner field, where the text sits: the background shaded away from the text colour (darker
 * under light text, lighter under dark text), so the text contrasts there at least as much as the
 * checked background/text pair does.
 */
export function innerFieldColour(design: Pick<BadgeDesign, 'background' | 'foreground'>): string {
  return shade(design.background, luminance(design.foreground) > luminance(design.background) ? -0.15 : 0.3);
}

// ---------------------------------------------------------------------------------------------
// Templates: shapes and icons
// ---------------------------------------------------------------------------------------------

/** Outlines in the 600×600 canvas: the outer shape, and the inset band drawn in the text colour. */
const SHAPES = {
  circle: {
    outer: '<circle cx="300" cy="300" r="296"/>',
    band: '<circle cx="300" cy="300" r="263" fill="none" stroke-width="14"/>',
  },
  shield: {
    outer: '<path d="M300 6 L566 80 L566 300 C566 450 450 548 300 594 C150 548 34 450 34 300 L34 80 Z"/>',
    band: '<path d="M300 40 L534 104 L534 300 C534 430 432 516 300 558 C168 516 66 430 66 300 L66 104 Z" fill="none" stroke-width="14"/>',
  },
  hexagon: {
    outer: '<path d="M300 4 L556 152 L556 448 L300 596 L44 448 L44 152 Z"/>',
    band: '<path d="M300 40 L525 170 L525 430 L300 560 L75 430 L75 170 Z" fill="none" stroke-width="14"/>',
  },
  square: {
    outer: '<rect x="6" y="6" width="588" height="588" rx="72"/>',
    band: '<rect x="38" y="38" width="524" height="524" rx="48" fill="none" stroke-width="14"/>',
  },
} as const;
export type BadgeShape = keyof typeof SHAPES;
export const BADGE_SHAPES = Object.keys(SHAPES) as BadgeShape[];

/** A small bundled icon set, drawn in a 100×100 box (fill = the text colour, strokes where noted). */
const ICONS = {
  star: '<path d="M50 4 L62 37 L97 38 L69 60 L79 94 L50 74 L21 94 L31 60 L3 38 L38 37 Z"/>',
  check: '<path d="M14 52 L40 78 L88 22" fill="none" stroke-width="14" stroke-linecap="round" stroke-linejoin="round"/>',
  book: '<path d="M8 18 C26 12 40 14 48 22 L48 90 C40 82 26 80 8 86 Z M52 22 C60 14 74 12 92 18 L92 86 C74 80 60 82 52 90 Z"/>',
  lightbulb:
    '<path d="M50 4 C28 4 14 20 14 38 C14 52 22 60 30 68 C34 72 36 76 36 82 L64 82 C64 76 66 72 70 68 C78 60 86 52 86 38 C86 20 72 4 50 4 Z M36 88 L64 88 L64 94 C64 97 61 99 58 99 L42 99 C39 99 36 97 36 94 Z"/>',
  globe:
    '<g fill="none" stroke-width="7"><circle cx="50" cy="50" r="42"/><ellipse cx="50" cy="50" rx="18" ry="42"/><path d="M8 50 L92 50 M16 28 L84 28 M16 72 L84 72"/></g>',
  code: '<path d="M34 22 L8 50 L34 78 M66 22 L92 50 L66 78 M58 12 L42 88" fill="none" stroke-width="10" stroke-linecap="round" stroke-linejoin="round"/>',
} as const;
export type BadgeIcon = keyof typeof ICONS;
export const BADGE_ICONS = Object.keys(ICONS) as BadgeIcon[];

/** A badge designed from the templates. Title and level come from the credential version. */
export interface BadgeDesign {
  shape: BadgeShape;
  /** The shape's colour, #RRGGBB. */
  background: string;
  /** The colour of the band, the icon and the text, #RRGGBB; contrasts with the background. */
  foreground: string;
  icon: BadgeIcon;
}

/** The badge image of a credential version, stored with it (credential_versions.badge_image). */
export type BadgeImageSpec =
  | { kind: 'design'; design: BadgeDesign }
  /** Sanitised SVG markup, as checked by checkUploadedImage. */
  | { kind: 'svg'; svg: string }
  /** Base64 of the uploaded PNG, resized to BADGE_PNG_SIZE square (transparent padding). */
  | { kind: 'png'; png: string };

/** Problems with a design, by form field; empty when it can be used. */
export function checkDesign(input: { shape?: unknown; background?: unknown; foreground?: unknown; icon?: unknown }): {
  design?: BadgeDesign;
  errors: Record<string, string>;
} {
  const errors: Record<string, string> = {};
  const shape = String(input.shape ?? '');
  const icon = String(input.icon ?? '');
  const background = String(input.background ?? '').trim();
  const foreground = String(input.foreground ?? '').trim();
  if (!BADGE_SHAPES.includes(shape as BadgeShape)) errors.shape = `Choose a shape: ${BADGE_SHAPES.join(', ')}.`;
  if (!BADGE_ICONS.includes(icon as BadgeIcon)) errors.icon = `Choose an icon: ${BADGE_ICONS.join(', ')}.`;
  if (!HEX_COLOUR.test(background)) errors.background = 'Give the background colour as #RRGGBB, e.g. #1D4ED8.';
  if (!HEX_COLOUR.test(foreground)) errors.foreground = 'Give the text colour as #RRGGBB, e.g. #FFFFFF.';
  if (!errors.background && !errors.foreground) {
    const ratio = contrastRatio(background, foreground);
    if (ratio < MIN_CONTRAST) {
      errors.foreground = `The text colour contrasts ${ratio.toFixed(2)}:1 with the background; it needs at least ${MIN_CONTRAST}:1 to be readable. Choose a lighter or darker colour.`;
    }
  }
  if (Object.keys(errors).length) return { errors };
  return {
    design: { shape: shape as BadgeShape, icon: icon as BadgeIcon, background: background.toUpperCase(), foreground: foreground.toUpperCase() },
    errors,
  };
}

/** The default design: the seed's palette colour, white text, a star in a circle. */
export function defaultDesign(seed: string): BadgeDesign {
  return { shape: 'circle', background: badgeColor(seed), foreground: '#FFFFFF', icon: 'star' };
}

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
 * the last line gets an ellipsis if the title does not fit.
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

/** The bundled font first; the generic family for viewers of the SVG without it. */
const SVG_FONT = `'${FONT_FAMILY}', sans-serif`;

/** A 600×600 designed badge: shape, band, icon, the title (up to three lines), level and issuer as text. */
export function designSvg(opts: { design: BadgeDesign; title: string; level?: string; issuer?: string }): string {
  const { design } = opts;
  const shape = SHAPES[design.shape] ?? SHAPES.circle;
  const icon = ICONS[design.icon] ?? ICONS.star;
  const fg = design.foreground;
  // Unique ids so several badges can be inlined in one HTML page without clashing.
  const id = `badge-${hashOf(`${JSON.stringify(design)}\u0000${opts.title}`)
    .toString('hex')
    .slice(0, 10)}`;

  const lines = wrapTitle(opts.title);
  const longest = Math.max(...lines.map((l) => Array.from(l).length), 1);
  // Noto Sans Bold averages ~0.6 em per character; the usable width inside the band is ~400px.
  const fontSize = Math.max(30, Math.min(60, Math.floor(400 / (longest * 0.6))));
  const lineHeight = Math.round(fontSize * 1.15);
  const firstBaseline = 318 - ((lines.length - 1) * lineHeight) / 2;
  const titleText = lines.map((line, i) => `<tspan x="300" y="${Math.round(firstBaseline + i * lineHeight)}">${escapeXml(line)}</tspan>`).join('');

  const level = opts.level?.trim() ? truncate(opts.level.trim(), 28) : undefined;
  const issuer = opts.issuer?.trim() ? truncate(opts.issuer.trim(), 28) : undefined;
  const description = [opts.level?.trim(), opts.issuer?.trim() && `Issued by ${opts.issuer.trim()}`].filter(Boolean).join('. ');

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 600" width="600" height="600" role="img"`,
    ` aria-labelledby="${id}-title${description ? ` ${id}-desc` : ''}">`,
    `<title id="${id}-title">${escapeXml(opts.title)}</title>`,
    description ? `<desc id="${id}-desc">${escapeXml(description)}</desc>` : '',
    `<g fill="${design.background}">${shape.outer}</g>`,
    // The inner field a shade away from the text colour, for depth without a second hue.
    `<g fill="${innerFieldColour(design)}" transform="translate(300 300) scale(0.86) translate(-300 -300)">${shape.outer}</g>`,
    `<g stroke="${fg}">${shape.band}</g>`,
    `<g fill="${fg}" stroke="${fg}" transform="translate(245 78) scale(1.1)">${icon}</g>`,
    `<g fill="${fg}" font-family="${SVG_FONT}" text-anchor="middle">`,
    `<text font-size="${fontSize}" font-weight="700">${titleText}</text>`,
    level ? `<text x="300" y="446" font-size="26">${escapeXml(level)}</text>` : '',
    issuer ? `<text x="300" y="486" font-size="20" opacity="0.9">${escapeXml(issuer)}</text>` : '',
    `</g>`,
    `</svg>`,
  ].join('');
}

/** The default badge SVG for a seed (see defaultDesign), with the title, subtitle and issuer. */
export function badgeSvg(opts: { title: string; subtitle?: string; issuer?: string; seed?: string }): string {
  return designSvg({ design: defaultDesign(opts.seed ?? opts.title), title: opts.title, level: opts.subtitle, issuer: opts.issuer });
}

// ---------------------------------------------------------------------------------------------
// PNG (resvg)
// ---------------------------------------------------------------------------------------------

/** The square size uploaded PNGs are stored at, and the size of the Achievement image. */
export const BADGE_PNG_SIZE = 600;
export const DEFAULT_BADGE_PNG_SIZE = 400;
/** Bounds keep memory predictable (4 bytes per pixel) and the badge legible. */
const MIN_PNG_SIZE = 16;
const MAX_PNG_SIZE = 2048;

function checkSize(size: number) {
  if (!Number.isInteger(size) || size < MIN_PNG_SIZE || size > MAX_PNG_SIZE) {
    throw new RangeError(`Badge PNG size must be an integer from ${MIN_PNG_SIZE} to ${MAX_PNG_SIZE}, got ${size}`);
  }
}

const RESVG_FONTS: ResvgRenderOptions['font'] = {
  loadSystemFonts: false,
  fontFiles: [FONT_FILES.regular, FONT_FILES.bold],
  defaultFontFamily: FONT_FAMILY,
  sansSerifFamily: FONT_FAMILY,
  serifFamily: FONT_FAMILY,
  monospaceFamily: FONT_FAMILY,
  cursiveFamily: FONT_FAMILY,
  fantasyFamily: FONT_FAMILY,
};

/** Renders SVG markup to a square PNG `size` pixels wide with the bundled fonts only. */
export function renderSvgToPng(svg: string, size: number = DEFAULT_BADGE_PNG_SIZE): Buffer {
  checkSize(size);
  const resvg = new Resvg(svg, { font: RESVG_FONTS, fitTo: { mode: 'width', value: size }, imageRendering: 0, shapeRendering: 2, textRendering: 1 });
  return resvg.render().asPng();
}

/** The default badge as a PNG: the seed's colour, a star, and the title as text. */
export function badgePng(opts: { seed?: string; title?: string; subtitle?: string; size?: number } = {}): Buffer {
  const size = opts.size ?? DEFAULT_BADGE_PNG_SIZE;
  checkSize(size);
  return renderSvgToPng(badgeSvg({ title: opts.title ?? '', subtitle: opts.subtitle, seed: opts.seed ?? opts.title ?? '' }), size);
}

// ---------------------------------------------------------------------------------------------
// A credential version's image
// ---------------------------------------------------------------------------------------------

/** What the image of a credential version is drawn from (a credential_versions row fits). */
export interface BadgeImageSource {
  credentialId: number;
  definition: { title?: string; level?: { eqfLevel?: number; qfEheaCycle?: string; nqf?: { name: string; level: string } } };
  badgeImage?: BadgeImageSpec | null;
}

const CYCLES: Record<string, string> = {
  'short-cycle': 'Short cycle',
  'first-cycle': 'First cycle',
  'second-cycle': 'Second cycle',
  'third-cycle': 'Third cycle',
};

/** The level line of a designed badge: EQF first, else the QF-EHEA cycle, else the national level. */
export function levelLabel(level: BadgeImageSource['definition']['level']): string | undefined {
  if (level?.eqfLevel) return `EQF level ${level.eqfLevel}`;
  if (level?.qfEheaCycle) return CYCLES[level.qfEheaCycle] ?? level.qfEheaCycle;
  if (level?.nqf) return `${level.nqf.name} ${level.nqf.level}`;
  return undefined;
}

/** The badge image of a version as SVG: its design, its uploaded SVG, or its PNG wrapped in SVG. */
export function badgeSvgFor(version: BadgeImageSource): string {
  const spec = version.badgeImage;
  const title = version.definition.title ?? 'Micro-credential';
  if (spec?.kind === 'svg') return spec.svg;
  if (spec?.kind === 'png') {
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${BADGE_PNG_SIZE} ${BADGE_PNG_SIZE}" width="${BADGE_PNG_SIZE}" height="${BADGE_PNG_SIZE}" role="img" aria-label="${escapeXml(title)}"><image width="${BADGE_PNG_SIZE}" height="${BADGE_PNG_SIZE}" href="data:image/png;base64,${spec.png}"/></svg>`;
  }
  const design = spec?.kind === 'design' ? spec.design : defaultDesign(String(version.credentialId));
  return designSvg({ design, title, level: levelLabel(version.definition.level) });
}

/**
 * The badge image of a credential version (or award: pass its version) as a square PNG. Every
 * image of a badge comes from here: the Achievement image, the baked PNG, previews and PDFs.
 */
export async function badgePngFor(version: BadgeImageSource, size: number = BADGE_PNG_SIZE): Promise<Buffer> {
  checkSize(size);
  const spec = version.badgeImage;
  if (spec?.kind === 'png') {
    const stored = Buffer.from(spec.png, 'base64');
    return size === BADGE_PNG_SIZE ? stored : loadSharp()(stored).resize(size, size).png().toBuffer();
  }
  return renderSvgToPng(badgeSvgFor(version), size);
}

// ---------------------------------------------------------------------------------------------
// Uploads
// ---------------------------------------------------------------------------------------------

/** sharp (libvips, ~19 MiB) is loaded with the first image it must resize or read, not at start. */
let sharpModule: typeof Sharp | undefined;
const loadSharp = () => (sharpModule ??= require('sharp') as typeof Sharp);

/**
 * DOMPurify on the server needs a DOM: one jsdom window, made on the first upload. jsdom is
 * loaded then too: it adds ~48 MiB to a process, and most processes never sanitise an upload.
 */
let purifier: ReturnType<typeof createDOMPurify> | undefined;
const purify = () => {
  if (!purifier) {
    const { JSDOM } = require('jsdom') as typeof import('jsdom');
    purifier = createDOMPurify(new JSDOM('').window as unknown as Parameters<typeof createDOMPurify>[0]);
  }
  return purifier;
};

export const MAX_BADGE_UPLOAD_BYTES = 2 * 1024 * 1024;
const MIN_UPLOAD_SIDE = 64;
const MAX_UPLOAD_SIDE = 4096;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type UploadCheck = { ok: true; image: BadgeImageSpec } | { ok: false; message: string };

/**
 * Sanitises SVG markup with DOMPurify's SVG profile (and its SVG filters), then applies the checks logos get: no script, event handlers,
 * javascript: URLs, embedded HTML or entity declarations — whatever the sanitiser left.
 */
export function sanitizeSvg(markup: string): string | undefined {
  const clean = String(purify().sanitize(markup, { USE_PROFILES: { svg: true, svgFilters: true } })).trim();
  if (!/^<svg[\s>]/i.test(clean)) return undefined;
  // DOMPurify serialises as HTML: make it XML again (the one named entity HTML writes, namespaces),
  // and keep no external reference: a badge must look the same offline and leak no views.
  const svg = clean
    .replace(/&nbsp;/g, '&#160;')
    .replace(/\s(?:xlink:)?href="(?!#|data:image\/(?:png|jpeg);base64,)[^"]*"/gi, '')
    .replace(/^<svg(?![^>]*\sxmlns=)/i, '<svg xmlns="http://www.w3.org/2000/svg"')
    .replace(/^<svg(?![^>]*\sxmlns:xlink=)/i, '<svg xmlns:xlink="http://www.w3.org/1999/xlink"');
  if (/<script|[\s"'/]on[a-z]+\s*=|javascript:|<foreignobject|<!entity/i.test(svg)) return undefined;
  return svg;
}

/**
 * What an uploaded badge image is, from its content (never its name or declared type): a PNG
 * (signature, then sharp's decoder: size bounds, resized to BADGE_PNG_SIZE square with transparent
 * padding) or an SVG (sanitised, and it must render). Anything else is refused with a message.
 */
export async function checkUploadedImage(bytes: Buffer): Promise<UploadCheck> {
  if (bytes.length === 0) return { ok: false, message: 'The image file is empty.' };
  if (bytes.length > MAX_BADGE_UPLOAD_BYTES) return { ok: false, message: 'The image is larger than 2 MB. Choose a smaller one.' };
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    let meta: Sharp.Metadata;
    try {
      meta = await loadSharp()(bytes, { limitInputPixels: MAX_UPLOAD_SIDE * MAX_UPLOAD_SIDE }).metadata();
    } catch {
      return { ok: false, message: 'This PNG cannot be read; it may be damaged. Export it again.' };
    }
    if (meta.format !== 'png' || !meta.width || !meta.height) return { ok: false, message: 'This file is not a readable PNG image.' };
    if (meta.width < MIN_UPLOAD_SIDE || meta.height < MIN_UPLOAD_SIDE || meta.width > MAX_UPLOAD_SIDE || meta.height > MAX_UPLOAD_SIDE) {
      return {
        ok: false,
        message: `The PNG is ${meta.width}×${meta.height} pixels; a badge must be from ${MIN_UPLOAD_SIDE} to ${MAX_UPLOAD_SIDE} pixels on each side (square works best).`,
      };
    }
    try {
      const png = await loadSharp()(bytes, { limitInputPixels: MAX_UPLOAD_SIDE * MAX_UPLOAD_SIDE })
        .resize(BADGE_PNG_SIZE, BADGE_PNG_SIZE, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
        .png()
        .toBuffer();
      return { ok: true, image: { kind: 'png', png: png.toString('base64') } };
    } catch {
      return { ok: false, message: 'This PNG cannot be read; it may be damaged. Export it again.' };
    }
  }
  const text = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  const lower = text.slice(0, 4096).toLowerCase();
  const isSvg =
    lower.startsWith('<svg') || ((lower.startsWith('<?xml') || lower.startsWith('<!--') || lower.startsWith('<!doctype svg')) && /<svg[\s>/]/.test(lower));
  if (!isSvg) return { ok: false, message: 'The badge image must be a PNG or SVG. This file’s content is neither (whatever its name says).' };
  if (/<!entity/i.test(text)) return { ok: false, message: 'This SVG declares entities, which a badge image may not. Export it again as a plain SVG.' };
  const svg = sanitizeSvg(text);
  if (!svg) {
    return {
      ok: false,
      message: 'This SVG has nothing left once script, event handlers and embedded HTML are removed. Export it again as a plain SVG, or use PNG.',
    };
  }
  try {
    renderSvgToPng(svg, 64);
  } catch {
    return { ok: false, message: 'This SVG cannot be drawn; it may be damaged or not SVG at all. Export it again, or use PNG.' };
  }
  return { ok: true, image: { kind: 'svg', svg } };
}

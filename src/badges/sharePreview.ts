// What a shared link shows before anyone opens it: the preview image (1200×630, the size
// LinkedIn, Facebook and X ask for) with the badge, the title and the issuer, rendered from
// SVG by resvg with only the bundled Noto Sans, so it looks the same on every server; the
// Open Graph / Twitter card tags and the embed snippet. Pure: no express, no SQL.
import { Resvg } from '@resvg/resvg-js';
import { escapeXml, wrapTitle } from './badgeImage';
import { FONT_FAMILY, FONT_FILES } from './fonts';

export const PREVIEW_WIDTH = 1200;
export const PREVIEW_HEIGHT = 630;

export interface PreviewFacts {
  title: string;
  issuer: string;
  /** A line under the issuer, e.g. "Verified micro-credential · 2026-12-07". */
  caption: string;
  badgePng: Buffer;
}

export function previewSvg(f: PreviewFacts): string {
  const lines = wrapTitle(f.title, 18, 3);
  const titleSize = lines.length > 2 ? 46 : 52;
  const titleTop = 315 - ((lines.length - 1) * titleSize * 1.15) / 2 - 40;
  const image = `data:image/png;base64,${f.badgePng.toString('base64')}`;
  const font = `font-family="${FONT_FAMILY}"`;
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${PREVIEW_WIDTH}" height="${PREVIEW_HEIGHT}" viewBox="0 0 ${PREVIEW_WIDTH} ${PREVIEW_HEIGHT}">
  <rect width="100%" height="100%" fill="#f4f6fa"/>
  <rect x="0" y="0" width="24" height="${PREVIEW_HEIGHT}" fill="#2b4c7e"/>
  <image x="80" y="115" width="400" height="400" href="${image}" xlink:href="${image}"/>
  <text ${font} font-weight="700" font-size="${titleSize}" fill="#1a1a1a">${lines
    .map((line, i) => `<tspan x="540" y="${Math.round(titleTop + i * titleSize * 1.15)}">${escapeXml(line)}</tspan>`)
    .join('')}</text>
  <text ${font} font-size="34" fill="#2b4c7e" x="540" y="${Math.round(titleTop + lines.length * titleSize * 1.15 + 30)}">${escapeXml(f.issuer)}</text>
  <text ${font} font-size="26" fill="#555555" x="540" y="${Math.round(titleTop + lines.length * titleSize * 1.15 + 80)}">${escapeXml(f.caption)}</text>
</svg>`;
}

export function renderPreviewPng(f: PreviewFacts): Buffer {
  const resvg = new Resvg(previewSvg(f), {
    font: { loadSystemFonts: false, fontFiles: [FONT_FILES.regular, FONT_FILES.bold], defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'width', value: PREVIEW_WIDTH },
  });
  return resvg.render().asPng();
}

/** The tags a share page carries so a link to it previews (Open Graph, Twitter card, oEmbed discovery). */
export interface ShareMeta {
  title: string;
  description: string;
  url: string;
  image: string;
  imageAlt: string;
  oembed: string;
  siteName: string;
}

/** The plain embed snippet: the preview image linking to the share page (no script, works anywhere). */
export function embedSnippet(m: { url: string; image: string; imageAlt: string }): string {
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<a href="${attr(m.url)}"><img src="${attr(m.image)}" alt="${attr(m.imageAlt)}" width="600" height="315"></a>`;
}

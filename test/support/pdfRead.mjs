// Reads a PDF with Mozilla's pdf.js (an independent reader, not the library that wrote it) in
// a child process: pdfjs-dist is ESM-only, which jest's CommonJS modules cannot load.
// Prints JSON: each page's text, the document's language and outline of marked content; and
// with --png <file>, writes page 1 rendered at 2x (pdf.js on @napi-rs/canvas).
// Usage: node test/support/pdfRead.mjs <file.pdf> [--png <out.png>]
import fs from 'node:fs';
import { createCanvas, DOMMatrix, ImageData, Path2D } from '@napi-rs/canvas';

// pdf.js draws with these globals: the same canvas package's, so its paths fit its contexts.
Object.assign(globalThis, { DOMMatrix, ImageData, Path2D });
const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');

const [file, flag, out] = process.argv.slice(2);
const data = new Uint8Array(fs.readFileSync(file));
const doc = await getDocument({ data, useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
const pages = [];
for (let n = 1; n <= doc.numPages; n++) {
  const page = await doc.getPage(n);
  const content = await page.getTextContent({ includeMarkedContent: true });
  const text = content.items
    .filter((i) => typeof i.str === 'string')
    .map((i) => i.str + (i.hasEOL ? '\n' : ''))
    .join('');
  const tags = content.items.filter((i) => i.type === 'beginMarkedContentProps' || i.type === 'beginMarkedContent').map((i) => i.tag);
  pages.push({ text, tags });
}
const metadata = await doc.getMetadata();
const attachments = await doc.getAttachments();
const markInfo = await doc.getMarkInfo();
const tree = await (await doc.getPage(1)).getStructTree();
if (flag === '--png') {
  const page = await doc.getPage(1);
  const viewport = page.getViewport({ scale: 2 });
  const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  await page.render({ canvasContext: ctx, canvas, viewport }).promise;
  fs.writeFileSync(out, await canvas.encode('png'));
}
process.stdout.write(
  JSON.stringify({
    numPages: doc.numPages,
    pages,
    language: metadata.info?.Language ?? null,
    title: metadata.info?.Title ?? null,
    markInfo,
    structTree: tree,
    attachments: Object.fromEntries(
      Object.entries(attachments ?? {}).map(([name, a]) => [name, { filename: a.filename, content: Buffer.from(a.content).toString('utf8'), description: a.description }]),
    ),
  }),
);

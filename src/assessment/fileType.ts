// Detects what an uploaded file really is from its first bytes, never from its name or
// the browser's claim. Pure: a Buffer in, a MIME type (or undefined) out.

const startsWith = (buf: Buffer, bytes: number[], offset = 0) => bytes.every((b, i) => buf[offset + i] === b);
const ascii = (buf: Buffer, start: number, end: number) => buf.subarray(start, end).toString('latin1');

/** Names of the entries in a ZIP file, read from its local file headers (enough to tell OOXML and ODF apart). */
function zipEntryNames(buf: Buffer, limit = 64): string[] {
  const names: string[] = [];
  let at = 0;
  while (at + 30 <= buf.length && names.length < limit && buf.readUInt32LE(at) === 0x04034b50) {
    const flags = buf.readUInt16LE(at + 6);
    const compressedSize = buf.readUInt32LE(at + 18);
    const nameLength = buf.readUInt16LE(at + 26);
    const extraLength = buf.readUInt16LE(at + 28);
    names.push(buf.subarray(at + 30, at + 30 + nameLength).toString('utf8'));
    // With a data descriptor (flag bit 3) the size is not in the header: stop, we have the first entries.
    if (flags & 0x08) break;
    at += 30 + nameLength + extraLength + compressedSize;
  }
  return names;
}

function zipKind(buf: Buffer): string {
  const names = zipEntryNames(buf);
  // ODF puts an uncompressed "mimetype" entry first whose content is the type.
  if (names[0] === 'mimetype') {
    const nameLength = buf.readUInt16LE(26);
    const extraLength = buf.readUInt16LE(28);
    const size = buf.readUInt32LE(18);
    const start = 30 + nameLength + extraLength;
    const type = ascii(buf, start, start + size).trim();
    if (/^application\/vnd\.oasis\.opendocument\.[a-z.-]+$/.test(type)) return type;
  }
  if (names.some((n) => n.startsWith('word/'))) return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  if (names.some((n) => n.startsWith('xl/'))) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (names.some((n) => n.startsWith('ppt/'))) return 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
  return 'application/zip';
}

/** Plain text: valid UTF-8 with no control bytes other than tab, newline, carriage return and form feed. */
function isPlainText(buf: Buffer): boolean {
  const sample = buf.subarray(0, 64 * 1024);
  for (const b of sample) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return false;
  try {
    // Cut at a character boundary: drop a possibly split last sequence before decoding strictly.
    let end = sample.length;
    if (buf.length > sample.length) while (end > 0 && (sample[end - 1] & 0xc0) === 0x80) end--;
    if (buf.length > sample.length && end > 0 && sample[end - 1] >= 0xc0) end--;
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** The MIME type the content shows, or undefined for content we do not recognise. */
export function sniffMimeType(buf: Buffer): string | undefined {
  if (buf.length === 0) return undefined;
  if (startsWith(buf, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(buf, 0, 6) === 'GIF87a' || ascii(buf, 0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'image/webp';
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04])) return zipKind(buf);
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'application/msword'; // OLE2 (legacy Office)
  if (ascii(buf, 4, 8) === 'ftyp') {
    const brand = ascii(buf, 8, 12);
    if (brand.startsWith('M4A')) return 'audio/mp4';
    if (brand === 'qt  ') return 'video/quicktime';
    return 'video/mp4';
  }
  if (ascii(buf, 0, 3) === 'ID3' || (buf[0] === 0xff && (buf[1] & 0xe0) === 0xe0)) return 'audio/mpeg';
  if (startsWith(buf, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';
  if (isPlainText(buf)) {
    const head = buf
      .subarray(0, 512)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart()
      .toLowerCase();
    // Markup is refused as "text": an HTML or SVG upload could run script when opened.
    if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<svg') || head.startsWith('<?xml')) return 'text/html';
    return 'text/plain';
  }
  return undefined;
}

/**
 * Whether a detected type satisfies the allowed list. Legacy Office files all share the
 * OLE2 signature, so "application/msword" also stands for old Excel and PowerPoint files.
 */
export function typeAllowed(detected: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return detected !== 'text/html';
  if (allowed.includes(detected)) return true;
  if (detected === 'application/msword') return allowed.some((a) => a === 'application/vnd.ms-excel' || a === 'application/vnd.ms-powerpoint');
  return false;
}

/**
 * Open Badges 3.0 badge baking (OB 3.0 §5.3): embedding a credential in a PNG or SVG badge image so
 * that the image file itself carries the verifiable credential. Pure functions, no I/O.
 *
 * PNG (§5.3.1): one `iTXt` chunk with keyword `openbadgecredential`; its text is the credential —
 * the JSON serialisation of an OpenBadgeCredential with an embedded proof, or a compact VC-JWT.
 *
 * SVG (§5.3.2): the root `<svg>` binds `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` and its
 * first child is `<openbadges:credential>`. For a VC-JWT the spec puts the compact JWS in the
 * element's `verify` attribute and leaves the element empty; for an embedded proof the element has no
 * `verify` attribute and its body is the credential JSON wrapped in `<![CDATA[...]]>`. We write
 * exactly those two forms; on read we also accept entity-escaped text content (other bakers).
 */
import { inflateSync } from 'node:zlib';

/** OB 3.0 PNG iTXt keyword (OB 2.0 used `openbadges`). */
export const PNG_KEYWORD = 'openbadgecredential';
/** OB 3.0 XML namespace bound to the `openbadges` prefix in a baked SVG. */
export const OB3_SVG_NAMESPACE = 'https://purl.imsglobal.org/ob/v3p0';
/**
 * Upper bound on a credential read back from a compressed iTXt chunk, so a tiny "zip bomb" chunk
 * cannot make us allocate gigabytes. Matches MAX_INPUT_BYTES of the verifier (src/badges/verify.ts),
 * which would reject anything larger anyway; not imported to keep this module dependency-free.
 */
export const MAX_BAKED_CREDENTIAL_BYTES = 1024 * 1024;

/** Thrown for input that is not a PNG/SVG, is malformed or truncated, or cannot be baked. */
export class BadgeBakingError extends Error {
  override name = 'BadgeBakingError';
}

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG chunk lengths are limited to 2^31 - 1 (PNG spec §5.3). */
const MAX_CHUNK_LENGTH = 0x7fffffff;

/** CRC-32 (ISO 3309 / PNG) lookup table; zlib.crc32 only exists from Node 22.2. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes`; pass a previous result as `crc` to continue over several buffers. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Serialises one PNG chunk: length, type, data, CRC over type + data. */
export function encodePngChunk(type: string, data: Uint8Array): Buffer {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new BadgeBakingError(`Invalid PNG chunk type "${type}"`);
  if (data.length > MAX_CHUNK_LENGTH) throw new BadgeBakingError('PNG chunk data is too large');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

export function isPng(file: Uint8Array): boolean {
  return file.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.equals(file.subarray(0, PNG_SIGNATURE.length));
}

interface PngChunk {
  type: string;
  data: Buffer;
  /** The whole chunk (length … CRC) as it appears in the file. */
  raw: Buffer;
}

/**
 * Walks the chunks of a PNG lazily, stopping after IEND. Every length is checked against the bytes
 * actually present before anything is read, so truncated or hostile input ends with a clear error
 * and cannot make us loop or over-read. CRCs are checked only when `checkCrc` (baking), because a
 * reader should still find the credential in an image some other tool damaged elsewhere.
 */
function* pngChunks(png: Buffer, checkCrc: boolean): Generator<PngChunk> {
  if (!isPng(png)) throw new BadgeBakingError('Not a PNG file: the PNG signature is missing');
  let offset = PNG_SIGNATURE.length;
  let first = true;
  for (;;) {
    if (offset + 12 > png.length) throw new BadgeBakingError('Malformed PNG: truncated before the IEND chunk');
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new BadgeBakingError(`Malformed PNG: invalid chunk type at byte ${offset}`);
    if (length > MAX_CHUNK_LENGTH || length > png.length - offset - 12) {
      throw new BadgeBakingError(`Malformed PNG: ${type} chunk at byte ${offset} runs past the end of the file`);
    }
    if (first && type !== 'IHDR') throw new BadgeBakingError('Malformed PNG: the first chunk is not IHDR');
    first = false;
    const end = offset + 12 + length;
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (checkCrc && crc32(png.subarray(offset + 4, offset + 8 + length)) !== png.readUInt32BE(end - 4)) {
      throw new BadgeBakingError(`Malformed PNG: CRC mismatch in ${type} chunk at byte ${offset}`);
    }
    yield { type, data, raw: png.subarray(offset, end) };
    if (type === 'IEND') return;
    offset = end;
  }
}

const KEYWORD_BYTES = Buffer.from(PNG_KEYWORD, 'latin1');

/** True for an iTXt chunk whose keyword is `openbadgecredential` (keyword is NUL-terminated). */
function isCredentialChunk(chunk: PngChunk): boolean {
  return (
    chunk.type === 'iTXt' &&
    chunk.data.length > KEYWORD_BYTES.length &&
    chunk.data[KEYWORD_BYTES.length] === 0 &&
    KEYWORD_BYTES.equals(chunk.data.subarray(0, KEYWORD_BYTES.length))
  );
}

function assertCredential(credential: unknown): asserts credential is string {
  if (typeof credential !== 'string' || credential.trim() === '') {
    throw new BadgeBakingError('The credential to bake must be a non-empty string (JSON or compact JWT)');
  }
}

/**
 * Returns a copy of `png` with the credential in an uncompressed `openbadgecredential` iTXt chunk
 * just before IEND. An existing credential chunk is replaced (a badge image is baked once); bytes
 * after IEND are dropped.
 */
export function bakePng(png: Buffer, credential: string): Buffer {
  assertCredential(credential);
  const kept: Buffer[] = [];
  let sawIend = false;
  for (const chunk of pngChunks(png, true)) {
    if (chunk.type === 'IEND') sawIend = true;
    else if (!isCredentialChunk(chunk)) kept.push(chunk.raw);
  }
  if (!sawIend) throw new BadgeBakingError('Malformed PNG: no IEND chunk');
  // iTXt data: keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated
  // keyword NUL, then the UTF-8 text. The spec forbids compression so readers can stay simple.
  const text = Buffer.from(credential, 'utf8');
  const data = Buffer.concat([KEYWORD_BYTES, Buffer.from([0, 0, 0, 0, 0]), text]);
  return Buffer.concat([PNG_SIGNATURE, ...kept, encodePngChunk('iTXt', data), encodePngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * The credential text baked into `png`, or undefined when there is none. Throws BadgeBakingError
 * for a non-PNG, for a file that is truncated/malformed before the credential chunk, and for a
 * malformed credential chunk. Compressed iTXt (flag 1, zlib) is accepted although we never write it.
 */
export function unbakePng(png: Buffer): string | undefined {
  for (const chunk of pngChunks(png, false)) {
    if (isCredentialChunk(chunk)) return readItxtText(chunk.data);
  }
  return undefined;
}

function readItxtText(data: Buffer): string {
  let pos = KEYWORD_BYTES.length + 1; // past keyword and its NUL
  if (pos + 2 > data.length) throw new BadgeBakingError('Malformed openbadgecredential iTXt chunk: truncated header');
  const compressed = data[pos];
  const method = data[pos + 1];
  pos += 2;
  // Skip the language tag and translated keyword, each NUL-terminated.
  for (let field = 0; field < 2; field++) {
    const nul = data.indexOf(0, pos);
    if (nul < 0) throw new BadgeBakingError('Malformed openbadgecredential iTXt chunk: unterminated header field');
    pos = nul + 1;
  }
  let text = data.subarray(pos);
  if (compressed === 1) {
    if (method !== 0) throw new BadgeBakingError(`Unsupported iTXt compression method ${method}`);
    try {
      text = inflateSync(text, { maxOutputLength: MAX_BAKED_CREDENTIAL_BYTES });
    } catch (error) {
      throw new BadgeBakingError(`Cannot decompress the openbadgecredential iTXt chunk: ${(error as Error).message}`);
    }
  } else if (compressed !== 0) {
    throw new BadgeBakingError(`Malformed openbadgecredential iTXt chunk: compression flag ${compressed}`);
  }
  return text.toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// SVG — a small quote-, comment- and CDATA-aware scanner instead of an XML parser dependency.
// All scanning is forward-only with indexOf, so it is linear in the input and cannot hang.
// ---------------------------------------------------------------------------------------------

interface StartTag {
  /** Index of `<`. */
  start: number;
  /** Index just past `>`. */
  end: number;
  /** Qualified element name. */
  name: string;
  /** Attribute text between the name and `>` / `/>`. */
  attributes: string;
  selfClosing: boolean;
}

const NAME_CHAR = /[A-Za-z0-9_.:\-\u00b7\u00c0-\uffff]/;

/** Index just past `terminator` searched from `from`, or an error naming what was unterminated. */
function skipPast(text: string, from: number, terminator: string, what: string): number {
  const at = text.indexOf(terminator, from);
  if (at < 0) throw new BadgeBakingError(`Malformed SVG: unterminated ${what}`);
  return at + terminator.length;
}

/** Parses the start tag whose `<` is at `start` (quoted attribute values may contain `>`). */
function readStartTag(text: string, start: number): StartTag {
  let pos = start + 1;
  while (pos < text.length && NAME_CHAR.test(text[pos])) pos++;
  const name = text.slice(start + 1, pos);
  const attrStart = pos;
  while (pos < text.length) {
    const ch = text[pos];
    if (ch === '"' || ch === "'") {
      pos = skipPast(text, pos + 1, ch, `attribute value in <${name}>`);
    } else if (ch === '>') {
      const selfClosing = text[pos - 1] === '/';
      return { start, end: pos + 1, name, attributes: text.slice(attrStart, selfClosing ? pos - 1 : pos), selfClosing };
    } else {
      pos++;
    }
  }
  throw new BadgeBakingError(`Malformed SVG: unterminated <${name}> tag`);
}

/** Skips a DOCTYPE declaration, including an internal subset in `[...]` with quoted strings. */
function skipDoctype(text: string, start: number): number {
  let depth = 0;
  let pos = start + 2;
  while (pos < text.length) {
    const ch = text[pos];
    if (ch === '"' || ch === "'") pos = skipPast(text, pos + 1, ch, 'DOCTYPE literal');
    else if (ch === '<' && text.startsWith('<!--', pos)) pos = skipPast(text, pos + 4, '-->', 'comment');
    else {
      if (ch === '[') depth++;
      else if (ch === ']') depth--;
      else if (ch === '>' && depth <= 0) return pos + 1;
      pos++;
    }
  }
  throw new BadgeBakingError('Malformed SVG: unterminated DOCTYPE');
}

/**
 * The root element's start tag, skipping a BOM, whitespace, the XML declaration, processing
 * instructions, comments and a DOCTYPE. Undefined when the document does not start with markup.
 */
function findRootTag(text: string): StartTag | undefined {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
    if (text[pos] !== '<') return undefined;
    if (text.startsWith('<?', pos)) pos = skipPast(text, pos + 2, '?>', 'processing instruction');
    else if (text.startsWith('<!--', pos)) pos = skipPast(text, pos + 4, '-->', 'comment');
    else if (text.startsWith('<!DOCTYPE', pos) || text.startsWith('<!doctype', pos)) pos = skipDoctype(text, pos);
    else if (NAME_CHAR.test(text[pos + 1] ?? '') && text[pos + 1] !== ':') return readStartTag(text, pos);
    else return undefined;
  }
}

function isSvgRoot(tag: StartTag | undefined): tag is StartTag {
  return tag !== undefined && tag.name === 'svg';
}

/** True when `text` is an XML document whose root element is `<svg>`. */
export function looksLikeSvg(text: string): boolean {
  try {
    return isSvgRoot(findRootTag(text));
  } catch {
    return false;
  }
}

/** Decodes the predefined XML entities and numeric character references; unknown ones are kept. */
function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9A-Fa-f]{1,8}|#[0-9]{1,10}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    switch (ref) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    const valid = code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return valid ? String.fromCodePoint(code) : whole;
  });
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Attributes of a start tag as name → decoded value, in any order, either quote style. A hand-rolled
 * loop rather than a regex so a hostile tag cannot trigger super-linear backtracking.
 */
function parseAttributes(attributes: string): Map<string, string> {
  const result = new Map<string, string>();
  const isSpace = (ch: string | undefined) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
  let pos = 0;
  while (pos < attributes.length) {
    while (isSpace(attributes[pos])) pos++;
    const nameStart = pos;
    while (pos < attributes.length && !isSpace(attributes[pos]) && !'=/>"\''.includes(attributes[pos])) pos++;
    const name = attributes.slice(nameStart, pos);
    while (isSpace(attributes[pos])) pos++;
    if (!name || attributes[pos] !== '=') {
      pos = Math.max(pos, nameStart + 1); // not an attribute; skip a character and resynchronise
      continue;
    }
    pos++;
    while (isSpace(attributes[pos])) pos++;
    const quote = attributes[pos];
    if (quote !== '"' && quote !== "'") continue;
    const close = attributes.indexOf(quote, pos + 1);
    if (close < 0) break;
    result.set(name, decodeEntities(attributes.slice(pos + 1, close)));
    pos = close + 1;
  }
  return result;
}

interface CredentialElement {
  start: number;
  end: number;
  verify?: string;
  /** Character data: CDATA sections verbatim, other text entity-decoded, comments dropped. */
  content: string;
}

/** Prefixes to recognise: `openbadges`, plus any prefix the document binds to the OB 3.0 namespace. */
function credentialPrefixes(svg: string): Set<string> {
  const prefixes = new Set(['openbadges']);
  const re = /xmlns:([A-Za-z_][\w.-]*)\s*=\s*(["'])https:\/\/purl\.imsglobal\.org\/ob\/v3p0\/?\2/g;
  for (let m = re.exec(svg); m; m = re.exec(svg)) prefixes.add(m[1]);
  return prefixes;
}

/**
 * Finds `<prefix:credential>` elements anywhere after `from`, ignoring look-alikes inside comments
 * and CDATA sections (e.g. inside another element's embedded JSON).
 */
function findCredentialElements(svg: string, from: number): CredentialElement[] {
  const names = credentialPrefixes(svg);
  const found: CredentialElement[] = [];
  let pos = from;
  for (;;) {
    const lt = svg.indexOf('<', pos);
    if (lt < 0) return found;
    if (svg.startsWith('<!--', lt)) {
      pos = skipPast(svg, lt + 4, '-->', 'comment');
    } else if (svg.startsWith('<![CDATA[', lt)) {
      pos = skipPast(svg, lt + 9, ']]>', 'CDATA section');
    } else if (svg.startsWith('<?', lt)) {
      pos = skipPast(svg, lt + 2, '?>', 'processing instruction');
    } else if (NAME_CHAR.test(svg[lt + 1] ?? '')) {
      const tag = readStartTag(svg, lt);
      const colon = tag.name.indexOf(':');
      if (colon > 0 && tag.name.slice(colon + 1) === 'credential' && names.has(tag.name.slice(0, colon))) {
        const element = readCredentialElement(svg, tag);
        found.push(element);
        pos = element.end;
      } else {
        pos = tag.end;
      }
    } else {
      pos = lt + 1; // end tag or stray '<'
    }
  }
}

function readCredentialElement(svg: string, tag: StartTag): CredentialElement {
  const verify = parseAttributes(tag.attributes).get('verify');
  if (tag.selfClosing) return { start: tag.start, end: tag.end, verify, content: '' };
  const closing = `</${tag.name}`;
  let content = '';
  let pos = tag.end;
  for (;;) {
    const lt = svg.indexOf('<', pos);
    if (lt < 0) throw new BadgeBakingError(`Malformed SVG: <${tag.name}> is not closed`);
    content += decodeEntities(svg.slice(pos, lt));
    if (svg.startsWith('<![CDATA[', lt)) {
      const close = skipPast(svg, lt + 9, ']]>', 'CDATA section');
      content += svg.slice(lt + 9, close - 3);
      pos = close;
    } else if (svg.startsWith('<!--', lt)) {
      pos = skipPast(svg, lt + 4, '-->', 'comment');
    } else if (svg.startsWith(closing, lt) && /^\s*>/.test(svg.slice(lt + closing.length, lt + closing.length + 64))) {
      return { start: tag.start, end: skipPast(svg, lt, '>', 'end tag'), verify, content };
    } else {
      throw new BadgeBakingError(`Malformed SVG: unexpected markup inside <${tag.name}>`);
    }
  }
}

/** A compact JWS: three base64url segments (header.payload.signature). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Wraps text in CDATA; `]]>` cannot appear inside one, so it is split across two sections. */
function cdata(text: string): string {
  return `<![CDATA[${text.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

/**
 * Returns `svg` with the credential baked in per OB 3.0 §5.3.2: `xmlns:openbadges` on the root and
 * `<openbadges:credential>` as its first child — `verify="<jws>"` for a compact VC-JWT, otherwise
 * the text (JSON with an embedded proof) in CDATA. Existing credential elements are removed first.
 */
export function bakeSvg(svg: string, credential: string): string {
  assertCredential(credential);
  const root = findRootTag(svg);
  if (!isSvgRoot(root)) throw new BadgeBakingError('Not an SVG document: the root element is not <svg>');

  // Drop previously baked credentials, last first so earlier offsets stay valid.
  let body = svg;
  for (const old of findCredentialElements(svg, root.end).reverse()) {
    body = body.slice(0, old.start) + body.slice(old.end);
  }

  // Bind the prefix on the root, replacing a binding to another namespace (e.g. OB 2.0's
  // http://openbadges.org) since the element we add must be in the OB 3.0 namespace.
  const binding = /(\sxmlns:openbadges\s*=\s*)(?:"[^"]*"|'[^']*')/;
  const attributes = binding.test(root.attributes)
    ? root.attributes.replace(binding, `$1"${OB3_SVG_NAMESPACE}"`)
    : `${root.attributes.trimEnd()} xmlns:openbadges="${OB3_SVG_NAMESPACE}"`;

  const trimmed = credential.trim();
  const element = COMPACT_JWS.test(trimmed)
    ? `<openbadges:credential verify="${escapeAttribute(trimmed)}"></openbadges:credential>`
    : `<openbadges:credential>${cdata(credential)}</openbadges:credential>`;

  const head = `${body.slice(0, root.start)}<${root.name}${attributes}>${element}`;
  // A self-closing <svg/> has no children yet, so it has to be opened and closed around the credential.
  return root.selfClosing ? `${head}</${root.name}>${body.slice(root.end)}` : head + body.slice(root.end);
}

/**
 * The credential baked into `svg` (the `verify` attribute, else the element's text), or undefined
 * when there is none. Throws BadgeBakingError for a non-SVG or markup too malformed to scan.
 */
export function unbakeSvg(svg: string): string | undefined {
  const root = findRootTag(svg);
  if (!isSvgRoot(root)) throw new BadgeBakingError('Not an SVG document: the root element is not <svg>');
  for (const element of findCredentialElements(svg, root.end)) {
    const value = element.verify?.trim() || element.content.trim();
    if (value) return value;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

/**
 * Reads the credential from a baked image, detecting PNG by signature and SVG by its root element.
 * Undefined when the file is neither or carries no credential; throws BadgeBakingError when it is a
 * PNG/SVG too malformed to read.
 */
export function unbake(file: Buffer): { format: 'png' | 'svg'; credential: string } | undefined {
  if (isPng(file)) {
    const credential = unbakePng(file);
    return credential === undefined ? undefined : { format: 'png', credential };
  }
  const text = file.toString('utf8');
  if (!looksLikeSvg(text)) return undefined;
  const credential = unbakeSvg(text);
  return credential === undefined ? undefined : { format: 'svg', credential };
}

import { deflateSync } from 'node:zlib';
import extractChunks from 'png-chunks-extract';
import { badgePng } from '../../src/badges/badgeImage';
import { assertWellFormed } from './xml';
import {
  bakePng,
  bakeSvg,
  BadgeBakingError,
  crc32,
  MAX_BAKED_CREDENTIAL_BYTES,
  OB3_SVG_NAMESPACE,
  unbake,
  unbakePng,
  unbakeSvg,
} from '../../src/badges/baking';

// ---- Independent PNG helpers (bit-by-bit CRC, not the table used by the code under test) ----

function referenceCrc(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(referenceCrc(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A 1×1 opaque RGBA PNG with a tEXt chunk, built by hand. */
function tinyPng(extra: Buffer[] = []): Buffer {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  const idat = deflateSync(Buffer.from([0, 0x12, 0x34, 0x56, 0xff]));
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('tEXt', Buffer.from('Software\0microcred test', 'latin1')),
    chunk('IDAT', idat),
    ...extra,
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

interface WalkedChunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

/** Walks every chunk, requiring the file to end exactly after IEND. */
function walkPng(png: Buffer): WalkedChunk[] {
  expect(png.subarray(0, 8).equals(SIGNATURE)).toBe(true);
  const chunks: WalkedChunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crcOk = referenceCrc(png.subarray(offset + 4, offset + 8 + length)) === png.readUInt32BE(offset + 8 + length);
    chunks.push({ type, data, crcOk });
    offset += 12 + length;
  }
  expect(offset).toBe(png.length);
  expect(chunks[0].type).toBe('IHDR');
  expect(chunks[chunks.length - 1].type).toBe('IEND');
  return chunks;
}

function itxt(keyword: string, text: Buffer, compressed = false): Buffer {
  return chunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, compressed ? 1 : 0, 0, 0, 0]), text]));
}

const credentialChunks = (png: Buffer) => walkPng(png).filter((c) => c.type === 'iTXt' && c.data.subarray(0, 20).equals(Buffer.from('openbadgecredential\0')));

// ---- Fixtures ----

const JSON_CREDENTIAL = JSON.stringify({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  name: 'Señora <Ça va> & "quotes" \'apos\' 🎓',
  credentialSubject: { achievement: { description: 'Tricky ]]> CDATA end, ]]]]> and </openbadges:credential> too' } },
});
const JWT = 'eyJhbGciOiJFZERTQSIsInR5cCI6InZjK2p3dCJ9.eyJpc3MiOiJkaWQ6a2V5Ono2TWsifQ.c2lnbmF0dXJlLWJ5dGVz_-A';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>';

/** Deterministic PRNG for the fuzz tests. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Runs fn and requires it to return or throw a BadgeBakingError with a message — nothing else. */
function returnsOrThrowsBakingError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BadgeBakingError);
    expect((error as Error).message).not.toBe('');
  }
}

// ---- CRC ----

describe('crc32', () => {
  it('matches the standard check value and an independent implementation', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const random = prng(1);
    const data = Buffer.from(Array.from({ length: 1000 }, () => Math.floor(random() * 256)));
    expect(crc32(data)).toBe(referenceCrc(data));
    expect(crc32(data.subarray(400), crc32(data.subarray(0, 400)))).toBe(referenceCrc(data));
  });
});

// ---- PNG ----

describe('baking read back by an independent PNG chunk parser (png-chunks-extract)', () => {
  /** iTXt (PNG spec §11.3.4.5): keyword \0, compression flag, method, language \0, translated keyword \0, text. */
  function readItxt(data: Uint8Array) {
    const buf = Buffer.from(data);
    const k = buf.indexOf(0);
    const flag = buf[k + 1];
    const lang = buf.indexOf(0, k + 3);
    const translated = buf.indexOf(0, lang + 1);
    return { keyword: buf.toString('latin1', 0, k), compressed: flag === 1, text: buf.toString('utf8', translated + 1) };
  }

  it.each([
    ['a JSON-LD credential with non-ASCII text', JSON.stringify({ name: 'Données — 数据 🎓', type: ['VerifiableCredential', 'OpenBadgeCredential'] })],
    ['a compact VC-JWT', JWT],
  ])('a rendered badge baked with %s has valid CRCs, one openbadgecredential iTXt before IEND, and the exact text', (_label, credential) => {
    const original = badgePng({ seed: 'independent', title: 'Independent parser', size: 128 });
    const baked = bakePng(bakePng(original, 'an older credential'), credential); // baked twice: replaced, not added
    const chunks = extractChunks(baked); // throws on any CRC mismatch
    const names = chunks.map((c) => c.name);
    expect(names[0]).toBe('IHDR');
    expect(names.at(-1)).toBe('IEND');
    expect(names.at(-2)).toBe('iTXt');
    const itxt = chunks.filter((c) => c.name === 'iTXt').map((c) => readItxt(c.data));
    expect(itxt).toEqual([{ keyword: 'openbadgecredential', compressed: false, text: credential }]);
    // The image itself is untouched: the other chunks are the original's, in order.
    expect(chunks.filter((c) => c.name !== 'iTXt').map((c) => Buffer.from(c.data).toString('hex'))).toEqual(
      extractChunks(original).map((c) => Buffer.from(c.data).toString('hex')),
    );
  });
});

describe('bakePng / unbakePng', () => {
  it.each([
    ['a JSON-LD credential', JSON_CREDENTIAL],
    ['a compact VC-JWT', JWT],
  ])('round-trips %s', (_label, credential) => {
    const baked = bakePng(tinyPng(), credential);
    expect(unbakePng(baked)).toBe(credential);
    expect(unbake(baked)).toEqual({ format: 'png', credential });
  });

  it('produces a valid PNG: every CRC correct, original chunks kept in order, iTXt just before IEND', () => {
    const original = tinyPng();
    const baked = bakePng(original, JSON_CREDENTIAL);
    const chunks = walkPng(baked);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'iTXt', 'IEND']);
    expect(baked.subarray(0, original.length - 12).equals(original.subarray(0, original.length - 12))).toBe(true);
  });

  it('writes an uncompressed iTXt with empty language tag and translated keyword', () => {
    const [credentialChunk] = credentialChunks(bakePng(tinyPng(), JWT));
    const expected = Buffer.concat([Buffer.from('openbadgecredential'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(JWT)]);
    expect(credentialChunk.data.equals(expected)).toBe(true);
  });

  it('replaces an existing credential rather than adding a second one', () => {
    const once = bakePng(tinyPng(), JSON_CREDENTIAL);
    const twice = bakePng(once, JWT);
    expect(unbakePng(twice)).toBe(JWT);
    expect(credentialChunks(twice)).toHaveLength(1);
    expect(twice.equals(bakePng(tinyPng(), JWT))).toBe(true);
  });

  it('replaces a credential chunk that is not at the end, and keeps other iTXt chunks', () => {
    const png = tinyPng([itxt('openbadgecredential', Buffer.from('old')), itxt('openbadges', Buffer.from('ob2'))]);
    const baked = bakePng(png, JWT);
    expect(credentialChunks(baked)).toHaveLength(1);
    expect(walkPng(baked).map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'iTXt', 'iTXt', 'IEND']);
    expect(unbakePng(baked)).toBe(JWT);
  });

  it('reads a compressed iTXt chunk (compression flag 1, zlib)', () => {
    const png = tinyPng([itxt('openbadgecredential', deflateSync(Buffer.from(JSON_CREDENTIAL)), true)]);
    expect(unbakePng(png)).toBe(JSON_CREDENTIAL);
  });

  it('refuses a compressed chunk that inflates past the size limit, and corrupt zlib data', () => {
    const bomb = tinyPng([itxt('openbadgecredential', deflateSync(Buffer.alloc(MAX_BAKED_CREDENTIAL_BYTES + 1, 0x20)), true)]);
    expect(() => unbakePng(bomb)).toThrow(BadgeBakingError);
    const corrupt = tinyPng([itxt('openbadgecredential', Buffer.from('not zlib'), true)]);
    expect(() => unbakePng(corrupt)).toThrow(/decompress/);
  });

  it('ignores look-alike keywords and returns undefined for an unbaked PNG', () => {
    expect(unbakePng(tinyPng())).toBeUndefined();
    expect(unbakePng(tinyPng([itxt('openbadgecredentials', Buffer.from('x'))]))).toBeUndefined();
    expect(unbakePng(tinyPng([itxt('openbadges', Buffer.from('x'))]))).toBeUndefined();
    expect(unbake(tinyPng())).toBeUndefined();
  });

  it('throws a clear error for non-PNG input and empty credentials', () => {
    expect(() => bakePng(Buffer.from('GIF89a...'), JWT)).toThrow(/Not a PNG/);
    expect(() => unbakePng(Buffer.alloc(0))).toThrow(BadgeBakingError);
    expect(() => bakePng(tinyPng(), '  ')).toThrow(BadgeBakingError);
  });

  it('refuses to bake a PNG with a bad CRC, but can still read one', () => {
    const baked = Buffer.from(bakePng(tinyPng(), JWT));
    baked[20] ^= 0xff; // inside IHDR data
    expect(() => bakePng(baked, JWT)).toThrow(/CRC mismatch in IHDR/);
    expect(unbakePng(baked)).toBe(JWT);
  });

  it('rejects chunk lengths that run past the end of the buffer instead of over-reading', () => {
    const png = tinyPng();
    const hostile = Buffer.concat([png.subarray(0, 33), Buffer.from([0xff, 0xff, 0xff, 0xf0]), Buffer.from('iTXt'), Buffer.alloc(64)]);
    expect(() => unbakePng(hostile)).toThrow(/runs past the end/);
    expect(() => bakePng(hostile, JWT)).toThrow(BadgeBakingError);
  });

  it('handles every truncation of a baked PNG without unexpected errors', () => {
    const baked = bakePng(tinyPng(), JSON_CREDENTIAL);
    for (let length = 0; length < baked.length; length++) {
      const truncated = baked.subarray(0, length);
      returnsOrThrowsBakingError(() => unbakePng(truncated));
      returnsOrThrowsBakingError(() => unbake(truncated));
      expect(() => bakePng(truncated, JWT)).toThrow(BadgeBakingError);
    }
  });

  it('survives random corruption (fuzz)', () => {
    const baked = bakePng(tinyPng(), JSON_CREDENTIAL);
    const random = prng(42);
    for (let i = 0; i < 500; i++) {
      const mutated = Buffer.from(baked);
      for (let j = 0; j < 1 + Math.floor(random() * 4); j++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      returnsOrThrowsBakingError(() => unbakePng(mutated));
      returnsOrThrowsBakingError(() => bakePng(mutated, JWT));
    }
  });
});

// ---- SVG ----

describe('bakeSvg / unbakeSvg', () => {
  it('bakes a JSON-LD credential as CDATA in the first child, splitting any "]]>"', () => {
    const baked = bakeSvg(SVG, JSON_CREDENTIAL);
    expect(baked).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 10 10" xmlns:openbadges="https:\/\/purl\.imsglobal\.org\/ob\/v3p0"><openbadges:credential><!\[CDATA\[/,
    );
    expect(baked).toContain(']]]]><![CDATA[>');
    expect(baked.endsWith('<circle cx="5" cy="5" r="4"/></svg>')).toBe(true);
    assertWellFormed(baked);
    expect(unbakeSvg(baked)).toBe(JSON_CREDENTIAL);
    expect(unbake(Buffer.from(baked))).toEqual({ format: 'svg', credential: JSON_CREDENTIAL });
  });

  it('bakes a compact JWT into the verify attribute of an empty element (OB 3.0 §5.3.2.1)', () => {
    const baked = bakeSvg(SVG, JWT);
    expect(baked).toContain(`<openbadges:credential verify="${JWT}"></openbadges:credential><circle`);
    assertWellFormed(baked);
    expect(unbakeSvg(baked)).toBe(JWT);
  });

  it('replaces an existing credential element and does not duplicate the namespace', () => {
    const twice = bakeSvg(bakeSvg(SVG, JSON_CREDENTIAL), JWT);
    expect(twice).toBe(bakeSvg(SVG, JWT));
    const back = bakeSvg(twice, JSON_CREDENTIAL);
    expect(back).toBe(bakeSvg(SVG, JSON_CREDENTIAL));
    expect(back.match(/<openbadges:credential[\s>]/g)).toHaveLength(1); // the JSON itself mentions the end tag
    expect(back.match(/xmlns:openbadges=/g)).toHaveLength(1);
  });

  it('replaces a credential element that is not the first child, and rebinds an OB 2.0 prefix', () => {
    const svg = '<svg xmlns:openbadges="http://openbadges.org" xmlns="http://www.w3.org/2000/svg"><g/>\n' + '<openbadges:credential verify="a.b.c"/></svg>';
    const baked = bakeSvg(svg, JWT);
    expect(baked).toBe(
      `<svg xmlns:openbadges="${OB3_SVG_NAMESPACE}" xmlns="http://www.w3.org/2000/svg"><openbadges:credential verify="${JWT}"></openbadges:credential><g/>\n</svg>`,
    );
  });

  it('handles an XML declaration, BOM, comments, DOCTYPE and a self-closing root', () => {
    const svg =
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- <svg> in a comment -->\n' +
      '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [ <!ENTITY x "y>"> ]>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" data-x="a>b" />';
    const baked = bakeSvg(svg, JSON_CREDENTIAL);
    expect(baked.startsWith(svg.slice(0, svg.indexOf('<svg')))).toBe(true);
    expect(baked).toMatch(/data-x="a>b" xmlns:openbadges="[^"]+"><openbadges:credential>[\s\S]*<\/openbadges:credential><\/svg>$/);
    expect(unbakeSvg(baked)).toBe(JSON_CREDENTIAL);
    expect(unbake(Buffer.from(baked))?.format).toBe('svg');
  });

  it('reads the verify attribute in any attribute order, quote style and spacing', () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB3_SVG_NAMESPACE}">
      <openbadges:credential
          data-note='x > y'
          verify = '${JWT}' />
    </svg>`;
    expect(unbakeSvg(svg)).toBe(JWT);
  });

  it('reads entity-escaped text content, including numeric references', () => {
    const svg =
      `<svg xmlns:openbadges="${OB3_SVG_NAMESPACE}"><openbadges:credential>\n` +
      '  {"a":"&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#60;&#x3E; &#x1F393; &bogus;"}\n' +
      '</openbadges:credential></svg>';
    expect(unbakeSvg(svg)).toBe(`{"a":"<b> & "c" 'd' <> 🎓 &bogus;"}`);
  });

  it('reads mixed CDATA and text content, and a prefix bound to the OB 3.0 namespace', () => {
    const svg = `<svg xmlns:ob="${OB3_SVG_NAMESPACE}"><ob:credential><![CDATA[{"a":"]]]]><![CDATA[>"}]]></ob:credential></svg>`;
    expect(unbakeSvg(svg)).toBe('{"a":"]]>"}');
  });

  it('ignores a commented-out credential and one quoted inside another CDATA section', () => {
    const svg = '<svg><!-- <openbadges:credential verify="a.b.c"/> -->' + '<metadata><![CDATA[<openbadges:credential verify="d.e.f"/>]]></metadata></svg>';
    expect(unbakeSvg(svg)).toBeUndefined();
    expect(unbakeSvg(bakeSvg(svg, JWT))).toBe(JWT);
  });

  it('prefers a non-empty verify attribute and falls back to content when it is empty', () => {
    expect(unbakeSvg(`<svg><openbadges:credential verify="${JWT}">ignored</openbadges:credential></svg>`)).toBe(JWT);
    expect(unbakeSvg('<svg><openbadges:credential verify=""><![CDATA[{"x":1}]]></openbadges:credential></svg>')).toBe('{"x":1}');
  });

  it('returns undefined for an unbaked SVG or non-SVG input, and throws clear errors for broken SVG', () => {
    expect(unbakeSvg(SVG)).toBeUndefined();
    expect(unbake(Buffer.from(SVG))).toBeUndefined();
    expect(unbake(Buffer.from('<html><svg></svg></html>'))).toBeUndefined();
    expect(unbake(Buffer.from('just text'))).toBeUndefined();
    expect(unbake(Buffer.alloc(0))).toBeUndefined();
    expect(() => bakeSvg('<html/>', JWT)).toThrow(/Not an SVG/);
    expect(() => unbakeSvg('<svg><openbadges:credential>{"a":1}')).toThrow(/not closed/);
    expect(() => unbakeSvg('<svg><openbadges:credential><![CDATA[{"a":1}</openbadges:credential></svg>')).toThrow(/unterminated CDATA/);
  });

  it('handles every truncation of a baked SVG without unexpected errors', () => {
    const baked = bakeSvg(SVG, JSON_CREDENTIAL);
    for (let length = 0; length < baked.length; length++) {
      returnsOrThrowsBakingError(() => unbake(Buffer.from(baked.slice(0, length))));
      returnsOrThrowsBakingError(() => bakeSvg(baked.slice(0, length), JWT));
    }
  });

  it('stays fast on pathological input', () => {
    const started = Date.now();
    const long = 'a'.repeat(500_000);
    returnsOrThrowsBakingError(() => unbakeSvg(`<svg><openbadges:credential ${long}=${long}>`));
    returnsOrThrowsBakingError(() => unbakeSvg(`<svg><openbadges:credential ${' '.repeat(500_000)}x`));
    returnsOrThrowsBakingError(() => unbakeSvg(`<svg>${'<'.repeat(500_000)}`));
    returnsOrThrowsBakingError(() => bakeSvg(`<svg ${' '.repeat(500_000)}x>`, JWT));
    returnsOrThrowsBakingError(() => unbakeSvg(`<svg xmlns:${'a'.repeat(500_000)}>`));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

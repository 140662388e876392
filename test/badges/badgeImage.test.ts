import { inflateSync } from 'node:zlib';
import { BADGE_PALETTE, badgeColor, badgePng, badgeSvg, wrapTitle } from '../../src/badges/badgeImage';
import { bakePng, bakeSvg, unbake, unbakePng, unbakeSvg } from '../../src/badges/baking';
import { assertWellFormed } from './xml';

// ---- Independent PNG reader (bit-by-bit CRC, not the table used by the code under test) ----

function referenceCrc(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function walkPng(png: Buffer): Array<{ type: string; data: Buffer; crcOk: boolean }> {
  const chunks = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const crcOk = referenceCrc(png.subarray(offset + 4, offset + 8 + length)) === png.readUInt32BE(offset + 8 + length);
    chunks.push({ type, data: png.subarray(offset + 8, offset + 8 + length), crcOk });
    offset += 12 + length;
  }
  expect(offset).toBe(png.length);
  return chunks;
}

/** Decodes our own output: RGBA, 8-bit, non-interlaced, filter 0 on every row. */
function decode(png: Buffer) {
  const chunks = walkPng(png);
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 4 + 1;
  const pixel = (x: number, y: number) => Array.from(raw.subarray(y * stride + 1 + x * 4, y * stride + 5 + x * 4));
  return { chunks, ihdr, width, height, raw, stride, pixel };
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** WCAG 2 contrast ratio of a colour against white. */
function contrastWithWhite(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}

describe('badgeColor', () => {
  it('uses only colours with at least 4.5:1 contrast against white', () => {
    for (const colour of BADGE_PALETTE) expect(contrastWithWhite(colour)).toBeGreaterThanOrEqual(4.5);
  });

  it('is deterministic and spreads seeds over the whole palette', () => {
    expect(badgeColor('achievement-42')).toBe(badgeColor('achievement-42'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => badgeColor(`seed-${i}`)));
    expect(used.size).toBe(BADGE_PALETTE.length);
  });
});

describe('badgePng', () => {
  it('is a valid 400×400 RGBA PNG by default, with correct CRCs and filter 0 rows', () => {
    const png = badgePng({ seed: 'course-1' });
    expect(png.subarray(0, 8).equals(SIGNATURE)).toBe(true);
    const { chunks, ihdr, width, height, raw, stride } = decode(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    expect([width, height]).toEqual([400, 400]);
    expect(Array.from(ihdr.subarray(8))).toEqual([8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, filter 0, no interlace
    expect(raw.length).toBe(400 * (400 * 4 + 1));
    for (let y = 0; y < height; y++) expect(raw[y * stride]).toBe(0);
  });

  it('honours size', () => {
    const { width, height, raw } = decode(badgePng({ seed: 'x', size: 64 }));
    expect([width, height]).toEqual([64, 64]);
    expect(raw.length).toBe(64 * (64 * 4 + 1));
    expect(() => badgePng({ size: 0 })).toThrow(RangeError);
    expect(() => badgePng({ size: 100.5 })).toThrow(RangeError);
    expect(() => badgePng({ size: 100_000 })).toThrow(RangeError);
  });

  it('has transparent corners, an opaque white star centre, the seed colour outside and a darker disc inside', () => {
    const seed = 'course-1';
    const { pixel } = decode(badgePng({ seed }));
    for (const [x, y] of [
      [0, 0],
      [399, 0],
      [0, 399],
      [399, 399],
      [30, 30],
    ])
      expect(pixel(x, y)[3]).toBe(0);
    expect(pixel(200, 200)).toEqual([255, 255, 255, 255]);
    const base = rgb(badgeColor(seed));
    expect(pixel(200, 16)).toEqual([...base, 255]); // radius 0.92: outer band
    expect(pixel(200, 34)).toEqual([255, 255, 255, 255]); // radius 0.83: white ring
    const inner = pixel(200, 340); // radius 0.70, below the star
    expect(inner[3]).toBe(255);
    inner.slice(0, 3).forEach((c, i) => expect(c).toBeLessThan(base[i] || 1));
  });

  it('anti-aliases edges', () => {
    const { pixel } = decode(badgePng({ seed: 'a' }));
    const edgeAlphas = Array.from({ length: 400 }, (_, x) => pixel(x, 4)[3]);
    expect(edgeAlphas.some((a) => a > 0 && a < 255)).toBe(true);
  });

  it('is deterministic per seed and differs in colour between seeds', () => {
    expect(badgePng({ seed: 'same' }).equals(badgePng({ seed: 'same' }))).toBe(true);
    expect(badgePng({ title: 'Same title' }).equals(badgePng({ seed: 'Same title' }))).toBe(true);
    const other = Array.from({ length: 50 }, (_, i) => `other-${i}`).find((s) => badgeColor(s) !== badgeColor('same'))!;
    expect(decode(badgePng({ seed: other })).pixel(200, 16)).not.toEqual(decode(badgePng({ seed: 'same' })).pixel(200, 16));
  });

  it('can be baked and unbaked', () => {
    const credential = JSON.stringify({ type: ['VerifiableCredential', 'OpenBadgeCredential'], name: 'Badge' });
    const baked = bakePng(badgePng({ seed: 'bake-me' }), credential);
    expect(unbakePng(baked)).toBe(credential);
    expect(unbake(baked)).toEqual({ format: 'png', credential });
    expect(walkPng(baked).every((c) => c.crcOk)).toBe(true);
  });
});

describe('badgeSvg', () => {
  const tricky = `Data <Science> & "AI" it's > ok`;

  it('is accessible, well-formed and escapes special characters', () => {
    const svg = badgeSvg({ title: tricky, subtitle: 'EQF 6 & <5 ECTS>', issuer: `O'Reilly "U"`, seed: 's' });
    assertWellFormed(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 600 600"[^>]* role="img"/);
    expect(svg).toContain('<title id="');
    expect(svg).toContain('>Data &lt;Science&gt; &amp; &quot;AI&quot; it&apos;s &gt; ok</title>');
    expect(svg).toContain('EQF 6 &amp; &lt;5 ECTS&gt;');
    expect(svg).toContain('O&apos;Reilly &quot;U&quot;');
    expect(svg).not.toMatch(/<Science>|"AI"|& /);
    const titleId = /<title id="([^"]+)"/.exec(svg)![1];
    expect(svg).toMatch(new RegExp(`aria-labelledby="${titleId}`));
  });

  it('drops characters XML cannot contain', () => {
    const svg = badgeSvg({ title: 'Bad\u0000\u0007chars\uD800 🎓', seed: 'x' });
    assertWellFormed(svg);
    expect(svg).toContain('Badchars 🎓');
  });

  it('wraps the title onto at most three lines', () => {
    const svg = badgeSvg({ title: 'Advanced Quantitative Methods for Sustainable Urban Water Management Systems' });
    assertWellFormed(svg);
    const lines = Array.from(svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g), (m) => m[1]);
    expect(lines).toHaveLength(3);
    expect(lines[2].endsWith('…')).toBe(true);
    expect(wrapTitle('Supercalifragilisticexpialidocious')).toEqual(['Supercalifragilist', 'icexpialidocious']);
    expect(wrapTitle('Short')).toEqual(['Short']);
  });

  it('uses the same deterministic colour as the PNG', () => {
    const svg = badgeSvg({ title: 'Any', seed: 'course-1' });
    expect(svg).toContain(`fill="${badgeColor('course-1')}"`);
    expect(badgeSvg({ title: 'Any', seed: 'course-1' })).toBe(svg);
    expect(badgeSvg({ title: 'Title seed' })).toContain(`fill="${badgeColor('Title seed')}"`);
  });

  it('can be baked and unbaked, staying well-formed', () => {
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln';
    const svg = badgeSvg({ title: tricky, seed: 's' });
    const baked = bakeSvg(svg, jwt);
    assertWellFormed(baked);
    expect(unbakeSvg(baked)).toBe(jwt);
    const json = JSON.stringify({ name: tricky, note: ']]>' });
    expect(unbake(Buffer.from(bakeSvg(svg, json)))).toEqual({ format: 'svg', credential: json });
  });
});

// Badge images: designs drawn with the title as text (resvg, bundled fonts), the contrast check,
// uploads (PNG by content and resized; SVG sanitised), and the image of a version. PNGs are read
// back with independent tools: png-chunks-extract for the file structure, sharp for the pixels.
import extractChunks from 'png-chunks-extract';
import sharp from 'sharp';
import {
  BADGE_ICONS,
  BADGE_PALETTE,
  BADGE_SHAPES,
  type BadgeDesign,
  badgeColor,
  badgePng,
  badgePngFor,
  badgeSvg,
  badgeSvgFor,
  checkDesign,
  checkUploadedImage,
  contrastRatio,
  designSvg,
  innerFieldColour,
  levelLabel,
  renderSvgToPng,
  sanitizeSvg,
  wrapTitle,
} from '../../src/badges/badgeImage';
import { bakePng, bakeSvg, unbake, unbakePng, unbakeSvg } from '../../src/badges/baking';
import { assertWellFormed } from './xml';

const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4));
  /** Pixels in a box whose colour is within `tolerance` of `hex` and opaque. */
  const count = (hex: string, box: { x0: number; y0: number; x1: number; y1: number }, tolerance = 40) => {
    const want = rgb(hex);
    let n = 0;
    for (let y = box.y0; y < box.y1; y++)
      for (let x = box.x0; x < box.x1; x++) {
        const p = at(x, y);
        if (p[3] > 200 && p.slice(0, 3).every((c, i) => Math.abs(c - want[i]) <= tolerance)) n++;
      }
    return n;
  };
  return { width: info.width, height: info.height, at, count };
}

const DESIGN: BadgeDesign = { shape: 'shield', background: '#0F766E', foreground: '#FFFFFF', icon: 'book' };

describe('colours', () => {
  it('the default palette has at least 4.5:1 contrast against white', () => {
    for (const colour of BADGE_PALETTE) expect(contrastRatio(colour, '#FFFFFF')).toBeGreaterThanOrEqual(4.5);
  });

  it('badgeColor is deterministic and spreads seeds over the whole palette', () => {
    expect(badgeColor('achievement-42')).toBe(badgeColor('achievement-42'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => badgeColor(`seed-${i}`)));
    expect(used.size).toBe(BADGE_PALETTE.length);
  });

  it('contrastRatio follows WCAG 2 (black on white 21:1, symmetric, same colour 1:1)', () => {
    expect(contrastRatio('#000000', '#FFFFFF')).toBeCloseTo(21, 5);
    expect(contrastRatio('#FFFFFF', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBe(1);
    // #767676 on white is the well-known lightest grey passing AA (4.54:1).
    expect(contrastRatio('#767676', '#FFFFFF')).toBeCloseTo(4.54, 2);
  });
});

describe('checkDesign', () => {
  it('accepts a readable design and normalises the colours', () => {
    const { design, errors } = checkDesign({ shape: 'hexagon', background: '#0f766e', foreground: '#ffffff', icon: 'globe' });
    expect(errors).toEqual({});
    expect(design).toEqual({ shape: 'hexagon', background: '#0F766E', foreground: '#FFFFFF', icon: 'globe' });
  });

  it('refuses text that does not contrast enough, saying the ratio it has and needs', () => {
    const { design, errors } = checkDesign({ shape: 'circle', background: '#FFFF00', foreground: '#FFFFFF', icon: 'star' });
    expect(design).toBeUndefined();
    expect(errors.foreground).toMatch(/1\.07:1 .*at least 4\.5:1/);
  });

  it('shades the inner field, where the text sits, away from the text colour: the text contrasts there at least as much', () => {
    const pairs = [
      ['#FDE68A', '#1F2937'],
      ['#0F766E', '#FFFFFF'],
      ['#1D4ED8', '#F8FAFC'],
      ['#FFFFFF', '#595959'],
    ];
    for (const [background, foreground] of pairs) {
      expect(contrastRatio(innerFieldColour({ background, foreground }), foreground)).toBeGreaterThanOrEqual(contrastRatio(background, foreground));
    }
  });

  it('refuses unknown shapes and icons and colours that are not #RRGGBB', () => {
    const { errors } = checkDesign({ shape: 'triangle', background: 'red', foreground: '#FFF', icon: '<script>' });
    expect(Object.keys(errors).sort()).toEqual(['background', 'foreground', 'icon', 'shape']);
  });
});

describe('designSvg', () => {
  const tricky = `Data <Science> & "AI" it's > ok`;

  it('is accessible, well-formed and escapes special characters', () => {
    const svg = designSvg({ design: DESIGN, title: tricky, level: 'EQF 6 & <5 ECTS>', issuer: `O'Reilly "U"` });
    assertWellFormed(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 600 600"[^>]* role="img"/);
    expect(svg).toContain('>Data &lt;Science&gt; &amp; &quot;AI&quot; it&apos;s &gt; ok</title>');
    expect(svg).toContain('EQF 6 &amp; &lt;5 ECTS&gt;');
    expect(svg).toContain('O&apos;Reilly &quot;U&quot;');
    expect(svg).not.toMatch(/<Science>|"AI"|& /);
    const titleId = /<title id="([^"]+)"/.exec(svg)![1];
    expect(svg).toMatch(new RegExp(`aria-labelledby="${titleId}`));
  });

  it('draws every shape and icon of the templates as well-formed SVG', () => {
    for (const shape of BADGE_SHAPES) for (const icon of BADGE_ICONS) assertWellFormed(designSvg({ design: { ...DESIGN, shape, icon }, title: 'T' }));
  });

  it('drops characters XML cannot contain and wraps the title onto at most three lines', () => {
    assertWellFormed(badgeSvg({ title: 'Bad\u0000\u0007chars\uD800 🎓', seed: 'x' }));
    expect(badgeSvg({ title: 'Bad\u0000\u0007chars\uD800 🎓', seed: 'x' })).toContain('Badchars 🎓');
    const svg = badgeSvg({ title: 'Advanced Quantitative Methods for Sustainable Urban Water Management Systems' });
    const lines = Array.from(svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g), (m) => m[1]);
    expect(lines).toHaveLength(3);
    expect(lines[2].endsWith('…')).toBe(true);
    expect(wrapTitle('Supercalifragilisticexpialidocious')).toEqual(['Supercalifragilist', 'icexpialidocious']);
  });

  it('the default design uses the seed colour, deterministically', () => {
    const svg = badgeSvg({ title: 'Any', seed: 'course-1' });
    expect(svg).toContain(`fill="${badgeColor('course-1')}"`);
    expect(badgeSvg({ title: 'Any', seed: 'course-1' })).toBe(svg);
  });

  it('can be baked and unbaked, staying well-formed', () => {
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln';
    const baked = bakeSvg(designSvg({ design: DESIGN, title: tricky }), jwt);
    assertWellFormed(baked);
    expect(unbakeSvg(baked)).toBe(jwt);
  });
});

describe('rendering to PNG (resvg, bundled fonts)', () => {
  it('is a valid PNG by an independent chunk parser, 400×400 RGBA by default', async () => {
    const png = badgePng({ seed: 'course-1', title: 'Data Science' });
    const chunks = extractChunks(png); // checks every CRC
    expect(chunks[0].name).toBe('IHDR');
    expect(chunks.at(-1)!.name).toBe('IEND');
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 400, 400, 4]);
  });

  it('honours size and refuses sizes out of bounds', async () => {
    expect((await sharp(badgePng({ seed: 'x', size: 64 })).metadata()).width).toBe(64);
    expect(() => badgePng({ size: 0 })).toThrow(RangeError);
    expect(() => badgePng({ size: 100.5 })).toThrow(RangeError);
    expect(() => badgePng({ size: 100_000 })).toThrow(RangeError);
  });

  it('draws the shape in the background colour with transparent corners (shield)', async () => {
    const img = await pixels(renderSvgToPng(designSvg({ design: DESIGN, title: '' }), 600));
    expect(img.at(2, 2)[3]).toBe(0);
    expect(img.at(597, 597)[3]).toBe(0);
    expect(img.at(300, 20)).toEqual([...rgb('#0F766E'), 255]); // the shield's outer band, top centre
  });

  it('renders the title as text in the image: text pixels appear where the title is, and differ by title', async () => {
    const band = { x0: 100, y0: 270, x1: 500, y1: 340 }; // the title's line
    const blank = await pixels(renderSvgToPng(designSvg({ design: DESIGN, title: '' }), 600));
    const titled = await pixels(renderSvgToPng(designSvg({ design: DESIGN, title: 'Laboratory' }), 600));
    expect(blank.count('#FFFFFF', band)).toBe(0);
    expect(titled.count('#FFFFFF', band)).toBeGreaterThan(1500);
    const other = await pixels(renderSvgToPng(designSvg({ design: DESIGN, title: 'Il' }), 600));
    // Narrow letters: far fewer text pixels than a ten-letter word.
    expect(other.count('#FFFFFF', band)).toBeLessThan(titled.count('#FFFFFF', band) / 3);
  });

  it('renders the same bytes every time (fonts are bundled, no system fonts)', () => {
    const svg = designSvg({ design: DESIGN, title: 'Same', level: 'EQF level 6' });
    expect(renderSvgToPng(svg, 200).equals(renderSvgToPng(svg, 200))).toBe(true);
  });

  it('a baked PNG is still read by the independent parser and carries the credential', () => {
    const credential = JSON.stringify({ type: ['VerifiableCredential', 'OpenBadgeCredential'], name: 'Badge' });
    const baked = bakePng(badgePng({ seed: 'bake-me', title: 'Bake' }), credential);
    expect(unbakePng(baked)).toBe(credential);
    expect(unbake(baked)).toEqual({ format: 'png', credential });
    expect(extractChunks(baked).map((c) => c.name)).toContain('iTXt');
  });
});

describe('uploads', () => {
  const solidPng = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 1 } } })
      .png()
      .toBuffer();

  it('resizes a PNG to 600×600, padding with transparency', async () => {
    const result = await checkUploadedImage(await solidPng(1000, 500));
    if (!result.ok || result.image.kind !== 'png') throw new Error(`expected a PNG, got ${JSON.stringify(result)}`);
    const img = await pixels(Buffer.from(result.image.png, 'base64'));
    expect([img.width, img.height]).toEqual([600, 600]);
    expect(img.at(300, 10)[3]).toBe(0); // padding above the wide image
    expect(img.at(300, 300)).toEqual([200, 30, 30, 255]);
  });

  it('refuses PNGs too small, damaged ones, and anything that is neither PNG nor SVG by content', async () => {
    expect(await checkUploadedImage(await solidPng(32, 32))).toEqual({ ok: false, message: expect.stringMatching(/32×32 pixels/) });
    const png = await solidPng(100, 100);
    const damaged = Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 7)]);
    expect(await checkUploadedImage(damaged)).toEqual({ ok: false, message: expect.stringMatching(/cannot be read/) });
    const jpeg = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#fff' } })
      .jpeg()
      .toBuffer();
    expect(await checkUploadedImage(jpeg)).toEqual({ ok: false, message: expect.stringMatching(/must be a PNG or SVG/) });
    expect(await checkUploadedImage(Buffer.from('<html><body>hi</body></html>'))).toEqual({ ok: false, message: expect.stringMatching(/PNG or SVG/) });
    expect(await checkUploadedImage(Buffer.alloc(0))).toEqual({ ok: false, message: 'The image file is empty.' });
  });

  it('sanitises an SVG: no script, event handlers, javascript: or external links, no embedded HTML', async () => {
    const hostile = [
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100" onload="alert(1)">',
      '<script>alert(2)</script>',
      '<a href="javascript:alert(3)"><circle cx="50" cy="50" r="40" fill="#1D4ED8" onclick="alert(4)"/></a>',
      '<image href="https://tracker.example/pixel.png" width="10" height="10"/>',
      '<foreignObject width="100" height="100"><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example"></iframe></div></foreignObject>',
      '<text x="10" y="90">A&#160;&amp;&#160;B</text>',
      '</svg>',
    ].join('');
    const result = await checkUploadedImage(Buffer.from(hostile));
    if (!result.ok || result.image.kind !== 'svg') throw new Error(`expected an SVG, got ${JSON.stringify(result)}`);
    const svg = result.image.svg;
    assertWellFormed(svg);
    expect(svg).not.toMatch(/script|onload|onclick|javascript:|tracker\.example|foreignObject|iframe|evil/i);
    expect(svg).toContain('<circle cx="50" cy="50" r="40" fill="#1D4ED8"');
    // Still a picture: the circle renders in its colour.
    const img = await pixels(renderSvgToPng(svg, 100));
    expect(img.at(50, 30)).toEqual([...rgb('#1D4ED8'), 255]);
  });

  it('adds the SVG namespace when the upload leaves it out, and refuses entity declarations', async () => {
    expect(sanitizeSvg('<svg viewBox="0 0 10 10"><rect width="10" height="10"/></svg>')).toMatch(/^<svg[^>]* xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const xxe = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>';
    expect(await checkUploadedImage(Buffer.from(xxe))).toEqual({ ok: false, message: expect.stringMatching(/entities/) });
  });

  it('keeps what is left of an SVG once its script is removed, and refuses a fragment that is no SVG document', async () => {
    expect(await checkUploadedImage(Buffer.from('<svg><script>alert(1)</script>'))).toEqual({
      ok: true,
      image: { kind: 'svg', svg: expect.not.stringMatching(/script/) },
    });
    expect(await checkUploadedImage(Buffer.from('<svg'))).toMatchObject({ ok: false });
  });
});

describe('the image of a credential version', () => {
  const version = (badgeImage: Parameters<typeof badgePngFor>[0]['badgeImage']) => ({
    credentialId: 7,
    definition: { title: 'Laboratory safety', level: { eqfLevel: 5 } },
    badgeImage,
  });

  it('names the level as the badge shows it', () => {
    expect(levelLabel({ eqfLevel: 6 })).toBe('EQF level 6');
    expect(levelLabel({ qfEheaCycle: 'second-cycle' })).toBe('Second cycle');
    expect(levelLabel({ nqf: { name: 'NLQF', level: '6' } })).toBe('NLQF 6');
    expect(levelLabel(undefined)).toBeUndefined();
  });

  it('a design shows its colours, the title and the level; without one, the default design', () => {
    const designed = badgeSvgFor(version({ kind: 'design', design: DESIGN }));
    expect(designed).toContain('fill="#0F766E"');
    expect(designed).toContain('Laboratory safety');
    expect(designed).toContain('EQF level 5');
    expect(badgeSvgFor(version(null))).toContain(`fill="${badgeColor('7')}"`);
  });

  it('badgePngFor renders a design at the size asked, and returns or resizes a stored PNG', async () => {
    const designed = await badgePngFor(version({ kind: 'design', design: DESIGN }), 300);
    expect((await sharp(designed).metadata()).width).toBe(300);
    expect((await pixels(designed)).at(150, 10)).toEqual([...rgb('#0F766E'), 255]);
    const stored = await sharp({ create: { width: 600, height: 600, channels: 4, background: '#00ff00' } })
      .png()
      .toBuffer();
    const spec = { kind: 'png' as const, png: stored.toString('base64') };
    expect((await badgePngFor(version(spec))).equals(stored)).toBe(true);
    const small = await badgePngFor(version(spec), 120);
    expect((await pixels(small)).at(60, 60)).toEqual([0, 255, 0, 255]);
    // Its SVG form carries the PNG inline, so a baked SVG needs nothing from elsewhere.
    expect(badgeSvgFor(version(spec))).toContain(`href="data:image/png;base64,${spec.png}"`);
  });

  it('an uploaded SVG is used as it was sanitised', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#ff0000"></rect></svg>';
    expect(badgeSvgFor(version({ kind: 'svg', svg }))).toBe(svg);
    expect((await pixels(await badgePngFor(version({ kind: 'svg', svg }), 50))).at(25, 25)).toEqual([255, 0, 0, 255]);
  });
});

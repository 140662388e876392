// The badge image of a credential through real launches: designing one (with the contrast check),
// uploading PNG and SVG (checked by content, sanitised, resized, size-limited while reading), the
// image frozen with the published version, and what learners and the public get.
import sharp from 'sharp';
import { CredentialStore } from '../../src/credentials/store';
import { readForm, type TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { completeDefinition } from './fixtures';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: { browser: TestBrowser; base: string };
let learner: { browser: TestBrowser; base: string };
let credentialId: number;
let imagePage: string;

const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

/** The image as bytes, through the same browser session (the page's <img>). */
async function imageOf(browser: TestBrowser, url: string): Promise<Buffer> {
  const cookie = browser.cookieHeader(url);
  const res = await fetch(url, { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  return Buffer.from(await res.arrayBuffer());
}

async function pixel(png: Buffer, x: number, y: number) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return Array.from(data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4));
}

const versions = async () =>
  (
    await tool.database.pool.query('SELECT version_no, status, badge_image FROM credential_versions WHERE credential_id = $1 ORDER BY version_no', [
      credentialId,
    ])
  ).rows;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  const t = await launch(tool, sim, 'instructor');
  teacher = { browser: t.browser, base: t.page.url };
  const l = await launch(tool, sim, 'learner');
  learner = { browser: l.browser, base: l.page.url };
  const creds = await teacher.browser.get(`${teacher.base}/credentials`);
  const created = await teacher.browser.post(`${tool.base}${readForm(creds.body, /\/credentials$/).action}`, readForm(creds.body, /\/credentials$/).fields);
  credentialId = Number(/credentials\/(\d+)/.exec(created.url)![1]);
  imagePage = `${teacher.base}/credentials/${credentialId}/image`;
  const {
    rows: [row],
  } = await tool.database.pool.query('SELECT course_id, created_by FROM credentials WHERE id = $1', [credentialId]);
  const store = new CredentialStore(tool.database.db);
  const { draft } = await store.get(row.course_id, credentialId);
  await store.saveDraft(row.course_id, credentialId, { versionId: draft!.id, lockVersion: draft!.lockVersion }, completeDefinition(), row.created_by);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

it('the credential page links to the image page, which shows the default image and the templates', async () => {
  const show = await teacher.browser.get(`${teacher.base}/credentials/${credentialId}`);
  expect(show.body).toContain(`/credentials/${credentialId}/image"`);
  const page = await teacher.browser.get(imagePage);
  expect(page.status).toBe(200);
  expect(page.body).toContain('The default image');
  for (const shape of ['circle', 'shield', 'hexagon', 'square']) expect(page.body).toContain(`name="shape" value="${shape}"`);
  const png = await imageOf(teacher.browser, `${imagePage}/current.png`);
  expect((await sharp(png).metadata()).width).toBe(300);
});

it('refuses a design whose text does not contrast enough, keeping what was typed', async () => {
  const page = await teacher.browser.get(imagePage);
  const form = readForm(page.body, '/image/design');
  const res = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    shape: 'hexagon',
    background: '#FFEE00',
    foreground: '#FFFFFF',
    icon: 'code',
  });
  expect(res.status).toBe(422);
  expect(res.body).toMatch(/contrasts 1\.\d\d:1 with the background; it needs at least 4\.5:1/);
  expect(res.body).toContain('value="#FFEE00"');
  expect(res.body).toMatch(/name="shape" value="hexagon" checked/);
  expect(res.body).toMatch(/name="icon" value="code" checked/);
  expect((await versions())[0].badge_image).toBeNull();
});

it('saves a design in the draft; the image shows its colour, and the change log says so', async () => {
  const page = await teacher.browser.get(imagePage);
  const form = readForm(page.body, '/image/design');
  const res = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    shape: 'shield',
    background: '#0f766e',
    foreground: '#ffffff',
    icon: 'book',
  });
  expect(res.status).toBe(200);
  expect(res.body).toContain('Badge image saved in the draft.');
  expect((await versions())[0].badge_image).toEqual({
    kind: 'design',
    design: { shape: 'shield', background: '#0F766E', foreground: '#FFFFFF', icon: 'book' },
  });
  expect(await pixel(await imageOf(teacher.browser, `${imagePage}/current.png`), 150, 10)).toEqual([...rgb('#0F766E'), 255]);
  const show = await teacher.browser.get(`${teacher.base}/credentials/${credentialId}`);
  expect(show.body).toContain('Badge image designed');
});

it('a stale form is a conflict that keeps what was typed', async () => {
  const page = await teacher.browser.get(imagePage);
  const form = readForm(page.body, '/image/design');
  const stale = {
    ...form.fields,
    lockVersion: String(Number(form.fields.lockVersion) - 1),
    shape: 'circle',
    background: '#1D4ED8',
    foreground: '#FFFFFF',
    icon: 'star',
  };
  const res = await teacher.browser.post(`${tool.base}${form.action}`, stale);
  expect(res.status).toBe(409);
  expect(res.body).toContain('value="#1D4ED8"');
});

describe('uploads', () => {
  const upload = async (filename: string, content: Buffer | string, type = 'application/octet-stream') => {
    const page = await teacher.browser.get(imagePage);
    const form = readForm(page.body, '/image/upload');
    return teacher.browser.upload(`${tool.base}${form.action}`, form.fields, { filename, content, type });
  };

  it('refuses a file that is not PNG or SVG by content, whatever its name and type say', async () => {
    const jpeg = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#ffffff' } })
      .jpeg()
      .toBuffer();
    const res = await upload('badge.png', jpeg, 'image/png');
    expect(res.status).toBe(422);
    expect(res.body).toContain('must be a PNG or SVG');
    expect((await versions())[0].badge_image.kind).toBe('design');
  });

  it('stops reading a file over 2 MB with a 413', async () => {
    const res = await upload('huge.png', Buffer.alloc(2 * 1024 * 1024 + 10, 1), 'image/png');
    expect(res.status).toBe(413);
    expect(res.body).toContain('larger than 2 MB');
  });

  it('stores an SVG sanitised: its script, handlers and external links are gone, its drawing stays', async () => {
    const hostile =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" onload="alert(1)"><script>alert(2)</script><rect width="100" height="100" fill="#7E22CE"/><image href="https://tracker.example/x.png" width="5" height="5"/></svg>';
    const res = await upload('badge.svg', hostile, 'image/svg+xml');
    expect(res.status).toBe(200);
    const stored = (await versions())[0].badge_image;
    expect(stored.kind).toBe('svg');
    expect(stored.svg).not.toMatch(/script|onload|tracker/);
    expect(await pixel(await imageOf(teacher.browser, `${imagePage}/current.png`), 150, 150)).toEqual([...rgb('#7E22CE'), 255]);
  });

  it('stores a PNG resized to 600×600', async () => {
    const png = await sharp({ create: { width: 900, height: 900, channels: 4, background: { r: 10, g: 120, b: 200, alpha: 1 } } })
      .png()
      .toBuffer();
    const res = await upload('whatever.bin', png);
    expect(res.status).toBe(200);
    const stored = (await versions())[0].badge_image;
    expect(stored.kind).toBe('png');
    const meta = await sharp(Buffer.from(stored.png, 'base64')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 600, 600]);
  });
});

it('learners may not change the image', async () => {
  const page = await teacher.browser.get(imagePage);
  const form = readForm(page.body, '/image/design');
  const res = await learner.browser.post(`${tool.base}${form.action.replace(teacher.base.replace(tool.base, ''), learner.base.replace(tool.base, ''))}`, {
    ...form.fields,
    shape: 'circle',
    background: '#000000',
    foreground: '#FFFFFF',
    icon: 'star',
  });
  expect(res.status).toBe(403);
});

it('the image is published with the version: the Achievement and catalogue use it, and a change starts a new draft', async () => {
  // Back to a design, then publish version 1.
  let page = await teacher.browser.get(imagePage);
  let form = readForm(page.body, '/image/design');
  await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, shape: 'circle', background: '#B91C1C', foreground: '#FFFFFF', icon: 'star' });
  const show = await teacher.browser.get(`${teacher.base}/credentials/${credentialId}`);
  const published = await teacher.browser.post(`${tool.base}${readForm(show.body, '/publish').action}`, readForm(show.body, '/publish').fields);
  expect(published.body).toContain('Published.');

  const achievement = await fetch(`${tool.base}/achievements/${credentialId}/versions/1`).then((r) => r.json());
  expect(achievement.image.id).toBe(`${tool.base}/achievements/${credentialId}/versions/1/image.png`);
  const image = Buffer.from(await (await fetch(achievement.image.id)).arrayBuffer());
  expect((await sharp(image).metadata()).width).toBe(600);
  expect(await pixel(image, 300, 8)).toEqual([...rgb('#B91C1C'), 255]);
  const catalogue = await fetch(`${tool.base}/catalogue`).then((r) => r.text());
  expect(catalogue).toContain(`/achievements/${credentialId}/versions/1/image.png`);

  // Learners see the published image.
  expect(await pixel(await imageOf(learner.browser, `${learner.base}/credentials/${credentialId}/image/current.png`), 150, 4)).toEqual([
    ...rgb('#B91C1C'),
    255,
  ]);

  // Changing the published image starts version 2; version 1 keeps its image.
  page = await teacher.browser.get(imagePage);
  expect(page.body).toContain('Version 1 is published and its image is frozen');
  form = readForm(page.body, '/image/design');
  await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, shape: 'square', background: '#047857', foreground: '#FFFFFF', icon: 'check' });
  const rows = await versions();
  expect(rows.map((r) => [r.version_no, r.status, r.badge_image.design.background])).toEqual([
    [1, 'published', '#B91C1C'],
    [2, 'draft', '#047857'],
  ]);
  expect(await pixel(Buffer.from(await (await fetch(achievement.image.id)).arrayBuffer()), 300, 8)).toEqual([...rgb('#B91C1C'), 255]);
});

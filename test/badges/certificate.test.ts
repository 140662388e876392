// Issue 16: what a learner can show besides the credential. The printable certificate (PDF),
// read back with independent readers (pdf-lib for the PDF's structure, Mozilla's pdf.js for
// its text, attachment and rendering, jsQR for the QR code): tagged, real text, language
// set, the Annex I elements, the credential attached and verifying, the QR code leading to
// a green verification. The share page's link preview: Open Graph / Twitter tags, a
// 1200×630 PNG with the title drawn in, oEmbed. Screenshots go to test-results/.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import jsQR from 'jsqr';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFString } from 'pdf-lib';
import { PNG } from 'pngjs';
import { badgePngFor } from '../../src/badges/badgeImage';
import { PREVIEW_HEIGHT, PREVIEW_WIDTH, renderPreviewPng } from '../../src/badges/sharePreview';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, issuingCourse, type Person, publishCredential, text, until } from '../assessment/support';
import { signedInAdmin } from '../support/admin';
import { TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import type { TestTool } from '../support/tool';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';

const RESULTS = path.resolve(__dirname, '..', '..', 'test-results', 'issue16');
let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
let uuid: string;
let share: string;

beforeAll(async () => {
  fs.mkdirSync(RESULTS, { recursive: true });
  // No SMTP_URL: mail is off, and the console says so (checked below).
  ({ tool, sim, teacher, learner } = await issuingCourse());
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  const award = await acceptComplete(tool, teacher, learner, credentialId);
  const issued = await until(
    'the credential to be issued',
    async () => (await tool.database.pool.query('SELECT id FROM issued_credentials WHERE award_id = $1', [award.id])).rows[0],
  );
  uuid = issued.id;
  share = `${tool.base}/credentials/${uuid}`;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

interface PdfReading {
  numPages: number;
  pages: { text: string; tags: string[] }[];
  title: string | null;
  markInfo: { Marked?: boolean } | null;
  structTree: { role: string; children: unknown[] } | null;
  attachments: Record<string, { filename: string; content: string; description?: string }>;
}

/** pdf.js in a child process (ESM-only); with `png`, page 1 rendered to that file. */
async function readPdf(pdf: Buffer, name: string, png?: string): Promise<PdfReading> {
  const file = path.join(RESULTS, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'support', 'pdfRead.mjs'), file, ...(png ? ['--png', png] : [])], {
    maxBuffer: 32 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

const roles = (node: unknown): string[] => {
  const n = node as { role?: string; children?: unknown[] };
  return [...(n.role ? [n.role] : []), ...(n.children ?? []).flatMap(roles)];
};

it('serves a tagged, accessible certificate whose QR code and attached credential both verify', async () => {
  const res = await fetch(`${share}/certificate.pdf`, { headers: { 'accept-language': 'en' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  const pdf = Buffer.from(await res.arrayBuffer());

  // The structure, read with pdf-lib: language, tagged (MarkInfo, StructTreeRoot), the attachment.
  const doc = await PDFDocument.load(pdf);
  const catalog = doc.catalog;
  expect(catalog.lookup(PDFName.of('Lang'), PDFString).decodeText()).toBe('en');
  expect(String(catalog.lookup(PDFName.of('MarkInfo'), PDFDict).get(PDFName.of('Marked')))).toBe('true');
  expect(catalog.lookup(PDFName.of('StructTreeRoot'), PDFDict).get(PDFName.of('Type'))).toBe(PDFName.of('StructTreeRoot'));
  const names = catalog.lookup(PDFName.of('Names'), PDFDict).lookup(PDFName.of('EmbeddedFiles'), PDFDict).lookup(PDFName.of('Names'), PDFArray);
  expect(names.lookup(0, PDFString).decodeText()).toBe('credential.json');
  expect(doc.getTitle()).toBe('Certificate: Research Data Management');

  // Text, tags and attachment, read with pdf.js; page 1 rendered for the QR code and the screenshot.
  const png = path.join(RESULTS, 'certificate-page-1.png');
  const read = await readPdf(pdf, 'certificate-public', png);
  expect(read.numPages).toBe(1);
  const page = read.pages[0].text.replace(/\s+/g, ' ');
  for (const expected of [
    'Research Data Management',
    'This certifies that the holder of this credential has earned the micro-credential',
    'Issued by Example University on',
    'Credits: 3 ECTS · 84 hours of study',
    'Level: EQF level 7',
    'Type of assessment:',
    'Supervision and identity verification:',
    'Quality assurance:',
    share,
  ])
    expect(page).toContain(expected);
  // The public certificate names no one, as the credential and its share page do.
  expect(page).not.toContain('Lena');
  expect(read.markInfo?.Marked).toBe(true);
  expect(roles(read.structTree)).toEqual(expect.arrayContaining(['Document', 'H1', 'P', 'Figure', 'H2']));

  // The attached credential is the issued one, and verifies with the project's Verifier.
  const attached = JSON.parse(read.attachments['credential.json'].content);
  expect(attached.id).toBe(`urn:uuid:${uuid}`);
  const report = await tool.verifier.verify(attached);
  expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
  expect(report.verified).toBe(true);

  // The QR code, decoded from the rendered page, opens the share page, which shows a green verification.
  const image = PNG.sync.read(fs.readFileSync(png));
  const qr = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  expect(qr?.data).toBe(share);
  // (Once more if the pooled connection was closed by the server while pdf.js ran: ECONNRESET.)
  const verification = await new TestBrowser().get(qr!.data).catch(() => new TestBrowser().get(qr!.data));
  expect(text(verification.body)).toContain('✓ This credential is valid');
});

it('gives the learner their own copy with their name, in the LMS language; nobody else gets it', async () => {
  const mine = await learner.browser.get(`${learner.base}/badges`);
  const link = new RegExp(`href="(/app/[^"]+/certificates/${uuid}\\.pdf)"`).exec(mine.body)?.[1];
  expect(link).toBeDefined();
  // The page's session, fetched as bytes.
  const res = await fetch(`${tool.base}${link}`, { headers: { cookie: learner.browser.cookieHeader(tool.base) } });
  expect(res.status).toBe(200);
  const read = await readPdf(Buffer.from(await res.arrayBuffer()), 'certificate-learner');
  expect(read.pages[0].text.replace(/\s+/g, ' ')).toContain('This certifies that Lena Learner has earned the micro-credential');
  // The teacher (not the holder) cannot download it inside their launch.
  expect((await teacher.browser.get(`${teacher.base}/certificates/${uuid}.pdf`)).status).toBe(403);

  // Dutch on request.
  const nl = await fetch(`${share}/certificate.pdf`, { headers: { 'accept-language': 'nl-NL' } });
  const dutch = Buffer.from(await nl.arrayBuffer());
  expect((await PDFDocument.load(dutch)).catalog.lookup(PDFName.of('Lang'), PDFString).decodeText()).toBe('nl');
  expect((await readPdf(dutch, 'certificate-nl')).pages[0].text.replace(/\s+/g, ' ')).toContain('Uitgereikt door Example University op');
});

it('previews the share link: Open Graph and Twitter tags, a 1200×630 PNG with the title, oEmbed', async () => {
  const page = await new TestBrowser().get(share);
  const meta = (attr: string, name: string) => new RegExp(`<meta ${attr}="${name}" content="([^"]*)">`).exec(page.body)?.[1];
  expect(meta('property', 'og:title')).toBe('Research Data Management');
  expect(meta('property', 'og:url')).toBe(share);
  expect(meta('property', 'og:image')).toBe(`${share}/preview.png`);
  expect(meta('name', 'twitter:card')).toBe('summary_large_image');
  expect(meta('name', 'twitter:image')).toBe(`${share}/preview.png`);
  expect(text(page.body)).toContain('Printable certificate (PDF)');

  const res = await fetch(`${share}/preview.png`);
  expect(res.headers.get('content-type')).toBe('image/png');
  const bytes = Buffer.from(await res.arrayBuffer());
  fs.writeFileSync(path.join(RESULTS, 'share-preview.png'), bytes);
  const png = PNG.sync.read(bytes);
  expect([png.width, png.height]).toEqual([PREVIEW_WIDTH, PREVIEW_HEIGHT]);

  // The title is drawn: the same preview without it differs where the title stands, and only there.
  const row = (await tool.badges.byUuid(uuid))!;
  const facts = {
    title: 'Research Data Management',
    issuer: 'Example University',
    caption: 'x',
    badgePng: await badgePngFor(await tool.badges.versionForAward(row.awardId), 400),
  };
  const withTitle = PNG.sync.read(renderPreviewPng(facts));
  const without = PNG.sync.read(renderPreviewPng({ ...facts, title: '' }));
  const differing = (x0: number, x1: number, y0: number, y1: number) => {
    let n = 0;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) if (withTitle.data[(y * PREVIEW_WIDTH + x) * 4] !== without.data[(y * PREVIEW_WIDTH + x) * 4]) n++;
    return n;
  };
  expect(differing(540, 1200, 150, 330)).toBeGreaterThan(5000);
  expect(differing(0, 520, 0, 630)).toBe(0);

  const oembed = await (await fetch(`${tool.base}/oembed?format=json&url=${encodeURIComponent(share)}`)).json();
  expect(oembed).toMatchObject({ version: '1.0', type: 'rich', title: 'Research Data Management', thumbnail_url: `${share}/preview.png` });
  expect(oembed.html).toBe(
    `<a href="${share}"><img src="${share}/preview.png" alt="Research Data Management · Example University" width="600" height="315"></a>`,
  );
  expect(page.body).toContain(`href="${tool.base}/oembed?format=json&amp;url=${encodeURIComponent(share)}"`);
  expect((await fetch(`${tool.base}/oembed?url=${encodeURIComponent('https://elsewhere.example/credentials/x')}`)).status).toBe(400);

  // Rendered once and kept, but a revocation shows in the next preview (its caption says so).
  expect(Buffer.from(await (await fetch(`${share}/preview.png`)).arrayBuffer()).equals(bytes)).toBe(true);
  const by = { label: `user:${teacher.userId}`, userId: teacher.userId };
  await tool.badges.setRevoked(uuid, true, by, 'Checking the preview', teacher.courseId);
  expect(Buffer.from(await (await fetch(`${share}/preview.png`)).arrayBuffer()).equals(bytes)).toBe(false);
  await tool.badges.setRevoked(uuid, false, by, undefined, teacher.courseId);
});

it('pre-fills LinkedIn "add to profile" with the organisation id the admin set', async () => {
  const linkOf = async () => {
    const body = (await learner.browser.get(`${learner.base}/badges`)).body;
    return new URL(/href="(https:\/\/www\.linkedin\.com\/profile\/add\?[^"]+)"/.exec(body)![1].replace(/&amp;/g, '&'));
  };
  expect((await linkOf()).searchParams.get('organizationName')).toBe('Example University');
  await tool.issuer.save({ ...(ISSUER_WITH_QA_POLICY_URL as object), linkedinOrganizationId: '1337' } as never);
  const link = await linkOf();
  expect(link.searchParams.get('organizationId')).toBe('1337');
  expect(link.searchParams.get('certUrl')).toBe(share);
  expect(link.searchParams.get('name')).toBe('Research Data Management');
  expect((await tool.issuer.get())?.linkedinOrganizationId).toBe('1337');
});

it('says in the admin console that mail is off without SMTP_URL', async () => {
  const admin = await signedInAdmin(tool);
  const console = await admin.get(`${tool.base}/admin`);
  expect(text(console.body)).toContain('Mail is off: SMTP_URL is not set');
  // The issuer form takes the LinkedIn organisation id, digits only.
  const form = await admin.get(`${tool.base}/admin/issuer`);
  expect(text(form.body)).toContain('LinkedIn organisation id');
  expect(form.body).toContain('value="1337"');
  // And the issued badge's mail job did its work without mail: nothing recorded as sent.
  expect((await tool.database.pool.query('SELECT count(*)::int AS n FROM learner_mails')).rows[0].n).toBe(0);
});

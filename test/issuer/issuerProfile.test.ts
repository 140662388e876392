// The institution's issuer profile, and how new credentials take their defaults from it.
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { IssuerProfileStore } from '../../src/issuer/issuerProfile';
import { signCredentialDataIntegrity } from '../../src/badges/sign';
import { verifyOpenBadgeCredential } from '../../src/badges/verify';
import ob3Schema from '../../src/credentials/schemas/ob_v3p0_achievementcredential_schema.json';
import { fullBadge, NOW } from '../badges/fixtures';
import { signedInAdmin } from '../support/admin';
import { readForm, TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let admin: TestBrowser;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  admin = await signedInAdmin(tool);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

it('is edited from the console, keeping typed values when something is wrong', async () => {
  const dash = await admin.get(`${tool.base}/admin`);
  expect(dash.body).toContain('href="/admin/issuer"');
  const page = await admin.get(`${tool.base}/admin/issuer`);
  const form = readForm(page.body, '/admin/issuer');
  const bad = await admin.post(`${tool.base}/admin/issuer`, { ...form.fields, name: 'Example University', countryCode: 'Netherlands', url: 'uni' });
  expect(bad.status).toBe(422);
  expect(bad.body).toContain('value="Example University"');
  expect(bad.body).toContain('two-letter country code');
  expect(bad.body).toContain('full web address');
  const ok = await admin.post(`${tool.base}/admin/issuer`, {
    ...form.fields,
    name: 'Example University',
    countryCode: 'nl',
    url: 'https://www.uni.example',
    region: '',
  });
  expect(ok.body).toContain('Issuer profile saved.');
  expect(ok.body).toContain('value="NL"');
  const noCsrf = await admin.post(`${tool.base}/admin/issuer`, { name: 'Hijack', countryCode: 'XX' });
  expect(noCsrf.status).toBe(403);
});

it('gives new micro-credentials their issuer country and awarding body', async () => {
  const { browser, page } = await launch(tool, sim, 'instructor');
  const list = await browser.get(`${page.url}/credentials`);
  const created = await browser.post(`${tool.base}${readForm(list.body, /\/credentials$/).action}`, readForm(list.body, /\/credentials$/).fields);
  expect(created.body).toMatch(/id="f-issuer-countries"[^>]*value="NL"/);
  expect(created.body).toMatch(/id="f-awarding-bodies"[^>]*value="Example University"/);
  expect(created.body).toMatch(/id="f-awarding-body-url"[^>]*value="https:\/\/www.uni.example"/);
});

describe('identifiers, quality assurance, description and logo', () => {
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
  const SVG = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><circle r="4" cx="4" cy="4"/></svg>';

  /** The form's hidden fields (CSRF) and current values, without the file input. */
  async function issuerForm() {
    const page = await admin.get(`${tool.base}/admin/issuer`);
    expect(page.status).toBe(200);
    const { fields } = readForm(page.body, '/admin/issuer');
    delete fields.logo;
    return { page, fields };
  }

  const details = {
    name: 'Example University',
    countryCode: 'NL',
    url: 'https://www.uni.example',
    email: 'badges@uni.example',
    region: 'Utrecht',
    description: 'A research university in the Netherlands.',
    identifierType_0: 'ext:BRIN',
    identifier_0: '21PB',
    identifierType_1: 'ext:KvK',
    identifier_1: '30123456',
    identifierType_2: '',
    identifier_2: '',
    qaBodyName: 'NVAO',
    qaBodyUrl: 'https://www.nvao.net',
    qaType: 'institutional accreditation',
    qaPolicyUrl: 'https://www.uni.example/quality',
  };

  it('offers three empty identifier rows and the QA and logo fields', async () => {
    const { page, fields } = await issuerForm();
    expect(page.body).toContain('enctype="multipart/form-data"');
    for (const i of [0, 1, 2]) expect(fields[`identifierType_${i}`]).toBe('');
    expect(fields).not.toHaveProperty('identifierType_3');
    for (const name of ['qaBodyName', 'qaBodyUrl', 'qaType', 'qaPolicyUrl']) expect(fields).toHaveProperty(name);
    expect(page.body).toContain('name="logo" type="file"');
    expect(page.body).toContain('<option value="ext:BRIN">');
  });

  it('saves identifiers, QA details and a PNG logo sent as multipart, and shows them again', async () => {
    const { fields } = await issuerForm();
    const res = await admin.upload(
      `${tool.base}/admin/issuer`,
      { ...fields, ...details },
      { field: 'logo', filename: 'logo.png', content: PNG, type: 'image/png' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toContain('Issuer profile saved.');
    expect(res.body).toContain('value="ext:KvK"');
    expect(res.body).toContain('value="30123456"');
    expect(res.body).toContain('value="https://www.uni.example/quality"');
    expect(res.body).toContain('A research university in the Netherlands.');
    expect(res.body).toContain('Current logo (image/png');
    // The two saved rows plus three empty ones.
    const again = readForm(res.body, '/admin/issuer').fields;
    expect(again.identifierType_4).toBe('');
    expect(again).not.toHaveProperty('identifierType_5');

    const logo = await fetch(`${tool.base}/issuer/logo`);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await logo.arrayBuffer()).equals(PNG)).toBe(true);

    const stored = await new IssuerProfileStore(tool.database.db).forIssuance(tool.base, tool.signingKeys.did);
    expect(stored).toMatchObject({
      qaBodyName: 'NVAO',
      qaBodyUrl: 'https://www.nvao.net',
      qaType: 'institutional accreditation',
      qaPolicyUrl: 'https://www.uni.example/quality',
      profile: {
        id: tool.signingKeys.did,
        otherIdentifier: [
          { type: 'IdentifierEntry', identifierType: 'ext:BRIN', identifier: '21PB' },
          { type: 'IdentifierEntry', identifierType: 'ext:KvK', identifier: '30123456' },
        ],
        image: { id: `${tool.base}/issuer/logo`, type: 'Image' },
      },
    });
    // Saving without a new file keeps the logo (here as a plain urlencoded post).
    const { fields: f2 } = await issuerForm();
    await admin.post(`${tool.base}/admin/issuer`, { ...f2, region: 'Utrecht province' });
    expect((await fetch(`${tool.base}/issuer/logo`)).status).toBe(200);
  });

  it('refuses an identifier type outside the Open Badges list, keeping what was typed', async () => {
    const { fields } = await issuerForm();
    const res = await admin.upload(`${tool.base}/admin/issuer`, {
      ...fields,
      ...details,
      name: 'Renamed University',
      identifierType_1: 'KvK number',
      identifier_2: 'orphan',
    });
    expect(res.status).toBe(422);
    expect(res.body).toContain('ext:” followed by letters and digits');
    expect(res.body).toContain('Give the identifier’s type');
    expect(res.body).toContain('value="KvK number"');
    expect(res.body).toContain('value="orphan"');
    expect(res.body).toContain('value="Renamed University"');
    expect((await new IssuerProfileStore(tool.database.db).get())!.name).toBe('Example University');
  });

  it('refuses an HTML file named .png, keeping the other fields and the current logo', async () => {
    const { fields } = await issuerForm();
    const html = '<!doctype html><html><body><script>alert(1)</script></body></html>';
    const res = await admin.upload(
      `${tool.base}/admin/issuer`,
      { ...fields, ...details, name: 'Renamed University', qaBodyName: 'Typed QA body' },
      { field: 'logo', filename: 'logo.png', content: html, type: 'image/png' },
    );
    expect(res.status).toBe(422);
    expect(res.body).toContain('must be a PNG, JPEG or SVG image');
    expect(res.body).toContain('value="Renamed University"');
    expect(res.body).toContain('value="Typed QA body"');
    expect(res.body).toContain('value="30123456"');
    const stored = (await new IssuerProfileStore(tool.database.db).get())!;
    expect(stored.name).toBe('Example University');
    expect(stored.logoType).toBe('image/png');
  });

  it('refuses an SVG with a script or an event handler, accepts a plain SVG', async () => {
    for (const bad of [
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
    ]) {
      const { fields } = await issuerForm();
      const res = await admin.upload(
        `${tool.base}/admin/issuer`,
        { ...fields, ...details },
        { field: 'logo', filename: 'logo.svg', content: bad, type: 'image/svg+xml' },
      );
      expect(res.status).toBe(422);
      expect(res.body).toContain('contains script, event handlers or embedded HTML');
    }
    expect((await new IssuerProfileStore(tool.database.db).get())!.logoType).toBe('image/png');

    const { fields } = await issuerForm();
    const ok = await admin.upload(
      `${tool.base}/admin/issuer`,
      { ...fields, ...details },
      { field: 'logo', filename: 'logo.svg', content: SVG, type: 'image/svg+xml' },
    );
    expect(ok.body).toContain('Issuer profile saved.');
    const logo = await fetch(`${tool.base}/issuer/logo`);
    expect(logo.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(logo.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('refuses a logo over 1 MB, keeping the typed fields', async () => {
    const { fields } = await issuerForm();
    const big = Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]);
    const res = await admin.upload(
      `${tool.base}/admin/issuer`,
      { ...fields, ...details, name: 'Big Logo University' },
      { field: 'logo', filename: 'big.png', content: big, type: 'image/png' },
    );
    expect(res.status).toBe(413);
    expect(res.body).toContain('larger than 1 MB');
    expect(res.body).toContain('value="Big Logo University"');
  });

  it('needs the CSRF token in the multipart form too', async () => {
    const { fields } = await issuerForm();
    delete fields._csrf;
    const res = await admin.upload(
      `${tool.base}/admin/issuer`,
      { ...fields, ...details, name: 'Hijack' },
      { field: 'logo', filename: 'logo.png', content: PNG, type: 'image/png' },
    );
    expect(res.status).toBe(403);
    expect(res.body).toContain('CSRF_TOKEN_INVALID');
    // Nobody signed in: refused without the upload being read.
    const anonymous = await new TestBrowser().upload(
      `${tool.base}/admin/issuer`,
      { ...details, _csrf: 'x' },
      { field: 'logo', filename: 'logo.png', content: PNG },
    );
    expect(anonymous.status).toBe(403);
    expect((await new IssuerProfileStore(tool.database.db).get())!.name).toBe('Example University');
  });

  it('can remove the logo', async () => {
    const { fields } = await issuerForm();
    const res = await admin.upload(`${tool.base}/admin/issuer`, { ...fields, removeLogo: 'on' });
    expect(res.body).toContain('Issuer profile saved.');
    expect(res.body).not.toContain('Current logo');
    expect((await fetch(`${tool.base}/issuer/logo`)).status).toBe(404);
  });

  it('publishes a Profile that validates against the official schema and can be signed as a credential’s issuer', async () => {
    const profile = await (await fetch(`${tool.base}/issuer`)).json();
    const ajv = new Ajv2019({ allErrors: true, strictTuples: false });
    addFormats(ajv);
    ajv.addSchema(ob3Schema);
    const validate = ajv.compile({ $ref: `${ob3Schema.$id}#/$defs/Profile` });
    expect(validate(profile) ? [] : validate.errors).toEqual([]);
    expect(profile.otherIdentifier).toHaveLength(2);
    // No QA fields in the Profile: OB 3.0 has none, and undefined JSON-LD terms would break signing.
    expect(JSON.stringify(profile)).not.toContain('NVAO');

    // Embedded as the issuer, every property is defined by the credential's contexts.
    const issuance = (await new IssuerProfileStore(tool.database.db).forIssuance(tool.base, tool.signingKeys.did))!;
    const { keyPair } = await tool.signingKeys.activeKeyPair();
    const signed = await signCredentialDataIntegrity(fullBadge(tool.signingKeys.did, { issuer: issuance.profile }), keyPair);
    const report = await verifyOpenBadgeCredential(signed, { now: NOW, resolveKey: tool.signingKeys.resolver() });
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(report.verified).toBe(true);
  });
});

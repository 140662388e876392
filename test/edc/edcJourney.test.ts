// Issue 19 end to end on real PostgreSQL: the administrator configures the seal in the console
// (test seal, PEM, PKCS#12; wrong key and expired certificate refused), the learner downloads
// the EDC of an earned credential from My badges, anyone verifies it on /verify and
// /api/verify with every Europass check reported, and revoking the award revokes the EDC.
import forge from 'node-forge';
import { generateTestSeal } from '../../src/edc/certificates';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, issuingCourse, type Person, publishCredential, submitForm, text, until, uploadForm } from '../assessment/support';
import { signedInAdmin } from '../support/admin';
import { readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import type { TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
let admin: TestBrowser;

beforeAll(async () => {
  ({ tool, sim, teacher, learner } = await issuingCourse());
  admin = await signedInAdmin(tool, { email: 'admin@uni.example', password: 'correct horse battery staple' });
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);
const pemOf = (key: { export(o: object): string | Buffer }) => key.export({ type: 'pkcs8', format: 'pem' }) as string;

async function issuedCredential(): Promise<{ id: string }> {
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  const a = await acceptComplete(tool, teacher, learner, credentialId);
  return until('the credential to be issued', async () => (await q('SELECT id FROM issued_credentials WHERE award_id = $1', [a.id]))[0]);
}

it('the console configures the seal: test seal, PEM, PKCS#12; refuses a wrong key; an expired one seals nothing', async () => {
  const issued = await issuedCredential();
  const edcUrl = `${learner.base}/badges/${issued.id}/edc`;
  // No seal yet: the page says so, and there is nothing to download.
  let page = await admin.get(`${tool.base}/admin/seal`);
  expect(text(page.body)).toContain('No seal is configured');
  expect((await admin.get(`${tool.base}/admin`)).body).toContain('href="/admin/seal"');
  expect((await learner.browser.get(edcUrl)).status).toBe(409);
  // Only administrators: a learner's session gets no console.
  expect((await learner.browser.get(`${tool.base}/admin/seal`)).status).toBe(403);

  // A labelled test seal.
  page = await submitForm(tool, admin, page, '/admin/seal/test', {
    organizationName: 'Example University',
    organizationIdentifier: 'VATNL-001234567B01',
    country: 'NL',
  });
  let words = text(page.body);
  expect(words).toContain('TEST SEAL — self-signed and not qualified');
  expect(words).toContain('O=Example University');
  expect(words).toContain('Legal identifier VATNL-001234567B01');
  expect(words).toContain('Qualified seal certificate (QCStatements) No');
  expect(words).toContain('This installation’s test seal');
  const [row] = await q("SELECT private_key_encrypted FROM edc_seals WHERE status = 'active'");
  expect(row.private_key_encrypted).toMatch(/^v1\./);
  expect(row.private_key_encrypted).not.toContain('PRIVATE KEY');

  // PEM with a key that is not the certificate's: refused, the test seal stays.
  const other = generateTestSeal({ organizationName: 'Other', organizationIdentifier: 'VATBE-1', country: 'BE' });
  const mine = generateTestSeal({ organizationName: 'Uploaded University', organizationIdentifier: 'VATNL-2', country: 'NL' });
  page = await submitForm(tool, admin, page, '/admin/seal/pem', { certificates: mine.chain[0].toString(), key: pemOf(other.key) });
  expect(page.status).toBe(422);
  expect(text(page.body)).toContain('The private key does not belong to the seal certificate.');

  // PKCS#12, as a CA or HSM export gives it.
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(mine.key.export({ type: 'pkcs1', format: 'pem' }) as string),
    [forge.pki.certificateFromPem(mine.chain[0].toString())],
    'secret',
    { algorithm: '3des' },
  );
  page = await admin.get(`${tool.base}/admin/seal`);
  const wrongPassword = await uploadForm(
    tool,
    admin,
    page,
    '/admin/seal/pkcs12',
    { password: 'nope' },
    { filename: 'seal.p12', content: Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary') },
  );
  expect(wrongPassword.status).toBe(422);
  expect(text(wrongPassword.body)).toContain('The PKCS#12 file cannot be opened');
  page = await uploadForm(
    tool,
    admin,
    page,
    '/admin/seal/pkcs12',
    { password: 'secret' },
    { filename: 'seal.p12', content: Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary') },
  );
  expect(text(page.body)).toContain('O=Uploaded University');

  // An expired certificate: the console says so, and nothing is sealed with it.
  const expired = generateTestSeal({
    organizationName: 'Old University',
    organizationIdentifier: 'VATNL-3',
    country: 'NL',
    now: new Date('2020-01-01T00:00:00Z'),
    days: 30,
  });
  page = await submitForm(tool, admin, page, '/admin/seal/pem', { certificates: expired.chain[0].toString(), key: pemOf(expired.key) });
  words = text(page.body);
  expect(words).toContain('The seal certificate expired on 2020-01-31');
  expect(words).toContain('Nothing is sealed with it until a valid certificate is configured.');
  const refused = await learner.browser.get(edcUrl);
  expect(refused.status).toBe(409);
  expect(text(refused.body)).toContain('No European Digital Credential can be sealed: The seal certificate expired on 2020-01-31');
});

it('the learner downloads the EDC; /verify reports every check; revoking the award revokes it', async () => {
  let page = await admin.get(`${tool.base}/admin/seal`);
  page = await submitForm(tool, admin, page, '/admin/seal/test', {
    organizationName: 'Example University',
    organizationIdentifier: 'VATNL-001234567B01',
    country: 'NL',
  });
  const issued = await issuedCredential();
  const mine = await learner.browser.get(`${learner.base}/badges`);
  expect(mine.body).toContain(`/badges/${issued.id}/edc`);
  expect(text(mine.body)).toContain('For a Europass wallet and recognition in the EU.');
  const download = await learner.browser.get(`${learner.base}/badges/${issued.id}/edc`);
  expect(download.status).toBe(200);
  expect(download.headers.get('content-disposition')).toBe(`attachment; filename="edc-${issued.id}.jsonld"`);
  const sealed = JSON.parse(download.body);
  const edc = JSON.parse(sealed.payload);
  expect(edc.type).toEqual(['VerifiableCredential', 'EuropeanDigitalCredential']);
  expect(edc.credentialSubject.hasClaim.title.en).toBe('Research Data Management');
  expect(edc.issuer.eIDASIdentifier.notation).toBe('VATNL-001234567B01');
  // Another learner's credential is not downloadable from this launch.
  expect((await teacher.browser.get(`${teacher.base}/badges/${issued.id}/edc`)).status).toBe(403);

  const verify = async () =>
    (await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sealed) })).json();
  let report = await verify();
  expect(report.form).toBe('edc');
  expect(report.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual([
    'FORMAT:passed',
    'SEAL:passed',
    'REVOCATION:passed',
    'VALIDITY:passed',
    'ACCREDITATION:not checked',
  ]);
  expect(report.verified).toBe(true);

  // The page: pasted, every check in plain words.
  const anon = new TestBrowser();
  const form = await anon.get(`${tool.base}/verify`);
  const shown = await anon.post(`${tool.base}/verify`, { ...readForm(form.body, '/verify').fields, credential: JSON.stringify(sealed) });
  const words = text(shown.body);
  expect(words).toContain('European Digital Credential verified');
  for (const name of ['FORMAT: passed', 'SEAL: passed', 'REVOCATION: passed', 'VALIDITY: passed', 'ACCREDITATION: not checked']) expect(words).toContain(name);
  expect(words).toContain('self-signed TEST seal (not qualified)');

  // The credential without its seal: FORMAT is checked, SEAL fails.
  const unsealed = await (
    await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sealed.payload })
  ).json();
  expect(unsealed.checks.slice(0, 2).map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual(['FORMAT:passed', 'SEAL:failed']);
  expect(unsealed.checks[1].messages).toEqual(['The credential is not sealed: a sealed EDC is a JWS in JSON serialization, with “payload” and “signatures”.']);

  // A changed payload fails the seal.
  const tampered = { ...sealed, payload: sealed.payload.replace('Research Data Management', 'Research Data Mastery') };
  const bad = await (
    await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tampered) })
  ).json();
  expect(bad.checks.find((c: { name: string }) => c.name === 'SEAL')).toMatchObject({ status: 'failed' });
  expect(bad.verified).toBe(false);

  // The teacher revokes the badge: the EDC is revoked with it (same status entry).
  const issuedPage = await teacher.browser.get(`${teacher.base}/badges/issued`);
  await submitForm(tool, teacher.browser, issuedPage, new RegExp(`${issued.id}/revoke$`), { reason: 'Plagiarism found after award' });
  report = await verify();
  expect(report.checks.find((c: { name: string }) => c.name === 'REVOCATION')).toEqual({
    name: 'REVOCATION',
    status: 'failed',
    messages: ['The issuer has revoked this credential.'],
  });
  expect(report.verified).toBe(false);
  // And a revoked credential is not sealed again.
  const again = await learner.browser.get(`${learner.base}/badges/${issued.id}/edc`);
  expect(again.status).toBe(409);
  expect(text(again.body)).toContain('This credential has been revoked, so it is not sealed as a European Digital Credential.');
});

// Issue 5 end to end on real PostgreSQL with pg-boss: an accepted assessment's award is
// relayed from the outbox to the issuing job; the learner sees the badge, downloads it in
// every form and shares it; anyone verifies it (page and API, pasted or baked); the teacher
// revokes it and verification says so; reinstating restores it. Key rotation keeps it valid.
import { unbake } from '../../src/badges/baking';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, issuingCourse, type Person, publishCredential, submitForm, text, until } from '../assessment/support';
import { signedInAdmin } from '../support/admin';
import { readForm, TestBrowser } from '../support/browser';
import { type PlatformSimulator, USERS } from '../support/platformSimulator';
import type { TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;

beforeAll(async () => {
  ({ tool, sim, teacher, learner } = await issuingCourse());
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

/** A learner's accepted submission of a fresh credential (the pages are tested in test/assessment). */
async function award(def = completeDefinition()) {
  const credentialId = await publishCredential(tool, teacher, { ...def, supervisionType: 'unsupervised with no identity verification' });
  return acceptComplete(tool, teacher, learner, credentialId);
}

it('issues, shows, shares, verifies, revokes and reinstates a badge', async () => {
  const a = await award();
  // The background job issues it: the learner's page shows progress, then the badge.
  const issued = await until(
    'the credential to be issued',
    async () => (await q('SELECT id, credential, jwt FROM issued_credentials WHERE award_id = $1', [a.id]))[0],
  );
  expect((await q("SELECT dispatched_at FROM outbox_events WHERE type = 'award.created' AND subject_id = $1", [a.id]))[0].dispatched_at).not.toBeNull();
  const mine = await learner.browser.get(`${learner.base}/badges`);
  expect(text(mine.body)).toContain('Research Data Management');
  const share = `${tool.base}/credentials/${issued.id}`;
  expect(mine.body).toContain(`value="${share}"`);
  expect(mine.body).toContain('https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME');

  // The credential: did:web issuer with the profile, our context, status entry served by us.
  const c = issued.credential;
  expect(c.issuer).toMatchObject({
    id: expect.stringMatching(/^did:web:localhost%3A\d+$/),
    name: 'Example University',
    otherIdentifier: [{ identifier: '42NB', identifierType: 'ext:BRIN' }],
  });
  expect(c.proof[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: `${c.issuer.id}#key-1` });
  const [header] = issued.jwt.split('.');
  // The JWT's kid is the same key published as a JsonWebKey (OB 3.0 §8.2.2: it dereferences to a JWK).
  expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: `${c.issuer.id}#key-1-jwk`, typ: 'JWT' });

  // Public share page and downloads, without any session.
  const anon = new TestBrowser();
  let page = await anon.get(share);
  expect(page.status).toBe(200);
  expect(text(page.body)).toContain('✓ This credential is valid');
  const json = await anon.get(`${share}.json?download=1`);
  expect(json.headers.get('content-disposition')).toContain('attachment');
  expect(JSON.parse(json.body).id).toBe(`urn:uuid:${issued.id}`);
  const jwtFile = await anon.get(`${share}.jwt`);
  expect(jwtFile.body).toBe(issued.jwt);
  expect(jwtFile.headers.get('content-type')).toBe('text/plain; charset=utf-8'); // OB 3.0 §5.2
  const png = Buffer.from(await (await fetch(`${share}/badge.png`)).arrayBuffer());
  const svg = Buffer.from(await (await fetch(`${share}/badge.svg`)).arrayBuffer());
  expect(JSON.parse(unbake(png)!.credential)).toEqual(c);
  expect(JSON.parse(unbake(svg)!.credential)).toEqual(c);
  const statusList = await fetch(c.credentialStatus.statusListCredential);
  expect(statusList.headers.get('cache-control')).toContain('max-age=60');
  expect(statusList.headers.get('etag')).toBeTruthy();
  // The Achievement resolves to the one the credential signs (as JSON-LD), and its image resolves.
  const { '@context': achievementContext, ...achievement } = await (await fetch(c.credentialSubject.achievement.id)).json();
  expect(achievementContext).toEqual(c['@context']);
  expect(achievement).toEqual(c.credentialSubject.achievement);
  expect((await fetch(c.credentialSubject.achievement.image.id)).headers.get('content-type')).toBe('image/png');

  // The verification page: a baked PNG uploaded, and the JSON API with the JWT.
  const uploaded = await anon.upload(`${tool.base}/verify`, {}, { filename: 'badge.png', content: png, type: 'image/png' });
  expect(text(uploaded.body)).toContain('✓ This credential is valid');
  const api = await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/jwt' }, body: issued.jwt });
  const report = await api.json();
  expect(report.verified).toBe(true);
  expect(report.checks.map((x: { id: string; status: string }) => `${x.id}:${x.status}`)).toEqual([
    'format:passed',
    'schema:passed',
    'signature:passed',
    'issuer:passed',
    'status:passed',
    'validity:passed',
  ]);

  // The teacher revokes with a reason; the list changes at once and verification says revoked.
  let issuedPage = await teacher.browser.get(`${teacher.base}/badges/issued`);
  const noReason = await submitForm(tool, teacher.browser, issuedPage, /\/revoke$/, { reason: '' });
  expect(noReason.status).toBe(422);
  issuedPage = await submitForm(tool, teacher.browser, issuedPage, /\/revoke$/, { reason: 'Plagiarism found after award' });
  expect(text(issuedPage.body)).toContain('Revoked: Plagiarism found after award');
  const revoked = await (
    await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c) })
  ).json();
  expect(revoked).toMatchObject({ verified: false, revoked: true });
  page = await anon.get(share);
  expect(text(page.body)).toContain('✗ This credential has been revoked');
  expect((await q("SELECT action, after FROM audit_log WHERE action = 'credential.revoked'"))[0].after).toMatchObject({
    revoked: true,
    reason: 'Plagiarism found after award',
  });
  // The LMS's gradebook follows: its comment for the learner says the badge was revoked.
  const gradebookComment = () => [...sim.scores.values()].find((score) => score.userId === USERS.learner.sub)?.comment as string | undefined;
  await until('the gradebook says revoked', async () => (gradebookComment()?.includes('revoked') ? true : undefined));

  // Reinstated (it was a suspension after all): valid again.
  issuedPage = await submitForm(tool, teacher.browser, issuedPage, /\/reinstate$/);
  expect(text(issuedPage.body)).toContain('Reinstated.');
  // A newer state than the revocation, so the LMS takes it: the comment links the badge again.
  await until('the gradebook links the badge again', async () => (gradebookComment()?.startsWith('Awarded. Open Badge:') ? true : undefined));
  expect(
    (await (await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c) })).json())
      .verified,
  ).toBe(true);

  // The learner makes a piece of evidence public: it shows on the share page.
  const badges = await learner.browser.get(`${learner.base}/badges`);
  const shared = await submitForm(tool, learner.browser, badges, /\/badges\/evidence\/\d+$/);
  expect(text(shared.body)).toContain('That evidence is now public');
  expect(text((await anon.get(share)).body)).toContain('Evidence shared by the learner');

  // Key rotation: the new key signs new credentials; the old credential still verifies.
  await tool.signingKeys.generate(null);
  const later = await award({ ...completeDefinition(), title: 'Second credential' });
  const second = await until('the second credential', async () => (await q('SELECT credential FROM issued_credentials WHERE award_id = $1', [later.id]))[0]);
  expect(second.credential.proof[0].verificationMethod).toMatch(/#key-2$/);
  for (const cred of [c, second.credential]) {
    const r = await (
      await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cred) })
    ).json();
    expect(r.verified).toBe(true);
  }
});

it('issues exactly one credential per award, however many jobs run at once or again', async () => {
  const a = await award({ ...completeDefinition(), title: 'Idempotent' });
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => tool.badges.issueForAward(a.id)));
  const ids = new Set(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id));
  expect(ids.size).toBe(1);
  await until('the job to settle', async () =>
    (await q("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'issue-credential' AND state IN ('created', 'active', 'retry')"))[0].n === 0
      ? true
      : undefined,
  );
  expect(await q('SELECT id FROM issued_credentials WHERE award_id = $1', [a.id])).toHaveLength(1);
  // A job that runs again after success finds it and changes nothing.
  expect((await tool.badges.issueForAward(a.id)).id).toBe([...ids][0]);
  expect((await q("SELECT count(*)::int AS n FROM audit_log WHERE action = 'credential.issued' AND entity_id = $1", [a.id]))[0].n).toBe(1);
});

it('verification explains what is wrong with garbage, and the page keeps what was pasted', async () => {
  const anon = new TestBrowser();
  const res = await anon.post(`${tool.base}/verify`, { credential: '{"hello": "world"}' });
  expect(text(res.body)).toContain('✗ This credential could not be verified');
  expect(res.body).toContain('{&#34;hello&#34;: &#34;world&#34;}');
  const empty = await anon.post(`${tool.base}/verify`, { credential: '' });
  expect(empty.status).toBe(422);
  const api = await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(api.status).toBe(400);
});

it('lets an administrator revoke and reinstate from the console; nobody else can', async () => {
  const [row] = await q('SELECT id, credential FROM issued_credentials ORDER BY issued_at LIMIT 1');
  const admin = await signedInAdmin(tool, { email: 'admin@uni.example', password: 'correct horse battery staple' });
  let page = await admin.get(`${tool.base}/admin/credentials`);
  expect(page.body).toContain(row.id);
  const form = readForm(page.body, `/admin/credentials/${row.id}/revoke`);
  // No CSRF token: refused, nothing changes.
  expect((await admin.post(`${tool.base}${form.action}`, { reason: 'x' })).status).toBe(403);
  page = await admin.post(`${tool.base}${form.action}`, { ...form.fields, reason: 'Issued in error' });
  expect(text(page.body)).toContain('Revoked: Issued in error');
  const verify = async () =>
    (await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(row.credential) })).json();
  expect(await verify()).toMatchObject({ verified: false, revoked: true });
  expect((await q("SELECT after FROM audit_log WHERE action = 'credential.revoked' ORDER BY id DESC LIMIT 1"))[0].after).toMatchObject({
    by: expect.stringMatching(/^admin:\d+$/),
    reason: 'Issued in error',
  });
  page = await admin.post(
    `${tool.base}${readForm(page.body, `/admin/credentials/${row.id}/reinstate`).action}`,
    readForm(page.body, `/admin/credentials/${row.id}/reinstate`).fields,
  );
  expect((await verify()).verified).toBe(true);
  // An LTI learner, and the anonymous, never reach the console page; a learner cannot revoke through the course page.
  expect((await learner.browser.get(`${tool.base}/admin/credentials`)).status).toBe(403);
  expect((await new TestBrowser().get(`${tool.base}/admin/credentials`, false)).status).toBe(303);
  expect((await learner.browser.get(`${learner.base}/badges/issued`)).status).toBe(403);
});

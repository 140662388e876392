// Wallet delivery over the VC-API exchange, as the DCC Learner Credential Wallet uses it, end
// to end on real PostgreSQL: the learner's "Add to a wallet" on My badges and the holder's on
// the share page give a QR code and a deep link; the wallet simulator (its own did:key) follows
// the link over HTTP, proves its DID over the challenge and receives a copy bound to its DID,
// which it verifies with the project's verifier (issuer did:web and status list over HTTP).
// Single use, short-lived, one winner when two wallets post at once; bad input is a 4xx JSON
// protocol error that changes nothing; revoking the award revokes the copies, reinstating
// reinstates them.
import { decodeJwt } from 'jose';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, issuingCourse, type Person, publishCredential, submitForm, text, until } from '../assessment/support';
import { signedInAdmin } from '../support/admin';
import { TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import type { TestTool } from '../support/tool';
import { WalletSimulator } from '../support/walletSimulator';
import { holderCode } from '../../src/qa/surveys';

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

let n = 0;
async function issuedBadge() {
  const credentialId = await publishCredential(tool, teacher, {
    ...completeDefinition(),
    title: `Research Data Management ${++n}`,
    supervisionType: 'unsupervised with no identity verification',
  });
  const a = await acceptComplete(tool, teacher, learner, credentialId);
  const issued = await until(
    'the credential to be issued',
    async () => (await q('SELECT id, credential FROM issued_credentials WHERE award_id = $1', [a.id]))[0],
  );
  return { awardId: a.id as number, uuid: issued.id as string, credential: issued.credential };
}

/** The learner presses "Add to a wallet" on My badges; returns the page and its deep link. */
async function addToWalletAsLearner(uuid: string) {
  const mine = await learner.browser.get(`${learner.base}/badges`);
  const page = await submitForm(tool, learner.browser, mine, new RegExp(`/badges/wallet/${uuid}$`));
  const link = deepLinkIn(page.body);
  return { page, link, params: WalletSimulator.parseLcwDeepLink(link) };
}

const deepLinkIn = (html: string) => {
  const m = /href="(dccrequest:\/\/request\?[^"]+)"/.exec(html);
  if (!m) throw new Error('no LCW deep link on the page');
  return m[1].replace(/&amp;/g, '&');
};

const copiesOf = async (awardId: number) => q('SELECT id, holder_did, delivered_via FROM holder_copies WHERE award_id = $1 ORDER BY created_at', [awardId]);
const exchangeRow = async (id: string) => (await q('SELECT used_at, holder_copy_id FROM vc_api_exchanges WHERE id = $1', [id]))[0];
const exchangeIdOf = (url: string) => url.split('/').pop()!;

it('My badges → QR code and deep link → LCW deep-link flow → a verified copy bound to the wallet’s DID; single use', async () => {
  const { awardId, uuid } = await issuedBadge();
  const { page, link, params } = await addToWalletAsLearner(uuid);
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(text(page.body)).toContain('Learner Credential Wallet');
  expect(page.body).toMatch(/<svg role="img" aria-label="QR code for the Learner Credential Wallet" class="qr"/);
  expect(params).toMatchObject({
    issuer: expect.stringMatching(/^did:web:localhost%3A\d+$/),
    auth_type: 'bearer',
    challenge: expect.stringMatching(/^[0-9a-f-]{36}$/),
  });
  expect(params.vc_request_url).toMatch(new RegExp(`^${tool.base}/workflows/claim/exchanges/[0-9a-f-]{36}$`));

  const wallet = await WalletSimulator.create();
  const got = await wallet.followLcwDeepLink(link);
  expect(got.status).toBe(200);
  expect(got.contentType).toContain('application/json');
  // LCW reads a bare VC or VP from this flow (extractCredentialsFrom): a VP holding the copy.
  expect(got.body).toMatchObject({ type: ['VerifiablePresentation'] });
  expect(got.credentials).toHaveLength(1);
  const copy = got.credentials[0];
  const { report, boundToMe } = await wallet.check(copy);
  expect(report.checks.map((c) => `${c.id}:${c.status}`)).toEqual([
    'format:passed',
    'schema:passed',
    'signature:passed',
    'issuer:passed',
    'status:passed',
    'validity:passed',
  ]);
  expect(boundToMe).toBe(true);

  // Stored once, linked to the award and to the exchange that delivered it; the JWT form is bound too.
  const copies = await copiesOf(awardId);
  expect(copies).toEqual([{ id: expect.any(String), holder_did: wallet.did, delivered_via: 'vc-api' }]);
  expect(copy.id).toBe(`urn:uuid:${copies[0].id}`);
  const exchangeId = exchangeIdOf(params.vc_request_url);
  expect(await exchangeRow(exchangeId)).toEqual({ used_at: expect.any(Date), holder_copy_id: copies[0].id });
  const [{ jwt }] = await q('SELECT jwt FROM holder_copies WHERE id = $1', [copies[0].id]);
  expect(decodeJwt(jwt)).toMatchObject({ sub: wallet.did, jti: copy.id });
  expect((await wallet.check(jwt)).report.verified).toBe(true);

  // Single use: the same presentation again, or another wallet, gets a protocol error.
  const replay = await wallet.followLcwDeepLink(link);
  expect(replay.status).toBe(409);
  expect(replay.body).toEqual({ error: { code: 'EXCHANGE_USED', message: 'This exchange has already been used.', hint: expect.any(String) } });
  const late = await (await WalletSimulator.create()).followLcwDeepLink(link);
  expect(late.status).toBe(409);
  expect(await copiesOf(awardId)).toHaveLength(1);
});

it('the holder on the share page (holder code) → VC-API exchange: {} → DIDAuthentication request → { verifiablePresentation }', async () => {
  const { awardId, uuid } = await issuedBadge();
  const anon = new TestBrowser();
  const share = await anon.get(`${tool.base}/credentials/${uuid}`);
  expect(share.body).toContain(`href="${tool.base}/credentials/${uuid}/wallet"`);
  const ask = await anon.get(`${tool.base}/credentials/${uuid}/wallet`);
  expect(text(ask.body)).toContain('Is this your badge?');
  const wrong = await submitForm(tool, anon, ask, `/credentials/${uuid}/wallet`, { code: 'AAAAAAAAAAAA' });
  expect(wrong.status).toBe(403);
  expect(wrong.body).not.toContain('dccrequest://');
  expect(await q('SELECT id FROM vc_api_exchanges WHERE award_id = $1', [awardId])).toEqual([]);
  const page = await submitForm(tool, anon, ask, `/credentials/${uuid}/wallet`, { code: holderCode(tool.config.encryptionKey, uuid) });
  expect(page.status).toBe(200);
  const { vc_request_url: exchangeUrl, challenge } = WalletSimulator.parseLcwDeepLink(deepLinkIn(page.body));

  const wallet = await WalletSimulator.create();
  const done = await wallet.vcApiExchange(exchangeUrl);
  expect(done.request).toEqual({
    query: {
      type: 'DIDAuthentication',
      acceptedMethods: [{ method: 'key' }],
      acceptedCryptosuites: [{ cryptosuite: 'Ed25519Signature2020' }, { cryptosuite: 'eddsa-rdfc-2022' }],
    },
    interact: { service: [{ type: 'VerifiableCredentialApiExchangeService', serviceEndpoint: exchangeUrl }] },
    challenge,
    domain: new URL(tool.base).origin,
  });
  expect(done.status).toBe(200);
  expect(Object.keys(done.body)).toEqual(['verifiablePresentation']);
  expect(done.credentials).toHaveLength(1);
  const { report, boundToMe } = await wallet.check(done.credentials[0]);
  expect([report.verified, boundToMe]).toEqual([true, true]);
  expect((await copiesOf(awardId)).map((c) => c.holder_did)).toEqual([wallet.did]);
});

it('two wallets posting to one exchange at once: exactly one gets the copy', async () => {
  const { awardId } = await issuedBadge();
  const opened = await tool.vcApi.open(awardId);
  const wallets = await Promise.all([WalletSimulator.create(), WalletSimulator.create(), WalletSimulator.create()]);
  const answers = await Promise.all(wallets.map((w) => w.followLcwDeepLink(opened.deepLink)));
  expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
  const winner = wallets[answers.findIndex((a) => a.status === 200)];
  expect((await copiesOf(awardId)).map((c) => c.holder_did)).toEqual([winner.did]);
});

it('bad input gets a clear 4xx JSON protocol error and changes nothing', async () => {
  const { awardId } = await issuedBadge();
  const opened = await tool.vcApi.open(awardId);
  const wallet = await WalletSimulator.create();
  const error = (a: { status: number; body: unknown }) => [a.status, (a.body as { error?: { code?: string } }).error?.code];

  expect(error(await wallet.followLcwDeepLink(opened.deepLink, { challenge: 'a-challenge-of-another-exchange' }))).toEqual([401, 'WRONG_CHALLENGE']);
  expect(
    error(await wallet.post(opened.exchangeUrl, await wallet.didAuthentication({ challenge: opened.challenge, holder: 'did:web:wallet.example' }))),
  ).toEqual([400, 'UNSUPPORTED_DID_METHOD']);
  const notOurs = await (await WalletSimulator.create()).didAuthentication({ challenge: opened.challenge, holder: wallet.did });
  expect(error(await wallet.post(opened.exchangeUrl, notOurs))).toEqual([401, 'HOLDER_MISMATCH']);
  expect(error(await wallet.post(opened.exchangeUrl, { verifiablePresentation: 'nope' }))).toEqual([400, 'NOT_A_PRESENTATION']);
  expect(error(await wallet.post(opened.exchangeUrl, { hello: 'world' }))).toEqual([400, 'NOT_A_PRESENTATION']);
  const broken = await fetch(opened.exchangeUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: '*/*' }, body: '{"type": [' });
  expect([broken.status, broken.headers.get('content-type'), (await broken.json()).error.code]).toEqual([
    400,
    expect.stringContaining('application/json'),
    'INVALID_JSON',
  ]);
  const unknown = await wallet.post(`${tool.base}/workflows/claim/exchanges/4c1f0a3e-1f2b-4c3d-8e4f-5a6b7c8d9e0f`, {});
  expect(error(unknown)).toEqual([404, 'EXCHANGE_NOT_FOUND']);
  expect(error(await wallet.post(`${tool.base}/workflows/claim/exchanges/not-an-id`, {}))).toEqual([404, 'EXCHANGE_NOT_FOUND']);

  // Nothing changed: no copy, the exchange still open, and it still works for the right presentation.
  expect(await copiesOf(awardId)).toEqual([]);
  expect(await exchangeRow(opened.id)).toEqual({ used_at: null, holder_copy_id: null });
  expect((await wallet.followLcwDeepLink(opened.deepLink)).status).toBe(200);

  // Expired: refused, nothing stored.
  const stale = await tool.vcApi.open(awardId);
  await q("UPDATE vc_api_exchanges SET expires_at = now() - interval '1 second' WHERE id = $1", [stale.id]);
  const other = await WalletSimulator.create();
  expect(error(await other.followLcwDeepLink(stale.deepLink))).toEqual([410, 'EXCHANGE_EXPIRED']);
  expect(error(await other.post(stale.exchangeUrl, {}))).toEqual([410, 'EXCHANGE_EXPIRED']);
  expect((await copiesOf(awardId)).map((c) => c.holder_did)).toEqual([wallet.did]);
});

it('revoking the award revokes every copy, reinstating reinstates them; staff and admins see the copies', async () => {
  const { awardId, uuid, credential } = await issuedBadge();
  const alice = await WalletSimulator.create();
  const bob = await WalletSimulator.create();
  const a = (await alice.followLcwDeepLink((await addToWalletAsLearner(uuid)).link)).credentials[0];
  const b = (await bob.vcApiExchange((await tool.vcApi.open(awardId)).exchangeUrl)).credentials[0];
  expect([(await alice.check(a)).report.verified, (await bob.check(b)).report.verified]).toEqual([true, true]);
  const pending = await tool.vcApi.open(awardId);

  // The course's issued badges list the copies, with the holders' DIDs.
  let issuedPage = await teacher.browser.get(`${teacher.base}/badges/issued`);
  expect(text(issuedPage.body)).toContain('Wallet copies: 2');
  expect(issuedPage.body).toContain(alice.did);
  expect(issuedPage.body).toContain(bob.did);
  // So does the admin console's list of issued credentials.
  const admin = await signedInAdmin(tool);
  const consolePage = await admin.get(`${tool.base}/admin/credentials`);
  expect(text(consolePage.body)).toContain('Wallet copies: 2');
  expect(consolePage.body).toContain(alice.did);

  issuedPage = await submitForm(tool, teacher.browser, issuedPage, new RegExp(`/badges/issued/${uuid}/revoke$`), { reason: 'Awarded in error' });
  expect(text(issuedPage.body)).toContain('Revoked: Awarded in error');
  for (const [wallet, copy] of [
    [alice, a],
    [bob, b],
  ] as const) {
    const { report } = await wallet.check(copy);
    expect(report).toMatchObject({ verified: false, revoked: true });
  }
  // The original too, of course; and no new copies of a revoked badge, by any route.
  expect((await alice.check(credential)).report.revoked).toBe(true);
  const refused = await (await WalletSimulator.create()).followLcwDeepLink(pending.deepLink);
  expect([refused.status, (refused.body as { error: { code: string } }).error.code]).toEqual([409, 'CREDENTIAL_REVOKED']);
  expect(await exchangeRow(pending.id)).toEqual({ used_at: null, holder_copy_id: null });
  const mine = await learner.browser.get(`${learner.base}/badges`);
  expect(mine.body).not.toContain(`/badges/wallet/${uuid}`);
  expect((await new TestBrowser().get(`${tool.base}/credentials/${uuid}/wallet`)).status).toBe(410);

  issuedPage = await submitForm(tool, teacher.browser, issuedPage, new RegExp(`/badges/issued/${uuid}/reinstate$`));
  expect(text(issuedPage.body)).toContain('Reinstated.');
  expect([(await alice.check(a)).report.verified, (await bob.check(b)).report.verified]).toEqual([true, true]);
  expect(await copiesOf(awardId)).toHaveLength(2);
});

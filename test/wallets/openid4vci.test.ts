// OpenID4VCI 1.0 end to end over HTTP, on real PostgreSQL: the learner makes an offer on
// "My badges", a wallet driven by an independent client library (@openid4vc/openid4vci, see
// test/support/openid4vciWallet.ts) redeems it (with and without a transaction code), asks for
// a nonce, proves possession of its key and receives the badge in both forms, bound to its DID;
// the project's verifier accepts both; revoking the award revokes the copy. Every bad request
// gets the spec's error and changes nothing.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, issuingCourse, type Person, publishCredential, submitForm, until } from '../assessment/support';
import { Openid4vciWallet } from '../support/openid4vciWallet';
import { TestBrowser } from '../support/browser';
import { WalletSimulator } from '../support/walletSimulator';
import { holderCode } from '../../src/qa/surveys';
import type { PlatformSimulator } from '../support/platformSimulator';
import type { TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
let awardId: number;
let credentialUuid: string;

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

beforeAll(async () => {
  ({ tool, sim, teacher, learner } = await issuingCourse());
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  awardId = (await acceptComplete(tool, teacher, learner, credentialId)).id;
  credentialUuid = (await until('the credential to be issued', async () => (await q('SELECT id FROM issued_credentials WHERE award_id = $1', [awardId]))[0]))
    .id;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

/** The offer link and the transaction code on an "Add to a wallet" page. */
function offerOn(page: { status: number; body: string }) {
  expect(page.status).toBe(200);
  const link = /href="(openid-credential-offer:\/\/[^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
  if (!link) throw new Error(`no offer link on the page: ${page.body.slice(0, 500)}`);
  const txCode = /class="tx-code">(\d+)</.exec(page.body)?.[1];
  return { link, txCode, page };
}

/**
 * The learner's "Add to a wallet" on My badges: the OpenID4VCI offer beside the VC-API one,
 * with a transaction code; or, from there, the offer without one.
 */
async function makeOffer(opts: { txCode: boolean } = { txCode: true }) {
  const badges = await learner.browser.get(`${learner.base}/badges`);
  const addPage = await submitForm(tool, learner.browser, badges, /\/badges\/wallet\/[0-9a-f-]+$/);
  if (opts.txCode) return offerOn(addPage);
  return offerOn(await submitForm(tool, learner.browser, addPage, /\/openid4vci\/\d+$/));
}

async function verify(credential: unknown) {
  const body = typeof credential === 'string' ? credential : JSON.stringify(credential);
  const type = typeof credential === 'string' ? 'application/jwt' : 'application/json';
  return (await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': type }, body })).json();
}

async function post(path: string, body: string | object, headers: Record<string, string> = {}) {
  const isForm = typeof body === 'string';
  const res = await fetch(`${tool.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
    body: isForm ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const counts = async () =>
  (
    await q(`SELECT (SELECT count(*) FROM holder_copies)::int AS copies, (SELECT count(*) FROM oid4vci_deliveries)::int AS deliveries,
             (SELECT count(*) FROM oid4vci_offers WHERE redeemed_at IS NOT NULL)::int AS redeemed, (SELECT count(*) FROM oid4vci_used_nonces)::int AS nonces`)
  )[0];

it('publishes issuer and authorization-server metadata that the client library accepts as 1.0, in the asked-for language first', async () => {
  const wallet = await Openid4vciWallet.create();
  const metadata = await wallet.client.resolveIssuerMetadata(tool.base);
  expect(metadata.originalDraftVersion).toBe('V1');
  expect(metadata.credentialIssuer.credential_configurations_supported).toMatchObject({
    OpenBadgeCredential_ldp_vc: { format: 'ldp_vc', credential_definition: { type: ['VerifiableCredential', 'OpenBadgeCredential'] } },
    OpenBadgeCredential_jwt_vc_json: { format: 'jwt_vc_json' },
  });
  expect(metadata.authorizationServers[0]).toMatchObject({
    token_endpoint: `${tool.base}/oid4vci/token`,
    'pre-authorized_grant_anonymous_access_supported': true,
  });

  const dutch = await fetch(`${tool.base}/.well-known/openid-credential-issuer`, { headers: { 'accept-language': 'nl-NL,nl;q=0.9,en;q=0.5' } });
  expect(dutch.headers.get('content-language')).toBe('nl');
  const body = await dutch.json();
  expect(body.display[0]).toMatchObject({ locale: 'nl', name: 'Example University' });
  expect(body.credential_configurations_supported.OpenBadgeCredential_ldp_vc.credential_metadata.display[0]).toMatchObject({
    locale: 'nl',
    name: 'Microcredential (Open Badge)',
  });
  const english = await (await fetch(`${tool.base}/.well-known/openid-credential-issuer`, { headers: { 'accept-language': 'en' } })).json();
  expect(english.display.map((d: { locale: string }) => d.locale)).toEqual(['en', 'nl']);
});

it('delivers both forms to a did:key wallet with a transaction code; they verify, are bound to the holder and share the award’s revocation', async () => {
  const { link, txCode } = await makeOffer({ txCode: true });
  expect(txCode).toMatch(/^\d{6}$/);
  const wallet = await Openid4vciWallet.create('did:key');
  const got = await wallet.receive(link, { txCode });
  expect(got.offer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code']?.tx_code).toMatchObject({ input_mode: 'numeric', length: 6 });
  expect(got.token).toMatchObject({ token_type: 'Bearer', expires_in: 300 });

  const ldp = got.credentials.OpenBadgeCredential_ldp_vc as Record<string, any>;
  const jwt = got.credentials.OpenBadgeCredential_jwt_vc_json as string;
  expect(ldp.credentialSubject.id).toBe(wallet.holderDid);
  expect(wallet.holderDid).toMatch(/^did:key:z6Mk/);
  expect(decodeJwt(jwt)).toMatchObject({ sub: wallet.holderDid, credentialSubject: { id: wallet.holderDid } });
  expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
  // One copy for this holder, linked to the award, delivered by OpenID4VCI, in both forms.
  const copies = await q('SELECT id, award_id, holder_did, delivered_via, jwt FROM holder_copies WHERE holder_did = $1', [wallet.holderDid]);
  expect(copies).toEqual([expect.objectContaining({ award_id: awardId, delivered_via: 'openid4vci', jwt })]);
  expect(ldp.id).toBe(`urn:uuid:${copies[0].id}`);

  for (const credential of [ldp, jwt]) expect((await verify(credential)).verified).toBe(true);

  // A second wallet holds a token for another offer when the award is revoked.
  const late = await Openid4vciWallet.create();
  const lateOffer = await late.client.resolveCredentialOffer((await makeOffer({ txCode: false })).link);
  const lateMetadata = await late.client.resolveIssuerMetadata(lateOffer.credential_issuer);
  const lateToken = await late.token(lateOffer, lateMetadata);

  // Revoking the award revokes the copy (its status entry is the award's); reinstating restores it.
  await tool.badges.setRevoked(credentialUuid, true, { label: 'test', userId: null }, 'Checked again');
  for (const credential of [ldp, jwt]) expect(await verify(credential)).toMatchObject({ verified: false, revoked: true });
  // While revoked, no new offer is made, and an open one is not turned into a credential.
  const badges = await learner.browser.get(`${learner.base}/badges`);
  expect(badges.body).not.toContain('/badges/wallet/');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(badges.body)![1];
  const offersBefore = await q('SELECT count(*)::int AS n FROM oid4vci_offers');
  expect((await learner.browser.post(`${learner.base}/openid4vci/${awardId}`, { _csrf: csrf, txCode: 'none' })).status).toBe(409);
  expect(await q('SELECT count(*)::int AS n FROM oid4vci_offers')).toEqual(offersBefore);
  const { c_nonce } = await late.client.requestNonce({ issuerMetadata: lateMetadata });
  const refused = await post(
    '/oid4vci/credential',
    { credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { jwt: [await late.proof(lateMetadata, 'OpenBadgeCredential_ldp_vc', c_nonce)] } },
    { authorization: `Bearer ${lateToken.access_token}` },
  );
  expect(refused).toMatchObject({ status: 400, body: { error: 'credential_request_denied', error_description: expect.stringContaining('revoked') } });
  expect(await q('SELECT count(*)::int AS n FROM holder_copies WHERE holder_did = $1', [late.holderDid])).toEqual([{ n: 0 }]);
  await tool.badges.setRevoked(credentialUuid, false, { label: 'test', userId: null }, '');
  for (const credential of [ldp, jwt]) expect((await verify(credential)).verified).toBe(true);
});

it('makes offers only for the learner’s own issued badge', async () => {
  const badges = await learner.browser.get(`${learner.base}/badges`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(badges.body)![1];
  const before = await q('SELECT count(*)::int AS n FROM oid4vci_offers');
  expect((await learner.browser.post(`${learner.base}/openid4vci/${awardId + 1000}`, { _csrf: csrf })).status).toBe(404);
  // The teacher, in the same course, cannot make one for the learner's badge.
  const teacherPage = await teacher.browser.get(`${teacher.base}/badges/issued`);
  const teacherCsrf = /name="_csrf" value="([^"]+)"/.exec(teacherPage.body)![1];
  expect((await teacher.browser.post(`${teacher.base}/openid4vci/${awardId}`, { _csrf: teacherCsrf })).status).toBe(403);
  expect(await q('SELECT count(*)::int AS n FROM oid4vci_offers')).toEqual(before);
});

it('offers OpenID4VCI to the holder on the public share page too, after the holder code', async () => {
  const anon = new TestBrowser();
  const page = await anon.post(`${tool.base}/credentials/${credentialUuid}/wallet`, { code: holderCode(tool.config.encryptionKey, credentialUuid) });
  const { link, txCode } = offerOn(page);
  expect(page.body).toContain('<svg role="img"');
  const wallet = await Openid4vciWallet.create();
  const got = await wallet.receive(link, { txCode });
  expect((got.credentials.OpenBadgeCredential_ldp_vc as Record<string, any>).credentialSubject.id).toBe(wallet.holderDid);
});

it('delivers to jwk wallets (Ed25519 and P-256) without a transaction code', async () => {
  for (const kind of ['jwk-ed25519', 'jwk-p256'] as const) {
    const { link, txCode } = await makeOffer({ txCode: false });
    expect(txCode).toBeUndefined();
    const wallet = await Openid4vciWallet.create(kind);
    const got = await wallet.receive(link);
    expect(got.offer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code']?.tx_code).toBeUndefined();
    const ldp = got.credentials.OpenBadgeCredential_ldp_vc as Record<string, any>;
    expect(ldp.credentialSubject.id).toBe(wallet.holderDid);
    expect(wallet.holderDid).toMatch(kind === 'jwk-p256' ? /^did:jwk:/ : /^did:key:z6Mk/);
    expect(decodeJwt(got.credentials.OpenBadgeCredential_jwt_vc_json as string).sub).toBe(wallet.holderDid);
    expect((await verify(ldp)).verified).toBe(true);
  }
});

it('refuses a replayed code, a wrong or missing transaction code and an unknown grant, changing nothing', async () => {
  const { link, txCode } = await makeOffer({ txCode: true });
  const wallet = await Openid4vciWallet.create();
  const offer = await wallet.client.resolveCredentialOffer(link);
  const code = offer.grants!['urn:ietf:params:oauth:grant-type:pre-authorized_code']!['pre-authorized_code'];
  const grant = `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:pre-authorized_code')}&pre-authorized_code=${encodeURIComponent(code)}`;
  const before = await counts();

  const wrong = await post('/oid4vci/token', `${grant}&tx_code=${txCode === '000000' ? '111111' : '000000'}`);
  expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringContaining('transaction code') } });
  expect(wrong.headers.get('cache-control')).toBe('no-store');
  expect(await post('/oid4vci/token', grant)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  expect(await post('/oid4vci/token', 'grant_type=authorization_code&code=x')).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  expect(await post('/oid4vci/token', `${grant.replace(code, 'not-a-code')}&tx_code=${txCode}`)).toMatchObject({
    status: 400,
    body: { error: 'invalid_grant' },
  });
  expect(await counts()).toEqual(before);

  // The right code still works after the wrong ones; then the code is spent.
  const ok = await post('/oid4vci/token', `${grant}&tx_code=${txCode}`);
  expect(ok).toMatchObject({ status: 200, body: { token_type: 'Bearer', access_token: expect.any(String) } });
  const replay = await post('/oid4vci/token', `${grant}&tx_code=${txCode}`);
  expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringContaining('already been used') } });
  // The offer's address no longer hands out the code.
  const offerUri = new URL(link.replace('openid-credential-offer://', 'https://x/')).searchParams.get('credential_offer_uri')!;
  expect(offerUri).toMatch(new RegExp(`^${tool.base}/oid4vci/offers/`));
  expect((await fetch(offerUri)).status).toBe(404);
});

it('lets exactly one of several concurrent redemptions of a code win', async () => {
  const { link } = await makeOffer({ txCode: false });
  const wallet = await Openid4vciWallet.create();
  const offer = await wallet.client.resolveCredentialOffer(link);
  const code = offer.grants!['urn:ietf:params:oauth:grant-type:pre-authorized_code']!['pre-authorized_code'];
  const grant = `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:pre-authorized_code')}&pre-authorized_code=${encodeURIComponent(code)}`;
  const results = await Promise.all(Array.from({ length: 6 }, () => post('/oid4vci/token', grant)));
  expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(5);
});

it('refuses a wrong or replayed nonce, a wrong audience, an unknown DID method and a bad token, changing nothing', async () => {
  const { link } = await makeOffer({ txCode: false });
  const wallet = await Openid4vciWallet.create();
  const offer = await wallet.client.resolveCredentialOffer(link);
  const metadata = await wallet.client.resolveIssuerMetadata(offer.credential_issuer);
  const token = await wallet.token(offer, metadata);
  const auth = { authorization: `Bearer ${token.access_token}` };
  const id = 'OpenBadgeCredential_ldp_vc';
  const request = (jwt: string, extra: object = {}) => post('/oid4vci/credential', { credential_configuration_id: id, proofs: { jwt: [jwt] }, ...extra }, auth);
  const nonce = async () => (await post('/oid4vci/nonce', {})).body.c_nonce as string;
  const before = await counts();

  const forged = `${(await nonce()).split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAA`;
  expect(await request(await wallet.rawProof({ aud: tool.base, nonce: forged }))).toMatchObject({ status: 400, body: { error: 'invalid_nonce' } });
  expect(await request(await wallet.rawProof({ aud: tool.base }))).toMatchObject({ status: 400, body: { error: 'invalid_nonce' } });
  expect(await request(await wallet.rawProof({ aud: 'https://another-issuer.example', nonce: await nonce() }))).toMatchObject({
    status: 400,
    body: { error: 'invalid_proof', error_description: expect.stringContaining('aud') },
  });
  const didWeb = await wallet.rawProof({ aud: tool.base, nonce: await nonce() }, { kid: 'did:web:wallet.example#key-1' });
  expect(await request(didWeb)).toMatchObject({ status: 400, body: { error: 'invalid_proof', error_description: expect.stringContaining('did:web') } });
  const wrongTyp = await wallet.rawProof({ aud: tool.base, nonce: await nonce() }, { typ: 'JWT' });
  expect(await request(wrongTyp)).toMatchObject({ status: 400, body: { error: 'invalid_proof' } });
  // Another key's signature under this wallet's kid.
  const other = await Openid4vciWallet.create();
  const [h, p] = (await wallet.rawProof({ aud: tool.base, nonce: await nonce() })).split('.');
  const s = (await other.rawProof({ aud: tool.base })).split('.')[2];
  expect(await request(`${h}.${p}.${s}`)).toMatchObject({ status: 400, body: { error: 'invalid_proof' } });
  // Request shapes from drafts, unknown configurations, no token.
  const good = await wallet.rawProof({ aud: tool.base, nonce: await nonce() });
  expect(await post('/oid4vci/credential', { format: 'ldp_vc', proof: { proof_type: 'jwt', jwt: good } }, auth)).toMatchObject({
    status: 400,
    body: { error: 'unknown_credential_configuration' },
  });
  expect(await post('/oid4vci/credential', { credential_configuration_id: 'mDL', proofs: { jwt: [good] } }, auth)).toMatchObject({
    status: 400,
    body: { error: 'unknown_credential_configuration' },
  });
  expect(await request(good, { credential_response_encryption: { alg: 'ECDH-ES' } })).toMatchObject({
    status: 400,
    body: { error: 'invalid_encryption_parameters' },
  });
  const noToken = await post('/oid4vci/credential', { credential_configuration_id: id, proofs: { jwt: [good] } }, { authorization: 'Bearer nope' });
  expect(noToken).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  expect(noToken.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  const broken = await fetch(`${tool.base}/oid4vci/credential`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: '{"credential_',
  });
  expect(broken.status).toBe(400);
  expect((await broken.json()).error).toBe('invalid_request');
  expect(await counts()).toEqual(before);

  // The good proof works once; its nonce cannot be spent again, and the configuration is delivered.
  expect(await request(good)).toMatchObject({
    status: 200,
    body: { credentials: [{ credential: expect.objectContaining({ type: ['VerifiableCredential', 'OpenBadgeCredential'] }) }] },
  });
  const after = await counts();
  expect(after).toMatchObject({ copies: before.copies + 1, deliveries: before.deliveries + 1, nonces: before.nonces + 1 });
  expect(await request(good)).toMatchObject({ status: 400, body: { error: 'invalid_nonce', error_description: expect.stringContaining('already been used') } });
  expect(await request(await wallet.rawProof({ aud: tool.base, nonce: await nonce() }))).toMatchObject({
    status: 400,
    body: { error: 'credential_request_denied' },
  });
  expect(await counts()).toEqual(after);
});

it('accepts a di_vp proof: a Data Integrity presentation over the nonce, for this issuer', async () => {
  const { link } = await makeOffer({ txCode: false });
  // The token through the client library; the presentation signed as the VC-API wallet signs its DID Authentication.
  const client = await Openid4vciWallet.create();
  const offer = await client.client.resolveCredentialOffer(link);
  const metadata = await client.client.resolveIssuerMetadata(offer.credential_issuer);
  expect(metadata.credentialIssuer.credential_configurations_supported.OpenBadgeCredential_ldp_vc.proof_types_supported).toMatchObject({
    di_vp: { proof_signing_alg_values_supported: ['eddsa-rdfc-2022'] },
  });
  const token = await client.token(offer, metadata);
  const auth = { authorization: `Bearer ${token.access_token}` };
  const holder = await WalletSimulator.create();
  const nonce = async () => (await post('/oid4vci/nonce', {})).body.c_nonce as string;
  const request = (presentation: object) =>
    post('/oid4vci/credential', { credential_configuration_id: 'OpenBadgeCredential_jwt_vc_json', proofs: { di_vp: [presentation] } }, auth);
  const before = await counts();

  const elsewhere = await holder.didAuthentication({ challenge: await nonce(), domain: 'https://other.example', proof: 'eddsa-rdfc-2022', vcVersion: 2 });
  expect(await request(elsewhere)).toMatchObject({ status: 400, body: { error: 'invalid_proof', error_description: expect.stringContaining('domain') } });
  const forged = await holder.didAuthentication({ challenge: 'not-our-nonce', domain: tool.base, proof: 'eddsa-rdfc-2022', vcVersion: 2 });
  expect(await request(forged)).toMatchObject({ status: 400, body: { error: 'invalid_nonce' } });
  const oldSuite = await holder.didAuthentication({ challenge: await nonce(), domain: tool.base, proof: 'Ed25519Signature2020' });
  expect(await request(oldSuite)).toMatchObject({
    status: 400,
    body: { error: 'invalid_proof', error_description: expect.stringContaining('eddsa-rdfc-2022') },
  });
  const someoneElse = await holder.didAuthentication({
    challenge: await nonce(),
    domain: tool.base,
    proof: 'eddsa-rdfc-2022',
    vcVersion: 2,
    holder: (await WalletSimulator.create()).did,
  });
  expect(await request(someoneElse)).toMatchObject({ status: 400, body: { error: 'invalid_proof' } });
  expect(await counts()).toEqual(before);

  const good = await holder.didAuthentication({ challenge: await nonce(), domain: tool.base, proof: 'eddsa-rdfc-2022', vcVersion: 2 });
  const ok = await request(good);
  expect(ok.status).toBe(200);
  const jwt = ok.body.credentials[0].credential as string;
  expect(decodeJwt(jwt).sub).toBe(holder.did);
  expect((await verify(jwt)).verified).toBe(true);
  expect(await request(good)).toMatchObject({ status: 400, body: { error: 'invalid_nonce' } });
});

it('rate-limits the token endpoint per code', async () => {
  const grant = `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:pre-authorized_code')}&pre-authorized_code=guessing`;
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await post('/oid4vci/token', grant)).status);
  expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true);
  const limited = await post('/oid4vci/token', grant);
  expect(limited).toMatchObject({ status: 429, body: { error: 'invalid_request' } });
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
});

// Holder-bound copies on real PostgreSQL: a copy per holder DID, signed in both forms by the
// issuer's key, verified by the project's own verifier over HTTP, sharing the award's status
// entry, so revoking and reinstating the award changes every copy.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { generateKeyPair } from '../../src/badges/keys';
import { bindToHolder, isDid } from '../../src/wallets/holderBinding';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, issuingCourse, type Person, publishCredential, until } from '../assessment/support';
import type { PlatformSimulator } from '../support/platformSimulator';
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

async function issuedAward(title = 'Research Data Management') {
  const credentialId = await publishCredential(tool, teacher, {
    ...completeDefinition(),
    title,
    supervisionType: 'unsupervised with no identity verification',
  });
  const a = await acceptComplete(tool, teacher, learner, credentialId);
  const issued = await until(
    'the credential to be issued',
    async () => (await q('SELECT id, credential, jwt FROM issued_credentials WHERE award_id = $1', [a.id]))[0],
  );
  return { awardId: a.id, issued };
}

const verify = async (body: unknown, type = 'application/json') =>
  (
    await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  ).json();

describe('bindToHolder (pure)', () => {
  const issued = {
    id: 'urn:uuid:a',
    proof: [{ type: 'DataIntegrityProof' }],
    credentialSubject: { id: 'urn:uuid:old', type: ['AchievementSubject'] },
    credentialStatus: { id: 's#1' },
  };

  it('sets the subject id first, gives a new id, drops the proof and keeps the status entry', () => {
    const copy = bindToHolder(issued, { uuid: 'b', holderDid: 'did:key:z6MkTest' });
    expect(copy).toEqual({ id: 'urn:uuid:b', credentialSubject: { id: 'did:key:z6MkTest', type: ['AchievementSubject'] }, credentialStatus: { id: 's#1' } });
    expect(Object.keys(copy.credentialSubject as object)[0]).toBe('id');
    expect(issued.credentialSubject.id).toBe('urn:uuid:old');
  });

  const bad = [
    '',
    'did:',
    'did:key',
    'did:key:',
    'did:KEY:z6Mk',
    'did:key:z6Mk#key-1',
    'did:key:z6Mk?x=1',
    'https://example.org',
    `did:key:${'a'.repeat(2100)}`,
    42,
  ];
  it.each(bad.map((value) => ({ value, label: JSON.stringify(value).slice(0, 30) })))('refuses $label as a holder', ({ value }) => {
    expect(isDid(value)).toBe(false);
    expect(() => bindToHolder(issued, { uuid: 'b', holderDid: value as string })).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_HOLDER_DID' }));
  });

  it('accepts did:key, did:web with a port and path, and did:jwk', () => {
    for (const did of ['did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', 'did:web:example.org%3A8443:users:alice', 'did:jwk:eyJrdHkiOiJPS1AifQ'])
      expect(isDid(did)).toBe(true);
  });
});

describe('HolderCopies', () => {
  it('issues one copy per holder, both forms signed and verifiable, revoked and reinstated with the award', async () => {
    const { awardId, issued } = await issuedAward();
    const alice = await generateKeyPair();
    const bob = await generateKeyPair();

    const a = await tool.holderCopies.issue({ awardId, holderDid: alice.controller, via: 'vc-api' });
    expect(a).toMatchObject({
      created: true,
      holderDid: alice.controller,
      awardId,
      issuedCredentialId: issued.id,
      deliveredVia: 'vc-api',
      revoked: false,
      format: 'ldp_vc',
    });
    expect(a.delivered).toBe(a.credential);
    const c = a.credential as any;
    expect(c.id).toBe(`urn:uuid:${a.id}`);
    expect(c.id).not.toBe(issued.credential.id);
    expect(c.credentialSubject.id).toBe(alice.controller);
    expect(c.credentialSubject.achievement).toEqual(issued.credential.credentialSubject.achievement);
    expect(c.credentialStatus).toEqual(issued.credential.credentialStatus);
    expect(c.proof[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: `${c.issuer.id}#key-1` });

    // The JWT: sub is the holder, jti the copy, and it carries the Data Integrity proof (OB 3.0 §8.2.1).
    // The header is the one issuance writes for the same key (whatever kid that key publishes).
    expect(decodeProtectedHeader(a.jwt)).toEqual(decodeProtectedHeader(issued.jwt));
    expect(decodeProtectedHeader(a.jwt)).toMatchObject({ alg: 'EdDSA', kid: expect.stringMatching(new RegExp(`^${c.issuer.id}#`)), typ: 'JWT' });
    const payload = decodeJwt(a.jwt) as any;
    expect(payload).toMatchObject({ iss: c.issuer.id, sub: alice.controller, jti: c.id, nbf: Math.floor(Date.parse(c.validFrom) / 1000) });
    expect(payload.proof).toEqual(c.proof);

    // Again for the same holder: the stored copy, not a second one. Another holder: a second copy.
    const again = await tool.holderCopies.issue({ awardId, holderDid: alice.controller, format: 'jwt_vc_json' });
    expect(again).toMatchObject({ id: a.id, created: false, format: 'jwt_vc_json', delivered: a.jwt });
    const b = await tool.holderCopies.issue({ awardId, holderDid: bob.controller, via: 'openid4vci' });
    expect(b.id).not.toBe(a.id);
    const listed = await tool.holderCopies.listForAward(awardId);
    expect(listed.map((x) => [x.holderDid, x.deliveredVia])).toEqual([
      [alice.controller, 'vc-api'],
      [bob.controller, 'openid4vci'],
    ]);
    expect((await tool.holderCopies.countsForAwards([awardId, 999999])).get(awardId)).toBe(2);
    expect(await q("SELECT count(*)::int AS n FROM audit_log WHERE action = 'credential.holder-copy-issued' AND entity_id = $1", [awardId])).toEqual([
      { n: 2 },
    ]);

    // Every form of every copy verifies with the status list the verifier reads over HTTP.
    for (const form of [a.credential, b.credential]) expect((await verify(form)).verified).toBe(true);
    for (const jwt of [a.jwt, b.jwt]) expect((await verify(jwt, 'application/jwt')).verified).toBe(true);

    // Revoking the award revokes every copy; reinstating reinstates them all.
    await tool.badges.setRevoked(issued.id, true, { label: 'admin:1', userId: null }, 'Found to be plagiarised');
    for (const form of [a.credential, b.credential]) expect(await verify(form)).toMatchObject({ verified: false, revoked: true });
    expect(await verify(b.jwt, 'application/jwt')).toMatchObject({ verified: false, revoked: true });
    expect((await tool.holderCopies.listForAward(awardId)).every((x) => x.revoked)).toBe(true);
    // No new copies of a revoked credential.
    const carol = await generateKeyPair();
    await expect(tool.holderCopies.issue({ awardId, holderDid: carol.controller })).rejects.toMatchObject({ status: 409, code: 'CREDENTIAL_REVOKED' });
    await tool.badges.setRevoked(issued.id, false, { label: 'admin:1', userId: null }, '');
    for (const form of [a.credential, b.credential]) expect((await verify(form)).verified).toBe(true);
    expect((await tool.holderCopies.listForAward(awardId)).some((x) => x.revoked)).toBe(false);
  });

  it('refuses an award with no credential yet and an invalid holder, storing nothing', async () => {
    await expect(tool.holderCopies.issue({ awardId: 987654, holderDid: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' })).rejects.toMatchObject({
      status: 404,
      code: 'NOT_ISSUED',
    });
    const { awardId } = await issuedAward('Second credential');
    await expect(tool.holderCopies.issue({ awardId, holderDid: 'did:key:z6Mk#frag' })).rejects.toMatchObject({ status: 400 });
    // A claim that throws (a spent exchange, say) stores nothing.
    const holder = await generateKeyPair();
    await expect(
      tool.holderCopies.issue({
        awardId,
        holderDid: holder.controller,
        claim: async () => {
          throw new Error('already used');
        },
      }),
    ).rejects.toThrow('already used');
    expect(await tool.holderCopies.listForAward(awardId)).toEqual([]);
  });

  it('two concurrent requests for the same holder store one copy', async () => {
    const { awardId } = await issuedAward('Third credential');
    const holder = await generateKeyPair();
    const [x, y] = await Promise.all([
      tool.holderCopies.issue({ awardId, holderDid: holder.controller }),
      tool.holderCopies.issue({ awardId, holderDid: holder.controller }),
    ]);
    expect(x.id).toBe(y.id);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    expect(await tool.holderCopies.listForAward(awardId)).toHaveLength(1);
  });
});

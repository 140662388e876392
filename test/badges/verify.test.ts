import { importJWK, SignJWT } from 'jose';
import { generateKeyPair, importKeyPair, toPrivateJwk, toPublicJwk, type Ed25519KeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity, signCredentialJwt } from '../../src/badges/sign';
import { MAX_INPUT_BYTES, verifyOpenBadgeCredential } from '../../src/badges/verify';
import {
  check,
  fixture,
  fullBadge,
  minimalBadge,
  NOW,
  STATUS_INDEX,
  STATUS_LIST_URL,
  statusEntry,
  statusListCredential,
  withPayload,
  type Json,
} from './fixtures';

let issuerKey: Ed25519KeyPair;
let otherKey: Ed25519KeyPair;

beforeAll(async () => {
  issuerKey = await generateKeyPair();
  otherKey = await generateKeyPair();
});

const verify = (input: unknown, options: Parameters<typeof verifyOpenBadgeCredential>[1] = {}) =>
  verifyOpenBadgeCredential(input as object, { now: NOW, ...options });

describe('a correctly signed OpenBadgeCredential', () => {
  it('verifies as Data Integrity (eddsa-rdfc-2022), given as object, JSON text and Buffer', async () => {
    const signed = await signCredentialDataIntegrity(fullBadge(issuerKey.controller), issuerKey);
    for (const input of [signed, JSON.stringify(signed, null, 2), Buffer.from(JSON.stringify(signed))]) {
      const report = await verify(input);
      expect(report.verified).toBe(true);
      expect(report.form).toBe('json-ld');
      expect(report.revoked).toBe(false);
      expect(report.checks.map((c) => [c.id, c.status])).toEqual([
        ['format', 'passed'],
        ['schema', 'passed'],
        ['signature', 'passed'],
        ['issuer', 'passed'],
        ['status', 'skipped'],
        ['validity', 'passed'],
      ]);
      expect(report.summary).toEqual({
        achievementName: '1EdTech University Degree',
        issuerName: '1EdTech University',
        issuerId: issuerKey.controller,
        subjectId: 'did:example:learner-42',
        validFrom: '2024-09-01T00:00:00Z',
        validUntil: '2029-09-01T00:00:00Z',
      });
    }
  });

  it('verifies as VC-JWT, and the report carries the credential without the JWT claims', async () => {
    const jwt = await signCredentialJwt(fullBadge(issuerKey.controller), issuerKey);
    const report = await verify(jwt);
    expect(report.verified).toBe(true);
    expect(report.form).toBe('jwt');
    expect(report.checks.every((c) => c.status === 'passed' || c.id === 'status')).toBe(true);
    expect(report.credential?.name).toBe('1EdTech University Degree for Example Student');
    expect(report.credential).not.toHaveProperty('iss');
    expect(report.credential).not.toHaveProperty('nbf');
    // Also with surrounding whitespace, and as a JSON string.
    expect((await verify(`\n  ${jwt}\n`)).verified).toBe(true);
    expect((await verify(JSON.stringify(jwt))).verified).toBe(true);
  });

  it('verifies the minimal example in both forms', async () => {
    const credential = minimalBadge(issuerKey.controller);
    expect((await verify(await signCredentialDataIntegrity(credential, issuerKey))).verified).toBe(true);
    expect((await verify(await signCredentialJwt(credential, issuerKey))).verified).toBe(true);
  });

  it('verifies a single proof object as well as a proof array', async () => {
    const signed: Json = await signCredentialDataIntegrity(minimalBadge(issuerKey.controller), issuerKey);
    const report = await verify({ ...signed, proof: signed.proof[0] });
    expect(report.verified).toBe(true);
  });

  it('does not change the object it was given', async () => {
    const signed: Json = await signCredentialDataIntegrity(minimalBadge(issuerKey.controller), issuerKey);
    const copy = structuredClone(signed);
    await verify(signed);
    expect(signed).toEqual(copy);
  });
});

describe('schema', () => {
  it('fails a credential the official schema rejects, even though its signature is fine', async () => {
    const credential = fullBadge(issuerKey.controller);
    delete credential.credentialSubject.achievement.criteria;
    credential.credentialSubject.achievement.name = 42;
    const signed = await signCredentialDataIntegrity(credential, issuerKey);
    const report = await verify(signed);
    expect(report.verified).toBe(false);
    expect(check(report, 'signature').status).toBe('passed');
    const schema = check(report, 'schema');
    expect(schema.status).toBe('failed');
    expect(schema.message).toContain('“credentialSubject.achievement” is missing the required property “criteria”');
    expect(schema.message).toContain('“credentialSubject.achievement.name” must be a string');
  });
});

describe('tampering', () => {
  const tamperings: Array<[string, (c: Json) => void]> = [
    ['name', (c) => (c.name = 'Master of Everything')],
    ['subject', (c) => (c.credentialSubject.id = 'did:example:someone-else')],
    ['validFrom', (c) => (c.validFrom = '2024-09-02T00:00:00Z')],
    ['validUntil', (c) => (c.validUntil = '2099-09-01T00:00:00Z')],
    ['achievement name', (c) => (c.credentialSubject.achievement.name = 'Another Degree')],
    ['issuer name', (c) => (c.issuer.name = 'Fake University')],
    ['credits', (c) => (c.credentialSubject.creditsEarned = 420)],
    ['results', (c) => c.credentialSubject.result.pop()],
  ];

  it.each(tamperings)('changing the %s breaks the Data Integrity signature', async (_, tamper) => {
    const signed = await signCredentialDataIntegrity(fullBadge(issuerKey.controller), issuerKey);
    tamper(signed);
    const report = await verify(signed);
    expect(report.verified).toBe(false);
    expect(check(report, 'signature')).toMatchObject({ status: 'failed', message: expect.stringContaining('changed after it was signed') });
  });

  it.each(tamperings)('changing the %s breaks the JWT signature', async (_, tamper) => {
    const jwt = await signCredentialJwt(fullBadge(issuerKey.controller), issuerKey);
    const report = await verify(withPayload(jwt, tamper));
    expect(report.verified).toBe(false);
    expect(check(report, 'signature')).toMatchObject({ status: 'failed', message: expect.stringContaining('changed after it was signed') });
  });

  it('a JWT whose claims disagree with the credential inside fails', async () => {
    // Re-signed by the issuer, so the signature is intact; but jti no longer names the credential.
    const jwt = await signCredentialJwt(fullBadge(issuerKey.controller), issuerKey);
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
    payload.jti = 'urn:uuid:another';
    const resigned = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid: issuerKey.id, typ: 'JWT' })
      .sign(await importJWK(await toPrivateJwk(issuerKey), 'EdDSA'));
    const report = await verify(resigned);
    expect(report.verified).toBe(false);
    expect(check(report, 'signature').message).toContain('“jti” is not the credential id');
  });
});

describe('keys', () => {
  it('a proof made with another key than the one it names fails the signature', async () => {
    // The proof claims the issuer's key but the bytes come from another key.
    const impostor = await importKeyPair({
      publicKeyMultibase: otherKey.publicKeyMultibase,
      secretKeyMultibase: otherKey.secretKeyMultibase,
      controller: issuerKey.controller,
      id: issuerKey.id,
    });
    const credential = fullBadge(issuerKey.controller);
    const di = await verify(await signCredentialDataIntegrity(credential, impostor));
    expect(di.verified).toBe(false);
    expect(check(di, 'signature').status).toBe('failed');
    const jwt = await verify(await signCredentialJwt(credential, impostor));
    expect(jwt.verified).toBe(false);
    expect(check(jwt, 'signature').status).toBe('failed');
  });

  it('a valid signature by a key that is not the issuer’s fails the issuer check', async () => {
    // Signed correctly with the other key (its own did:key), but the credential names our issuer.
    const mislabelled = { ...otherKey, controller: issuerKey.controller } as Ed25519KeyPair;
    const credential = fullBadge(issuerKey.controller);
    for (const signed of [await signCredentialDataIntegrity(credential, mislabelled), await signCredentialJwt(credential, mislabelled)]) {
      const report = await verify(signed);
      expect(report.verified).toBe(false);
      expect(check(report, 'signature').status).toBe('passed');
      expect(check(report, 'issuer')).toMatchObject({
        status: 'failed',
        message: expect.stringContaining(`signed with a key that belongs to ${otherKey.controller}`),
      });
    }
  });

  it('a JWT carrying its key as "jwk" is trusted only when that key is the issuer’s did:key', async () => {
    const signWithJwk = async (credential: Json, key: Ed25519KeyPair) => {
      const payload = JSON.parse(Buffer.from((await signCredentialJwt(credential, key)).split('.')[1], 'base64url').toString());
      const { kid: _kid, ...jwk } = toPublicJwk(key);
      return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', jwk, typ: 'JWT' }).sign(await importJWK(await toPrivateJwk(key), 'EdDSA'));
    };
    expect((await verify(await signWithJwk(fullBadge(issuerKey.controller), issuerKey))).verified).toBe(true);

    const httpsIssuer = await importKeyPair({ ...otherKey, controller: 'https://issuer.example/profile', id: 'https://issuer.example/keys/1' });
    const report = await verify(await signWithJwk(fullBadge(httpsIssuer.controller), httpsIssuer));
    expect(report.verified).toBe(false);
    expect(check(report, 'signature').status).toBe('passed');
    expect(check(report, 'issuer')).toMatchObject({ status: 'failed', message: expect.stringContaining('carries its own key') });
  });

  it('an issuer key the verifier cannot resolve offline fails, and resolveKey can supply it', async () => {
    const didWeb = 'did:web:badges.example.org';
    const webKey = await importKeyPair({
      publicKeyMultibase: otherKey.publicKeyMultibase,
      secretKeyMultibase: otherKey.secretKeyMultibase,
      controller: didWeb,
      id: `${didWeb}#key-1`,
    });
    const credential = fullBadge(didWeb);
    const signed = await signCredentialDataIntegrity(credential, webKey);
    const jwt = await signCredentialJwt(credential, webKey);

    for (const input of [signed, jwt]) {
      const report = await verify(input);
      expect(report.verified).toBe(false);
      expect(check(report, 'signature').status).toBe('failed');
      expect(check(report, 'issuer').message).toContain('did:web:badges.example.org#key-1');
    }

    const method = {
      '@context': 'https://w3id.org/security/multikey/v1',
      id: webKey.id,
      type: 'Multikey',
      controller: didWeb,
      publicKeyMultibase: webKey.publicKeyMultibase,
    };
    const didDocument = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: didWeb,
      verificationMethod: [method],
      assertionMethod: [webKey.id],
    };
    const resolveKey = async (url: string) => (url === didWeb ? didDocument : url === webKey.id ? method : undefined);
    for (const input of [signed, jwt]) {
      const report = await verify(input, { resolveKey });
      expect(report.verified).toBe(true);
    }
  });

  it('a key the issuer has not listed for signing credentials fails the issuer check', async () => {
    const didWeb = 'did:web:badges.example.org';
    const webKey = await importKeyPair({ ...otherKey, controller: didWeb, id: `${didWeb}#key-1` });
    const method = {
      '@context': 'https://w3id.org/security/multikey/v1',
      id: webKey.id,
      type: 'Multikey',
      controller: didWeb,
      publicKeyMultibase: webKey.publicKeyMultibase,
    };
    const didDocument = { '@context': ['https://www.w3.org/ns/did/v1'], id: didWeb, verificationMethod: [method], authentication: [webKey.id] };
    const resolveKey = (url: string) => (url === didWeb ? didDocument : url === webKey.id ? method : undefined);
    for (const signed of [await signCredentialDataIntegrity(fullBadge(didWeb), webKey), await signCredentialJwt(fullBadge(didWeb), webKey)]) {
      const report = await verify(signed, { resolveKey });
      expect(report.verified).toBe(false);
      expect(check(report, 'signature').status).toBe('passed');
      expect(check(report, 'issuer')).toMatchObject({ status: 'failed', message: expect.stringContaining('not authorised') });
    }
  });
});

describe('validity dates', () => {
  it('an expired credential fails validity (its signature is still fine)', async () => {
    const credential = fullBadge(issuerKey.controller, { validFrom: '2020-01-01T00:00:00Z', validUntil: '2024-01-01T00:00:00Z' });
    for (const signed of [await signCredentialDataIntegrity(credential, issuerKey), await signCredentialJwt(credential, issuerKey)]) {
      const report = await verify(signed);
      expect(report.verified).toBe(false);
      expect(check(report, 'signature').status).toBe('passed');
      expect(check(report, 'validity')).toMatchObject({ status: 'failed', message: 'This credential expired on 2024-01-01.' });
    }
  });

  it('a credential that is not valid yet fails validity', async () => {
    const credential = fullBadge(issuerKey.controller, { validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' });
    for (const signed of [await signCredentialDataIntegrity(credential, issuerKey), await signCredentialJwt(credential, issuerKey)]) {
      const report = await verify(signed);
      expect(report.verified).toBe(false);
      expect(check(report, 'signature').status).toBe('passed');
      expect(check(report, 'validity')).toMatchObject({ status: 'failed', message: expect.stringContaining('not valid yet') });
    }
  });

  it('uses the wall clock when no `now` is given', async () => {
    const credential = fullBadge(issuerKey.controller, { validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' });
    const report = await verifyOpenBadgeCredential(await signCredentialDataIntegrity(credential, issuerKey));
    expect(check(report, 'validity').status).toBe('failed');
  });
});

describe('revocation (Bitstring Status List)', () => {
  const withStatus = (purpose: 'revocation' | 'suspension' = 'revocation') => fullBadge(issuerKey.controller, { credentialStatus: statusEntry(purpose) });

  it('a revoked credential is not verified, and says so plainly', async () => {
    const list = await statusListCredential(issuerKey, [3, STATUS_INDEX, 100_000]);
    const fetched: string[] = [];
    const fetchStatusList = async (url: string) => {
      fetched.push(url);
      return url === STATUS_LIST_URL ? list : undefined;
    };
    for (const signed of [await signCredentialDataIntegrity(withStatus(), issuerKey), await signCredentialJwt(withStatus(), issuerKey)]) {
      const report = await verify(signed, { fetchStatusList });
      expect(report.verified).toBe(false);
      expect(report.revoked).toBe(true);
      expect(check(report, 'status')).toMatchObject({ status: 'failed', message: 'The issuer has revoked this credential. It is no longer valid.' });
      // Everything else is fine: only revocation makes it fail.
      expect(report.checks.filter((c) => c.status !== 'passed').map((c) => c.id)).toEqual(['status']);
    }
    expect(fetched).toEqual([STATUS_LIST_URL, STATUS_LIST_URL]);
  });

  it('a credential whose bit is not set passes the status check', async () => {
    const list = await statusListCredential(issuerKey, [STATUS_INDEX - 1, STATUS_INDEX + 1]);
    const report = await verify(await signCredentialDataIntegrity(withStatus(), issuerKey), { fetchStatusList: async () => list });
    expect(report.verified).toBe(true);
    expect(report.revoked).toBe(false);
    expect(check(report, 'status')).toMatchObject({ status: 'passed', message: 'The issuer has not revoked this credential.' });
  });

  it('a status list given as JSON text or as a VC-JWT is read too', async () => {
    const list = await statusListCredential(issuerKey, [STATUS_INDEX]);
    const signed = await signCredentialDataIntegrity(withStatus(), issuerKey);
    expect((await verify(signed, { fetchStatusList: async () => JSON.stringify(list) })).revoked).toBe(true);
    const { proof: _proof, ...unsigned } = list;
    const listJwt = await signCredentialJwt(unsigned, issuerKey);
    expect((await verify(signed, { fetchStatusList: async () => listJwt })).revoked).toBe(true);
  });

  it('a suspended credential is not verified but not reported as revoked', async () => {
    const list = await statusListCredential(issuerKey, [STATUS_INDEX], 'suspension');
    const report = await verify(await signCredentialDataIntegrity(withStatus('suspension'), issuerKey), { fetchStatusList: async () => list });
    expect(report.verified).toBe(false);
    expect(report.revoked).toBe(false);
    expect(check(report, 'status')).toMatchObject({ status: 'failed', message: expect.stringContaining('suspended') });
  });

  it('an unreachable status list is a warning, not a pass or a fail', async () => {
    const signed = await signCredentialDataIntegrity(withStatus(), issuerKey);
    for (const fetchStatusList of [async () => undefined, async () => Promise.reject(new Error('ECONNREFUSED')), undefined]) {
      const report = await verify(signed, { fetchStatusList });
      expect(report.verified).toBe(true);
      expect(report.revoked).toBe(false);
      expect(check(report, 'status')).toMatchObject({ status: 'warning', message: expect.stringContaining('could not be checked') });
    }
  });

  it('a status list that was tampered with or signed by someone else is not trusted', async () => {
    const signed = await signCredentialDataIntegrity(withStatus(), issuerKey);
    const clean = await statusListCredential(issuerKey, []);
    const revokedList = await statusListCredential(issuerKey, [STATUS_INDEX]);
    // Someone swaps in a list of their own: the issuer's signature no longer matches.
    const tampered = { ...clean, credentialSubject: { ...clean.credentialSubject, encodedList: revokedList.credentialSubject.encodedList } };
    const report = await verify(signed, { fetchStatusList: async () => tampered });
    expect(check(report, 'status')).toMatchObject({ status: 'warning', message: expect.stringContaining('signature is not valid') });

    const foreign = await statusListCredential(otherKey, []);
    const report2 = await verify(signed, { fetchStatusList: async () => foreign });
    expect(check(report2, 'status')).toMatchObject({ status: 'warning', message: expect.stringContaining('not signed by the credential’s issuer') });
  });

  it('a status method it cannot read is a warning', async () => {
    const credential = fullBadge(issuerKey.controller, { credentialStatus: fixture('full_example.json').credentialStatus });
    const report = await verify(await signCredentialDataIntegrity(credential, issuerKey));
    expect(report.verified).toBe(true);
    expect(check(report, 'status')).toMatchObject({ status: 'warning', message: expect.stringContaining('1EdTechRevocationList') });
  });
});

describe('bad input never throws', () => {
  const garbage: Array<[string, unknown]> = [
    ['broken JSON', '{"@context": ["https://www.w3.org/ns/credentials/v2",'],
    ['plain text', 'hello, this is my badge'],
    ['random bytes', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256))],
    ['a JWT-shaped string', 'abc.def.ghi'],
    ['an empty string', '   '],
    ['a JSON array', '[1, 2, 3]'],
    ['a JSON number', '42'],
    ['null', null],
    ['a number', 17],
    ['an empty object', {}],
    ['an Open Badges 2.0 assertion', { '@context': 'https://w3id.org/openbadges/v2', type: 'Assertion', id: 'https://example.org/a' }],
    ['a VC 1.1 credential', { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'OpenBadgeCredential'] }],
    ['an endorsement', fixture('full_example.json').endorsement[0]],
  ];

  it.each(garbage)('%s → format failed with a plain message', async (_, input) => {
    const report = await verify(input);
    expect(report.verified).toBe(false);
    expect(report.revoked).toBe(false);
    const format = check(report, 'format');
    expect(format.status).toBe('failed');
    expect(format.message.length).toBeGreaterThan(10);
    expect(report.checks.filter((c) => c.id !== 'format').every((c) => c.status === 'skipped')).toBe(true);
  });

  it('random strings → format failed', async () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.{}[]":, \n\u00e9\u2603';
    // A seeded generator (mulberry32), so a failure names a string that can be reproduced.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let n = 0; n < 200; n++) {
      const length = 1 + Math.floor(random() * 300);
      const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const report = await verify(text);
      expect(report.verified).toBe(false);
      expect(report.checks).toHaveLength(6);
    }
  });

  it('a signed credential with any top-level field broken or removed never verifies and never throws', async () => {
    const signed: Json = await signCredentialDataIntegrity(fullBadge(issuerKey.controller), issuerKey);
    for (const key of Object.keys(signed)) {
      for (const value of [undefined, null, 7, 'text', [], {}]) {
        const broken = structuredClone(signed);
        if (value === undefined) delete broken[key];
        else broken[key] = value;
        const report = await verify(broken);
        expect(report.verified).toBe(false);
        expect(report.checks).toHaveLength(6);
      }
    }
  });

  it('a circular object → format failed', async () => {
    const circular: Json = { a: 1 };
    circular.self = circular;
    expect(check(await verify(circular), 'format').status).toBe('failed');
  });

  it('input over 1 MB → format failed, as text, Buffer and object', async () => {
    const signed: Json = await signCredentialDataIntegrity(minimalBadge(issuerKey.controller), issuerKey);
    const huge = { ...signed, description: 'x'.repeat(MAX_INPUT_BYTES) };
    for (const input of [JSON.stringify(huge), Buffer.from(JSON.stringify(huge)), huge]) {
      const report = await verify(input);
      expect(check(report, 'format')).toMatchObject({ status: 'failed', message: expect.stringContaining('too large') });
    }
  });

  it('an unsigned credential fails the signature check', async () => {
    const report = await verify(minimalBadge(issuerKey.controller));
    expect(report.verified).toBe(false);
    expect(check(report, 'format').status).toBe('passed');
    expect(check(report, 'signature')).toMatchObject({ status: 'failed', message: expect.stringContaining('not signed') });
  });

  it('a proof type it does not support fails the signature check with its name', async () => {
    const credential = minimalBadge(issuerKey.controller, { proof: fixture('full_example.json').endorsement[0].proof });
    const report = await verify(credential);
    expect(check(report, 'signature')).toMatchObject({ status: 'failed', message: expect.stringContaining('eddsa-rdf-2022') });
  });

  it('a JWT with alg "none" is refused', async () => {
    const jwt = await signCredentialJwt(minimalBadge(issuerKey.controller), issuerKey);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const report = await verify([header, jwt.split('.')[1], 'AAAA'].join('.'));
    expect(report.verified).toBe(false);
    expect(check(report, 'signature').message).toContain('“none”');
  });
});

describe('JSON-LD safety (VC 2.0 has no @vocab)', () => {
  it('a field no context defines, added after signing, fails the signature with the field named', async () => {
    const signed: Json = await signCredentialDataIntegrity(minimalBadge(issuerKey.controller), issuerKey);
    signed.credentialSubject.favouriteColour = 'green';
    const report = await verify(signed);
    expect(report.verified).toBe(false);
    expect(check(report, 'signature')).toMatchObject({ status: 'failed', message: expect.stringContaining('“favouriteColour”') });
  });

  it('a context that is not bundled fails the signature with the URL named, without any download', async () => {
    const signed: Json = await signCredentialDataIntegrity(minimalBadge(issuerKey.controller), issuerKey);
    signed['@context'] = [...signed['@context'], 'https://contexts.example.org/extra.json'];
    const report = await verify(signed);
    expect(report.verified).toBe(false);
    expect(check(report, 'signature').message).toContain('https://contexts.example.org/extra.json');
  });
});

describe('edubadges', () => {
  const edubadge = () => {
    const credential = fixture('edubadges_example_microcredential.json');
    credential.issuer.id = issuerKey.controller;
    return credential;
  };

  it('an edubadges micro-credential verifies as VC-JWT', async () => {
    const report = await verify(await signCredentialJwt(edubadge(), issuerKey));
    expect(report.verified).toBe(true);
    expect(report.summary.achievementName).toBe('Minor: Jedi Mind Control and Advanced Meditation Practices');
  });

  it('cannot be signed as Data Integrity, because the bundled edubadges context is not valid JSON-LD', async () => {
    // Its term "supervisionType" has "context" where "@context" is meant (see contexts/SOURCE.md).
    await expect(signCredentialDataIntegrity(edubadge(), issuerKey)).rejects.toThrow(/not valid JSON-LD.*EducredentialAchievement/);
  });
});

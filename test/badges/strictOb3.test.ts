// Issue 15, "strict Open Badges 3.0 in every form", checked with tools other than our verifier:
// jsonld in safe mode (any dropped or undefined term is an error) with our bundled loader,
// RDF literals checked against their datatypes, the official OB 3.0 schema over every form,
// and jose on the JWT with the JWK its kid dereferences to. First every kind of credential
// the builder makes; then, on a running tool, what it really issues and publishes: the
// credential in both forms, the Achievement at its id, the issuer Profile, the status list,
// and the DID document the kid resolves in. Credentials of the old shape keep verifying.
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { conformanceProblems } from '../../src/badges/conformance';
import { buildOpenBadgeCredential } from '../../src/badges/credentialBuilder';
import { createDocumentLoader, type DocumentLoader } from '../../src/badges/documentLoader';
import { generateKeyPair, type Ed25519KeyPair } from '../../src/badges/keys';
import { publishedAchievement } from '../../src/badges/publishedAchievement';
import { signBothForms, signCredentialDataIntegrity, signCredentialJwt } from '../../src/badges/sign';
import { ob3SchemaProblems, verifyOpenBadgeCredential } from '../../src/badges/verify';
import { openBadgesValidators } from '../../src/credentials/openBadgesSchema';
import { acceptComplete, issuingCourse, type Person, publishCredential, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import type { PlatformSimulator } from '../support/platformSimulator';
import type { TestTool } from '../support/tool';
import { CREDENTIAL_KINDS, PUBLIC_URL } from './credentialKinds';

type Json = Record<string, any>;

// jsonld ships no type declarations; these are the two calls used here.
const jsonld: {
  expand(input: unknown, options: { documentLoader: DocumentLoader; safe: boolean }): Promise<unknown[]>;
  toRDF(input: unknown, options: { documentLoader: DocumentLoader; safe: boolean; format: 'application/n-quads' }): Promise<string>;
} = require('jsonld');

const XSD = 'http://www.w3.org/2001/XMLSchema#';
/** The lexical space of each XML Schema datatype a credential's literals may carry. */
const LEXICAL: Record<string, RegExp> = {
  integer: /^[+-]?\d+$/,
  nonNegativeInteger: /^\+?\d+$/,
  decimal: /^[+-]?(\d+(\.\d*)?|\.\d+)$/,
  double: /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$/,
  float: /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$/,
  boolean: /^(true|false|1|0)$/,
  dateTime: /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/,
  dateTimeStamp: /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
};

/**
 * Expands in safe mode (jsonld throws on any term it would drop and on relative IRIs) and
 * returns the N-Quads literals whose lexical form is not in their XML Schema datatype.
 */
async function strictJsonLdProblems(document: Json, loader: DocumentLoader): Promise<string[]> {
  const expanded = await jsonld.expand(document, { documentLoader: loader, safe: true });
  if (expanded.length === 0) return ['nothing was left after expansion'];
  const nquads = await jsonld.toRDF(document, { documentLoader: loader, safe: true, format: 'application/n-quads' });
  const problems: string[] = [];
  for (const match of nquads.matchAll(/"((?:[^"\\]|\\.)*)"\^\^<([^>]+)>/g)) {
    const [, lexical, datatype] = match;
    if (!datatype.startsWith(XSD)) continue;
    const pattern = LEXICAL[datatype.slice(XSD.length)];
    if (pattern && !pattern.test(lexical)) problems.push(`"${lexical}" is not an xsd:${datatype.slice(XSD.length)}`);
  }
  return problems;
}

/** The payload's claims, as OB 3.0 §8.2.3 defines them. */
const CLAIMS = ['iss', 'jti', 'nbf', 'sub', 'exp'];
const withoutClaims = (payload: Json) => Object.fromEntries(Object.entries(payload).filter(([k]) => !CLAIMS.includes(k)));

/** Every check on one issued credential in both its forms; `jwk` is what the kid dereferences to. */
async function checkBothForms(signed: Json, jwt: string, jwk: JWK, loader: DocumentLoader) {
  // JSON-LD: nothing dropped, nothing undefined, every literal well typed.
  expect(await strictJsonLdProblems(signed, loader)).toEqual([]);
  // The OB 3.0 schema (and the edubadges profile) over the JSON form and the JWT payload.
  expect(conformanceProblems(signed)).toEqual([]);
  const payload = decodeJwt(jwt) as Json;
  expect(ob3SchemaProblems(payload)).toEqual([]);
  expect(openBadgesValidators().credential(payload)).toBe(true);
  // §8.2.1: the JWT was made from the credential with its Data Integrity proof.
  expect(withoutClaims(payload)).toEqual(signed);
  expect(payload.proof).toEqual(signed.proof);
  // §8.2.3: iss, jti, nbf, sub, and exp when the credential ends.
  expect(payload.iss).toBe(signed.issuer.id);
  expect(payload.jti).toBe(signed.id);
  expect(payload.sub).toBe(signed.credentialSubject.id);
  expect(payload.nbf).toBe(Date.parse(signed.validFrom) / 1000);
  if (signed.validUntil) expect(payload.exp).toBe(Date.parse(signed.validUntil) / 1000);
  else expect(payload).not.toHaveProperty('exp');
  // §8.2.2: only alg, kid, typ; the signature checks with jose and the dereferenced JWK.
  const header = decodeProtectedHeader(jwt);
  expect(Object.keys(header).sort()).toEqual(['alg', 'kid', 'typ']);
  expect(jwk).not.toHaveProperty('d');
  await expect(compactVerify(jwt, await importJWK(jwk, 'EdDSA'))).resolves.toBeDefined();
}

describe('every kind of credential the builder makes', () => {
  let key: Ed25519KeyPair;
  beforeAll(async () => {
    key = await generateKeyPair();
  });
  const loader = createDocumentLoader();

  it.each(CREDENTIAL_KINDS)('%s: strict JSON-LD, OB 3.0 schema in both forms, JWT over the signed credential', async (_name, make) => {
    const input = make(key.controller);
    const { credential: signed, jwt } = await signBothForms(buildOpenBadgeCredential(input), key);
    expect(signed.credentialSubject).toMatchObject({ id: input.subjectId ?? expect.stringMatching(/^urn:uuid:/) });
    // A did:key kid dereferences to the key itself (Multikey), which is a JWK too (did:key §3.1.2).
    expect(decodeProtectedHeader(jwt).kid).toBe(key.id);
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.multikey.publicKey).toString('base64url') };
    await checkBothForms(signed as Json, jwt, jwk, loader);
    const report = await verifyOpenBadgeCredential(jwt, { now: new Date('2026-12-01T00:00:00Z') });
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
  });

  it('the Achievement alone is JSON-LD, strictly, and the very object the credential embeds', async () => {
    const input = make0(key.controller);
    const credential = buildOpenBadgeCredential(input) as Json;
    const alone = publishedAchievement(
      PUBLIC_URL,
      { credentialId: input.credentialId, versionNo: input.versionNo, definition: input.definition },
      { profile: input.issuer, qaPolicy: input.qaPolicy },
    );
    const { '@context': context, ...achievement } = alone;
    expect(context).toEqual(credential['@context']);
    expect(achievement).toEqual(credential.credentialSubject.achievement);
    expect(await strictJsonLdProblems(alone, loader)).toEqual([]);
    expect(openBadgesValidators().achievement(achievement)).toBe(true);
  });

  it('a fractional ECTS value canonicalises to a well-typed literal; the old context made it ill-typed', async () => {
    const input = CREDENTIAL_KINDS.find(([name]) => name.includes('7.5 ECTS'))![1](key.controller);
    const signed = await signCredentialDataIntegrity(buildOpenBadgeCredential(input), key);
    const nquads = await jsonld.toRDF(signed, { documentLoader: loader, safe: true, format: 'application/n-quads' });
    expect(nquads).toContain('<https://edubadges.nl/static/obv3-glossary.html#ects> "7.5E0"^^<http://www.w3.org/2001/XMLSchema#double>');
    // Whole ECTS stay xsd:integer, as edubadges' own context types them.
    const whole = await jsonld.toRDF(buildOpenBadgeCredential(make0(key.controller)), { documentLoader: loader, safe: true, format: 'application/n-quads' });
    expect(whole).toContain('<https://edubadges.nl/static/obv3-glossary.html#ects> "3"^^<http://www.w3.org/2001/XMLSchema#integer>');
    // The v1 context, which credentials issued before still name, typed it xsd:decimal.
    const v1 = { ...signed, '@context': (signed['@context'] as string[]).map((c) => c.replace('microcred-v2', 'microcred-v1')) };
    expect(await strictJsonLdProblems(v1, loader)).toEqual(['"7.5E0" is not an xsd:decimal']);
  });
});

const make0 = CREDENTIAL_KINDS[0][1];

describe('what a running tool issues and publishes', () => {
  let tool: TestTool;
  let sim: PlatformSimulator;
  let teacher: Person;
  let learner: Person;
  let loader: DocumentLoader;

  beforeAll(async () => {
    ({ tool, sim, teacher, learner } = await issuingCourse());
    loader = createDocumentLoader({ resolve: tool.signingKeys.resolver() });
  });
  afterAll(async () => {
    await tool?.stop();
    await sim?.stop();
  });

  const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

  it('issues both forms strictly, and publishes the Achievement, the Profile, the status list and a JWK for the kid', async () => {
    const credentialId = await publishCredential(tool, teacher, {
      ...completeDefinition(),
      workload: { ects: 7.5 },
      validityMonths: 24,
      supervisionType: 'unsupervised with no identity verification',
    });
    const award = await acceptComplete(tool, teacher, learner, credentialId);
    const issued = await until(
      'the credential to be issued',
      async () => (await q('SELECT id, credential, jwt FROM issued_credentials WHERE award_id = $1', [award.id]))[0],
    );
    const share = `${tool.base}/credentials/${issued.id}`;
    const signed = (await (await fetch(`${share}.json`)).json()) as Json;
    expect(signed).toEqual(issued.credential);
    const jwtResponse = await fetch(`${share}.jwt`);
    expect(jwtResponse.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const jwt = await jwtResponse.text();
    expect(jwt).toBe(issued.jwt);

    // The kid is the key's JsonWebKey method, listed for assertions in the published DID document.
    const did = signed.issuer.id as string;
    const { kid } = decodeProtectedHeader(jwt);
    expect(kid).toBe(`${did}#key-1-jwk`);
    const didDocument = (await (await fetch(`${tool.base}/.well-known/did.json`)).json()) as Json;
    expect(didDocument['@context']).toContain('https://w3id.org/security/jwk/v1');
    const method = didDocument.verificationMethod.find((m: Json) => m.id === kid);
    expect(method).toMatchObject({ type: 'JsonWebKey', controller: did, publicKeyJwk: { kty: 'OKP', crv: 'Ed25519' } });
    expect(didDocument.assertionMethod).toContain(kid);
    // The Multikey the Data Integrity proof names is the same key.
    const multikey = didDocument.verificationMethod.find((m: Json) => m.id === signed.proof[0].verificationMethod);
    expect(multikey).toMatchObject({ type: 'Multikey', controller: did });
    expect((await tool.signingKeys.resolver()(kid!)) as Json).toMatchObject({ publicKeyJwk: method.publicKeyJwk });

    await checkBothForms(signed, jwt, method.publicKeyJwk, loader);
    // The unbound subject is a urn:uuid, neither the credential's id nor anything of the learner's.
    expect(signed.credentialSubject.id).toMatch(/^urn:uuid:/);
    expect(signed.credentialSubject.id).not.toBe(signed.id);
    const [person] = await q('SELECT sub, email FROM lti_users WHERE id = $1', [award.learnerId]);
    for (const value of [person.sub, person.email].filter(Boolean)) expect(JSON.stringify(signed.credentialSubject.id)).not.toContain(value);
    for (const input of [signed, jwt]) {
      const report = await verifyOpenBadgeCredential(input, { resolveKey: tool.signingKeys.resolver() });
      expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    }

    // The Achievement at its id: JSON-LD, and exactly the one the credential signs.
    const achievementId = signed.credentialSubject.achievement.id as string;
    const achievementResponse = await fetch(achievementId);
    expect(achievementResponse.headers.get('content-type')).toContain('application/ld+json');
    const { '@context': context, ...achievement } = (await achievementResponse.json()) as Json;
    expect(context).toEqual(signed['@context']);
    expect(achievement).toEqual(signed.credentialSubject.achievement);
    expect(achievement.creator).toEqual(signed.issuer);
    expect(await strictJsonLdProblems({ '@context': context, ...achievement }, loader)).toEqual([]);

    // The issuer Profile and the status list, strictly.
    const profile = (await (await fetch(`${tool.base}/issuer`)).json()) as Json;
    expect(await strictJsonLdProblems(profile, loader)).toEqual([]);
    const statusList = (await (await fetch(signed.credentialStatus.statusListCredential)).json()) as Json;
    expect(await strictJsonLdProblems(statusList, loader)).toEqual([]);
  });

  it('keeps verifying credentials of the old shape: Multikey kid, v1 context, no subject id, JWT beside the proof', async () => {
    const { keyPair } = await tool.signingKeys.activeKeyPair();
    const { jwkId: _jwk, ...old } = keyPair;
    const oldKey = old as Ed25519KeyPair;
    const credential = buildOpenBadgeCredential(make0(tool.signingKeys.did)) as Json;
    credential['@context'] = credential['@context'].map((c: string) => c.replace(PUBLIC_URL, tool.base).replace('microcred-v2', 'microcred-v1'));
    delete credential.credentialSubject.id;
    const [signed, jwt] = await Promise.all([signCredentialDataIntegrity(credential, oldKey, loader), signCredentialJwt(credential, oldKey)]);
    expect(decodeProtectedHeader(jwt).kid).toBe(`${tool.signingKeys.did}#key-1`);
    expect(decodeJwt(jwt)).not.toHaveProperty('sub');
    for (const input of [signed, jwt]) {
      const report = await verifyOpenBadgeCredential(input, { now: new Date('2026-12-01T00:00:00Z'), resolveKey: tool.signingKeys.resolver() });
      expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
      expect(report.verified).toBe(true);
    }
  });
});

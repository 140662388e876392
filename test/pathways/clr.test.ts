// The learner's record as CLR 2.0: two component badges and the composite of a rigid pathway,
// bundled with their associations, signed in both forms, valid against the official
// ClrCredential schema (../shared/conformance/clr), and verified bundle and credential by
// credential; a changed credential inside breaks the record.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fs from 'node:fs';
import path from 'node:path';
import { achievementIssuer, buildOpenBadgeCredential } from '../../src/badges/credentialBuilder';
import { generateKeyPair, type Ed25519KeyPair } from '../../src/badges/keys';
import { signBothForms } from '../../src/badges/sign';
import { CryptoPool } from '../../src/badges/cryptoPool';
import { looksLikeClr, verifyClrCredential } from '../../src/badges/verifyClr';
import { buildClrCredential, clrAssociations } from '../../src/pathways/clr';
import { buildCompositeCredential } from '../../src/pathways/composite';
import { credentialInputs, PUBLIC_URL } from '../badges/credentialKinds';
import { compositeDefinition, definitionTitled } from './support';

const CLR_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'conformance', 'clr');
const NOW = new Date('2026-12-01T00:00:00Z');

let key: Ed25519KeyPair;
let components: Record<string, unknown>[];
let composite: Record<string, unknown>;
let clr: Record<string, unknown>;
let jwt: string;

/**
 * The schema copy predates CLR 2.0's move to VC 2.0 (../shared/conformance/clr/SOURCE.md) in
 * two ways a VC 2.0 record meets: it requires `issuanceDate` where VC 2.0 has `validFrom`, and
 * its CredentialStatus is VC 1.1's (`id` and `type`, nothing else), so the W3C Bitstring Status
 * List entry every VC 2.0 credential of ours carries (statusPurpose, statusListIndex,
 * statusListCredential) is "additional". Read `issuanceDate` as `validFrom`, and check the status
 * entries against the Bitstring Status List rules here instead (statusEntryProblems); nothing else.
 */
function asVc11(doc: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(doc) as Record<string, any>;
  copy.issuanceDate = copy.validFrom;
  for (const vc of copy.credentialSubject.verifiableCredential) {
    vc.issuanceDate = vc.validFrom;
    if (vc.credentialStatus) vc.credentialStatus = { id: vc.credentialStatus.id, type: vc.credentialStatus.type };
  }
  return copy;
}

function statusEntryProblems(doc: Record<string, any>): string[] {
  return doc.credentialSubject.verifiableCredential.flatMap((vc: Record<string, any>, i: number) => {
    const e = vc.credentialStatus;
    if (!e) return [];
    const ok =
      e.type === 'BitstringStatusListEntry' &&
      e.statusPurpose === 'revocation' &&
      /^\d+$/.test(e.statusListIndex) &&
      typeof e.statusListCredential === 'string' &&
      e.id === `${e.statusListCredential}#${e.statusListIndex}`;
    return ok ? [] : [`credential ${i}: ${JSON.stringify(e)}`];
  });
}

function clrSchema() {
  const schema = JSON.parse(fs.readFileSync(path.join(CLR_DIR, 'clr_v2p0_clrcredential_schema_draft4.json'), 'utf8'));
  // Draft-04 in name; it uses no keyword whose meaning changed since, so Ajv's default draft reads it.
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

beforeAll(async () => {
  key = await generateKeyPair();
  const issuer = achievementIssuer({ profile: { id: key.controller, type: ['Profile'], name: 'Example University' } });
  const a = buildOpenBadgeCredential(
    credentialInputs(key.controller, definitionTitled('Research Data Management', 3), { credentialId: 11, uuid: '00000000-0000-4000-8000-000000000011' }),
  );
  const b = buildOpenBadgeCredential(
    credentialInputs(key.controller, definitionTitled('Data Publication', 3), { credentialId: 12, uuid: '00000000-0000-4000-8000-000000000012' }),
  );
  components = [(await signBothForms(a, key)).credential, (await signBothForms(b, key)).credential];
  const built = buildCompositeCredential({
    uuid: '00000000-0000-4000-8000-000000000099',
    publicUrl: PUBLIC_URL,
    issuer,
    pathway: {
      id: 5,
      kind: 'rigid',
      rules: {
        components: [
          { key: 'rdm', title: 'Research Data Management', ref: { type: 'internal', credentialId: 11 } },
          { key: 'pub', title: 'Data Publication', ref: { type: 'internal', credentialId: 12 } },
        ],
        required: ['rdm', 'pub'],
        groups: [],
      },
      definition: compositeDefinition(),
    },
    components: components.map((c) => ({ id: String(c.id), name: String(c.name), credits: 3 })),
    credits: 6,
    awardedAt: NOW,
    learner: { email: 'lena@uni.example', ltiUserId: 'u-learner-1' },
    salt: 'abcdef',
    status: { listId: 1, index: 77 },
  });
  composite = (await signBothForms(built, key)).credential;
  const record = buildClrCredential({
    uuid: '00000000-0000-4000-8000-0000000000c1',
    publicUrl: PUBLIC_URL,
    issuer,
    learner: { email: 'lena@uni.example', ltiUserId: 'u-learner-1' },
    salt: 'fedcba',
    credentials: [...components, composite],
    composites: [
      { achievementId: `${PUBLIC_URL}/pathways/5`, componentCredentialIds: components.map((c) => String(c.id)), order: components.map((c) => String(c.id)) },
    ],
    now: NOW,
  });
  ({ credential: clr, jwt } = await signBothForms(record, key));
});

const statusOffline = async () => undefined;

it('has the structure CLR 2.0 defines: the bundle, the achievements and the associations', () => {
  const subject = clr.credentialSubject as Record<string, any>;
  expect(clr.type).toEqual(['VerifiableCredential', 'ClrCredential']);
  // The learner only as salted hashes, never by name or email.
  expect(clr.name).toBe('Learner record');
  expect(JSON.stringify(clr)).not.toContain('lena@uni.example');
  expect((clr['@context'] as string[]).slice(0, 2)).toEqual([
    'https://www.w3.org/ns/credentials/v2',
    'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
  ]);
  expect(subject.type).toEqual(['ClrSubject']);
  expect(subject.verifiableCredential.map((vc: { name: string }) => vc.name)).toEqual([
    'Research Data Management',
    'Data Publication',
    'Data Steward (pathway)',
  ]);
  expect(subject.achievement.map((a: { id: string }) => a.id)).toEqual([
    `${PUBLIC_URL}/achievements/11/versions/2`,
    `${PUBLIC_URL}/achievements/12/versions/2`,
    `${PUBLIC_URL}/pathways/5`,
  ]);
  expect(subject.association).toEqual([
    { type: 'Association', associationType: 'isPartOf', sourceId: `${PUBLIC_URL}/achievements/11/versions/2`, targetId: `${PUBLIC_URL}/pathways/5` },
    { type: 'Association', associationType: 'isPartOf', sourceId: `${PUBLIC_URL}/achievements/12/versions/2`, targetId: `${PUBLIC_URL}/pathways/5` },
    {
      type: 'Association',
      associationType: 'precedes',
      sourceId: `${PUBLIC_URL}/achievements/11/versions/2`,
      targetId: `${PUBLIC_URL}/achievements/12/versions/2`,
    },
  ]);
  // The composite references each component credential by its id.
  const evidence = (composite.evidence as { id?: string }[]).map((e) => e.id).filter(Boolean);
  expect(evidence).toEqual(components.map((c) => c.id));
  expect((composite.credentialSubject as Record<string, unknown>).creditsEarned).toBe(6);
});

it('passes the official ClrCredential schema (read as VC 1.1 where the copy predates VC 2.0), and so does the official sample', () => {
  const validate = clrSchema();
  const ok = validate(asVc11(clr));
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  expect(statusEntryProblems(clr)).toEqual([]);
  // The same shim makes the official VC 2.0 sample pass, and nothing else is needed.
  const sample = JSON.parse(fs.readFileSync(path.join(CLR_DIR, 'example_simple.json'), 'utf8'));
  expect(validate(sample)).toBe(false);
  expect(validate(asVc11(sample))).toBe(true);
  // Read as it is, our record fails only on those two things: the dates and the status entries' VC 2.0 fields.
  validate(clr);
  const unshimmed = new Set(
    (validate.errors ?? []).map(
      (e) => `${e.instancePath.replace(/\/\d+/g, '/N')} ${e.message} ${String(e.params.additionalProperty ?? e.params.missingProperty)}`,
    ),
  );
  expect([...unshimmed].sort()).toEqual(
    [
      " must have required property 'issuanceDate' issuanceDate",
      "/credentialSubject/verifiableCredential/N must have required property 'issuanceDate' issuanceDate",
      '/credentialSubject/verifiableCredential/N/credentialStatus must NOT have additional properties statusPurpose',
      '/credentialSubject/verifiableCredential/N/credentialStatus must NOT have additional properties statusListIndex',
      '/credentialSubject/verifiableCredential/N/credentialStatus must NOT have additional properties statusListCredential',
    ].sort(),
  );
});

it('verifies, bundle and every credential inside, in the JSON-LD form and as a JWT', async () => {
  for (const form of [clr, jwt]) {
    expect(looksLikeClr(form)).toBe(true);
    const report = await verifyClrCredential(form as never, { now: NOW, fetchStatusList: statusOffline });
    expect(report.bundle.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(report.bundle.checks.find((c) => c.id === 'format')?.message).toBe('This is a Comprehensive Learner Record 2.0.');
    expect(report.credentials).toHaveLength(3);
    for (const c of report.credentials) expect(c.checks.filter((x) => x.status === 'failed')).toEqual([]);
    // Revocation cannot be checked offline here (a warning), so "verified" rests on the other checks.
    expect(report.credentials.every((c) => c.checks.find((x) => x.id === 'signature')?.status === 'passed')).toBe(true);
  }
});

it('verifies on the crypto pool exactly as in this thread, the credentials inside at once', async () => {
  const pool = new CryptoPool(2);
  try {
    const tampered = structuredClone(clr) as Record<string, any>;
    tampered.credentialSubject.verifiableCredential[1].name = 'Advanced Data Publication';
    for (const form of [clr, jwt, tampered]) {
      const options = { now: NOW, fetchStatusList: statusOffline };
      expect(await verifyClrCredential(form as never, options, pool.verify)).toEqual(await verifyClrCredential(form as never, options));
    }
    // The bundle and its three credentials, for each of the three forms.
    expect(pool.stats().verified).toBe(12);
  } finally {
    await pool.close();
  }
});

it('fails when a credential inside was changed: the bundle’s proof and that credential’s both break', async () => {
  const tampered = structuredClone(clr) as Record<string, any>;
  tampered.credentialSubject.verifiableCredential[1].name = 'Advanced Data Publication';
  const report = await verifyClrCredential(tampered, { now: NOW, fetchStatusList: statusOffline });
  expect(report.verified).toBe(false);
  expect(report.bundle.checks.find((c) => c.id === 'signature')?.status).toBe('failed');
  expect(report.credentials.map((c) => c.checks.find((x) => x.id === 'signature')?.status)).toEqual(['passed', 'failed', 'passed']);
});

it('links nothing it cannot find, and never an achievement to itself', () => {
  expect(clrAssociations([], [{ achievementId: 'https://x.example/p/1', componentCredentialIds: ['urn:uuid:missing'] }])).toEqual([]);
});

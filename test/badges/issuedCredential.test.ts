// Every kind of credential the tool can make: built from a definition and an award,
// checked against the official OB 3.0 schema and the edubadges profile, signed in both
// forms and verified; tampering with any field breaks the signature.
import { randomUUID } from 'node:crypto';
import { scoreRubric, gradeOf } from '../../src/assessment/scoring';
import { conformanceProblems, edubadgesProblems } from '../../src/badges/conformance';
import { buildOpenBadgeCredential, identityHash, type CredentialInputs } from '../../src/badges/credentialBuilder';
import { generateKeyPair, type Ed25519KeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity, signCredentialJwt } from '../../src/badges/sign';
import { verifyOpenBadgeCredential } from '../../src/badges/verify';
import type { CredentialDefinition } from '../../src/credentials/model';
import { completeDefinition } from '../credentials/fixtures';

let key: Ed25519KeyPair;
beforeAll(async () => {
  key = await generateKeyPair();
});

const PUBLIC_URL = 'https://microcred.example.edu';

function inputs(def: CredentialDefinition, over: Partial<CredentialInputs> = {}): CredentialInputs {
  const levels = Object.fromEntries(def.rubric.criteria.map((c) => [c.id, c.passLevelId]));
  const score = scoreRubric(def.rubric.criteria, levels);
  return {
    uuid: randomUUID(),
    publicUrl: PUBLIC_URL,
    issuer: {
      id: key.controller,
      type: ['Profile'],
      name: 'Example University',
      url: 'https://www.example.edu',
      email: 'badges@example.edu',
      address: { type: ['Address'], addressCountryCode: 'NL' },
      otherIdentifier: [{ type: 'IdentifierEntry', identifier: '42NB', identifierType: 'ext:BRIN' }],
    },
    qaPolicy: { url: 'https://www.example.edu/qa', name: 'Institutional accreditation' },
    definition: def,
    credentialId: 7,
    versionNo: 2,
    awardedAt: new Date('2026-11-20T10:15:30.123Z'),
    rubricResults: score.results,
    grade: gradeOf(def, score),
    identity: { method: 'online-supervisor', identityVerified: true, attestedBy: 'Ivo', attestedAt: '2026-11-20T10:00:00Z', factors: 2, recordedById: 1 },
    evidenceCount: 3,
    sharedEvidence: [],
    learner: { email: 'Lena@Uni.example', ltiUserId: 'u-learner-1' },
    salt: 'c0ffee',
    status: { listId: 1, index: 1234 },
    ...over,
  };
}

const KINDS: [string, () => CredentialInputs][] = [
  ['supervised online, grade shown, 3 ECTS, no expiry', () => inputs(completeDefinition())],
  [
    'hours only (SBU), no grade, no supervision given, expires after 24 months',
    () => {
      const def = { ...completeDefinition(), workload: { hours: 40 }, gradeShown: false, supervisionType: undefined, validityMonths: 24 };
      return inputs(def, {
        identity: { method: 'lms-launch', identityVerified: false, attestedBy: 'Moodle', attestedAt: '2026-11-20T10:00:00Z', recordedById: 3 },
      });
    },
  ],
  [
    'on site with ID check, 7.5 ECTS, public evidence, no learner email',
    () => {
      const def = { ...completeDefinition(), workload: { ects: 7.5 }, supervisionType: 'onsite with identity verification' as const };
      return inputs(def, {
        learner: { email: null, ltiUserId: 'u-2' },
        identity: {
          method: 'onsite-id-check',
          identityVerified: true,
          attestedBy: 'Desk',
          attestedAt: '2026-11-20T10:00:00Z',
          idDocumentType: 'passport',
          recordedById: 1,
        },
        sharedEvidence: [
          { id: 1, kind: 'link', title: 'Dataset', url: 'https://zenodo.org/records/1' },
          { id: 2, kind: 'reflection', title: 'What I learned', body: 'A lot.' },
          { id: 3, kind: 'file', title: 'plan.pdf' },
        ],
      });
    },
  ],
  [
    'recognition of prior learning, 30 ECTS, no QA policy of its own',
    () =>
      inputs({ ...completeDefinition(), assessmentType: 'recognition of prior learning', workload: { ects: 30 }, qaPolicyUrl: undefined, gradeShown: false }),
  ],
  [
    '1 ECTS (below the edubadges ECTS range), stand-alone',
    () => inputs({ ...completeDefinition(), workload: { ects: 1 }, stackability: { kind: 'stand-alone' } }),
  ],
];

describe.each(KINDS)('%s', (_name, make) => {
  it('conforms to the OB 3.0 schema and the edubadges profile, and verifies in both forms', async () => {
    const credential = buildOpenBadgeCredential(make());
    expect(conformanceProblems(credential)).toEqual([]);
    const signed = await signCredentialDataIntegrity(credential, key);
    expect(conformanceProblems(signed)).toEqual([]);
    const now = new Date('2026-12-01T00:00:00Z');
    const ld = await verifyOpenBadgeCredential(signed, { now });
    expect(ld.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(ld.verified).toBe(true);
    const jwt = await signCredentialJwt(credential, key);
    const fromJwt = await verifyOpenBadgeCredential(jwt, { now });
    expect(fromJwt.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(fromJwt.form).toBe('jwt');
  });
});

it('carries the award: results, grade, hashed identifiers, status entry, schema, validity', () => {
  const input = inputs({ ...completeDefinition(), validityMonths: 12 });
  const c = buildOpenBadgeCredential(input) as Record<string, any>;
  expect(c.id).toBe(`urn:uuid:${input.uuid}`);
  expect(c.validFrom).toBe('2026-11-20T10:15:30Z');
  expect(c.validUntil).toBe('2027-11-20T10:15:30Z');
  expect(c['@context'][3]).toBe(`${PUBLIC_URL}/contexts/microcred-v1.json`);
  const subject = c.credentialSubject;
  expect(subject.identifier[0]).toEqual({
    type: 'IdentityObject',
    hashed: true,
    identityType: 'emailAddress',
    salt: 'c0ffee',
    identityHash: identityHash('lena@uni.example', 'c0ffee'),
  });
  expect(subject.identifier[1]).toMatchObject({ identityType: 'ltiUserId', identityHash: identityHash('u-learner-1', 'c0ffee') });
  expect(JSON.stringify(c)).not.toContain('Lena@Uni.example');
  expect(subject.result).toEqual([
    {
      type: ['Result'],
      resultDescription: `${PUBLIC_URL}/achievements/7/versions/2#criterion-crit-plan`,
      achievedLevel: `${PUBLIC_URL}/achievements/7/versions/2#criterion-crit-plan-level-plan-3`,
      status: 'Completed',
    },
    {
      type: ['Result'],
      resultDescription: `${PUBLIC_URL}/achievements/7/versions/2#criterion-crit-publish`,
      achievedLevel: `${PUBLIC_URL}/achievements/7/versions/2#criterion-crit-publish-level-pub-2`,
      status: 'Completed',
    },
    { type: ['Result'], resultDescription: `${PUBLIC_URL}/achievements/7/versions/2#grade`, value: '6' },
  ]);
  expect(subject.creditsEarned).toBe(3);
  expect(subject.achievement).toMatchObject({
    achievementType: 'MicroCredential',
    ECTS: 3,
    participationType: 'online',
    assessmentType: 'portfolio',
    supervisionType: 'supervised online',
    identityChecked: true,
    image: { id: `${PUBLIC_URL}/achievements/7/versions/2/image.png`, type: 'Image' },
  });
  expect(c.credentialStatus).toEqual({
    id: `${PUBLIC_URL}/status/1#1234`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: '1234',
    statusListCredential: `${PUBLIC_URL}/status/1`,
  });
  expect(c.credentialSchema).toEqual([
    { id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json', type: '1EdTechJsonSchemaValidator2019' },
  ]);
  expect(c.evidence[0].narrative).toContain('Identity established by an online supervisor’s attestation, identity verified, 2 authentication factors.');
  expect(c.evidence[0].narrative).not.toContain('Ivo'); // no supervisor's name in a public credential
  // The institution's QA policy is added only when the credential has none of its own.
  expect(subject.achievement.alignment.filter((a: { targetType: string }) => a.targetType === 'ext:QualityAssurance')).toHaveLength(1);
  const withoutOwn = buildOpenBadgeCredential(inputs({ ...completeDefinition(), qaPolicyUrl: undefined })) as Record<string, any>;
  expect(withoutOwn.credentialSubject.achievement.alignment).toContainEqual({
    type: ['Alignment'],
    targetType: 'ext:QualityAssurance',
    targetName: 'Institutional accreditation',
    targetUrl: 'https://www.example.edu/qa',
  });
});

it('edubadges: hours without ECTS become SBU, never both', () => {
  const c = buildOpenBadgeCredential(inputs({ ...completeDefinition(), workload: { hours: 40 } })) as Record<string, any>;
  expect(c.credentialSubject.achievement.SBU).toBe(40);
  expect(c.credentialSubject.achievement.ECTS).toBeUndefined();
  expect(edubadgesProblems(c)).toEqual([]);
});

it('explains what breaks the OB 3.0 schema and the edubadges profile, one sentence per problem', () => {
  const c = buildOpenBadgeCredential(inputs(completeDefinition())) as Record<string, any>;
  c.issuer = { ...c.issuer, name: 7 };
  delete c.credentialSubject.achievement.criteria;
  const problems = conformanceProblems(c);
  // The issuer may be a URL or a Profile: for an object, what is wrong inside it is said, not the alternatives.
  expect(problems).toContain('“issuer.name” must be a string.');
  expect(problems).toContain('“credentialSubject.achievement” is missing the required property “criteria”.');
  expect(problems.filter((p) => p.startsWith('edubadges: '))).not.toEqual([]);
  expect(problems.every((p) => p.endsWith('.'))).toBe(true);
});

describe('tampering with any field breaks the signature', () => {
  const edits: [string, (c: Record<string, any>) => void][] = [
    ['name', (c) => (c.name = 'Something grander')],
    ['validFrom', (c) => (c.validFrom = '2020-01-01T00:00:00Z')],
    ['issuer name', (c) => (c.issuer.name = 'Another University')],
    ['achievement name', (c) => (c.credentialSubject.achievement.name = 'Brain surgery')],
    ['a rubric result', (c) => (c.credentialSubject.result[0].achievedLevel = c.credentialSubject.result[0].achievedLevel.replace('plan-3', 'plan-4'))],
    ['the grade', (c) => (c.credentialSubject.result[2].value = '11')],
    ['ECTS', (c) => (c.credentialSubject.achievement.ECTS = 30)],
    ['the learner identifier', (c) => (c.credentialSubject.identifier[0].identityHash = identityHash('mallory@evil.example', 'c0ffee'))],
    ['the status entry', (c) => (c.credentialStatus.statusListIndex = '1')],
    ['the evidence narrative', (c) => (c.evidence[0].narrative += ' (and more)')],
  ];
  it.each(edits)('%s', async (_name, edit) => {
    const signed = await signCredentialDataIntegrity(buildOpenBadgeCredential(inputs(completeDefinition())), key);
    const tampered = JSON.parse(JSON.stringify(signed));
    edit(tampered);
    const report = await verifyOpenBadgeCredential(tampered, { now: new Date('2026-12-01T00:00:00Z') });
    expect(report.verified).toBe(false);
    expect(report.checks.find((c) => c.id === 'signature')?.status).toBe('failed');
  });
});

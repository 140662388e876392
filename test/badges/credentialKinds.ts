// The kinds of credential the tool issues, as builder inputs: shared by the tests that build,
// sign, verify and expand every one of them (issuedCredential, strictOb3).
import { randomUUID } from 'node:crypto';
import { gradeOf, scoreRubric } from '../../src/assessment/scoring';
import type { CredentialInputs } from '../../src/badges/credentialBuilder';
import type { CredentialDefinition } from '../../src/credentials/model';
import { completeDefinition } from '../credentials/fixtures';

export const PUBLIC_URL = 'https://microcred.example.edu';

/** A holder's DID, as a wallet presents it (the did:key of an Ed25519 key). */
export const HOLDER_DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

export function credentialInputs(issuerId: string, def: CredentialDefinition, over: Partial<CredentialInputs> = {}): CredentialInputs {
  const levels = Object.fromEntries(def.rubric.criteria.map((c) => [c.id, c.passLevelId]));
  const score = scoreRubric(def.rubric.criteria, levels);
  return {
    uuid: randomUUID(),
    publicUrl: PUBLIC_URL,
    issuer: {
      id: issuerId,
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

const inputs = credentialInputs;

/** Every kind of credential the tool issues; each builds its inputs for an issuer id. */
export const CREDENTIAL_KINDS: [string, (issuerId: string) => CredentialInputs][] = [
  ['supervised online, grade shown, 3 ECTS, no expiry', (issuer) => inputs(issuer, completeDefinition())],
  [
    'hours only (SBU), no grade, no supervision given, expires after 24 months',
    (issuer) => {
      const def = { ...completeDefinition(), workload: { hours: 40 }, gradeShown: false, supervisionType: undefined, validityMonths: 24 };
      return inputs(issuer, def, {
        identity: { method: 'lms-launch', identityVerified: false, attestedBy: 'Moodle', attestedAt: '2026-11-20T10:00:00Z', recordedById: 3 },
      });
    },
  ],
  [
    'on site with ID check, 7.5 ECTS, public evidence, no learner email',
    (issuer) => {
      const def = { ...completeDefinition(), workload: { ects: 7.5 }, supervisionType: 'onsite with identity verification' as const };
      return inputs(issuer, def, {
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
    (issuer) =>
      inputs(issuer, {
        ...completeDefinition(),
        assessmentType: 'recognition of prior learning',
        workload: { ects: 30 },
        qaPolicyUrl: undefined,
        gradeShown: false,
      }),
  ],
  [
    '1 ECTS (below the edubadges ECTS range), stand-alone',
    (issuer) => inputs(issuer, { ...completeDefinition(), workload: { ects: 1 }, stackability: { kind: 'stand-alone' } }),
  ],
  ['a holder-bound copy: the subject is the holder’s DID', (issuer) => inputs(issuer, completeDefinition(), { subjectId: HOLDER_DID })],
];

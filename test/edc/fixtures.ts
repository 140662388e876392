/**
 * EDC inputs for every kind of credential we issue, built from the Open Badge kinds' inputs
 * (test/badges/credentialKinds.ts), plus what sealing adds (the seal's legal identifier,
 * the badge image, the sealing time).
 */
import { badgePng } from '../../src/badges/badgeImage';
import type { CredentialDefinition } from '../../src/credentials/model';
import type { EdcInputs } from '../../src/edc/mapping';
import { credentialInputs, PUBLIC_URL } from '../badges/credentialKinds';
import { completeDefinition } from '../credentials/fixtures';

export { PUBLIC_URL };

export function edcInputs(def: CredentialDefinition, over: Partial<EdcInputs> = {}): EdcInputs {
  const badge = credentialInputs('did:web:microcred.example.edu', def);
  return {
    ...badge,
    // The Open Badge kinds' issuer, without its BRIN identifier.
    issuer: { ...badge.issuer, otherIdentifier: undefined },
    seal: { legalIdentifier: 'VATNL-001234567B01', country: 'NL' },
    imagePng: badgePng({ title: def.title ?? 'x', size: 64 }),
    issuedAt: new Date('2026-11-20T10:16:00Z'),
    ...over,
  };
}

/** The same kinds as the Open Badge tests, plus the Annex I options the badge tests leave out. */
export const EDC_KINDS: [string, () => EdcInputs][] = [
  ['supervised online, grade shown, 3 ECTS, no expiry', () => edcInputs(completeDefinition())],
  [
    'hours only (SBU), no grade, no supervision given, expires after 24 months',
    () => {
      const def = { ...completeDefinition(), workload: { hours: 40 }, gradeShown: false, supervisionType: undefined, validityMonths: 24 };
      return edcInputs(def, {
        identity: { method: 'lms-launch', identityVerified: false, attestedBy: 'Moodle', attestedAt: '2026-11-20T10:00:00Z', recordedById: 3 },
      });
    },
  ],
  [
    'on site with ID check, 7.5 ECTS, public evidence, no learner email',
    () => {
      const def = { ...completeDefinition(), workload: { ects: 7.5 }, supervisionType: 'onsite with identity verification' as const };
      return edcInputs(def, {
        learner: { email: null, ltiUserId: 'u-2' },
        sharedEvidence: [{ id: 1, kind: 'link', title: 'Dataset', url: 'https://zenodo.org/records/1' }],
      });
    },
  ],
  [
    'recognition of prior learning, 30 ECTS, no QA policy of its own',
    () =>
      edcInputs({
        ...completeDefinition(),
        assessmentType: 'recognition of prior learning',
        workload: { ects: 30 },
        qaPolicyUrl: undefined,
        gradeShown: false,
      }),
  ],
  ['1 ECTS, stand-alone', () => edcInputs({ ...completeDefinition(), workload: { ects: 1 }, stackability: { kind: 'stand-alone' } })],
  [
    'stackable towards a programme, prerequisites, further information, unsupervised, ISCED-F, Dutch',
    () =>
      edcInputs({
        ...completeDefinition(),
        language: 'nl',
        stackability: { kind: 'stackable', towards: 'MSc Data Science' },
        prerequisites: 'A bachelor’s degree.',
        furtherInformation: 'https://www.example.edu/rdm',
        supervisionType: 'unsupervised with no identity verification',
        issuerCountries: ['NL', 'BE'],
        issuerRegions: ['Flanders'],
        level: { eqfLevel: 6, nqf: { name: 'NLQF', level: '6' } },
        learningOutcomes: completeDefinition().learningOutcomes.map((lo) => ({
          ...lo,
          alignments: [...lo.alignments, { kind: 'isced-f' as const, targetName: 'Information and Communication Technologies', targetCode: '06' }],
        })),
      }),
  ],
];

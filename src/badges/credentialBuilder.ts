// The OpenBadgeCredential issued for an award, before it is signed. Pure: everything it
// needs is passed in, so every kind of credential the tool makes can be built and checked
// against the schemas in unit tests.
import { createHash } from 'node:crypto';
import type { IdentityRecord } from '../assessment/identity';
import type { CriterionResult, Grade } from '../assessment/scoring';
import { achievementCredentialContexts, buildAchievement, criterionUri, levelUri, type Ob3Achievement, type Ob3Profile } from '../credentials/achievement';
import type { CredentialDefinition } from '../credentials/model';
import { identityMethodPhrase } from '../credentials/vocabulary';

export const OB3_SCHEMA_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

/** Where a credential's public parts live, all under the tool's PUBLIC_URL. */
export const badgeUrls = (publicUrl: string) => ({
  achievement: (credentialId: number, versionNo: number) => `${publicUrl}/achievements/${credentialId}/versions/${versionNo}`,
  achievementImage: (credentialId: number, versionNo: number) => `${publicUrl}/achievements/${credentialId}/versions/${versionNo}/image.png`,
  credential: (uuid: string) => `${publicUrl}/credentials/${uuid}`,
  statusList: (listId: number) => `${publicUrl}/status/${listId}`,
  evidence: (uuid: string, evidenceId: number) => `${publicUrl}/credentials/${uuid}/evidence/${evidenceId}`,
});

export interface SharedEvidence {
  id: number;
  kind: string;
  title: string;
  url?: string | null;
  body?: string | null;
}

export interface CredentialInputs {
  uuid: string;
  publicUrl: string;
  /** The issuer's OB 3.0 Profile; its id is the issuer's DID. */
  issuer: Ob3Profile;
  /** The institution's QA policy, embedded as a QA alignment when the credential names none. */
  qaPolicy?: { url: string; name: string };
  definition: CredentialDefinition;
  credentialId: number;
  versionNo: number;
  awardedAt: Date;
  rubricResults: CriterionResult[];
  grade?: Grade;
  identity: IdentityRecord;
  evidenceCount: number;
  /** Evidence the learner chose to make public. */
  sharedEvidence: SharedEvidence[];
  learner: { email?: string | null; ltiUserId: string };
  /** Per-credential salt for the hashed identifiers (random, stored in the credential). */
  salt: string;
  status: { listId: number; index: number };
  /**
   * `credentialSubject.id`. A holder-bound copy passes the holder's DID. Left out, the subject
   * is the award's own `urn:uuid:` (awardSubjectId), which names no one (decision 0013).
   */
  subjectId?: string;
  /**
   * The version's Achievement (versionAchievement of these inputs), when the caller built it
   * once for several awards of the version. It is embedded as it is, not copied.
   */
  achievement?: Ob3Achievement;
}

/** The issuer as an Achievement's creator, and the QA policy it adds where a credential names none. */
export interface AchievementIssuer {
  profile: Ob3Profile;
  qaPolicy?: { url: string; name: string };
}

/**
 * The Achievement of a published credential version: what every credential issued from it
 * embeds (and signs), and what its id, /achievements/<id>/versions/<n>, serves. One function
 * for both, so one id names one object. The issuer's Profile is its creator; the
 * institution's QA policy (Annex I element 11) becomes an ext:QualityAssurance alignment when
 * the definition has no policy of its own.
 */
export function versionAchievement(
  publicUrl: string,
  version: { credentialId: number; versionNo: number; definition: CredentialDefinition },
  issuer: AchievementIssuer,
): Ob3Achievement {
  const urls = badgeUrls(publicUrl);
  const def = version.definition;
  const achievementId = urls.achievement(version.credentialId, version.versionNo);
  const achievement = buildAchievement(def, {
    id: achievementId,
    version: String(version.versionNo),
    creator: issuer.profile,
    image: { id: urls.achievementImage(version.credentialId, version.versionNo), caption: def.title },
    criteriaUrl: achievementId,
  });
  const alignment = (achievement.alignment as Record<string, unknown>[] | undefined) ?? [];
  if (issuer.qaPolicy && !alignment.some((a) => a.targetType === 'ext:QualityAssurance' && a.targetUrl)) {
    alignment.push({ type: ['Alignment'], targetType: 'ext:QualityAssurance', targetName: issuer.qaPolicy.name, targetUrl: issuer.qaPolicy.url });
    achievement.alignment = alignment;
  }
  return achievement;
}

/** The issuer details issuance reads (IssuerProfileStore.forIssuance) as an AchievementIssuer. */
export function achievementIssuer(details: { profile: Ob3Profile; qaPolicyUrl?: string; qaType?: string }): AchievementIssuer {
  return {
    profile: details.profile,
    ...(details.qaPolicyUrl ? { qaPolicy: { url: details.qaPolicyUrl, name: details.qaType ?? 'Quality assurance policy' } } : {}),
  };
}

/** What an award, its credential version and its learner give every credential made of them (the badge, its EDC). */
export function awardFacts(row: {
  award: { credentialId: number; awardedAt: Date; rubricResults: CriterionResult[]; grade: Grade | null; identity: IdentityRecord };
  version: { definition: CredentialDefinition; versionNo: number };
  learner: { email: string | null; sub: string };
}): Pick<CredentialInputs, 'definition' | 'credentialId' | 'versionNo' | 'awardedAt' | 'rubricResults' | 'grade' | 'identity' | 'learner'> {
  return {
    definition: row.version.definition,
    credentialId: row.award.credentialId,
    versionNo: row.version.versionNo,
    awardedAt: row.award.awardedAt,
    rubricResults: row.award.rubricResults,
    grade: row.award.grade ?? undefined,
    identity: row.award.identity,
    learner: { email: row.learner.email, ltiUserId: row.learner.sub },
  };
}

/** A namespace (random, fixed) for the name-based UUIDs of award subjects. */
const SUBJECT_NAMESPACE = Buffer.from('5d3f0f0e8b6a4f6e9c1f6a2b7e4d9c30', 'hex');

/**
 * The subject id of an unbound credential: a UUID (RFC 9562 version 5, name-based) derived
 * from the credential's random salt. The salt is 16 random bytes drawn at issuance and stored
 * in the credential, so the id is as random as a fresh UUID, the same for every reading of
 * the award's credential, different for every award, and no function of who the learner is.
 */
export function awardSubjectId(salt: string): string {
  const hash = createHash('sha1').update(SUBJECT_NAMESPACE).update(salt, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** OB 3.0 IdentityHash: "sha256$" + hex(SHA-256(identity + salt)). */
/**
 * The learner as salted, hashed IdentityObjects (e-mail, when the LMS gave one, and LMS user
 * id): what every credential of ours says about who holds it, and no more.
 */
export function learnerIdentifiers(learner: { email?: string | null; ltiUserId: string }, salt: string): Record<string, unknown>[] {
  return [
    ...(learner.email
      ? [{ type: 'IdentityObject', hashed: true, identityHash: identityHash(learner.email.trim().toLowerCase(), salt), identityType: 'emailAddress', salt }]
      : []),
    { type: 'IdentityObject', hashed: true, identityHash: identityHash(learner.ltiUserId, salt), identityType: 'ltiUserId', salt },
  ];
}

export function identityHash(identity: string, salt: string): string {
  return `sha256$${createHash('sha256')
    .update(identity + salt, 'utf8')
    .digest('hex')}`;
}

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** Seconds precision, as most verifiers and the VC-JWT claims expect. */
const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** How identity was established, without names: e.g. "an online supervisor’s attestation, identity verified, 2 factors". */
function identityWords(record: IdentityRecord): string {
  const parts = [identityMethodPhrase(record.method)];
  if (record.method !== 'lms-launch') parts.push(record.identityVerified ? 'identity verified' : 'identity not verified');
  parts.push(`${record.factors ?? 1} authentication factor${(record.factors ?? 1) === 2 ? 's' : ''}`);
  return parts.join(', ');
}

export function buildOpenBadgeCredential(input: CredentialInputs): Record<string, unknown> {
  const urls = badgeUrls(input.publicUrl);
  const def = input.definition;
  const achievementId = urls.achievement(input.credentialId, input.versionNo);
  const achievement =
    input.achievement ??
    versionAchievement(
      input.publicUrl,
      { credentialId: input.credentialId, versionNo: input.versionNo, definition: def },
      { profile: input.issuer, ...(input.qaPolicy ? { qaPolicy: input.qaPolicy } : {}) },
    );

  const result: Record<string, unknown>[] = input.rubricResults.map((r) => ({
    type: ['Result'],
    resultDescription: criterionUri(achievementId, r.criterionId),
    achievedLevel: levelUri(achievementId, r.criterionId, r.levelId),
    status: 'Completed',
  }));
  if (input.grade) result.push({ type: ['Result'], resultDescription: `${achievementId}#grade`, value: String(input.grade.points) });

  const identifier = learnerIdentifiers(input.learner, input.salt);

  const evidence: Record<string, unknown>[] = [
    {
      type: ['Evidence'],
      name: 'Assessment',
      narrative: [
        `Assessed against the rubric of “${def.title ?? 'this micro-credential'}” on ${input.awardedAt.toISOString().slice(0, 10)}, from ${input.evidenceCount} piece${input.evidenceCount === 1 ? '' : 's'} of evidence.`,
        ...input.rubricResults.map((r) => `- ${r.criterion}: ${r.level} (${r.points} of ${r.maxPoints} points)`),
        ...(input.grade ? [`Grade: ${input.grade.text}.`] : []),
        `Identity established by ${identityWords(input.identity)}.`,
      ].join('\n'),
    },
    ...input.sharedEvidence.map((e) => ({
      type: ['Evidence'],
      id: e.kind === 'link' && e.url ? e.url : urls.evidence(input.uuid, e.id),
      name: e.title,
      genre: e.kind,
      ...(e.kind === 'reflection' && e.body ? { narrative: e.body } : {}),
    })),
  ];

  const validFrom = isoSeconds(input.awardedAt);
  const credential: Record<string, unknown> = {
    '@context': achievementCredentialContexts(input.publicUrl),
    id: `urn:uuid:${input.uuid}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: def.title ?? 'Micro-credential',
    issuer: input.issuer,
    validFrom,
    ...(def.validityMonths ? { validUntil: isoSeconds(addMonths(input.awardedAt, def.validityMonths)) } : {}),
    credentialSubject: {
      id: input.subjectId ?? awardSubjectId(input.salt),
      type: ['AchievementSubject'],
      identifier,
      achievement,
      result,
      ...(def.workload?.ects !== undefined ? { creditsEarned: def.workload.ects } : {}),
    },
    evidence,
    credentialStatus: {
      id: `${urls.statusList(input.status.listId)}#${input.status.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(input.status.index),
      statusListCredential: urls.statusList(input.status.listId),
    },
    credentialSchema: [{ id: OB3_SCHEMA_URL, type: '1EdTechJsonSchemaValidator2019' }],
  };
  return credential;
}

// The composite credential a completed pathway awards, before it is signed: an Open Badges
// 3.0 OpenBadgeCredential whose achievement is the pathway's own (its Annex I elements, its
// rules as the criteria), whose creditsEarned is the sum of the counted components, and whose
// evidence names every component credential it was built from. Pure, like credentialBuilder.
import { type AchievementIssuer, awardSubjectId, badgeUrls, learnerIdentifiers, OB3_SCHEMA_URL } from '../badges/credentialBuilder';
import { achievementCredentialContexts, buildAchievement } from '../credentials/achievement';
import type { CredentialDefinition, Rubric } from '../credentials/model';
import { checkReadiness, type ReadinessReport } from '../credentials/readiness';
import { describeRules, type PathwayKind, type PathwayRules } from './pathwayRules';

export const pathwayUrls = (publicUrl: string) => ({
  /** The composite's Achievement: the pathway's public page, also its criteria. */
  achievement: (pathwayId: number) => `${publicUrl}/pathways/${pathwayId}`,
  image: (pathwayId: number) => `${publicUrl}/pathways/${pathwayId}/image.svg`,
});

export interface CompositePathway {
  id: number;
  kind: PathwayKind;
  rules: PathwayRules;
  definition: CredentialDefinition;
}

export interface CompositeInputs {
  uuid: string;
  publicUrl: string;
  issuer: AchievementIssuer;
  pathway: CompositePathway;
  /** The component credentials counted at completion. */
  components: { id: string; name: string; credits: number }[];
  credits: number;
  awardedAt: Date;
  learner: { email?: string | null; ltiUserId: string };
  salt: string;
  status: { listId: number; index: number };
}

const EMPTY_RUBRIC: Rubric = { criteria: [] };

/**
 * The composite's readiness: the Annex I gate every credential passes, less the rubric (a
 * composite is awarded on its pathway's rules, not on an assessment of its own).
 */
export function compositeReadiness(def: CredentialDefinition): ReadinessReport {
  const report = checkReadiness({ ...def, rubric: EMPTY_RUBRIC });
  const issues = report.issues.filter((i) => i.label !== 'Rubric');
  return { ready: issues.length === 0, issues, warnings: report.warnings.filter((w) => w.label !== 'Rubric') };
}

/** The pathway's Achievement: the composite's Annex I elements, and its rules as the criteria. */
export function compositeAchievement(publicUrl: string, pathway: CompositePathway, issuer: AchievementIssuer) {
  const urls = pathwayUrls(publicUrl);
  const def = { ...pathway.definition, rubric: EMPTY_RUBRIC };
  const achievement = buildAchievement(def, {
    id: urls.achievement(pathway.id),
    creator: issuer.profile,
    image: { id: urls.image(pathway.id), caption: def.title },
    criteriaUrl: urls.achievement(pathway.id),
  });
  achievement.criteria = {
    id: urls.achievement(pathway.id),
    narrative: [`## A ${pathway.kind} pathway`, '', ...describeRules(pathway.kind, pathway.rules).map((l) => `- ${l}`)].join('\n'),
  };
  // The one result a composite has: the pathway completed (edubadges requires a result description).
  achievement.resultDescription = [
    { id: `${urls.achievement(pathway.id)}#completion`, type: ['ResultDescription'], name: 'Pathway completed', resultType: 'Status' },
  ];
  const alignment = (achievement.alignment as Record<string, unknown>[] | undefined) ?? [];
  if (issuer.qaPolicy && !alignment.some((a) => a.targetType === 'ext:QualityAssurance' && a.targetUrl)) {
    alignment.push({ type: ['Alignment'], targetType: 'ext:QualityAssurance', targetName: issuer.qaPolicy.name, targetUrl: issuer.qaPolicy.url });
    achievement.alignment = alignment;
  }
  return achievement;
}

const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

export function buildCompositeCredential(input: CompositeInputs): Record<string, unknown> {
  const def = input.pathway.definition;
  const statusUrl = badgeUrls(input.publicUrl).statusList(input.status.listId);
  const identifier = learnerIdentifiers(input.learner, input.salt);
  return {
    '@context': achievementCredentialContexts(input.publicUrl),
    id: `urn:uuid:${input.uuid}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: def.title ?? 'Pathway',
    issuer: input.issuer.profile,
    validFrom: isoSeconds(input.awardedAt),
    credentialSubject: {
      id: awardSubjectId(input.salt),
      type: ['AchievementSubject'],
      identifier,
      achievement: compositeAchievement(input.publicUrl, input.pathway, input.issuer),
      result: [{ type: ['Result'], resultDescription: `${pathwayUrls(input.publicUrl).achievement(input.pathway.id)}#completion`, status: 'Completed' }],
      creditsEarned: input.credits,
    },
    // One Evidence per component credential: its id is the component's own credential id, so a
    // verifier holding the learner's CLR finds each of them in the bundle.
    evidence: [
      {
        type: ['Evidence'],
        name: 'Pathway completed',
        narrative: `Completed on ${input.awardedAt.toISOString().slice(0, 10)} with ${input.components.length} component credential${input.components.length === 1 ? '' : 's'} and ${input.credits} ECTS credits.`,
      },
      ...input.components.map((c) => ({
        type: ['Evidence'],
        id: c.id,
        name: c.name,
        genre: 'Component credential',
        narrative: `${c.credits} ECTS credits.`,
      })),
    ],
    credentialStatus: {
      id: `${statusUrl}#${input.status.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(input.status.index),
      statusListCredential: statusUrl,
    },
    credentialSchema: [{ id: OB3_SCHEMA_URL, type: '1EdTechJsonSchemaValidator2019' }],
  };
}

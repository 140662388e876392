/**
 * The completion rule, the same for every micro-credential (COMPLETION_RULE in model.ts):
 * it is earned when
 *   1. every rubric criterion reaches its pass level in an accepted assessment,
 *   2. the required evidence is present, and
 *   3. the identity-verification requirement (Annex I element 13) is met.
 * This module says it in plain words for a given credential, and evaluates it for a
 * learner from plain data, so it can be tested without a database.
 */
import type { CompletionCondition, CredentialDefinition, RubricCriterion } from './model';
import { reachesPassLevel } from './rubric';
import { EVIDENCE_KINDS, IDENTITY_REQUIREMENTS, fileTypeLabel, formatBytes, identityMethodPhrase, type EvidenceKind, type IdentityMethod } from './vocabulary';

/** How a learner's identity was established for the accepted assessment. */
export interface IdentityVerificationRecord {
  method: IdentityMethod;
  /** The supervisor checked who the learner was (not only that the work was supervised). */
  identityVerified: boolean;
  /** Who attested the supervision or check. */
  attestedBy?: string;
  /** When, as an ISO 8601 timestamp. */
  attestedAt?: string;
  /** Authentication factors used at sign-in (1 or 2). */
  factors?: number;
}

/** What is known about one learner's progress, gathered by the caller. */
export interface CompletionState {
  /**
   * Per criterion id, the level id reached in the learner's accepted assessment.
   * Criteria without an accepted assessment are absent (or undefined).
   */
  acceptedLevels: Record<string, string | undefined>;
  /** Per criterion id, how many evidence items of each kind the learner has handed in. */
  evidence: Record<string, Partial<Record<EvidenceKind, number>>>;
  identityVerification?: IdentityVerificationRecord;
}

export type UnmetReason =
  | { condition: 'every-criterion-at-pass-level'; kind: 'no-criteria'; message: string }
  | {
      condition: 'every-criterion-at-pass-level';
      kind: 'not-assessed' | 'below-pass-level' | 'unknown-level';
      criterionId: string;
      message: string;
    }
  | {
      condition: 'required-evidence-present';
      kind: 'evidence-missing';
      criterionId: string;
      evidenceKind: EvidenceKind;
      required: number;
      present: number;
      message: string;
    }
  | {
      condition: 'identity-requirement-met';
      kind: 'no-identity-record' | 'method-not-accepted' | 'identity-not-verified' | 'attestation-missing';
      message: string;
    };

export interface CompletionResult {
  earned: boolean;
  /** Empty when earned; otherwise every reason, in the order of the rule's conditions. */
  unmet: UnmetReason[];
}

// --- Plain words ------------------------------------------------------------------

const quote = (text: string) => `“${text.trim()}”`;

function criterionName(criterion: RubricCriterion): string {
  return quote(criterion.title || criterion.id);
}

function countOf(kind: EvidenceKind, count: number): string {
  const words = EVIDENCE_KINDS.find((k) => k.value === kind);
  const noun = count === 1 ? (words?.singular ?? kind) : (words?.plural ?? kind);
  return `${count} ${noun}`;
}

/** "1 point", "2 points". */
export function pointsWords(points: number): string {
  return `${points} ${points === 1 ? 'point' : 'points'}`;
}

/** "a, b and c" / "a or b". */
function listOf(items: string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

function passLevelWords(criterion: RubricCriterion): string {
  const pass = criterion.levels.find((level) => level.id === criterion.passLevelId);
  if (!pass) return `${criterionName(criterion)} at its pass level (not chosen yet)`;
  const isTop = criterion.levels[criterion.levels.length - 1]?.id === pass.id;
  return `${criterionName(criterion)} at ${quote(pass.title)} (${pointsWords(pass.points)})${isTop ? '' : ' or higher'}`;
}

/** What one criterion asks as evidence, e.g. "1 file (PDF or Word, at most 10 MB each) and 1 link". */
export function describeEvidence(criterion: RubricCriterion): string | undefined {
  const { required, allowedFileTypes, maxFileSizeBytes } = criterion.evidence;
  if (required.length === 0) return undefined;
  const parts = required.map(({ kind, count }) => {
    if (kind !== 'file') return countOf(kind, count);
    const limits: string[] = [];
    const types = [...new Set(allowedFileTypes.map(fileTypeLabel))];
    if (types.length > 0) limits.push(listOf(types, 'or'));
    if (maxFileSizeBytes !== undefined) limits.push(`at most ${formatBytes(maxFileSizeBytes)} each`);
    return limits.length > 0 ? `${countOf(kind, count)} (${limits.join(', ')})` : countOf(kind, count);
  });
  return listOf(parts, 'and');
}

/**
 * The completion rule of this credential in plain English: an opening sentence, then
 * one numbered sentence per condition, naming criteria, pass levels, evidence and the
 * identity requirement.
 */
export function describeCompletionRule(def: CredentialDefinition): string[] {
  const title = def.title?.trim() ? quote(def.title) : 'this micro-credential';
  const criteria = def.rubric.criteria;

  const levels =
    criteria.length === 0
      ? '1. Every rubric criterion reaches its pass level in an accepted assessment (no criteria have been set yet).'
      : `1. Every rubric criterion reaches its pass level in an accepted assessment: ${criteria.map(passLevelWords).join('; ')}.`;

  const withEvidence = criteria.filter((c) => c.evidence.required.length > 0);
  const withoutEvidence = criteria.filter((c) => c.evidence.required.length === 0);
  let evidence: string;
  if (withEvidence.length === 0) {
    evidence = '2. No evidence needs to be handed in besides the assessment itself.';
  } else {
    const needs = withEvidence.map((c) => `for ${criterionName(c)}, ${describeEvidence(c)}`).join('; ');
    const none =
      withoutEvidence.length === 0
        ? ''
        : ` ${listOf(withoutEvidence.map(criterionName), 'and')} ${withoutEvidence.length === 1 ? 'needs' : 'need'} no evidence.`;
    evidence = `2. The required evidence is present: ${needs}.${none}`;
  }

  const identity = def.supervisionType
    ? `3. ${IDENTITY_REQUIREMENTS[def.supervisionType].sentence}`
    : '3. No supervision or identity verification is required for the assessment.';

  return [`You earn ${title} when all three of these are true:`, levels, evidence, identity];
}

// --- Evaluation --------------------------------------------------------------------

export function evaluateCompletion(def: CredentialDefinition, state: CompletionState): CompletionResult {
  const unmet: UnmetReason[] = [
    ...unmetLevels(def.rubric.criteria, state),
    ...unmetEvidence(def.rubric.criteria, state),
    ...unmetIdentity(def, state.identityVerification),
  ];
  return { earned: unmet.length === 0, unmet };
}

function unmetLevels(criteria: RubricCriterion[], state: CompletionState): UnmetReason[] {
  const condition: CompletionCondition = 'every-criterion-at-pass-level';
  // Without criteria there is no assessment, and without assessment no micro-credential.
  if (criteria.length === 0) {
    return [{ condition, kind: 'no-criteria', message: 'The credential has no rubric criteria, so it cannot be earned.' }];
  }
  const reasons: UnmetReason[] = [];
  for (const criterion of criteria) {
    const levelId = state.acceptedLevels[criterion.id];
    const name = criterionName(criterion);
    if (levelId === undefined) {
      reasons.push({ condition, kind: 'not-assessed', criterionId: criterion.id, message: `${name} has no accepted assessment yet.` });
      continue;
    }
    const passes = reachesPassLevel(criterion, levelId);
    if (passes === undefined) {
      reasons.push({
        condition,
        kind: 'unknown-level',
        criterionId: criterion.id,
        message: `${name} was assessed at a level that is not one of its levels (or it has no pass level).`,
      });
    } else if (!passes) {
      const reached = criterion.levels.find((level) => level.id === levelId);
      const pass = criterion.levels.find((level) => level.id === criterion.passLevelId);
      reasons.push({
        condition,
        kind: 'below-pass-level',
        criterionId: criterion.id,
        message: `${name} reached ${quote(reached?.title ?? levelId)} but needs ${quote(pass?.title ?? criterion.passLevelId)}.`,
      });
    }
  }
  return reasons;
}

function unmetEvidence(criteria: RubricCriterion[], state: CompletionState): UnmetReason[] {
  const reasons: UnmetReason[] = [];
  for (const criterion of criteria) {
    const handedIn = state.evidence[criterion.id] ?? {};
    for (const { kind, count } of criterion.evidence.required) {
      const present = handedIn[kind] ?? 0;
      if (present < count) {
        reasons.push({
          condition: 'required-evidence-present',
          kind: 'evidence-missing',
          criterionId: criterion.id,
          evidenceKind: kind,
          required: count,
          present,
          message: `${criterionName(criterion)} needs ${countOf(kind, count)}; ${present} ${present === 1 ? 'is' : 'are'} present.`,
        });
      }
    }
  }
  return reasons;
}

function unmetIdentity(def: CredentialDefinition, record: IdentityVerificationRecord | undefined): UnmetReason[] {
  // Element 13 is optional; when it is not set, no supervision is demanded.
  if (!def.supervisionType) return [];
  const requirement = IDENTITY_REQUIREMENTS[def.supervisionType];
  if (!requirement.supervised && !requirement.identityVerified) return [];

  const condition = 'identity-requirement-met' as const;
  if (!record) {
    return [{ condition, kind: 'no-identity-record', message: `No supervision or identity check has been recorded. ${requirement.sentence}` }];
  }
  const reasons: UnmetReason[] = [];
  if (!requirement.acceptedMethods.includes(record.method)) {
    const accepted = listOf(requirement.acceptedMethods.map(identityMethodPhrase), 'or');
    reasons.push({
      condition,
      kind: 'method-not-accepted',
      message: `The assessment was recorded with ${identityMethodPhrase(record.method)}, but this credential needs ${accepted}.`,
    });
  }
  if (requirement.identityVerified && !record.identityVerified) {
    reasons.push({ condition, kind: 'identity-not-verified', message: 'The learner’s identity was not verified during the assessment.' });
  }
  if (isBlank(record.attestedBy) || isBlank(record.attestedAt)) {
    reasons.push({
      condition,
      kind: 'attestation-missing',
      message: 'The record does not say who attested the supervision and when.',
    });
  }
  return reasons;
}

function isBlank(text: string | undefined): boolean {
  return !text || text.trim() === '';
}

// A learner's progress on one credential, by rubric criterion and by learning outcome,
// and the evidence still needed. Pure: the caller gathers the facts.
import type { CredentialDefinition } from '../credentials/model';
import { reachesPassLevel } from '../credentials/rubric';
import { EVIDENCE_KINDS, type EvidenceKind } from '../credentials/vocabulary';

export interface ProgressFacts {
  /** Levels of the most recent decided assessment (accepted or returned), per criterion id. */
  assessedLevels: Record<string, string | undefined>;
  /** Evidence in the current (or last) attempt: per criterion id, count per kind. */
  evidence: Record<string, Partial<Record<EvidenceKind, number>>>;
}

export interface CriterionProgress {
  criterionId: string;
  title: string;
  /** passed | below-pass | not-assessed */
  state: 'passed' | 'below-pass' | 'not-assessed';
  level?: string;
  /** e.g. ["1 more file", "1 more written reflection"]; empty when the evidence is complete. */
  evidenceNeeded: string[];
}

export interface OutcomeProgress {
  learningOutcomeId: string;
  statement: string;
  criteriaPassed: number;
  criteriaTotal: number;
  /** achieved: every criterion assessing it passed. */
  state: 'achieved' | 'in-progress' | 'not-started';
}

export interface CredentialProgress {
  criteria: CriterionProgress[];
  outcomes: OutcomeProgress[];
  evidenceComplete: boolean;
  /** 0–100: criteria passed and evidence present, for a progress bar. */
  percent: number;
}

const noun = (kind: EvidenceKind, n: number) => {
  const k = EVIDENCE_KINDS.find((x) => x.value === kind);
  return n === 1 ? (k?.singular ?? kind) : (k?.plural ?? kind);
};

export function credentialProgress(def: CredentialDefinition, facts: ProgressFacts): CredentialProgress {
  const criteria: CriterionProgress[] = def.rubric.criteria.map((c) => {
    const levelId = facts.assessedLevels[c.id];
    const passes = levelId === undefined ? undefined : reachesPassLevel(c, levelId);
    const have = facts.evidence[c.id] ?? {};
    const evidenceNeeded = c.evidence.required
      .filter((r) => (have[r.kind] ?? 0) < r.count)
      .map((r) => {
        const missing = r.count - (have[r.kind] ?? 0);
        return `${missing} more ${noun(r.kind, missing)}`;
      });
    return {
      criterionId: c.id,
      title: c.title,
      state: passes === true ? 'passed' : passes === false ? 'below-pass' : 'not-assessed',
      level: c.levels.find((l) => l.id === levelId)?.title,
      evidenceNeeded,
    };
  });
  const outcomes: OutcomeProgress[] = def.learningOutcomes.map((lo) => {
    const assessing = criteria.filter((cp) => def.rubric.criteria.find((c) => c.id === cp.criterionId)?.learningOutcomeIds.includes(lo.id));
    const passed = assessing.filter((c) => c.state === 'passed').length;
    const started = assessing.some((c) => c.state !== 'not-assessed' || Object.keys(facts.evidence[c.criterionId] ?? {}).length > 0);
    return {
      learningOutcomeId: lo.id,
      statement: lo.statement,
      criteriaPassed: passed,
      criteriaTotal: assessing.length,
      state: assessing.length > 0 && passed === assessing.length ? 'achieved' : started ? 'in-progress' : 'not-started',
    };
  });
  const evidenceComplete = criteria.every((c) => c.evidenceNeeded.length === 0);
  // Half for evidence handed in, half for criteria passed: a bar that moves as the learner works.
  const required = def.rubric.criteria.reduce((n, c) => n + c.evidence.required.reduce((m, r) => m + r.count, 0), 0);
  const present = def.rubric.criteria.reduce(
    (n, c) => n + c.evidence.required.reduce((m, r) => m + Math.min(r.count, facts.evidence[c.id]?.[r.kind] ?? 0), 0),
    0,
  );
  const evidenceShare = required === 0 ? 1 : present / required;
  const passShare = criteria.length === 0 ? 0 : criteria.filter((c) => c.state === 'passed').length / criteria.length;
  return { criteria, outcomes, evidenceComplete, percent: Math.round(evidenceShare * 50 + passShare * 50) };
}

/** Evidence counts per criterion and kind, from evidence items. */
export function countEvidence(items: readonly { criterionId: string | null; kind: string }[]): Record<string, Partial<Record<EvidenceKind, number>>> {
  const counts: Record<string, Partial<Record<EvidenceKind, number>>> = {};
  for (const item of items) {
    if (!item.criterionId) continue;
    const byKind = (counts[item.criterionId] ??= {});
    const kind = item.kind as EvidenceKind;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return counts;
}

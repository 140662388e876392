/**
 * The issuing-readiness panel: can this definition be published, and if not, what is
 * missing and where to fix it. A micro-credential may only be issued when every
 * mandatory Annex I element is present and learners are assessed on every outcome.
 */
import { annexIElement, fieldIds, type CredentialDefinition } from './model';
import { learningOutcomeName, rubricCoverage } from './mapping';
import { criterionProblems, passLevelIndex } from './rubric';
import { QF_EHEA_CYCLES } from './vocabulary';

export interface ReadinessIssue {
  /** Annex I element number, when the issue is about one of its elements. */
  element?: number;
  /** What the issue is about, e.g. "Title of the micro-credential" or "Rubric". */
  label: string;
  /** HTML id of the form control the panel links to. */
  fieldId: string;
  message: string;
}

export interface ReadinessReport {
  /** True when nothing blocks publishing. */
  ready: boolean;
  /** Everything that blocks publishing, in form order. */
  issues: ReadinessIssue[];
  /** Worth a look, but publishing is allowed. */
  warnings: ReadinessIssue[];
}

const isBlank = (text: string | undefined): boolean => !text || text.trim() === '';

function missing(number: number, message: string): ReadinessIssue {
  const element = annexIElement(number);
  return { element: number, label: element.label, fieldId: element.fieldId ?? '', message };
}

export function checkReadiness(def: CredentialDefinition): ReadinessReport {
  const issues: ReadinessIssue[] = [];
  const warnings: ReadinessIssue[] = [];

  // --- Mandatory Annex I elements (1 and 5 are filled in at award time) ---
  if (isBlank(def.title)) issues.push(missing(2, 'Give the micro-credential a title.'));

  if (!def.issuerCountries?.some((c) => !isBlank(c))) {
    issues.push(missing(3, 'Add the country of the issuer. It normally comes from the institution’s issuer profile.'));
  }

  if (!def.awardingBodies?.some((b) => !isBlank(b.name))) {
    issues.push(missing(4, 'Add at least one awarding body. It normally comes from the institution’s issuer profile.'));
  }

  const outcomes = def.learningOutcomes;
  if (outcomes.length === 0) {
    issues.push(missing(6, 'Add at least one learning outcome, written from the learner’s side.'));
  }
  outcomes.forEach((lo, index) => {
    if (isBlank(lo.statement)) {
      issues.push({
        ...missing(6, `Learning outcome ${index + 1} has no statement.`),
        fieldId: fieldIds.learningOutcome(lo.id),
      });
    }
  });

  const workload = def.workload;
  if (workload?.ects === undefined && workload?.hours === undefined) {
    issues.push(missing(7, 'Give the notional workload in ECTS credits, in hours, or both.'));
  } else if (workload.ects !== undefined && workload.hours !== undefined) {
    const hoursPerCredit = workload.hours / workload.ects;
    // 1 ECTS = 25–30 hours; some systems use 10. Anything outside is probably a typo.
    if (hoursPerCredit < 10 || hoursPerCredit > 30) {
      warnings.push(
        missing(7, `${workload.hours} hours for ${workload.ects} ECTS is ${round(hoursPerCredit)} hours per credit; 1 ECTS is usually 25–30 hours.`),
      );
    }
  }

  const level = def.level;
  const nqfComplete = !!level?.nqf && !isBlank(level.nqf.name) && !isBlank(level.nqf.level);
  if (level?.eqfLevel === undefined && level?.qfEheaCycle === undefined && !nqfComplete) {
    issues.push(missing(8, 'Give the level: an EQF level, a QF-EHEA cycle or a national framework (NQF) level.'));
  }
  if (level?.nqf && !nqfComplete) {
    issues.push({ ...missing(8, 'Give both the name of the national framework and the level within it.'), fieldId: fieldIds.nqfName });
  }
  const cycle = QF_EHEA_CYCLES.find((c) => c.value === level?.qfEheaCycle);
  if (cycle && level?.eqfLevel !== undefined && cycle.eqfLevel !== level.eqfLevel) {
    warnings.push(missing(8, `${cycle.label} corresponds to EQF level ${cycle.eqfLevel}, not ${level.eqfLevel}.`));
  }

  if (!def.assessmentType) issues.push(missing(9, 'Choose the type of assessment.'));
  if (!def.participationType) issues.push(missing(10, 'Choose the form of participation.'));
  if (isBlank(def.qualityAssuranceType)) {
    issues.push(missing(11, 'Say which type of quality assurance underpins the micro-credential.'));
  }

  // --- Optional elements that were started but not finished ---
  if (def.stackability?.kind === 'stackable' && isBlank(def.stackability.towards)) {
    issues.push({
      ...missing(15, 'Say which credential or programme this micro-credential stacks towards.'),
      fieldId: fieldIds.stackableTowards,
    });
  }

  // --- Assessment: a micro-credential is never issued for attendance alone ---
  issues.push(...rubricIssues(def));
  warnings.push(...rubricWarnings(def));

  // Unmapped outcomes are shown but do not block: recognition of prior learning has no course.
  outcomes.forEach((lo, index) => {
    if (lo.mappedCourseOutcomeIds.length === 0) {
      warnings.push({
        element: 6,
        label: annexIElement(6).label,
        fieldId: fieldIds.learningOutcome(lo.id),
        message: `Learning outcome ${learningOutcomeName(lo, index)} is not mapped to any course outcome.`,
      });
    }
  });

  return { ready: issues.length === 0, issues, warnings };
}

function rubricIssues(def: CredentialDefinition): ReadinessIssue[] {
  const issues: ReadinessIssue[] = [];
  const criteria = def.rubric.criteria;
  const rubric = (fieldId: string, message: string): ReadinessIssue => ({ label: 'Rubric', fieldId, message });

  if (criteria.length === 0) {
    issues.push(rubric(fieldIds.rubric, 'Add at least one rubric criterion: a micro-credential is issued only after an assessment.'));
  }

  const outcomeIds = new Set(def.learningOutcomes.map((lo) => lo.id));
  for (const criterion of criteria) {
    for (const problem of criterionProblems(criterion)) issues.push(rubric(problem.fieldId, problem.message));
    const dangling = criterion.learningOutcomeIds.filter((id) => !outcomeIds.has(id));
    if (dangling.length > 0) {
      issues.push(
        rubric(
          fieldIds.criterionOutcomes(criterion.id),
          `Criterion “${criterion.title.trim() || criterion.id}” refers to a learning outcome that no longer exists.`,
        ),
      );
    }
  }

  for (const warning of rubricCoverage(def.learningOutcomes, criteria).warnings) {
    issues.push(rubric(fieldIds.rubric, warning.message));
  }
  return issues;
}

function rubricWarnings(def: CredentialDefinition): ReadinessIssue[] {
  return def.rubric.criteria
    .filter((criterion) => criterion.levels.length >= 2 && passLevelIndex(criterion) === 0)
    .map((criterion) => ({
      label: 'Rubric',
      fieldId: fieldIds.criterionPassLevel(criterion.id),
      message: `The pass level of “${criterion.title.trim()}” is its lowest level, so any assessed work passes.`,
    }));
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

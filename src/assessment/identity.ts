// Identity verification recorded on an assessment (Annex I element 13), and the rule on
// who may assess (independence). Pure: no express, no SQL.
import type { IdentityVerificationRecord } from '../credentials/completion';
import { IDENTITY_METHOD_VALUES, IDENTITY_REQUIREMENTS, type IdentityMethod, type SupervisionType } from '../credentials/vocabulary';

/** Kinds of identity document an on-site check may record. Only the kind: never the number. */
export const ID_DOCUMENT_TYPES = [
  { value: 'passport', label: 'Passport' },
  { value: 'national-id-card', label: 'National identity card' },
  { value: 'driving-licence', label: 'Driving licence' },
  { value: 'residence-permit', label: 'Residence permit' },
  { value: 'student-card', label: 'Student card with photo' },
] as const;
export type IdDocumentType = (typeof ID_DOCUMENT_TYPES)[number]['value'];

/** What is stored on the assessment: the record the completion rule reads, and its details. */
export interface IdentityRecord extends IdentityVerificationRecord {
  /** Who recorded it in microcred (user id) — the assessor, or the supervisor themselves. */
  recordedById: number;
  /** Online supervision: how it was supervised, e.g. "video call with camera on". */
  supervisionMethod?: string;
  /** On-site check: the kind of document seen. */
  idDocumentType?: IdDocumentType;
  /** LMS launch: which LMS authenticated the learner, and the launch. */
  lms?: { platform: string; launchId: string; at: string };
}

/** The identity evidence an authenticated LMS launch gives by itself: recorded automatically at submission. */
export function identityFromLaunch(launch: { platformName: string; id: string }, at: Date, recordedById: number): IdentityRecord {
  return {
    method: 'lms-launch',
    identityVerified: false,
    attestedBy: `${launch.platformName} (LMS sign-in)`,
    attestedAt: at.toISOString(),
    factors: 1,
    recordedById,
    lms: { platform: launch.platformName, launchId: launch.id, at: at.toISOString() },
  };
}

export interface IdentityFormInput {
  method?: string;
  attestedBy?: string;
  supervisionMethod?: string;
  idDocumentType?: string;
  identityVerified?: string;
  factors?: string;
}

/**
 * The identity part of the scoring form → a record, or field errors. `launchRecord` is
 * what the learner's launch recorded; choosing "LMS launch" keeps it.
 */
export function identityFromForm(
  input: IdentityFormInput,
  ctx: { now: Date; recorderId: number; recorderName: string; launchRecord?: IdentityRecord },
): { ok: true; record: IdentityRecord } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const method = (IDENTITY_METHOD_VALUES as readonly string[]).includes(input.method ?? '') ? (input.method as IdentityMethod) : undefined;
  if (!method) return { ok: false, errors: { identityMethod: 'Choose how the learner’s identity was established.' } };
  const factors = input.factors === '2' ? 2 : 1;
  if (input.factors && !['1', '2'].includes(input.factors)) errors.identityFactors = 'Choose one or two factors.';
  if (method === 'lms-launch') {
    const base = ctx.launchRecord ?? {
      method,
      identityVerified: false,
      attestedBy: 'LMS sign-in',
      attestedAt: ctx.now.toISOString(),
      recordedById: ctx.recorderId,
    };
    return Object.keys(errors).length ? { ok: false, errors } : { ok: true, record: { ...base, factors } };
  }
  const attestedBy = (input.attestedBy ?? '').trim() || ctx.recorderName;
  if (attestedBy.length > 200) errors.identityAttestedBy = 'Keep the name under 200 characters.';
  const record: IdentityRecord = {
    method,
    identityVerified: input.identityVerified === 'on' || input.identityVerified === 'true',
    attestedBy,
    attestedAt: ctx.now.toISOString(),
    factors,
    recordedById: ctx.recorderId,
  };
  if (method === 'online-supervisor') {
    const how = (input.supervisionMethod ?? '').trim();
    if (!how) errors.identitySupervisionMethod = 'Name how the assessment was supervised, e.g. “video call with camera and screen shared”.';
    else if (how.length > 300) errors.identitySupervisionMethod = 'Keep the method under 300 characters.';
    record.supervisionMethod = how;
  }
  if (method === 'onsite-id-check') {
    const doc = ID_DOCUMENT_TYPES.find((d) => d.value === input.idDocumentType);
    if (!doc) errors.identityIdDocumentType = 'Choose the kind of identity document that was checked (its number is never recorded).';
    else record.idDocumentType = doc.value;
    // Checking a document is what this method means.
    record.identityVerified = true;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, record };
}

/** One line for people: "On-site check of a passport, attested by A. Jansen on 2026-11-25 10:00 (2 factors)". */
export function describeIdentity(record: IdentityRecord | undefined): string {
  if (!record) return 'Not recorded yet.';
  const when = record.attestedAt ? record.attestedAt.slice(0, 16).replace('T', ' ') : 'an unknown time';
  const factors = `${record.factors ?? 1} factor${(record.factors ?? 1) === 2 ? 's' : ''}`;
  switch (record.method) {
    case 'lms-launch':
      return `Authenticated LMS launch (${record.lms?.platform ?? record.attestedBy}) on ${when} (${factors}).`;
    case 'online-supervisor':
      return `Online supervision (${record.supervisionMethod ?? 'method not named'}), ${record.identityVerified ? 'identity verified' : 'identity not verified'}, attested by ${record.attestedBy} on ${when} (${factors}).`;
    case 'onsite-id-check': {
      const doc = ID_DOCUMENT_TYPES.find((d) => d.value === record.idDocumentType)?.label.toLowerCase() ?? 'identity document';
      return `On-site check of a ${doc}, attested by ${record.attestedBy} on ${when} (${factors}).`;
    }
  }
}

/** What a learner is told about identity before they submit: the requirement and what is recorded. */
export function identityNotice(supervisionType: SupervisionType | undefined): { requirement: string; how: string } {
  const req = supervisionType ? IDENTITY_REQUIREMENTS[supervisionType] : undefined;
  if (!req || (!req.supervised && !req.identityVerified)) {
    return {
      requirement: 'No supervision or identity check is required.',
      how: 'Your authenticated sign-in to the LMS is recorded as the identity evidence when you submit.',
    };
  }
  if (req.acceptedMethods.length === 1 && req.acceptedMethods[0] === 'onsite-id-check') {
    return {
      requirement: req.sentence,
      how: 'You will be assessed on site. The assessor checks an identity document and records only its kind (for example “passport”), never its number.',
    };
  }
  return {
    requirement: req.sentence,
    how: req.identityVerified
      ? 'A supervisor (online or on site) checks who you are and records how, who attested it and when. An identity document’s number is never recorded.'
      : 'A supervisor (online or on site) attests that the assessment was supervised, and records how, who attested it and when.',
  };
}

export interface AssessmentPolicy {
  assessorNotLearner: boolean;
  assessorNotTeacher: boolean;
}

/** Why this person may not assess this learner's work, or undefined if they may. */
export function independenceProblem(policy: AssessmentPolicy, assessor: { id: number; isCourseTeacher: boolean }, learnerId: number): string | undefined {
  if (policy.assessorNotLearner && assessor.id === learnerId)
    return 'You cannot assess your own submission: this course requires the assessor to be someone other than the learner.';
  if (policy.assessorNotTeacher && assessor.isCourseTeacher)
    return 'This course requires independent assessment: its own teachers cannot assess. Ask an assessor or teaching assistant who does not teach the course.';
  return undefined;
}

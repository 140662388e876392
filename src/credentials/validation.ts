/**
 * zod schemas for every write in credential design. Messages are written to sit next
 * to the form field they belong to.
 *
 * A credential definition is saved as a draft long before it is complete, so the draft
 * schema checks shapes (a valid country code, a known assessment type, a well-formed
 * criterion) but not completeness: `checkReadiness` (readiness.ts) says what is still
 * missing before publishing.
 *
 * Numbers arrive as numbers: turning form strings into numbers is the web layer's job.
 */
import { z } from 'zod';
import type { CredentialDefinition } from './model';
import { criterionProblems } from './rubric';
import { formErrors, formVersionMissing, validate, type Validated } from '../forms';
import { idSchema } from '../ids';
import {
  ASSESSMENT_TYPE_VALUES,
  ESCO_URI_PATTERN,
  EVIDENCE_KIND_VALUES,
  ISCED_F_CODE_PATTERN,
  PARTICIPATION_TYPE_VALUES,
  QF_EHEA_CYCLE_VALUES,
  SUPERVISION_TYPE_VALUES,
  normalizeEscoUri,
} from './vocabulary';

// --- Building blocks -----------------------------------------------------------

/** Blank form fields mean "not given", for optional fields. */
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

function requiredText(max: number, missing: string, tooLong: string) {
  return z.string({ error: missing }).trim().min(1, missing).max(max, tooLong);
}

function optionalText(max: number, tooLong: string) {
  return z.preprocess(blankToUndefined, z.string().trim().max(max, tooLong).optional());
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function httpUrl(message = 'Enter a full web address starting with https://') {
  return z.string({ error: message }).trim().refine(isHttpUrl, message);
}

function optionalHttpUrl(message?: string) {
  return z.preprocess(blankToUndefined, httpUrl(message).optional());
}

/** Ids of learning outcomes, criteria and levels are made by the client (e.g. UUIDs). */
const clientId = z.string({ error: 'Missing id.' }).trim().min(1, 'Missing id.').max(100, 'The id is too long.');

/** BCP 47 language code, the same pattern the Open Badges 3.0 schema enforces for `inLanguage`. */
export const LANGUAGE_CODE_PATTERN = /^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/;

// --- Course outcomes -----------------------------------------------------------

/** Creating or editing a course outcome; id, position and archiving are the server's. */
export const courseOutcomeInputSchema = z.object({
  code: z
    .string({ error: 'Give the outcome a code, e.g. LO1.' })
    .trim()
    .min(1, 'Give the outcome a code, e.g. LO1.')
    .max(40, 'Keep the code to 40 characters or fewer.')
    .refine((code) => !/[\r\n]/.test(code), 'The code must fit on one line.'),
  title: requiredText(300, 'Give the outcome a title.', 'Keep the title to 300 characters or fewer.'),
  description: z.preprocess(
    (value) => (value === undefined || value === null ? '' : value),
    z.string().trim().max(4000, 'Keep the description to 4000 characters or fewer.'),
  ),
});
export type CourseOutcomeInput = z.infer<typeof courseOutcomeInputSchema>;

/** One data row of a course-outcomes CSV: the same rules as the form. */
export const csvRowSchema = courseOutcomeInputSchema;

// --- Learning outcomes and alignments ------------------------------------------

const targetName = requiredText(300, 'Give the name of what the outcome is aligned to.', 'Keep the name to 300 characters or fewer.');

export const alignmentSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('esco'),
      targetName,
      targetUrl: z
        .string({ error: 'Paste the ESCO URI of the skill or occupation.' })
        .transform(normalizeEscoUri)
        .refine((uri) => ESCO_URI_PATTERN.test(uri), 'Paste an ESCO URI such as http://data.europa.eu/esco/skill/… or http://data.europa.eu/esco/occupation/…'),
      targetCode: optionalText(100, 'Keep the code to 100 characters or fewer.'),
      targetFramework: optionalText(200, 'Keep the framework name to 200 characters or fewer.'),
    }),
    z.object({
      kind: z.literal('eqf'),
      targetName,
      targetCode: z
        .string({ error: 'Choose an EQF level from 1 to 8.' })
        .trim()
        .regex(/^[1-8]$/, 'Choose an EQF level from 1 to 8.'),
      targetUrl: optionalHttpUrl(),
      targetFramework: optionalText(200, 'Keep the framework name to 200 characters or fewer.'),
    }),
    z.object({
      kind: z.literal('nqf'),
      targetName,
      targetFramework: requiredText(200, 'Name the national framework, e.g. NLQF.', 'Keep the framework name to 200 characters or fewer.'),
      targetCode: requiredText(20, 'Give the level within the national framework.', 'Keep the level to 20 characters or fewer.'),
      targetUrl: optionalHttpUrl(),
    }),
    z.object({
      kind: z.literal('isced-f'),
      targetName,
      targetCode: z
        .string({ error: 'Give the ISCED-F field code, e.g. 0613.' })
        .trim()
        .regex(ISCED_F_CODE_PATTERN, 'Give the ISCED-F field code: 2 to 4 digits, e.g. 0613.'),
      targetUrl: optionalHttpUrl(),
      targetFramework: optionalText(200, 'Keep the framework name to 200 characters or fewer.'),
    }),
    z.object({
      kind: z.literal('custom'),
      targetName,
      targetFramework: requiredText(200, 'Name the framework.', 'Keep the framework name to 200 characters or fewer.'),
      targetCode: optionalText(100, 'Keep the code to 100 characters or fewer.'),
      // Open Badges requires a URL on every alignment, so a custom one must bring its own.
      targetUrl: httpUrl('Give the web address where this framework item is described.'),
    }),
  ],
  { error: 'Choose what kind of framework the outcome is aligned to.' },
);

export const learningOutcomeSchema = z.object({
  id: clientId,
  statement: requiredText(
    1000,
    'Write the outcome from the learner’s side, e.g. “I can plan a small research project”.',
    'Keep the outcome to 1000 characters or fewer.',
  ),
  alignments: z.array(alignmentSchema).max(20, 'Use at most 20 alignments per outcome.').default([]),
  mappedCourseOutcomeIds: z
    .array(z.number().int().positive('Unknown course outcome.'))
    .default([])
    .refine((ids) => new Set(ids).size === ids.length, 'A course outcome is mapped twice.'),
});

// --- Rubric ----------------------------------------------------------------------

const MIME_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

/** Largest upload an evidence rule may allow: 500 MB. */
export const MAX_EVIDENCE_FILE_BYTES = 500 * 1024 * 1024;

export const evidenceRuleSchema = z.object({
  required: z
    .array(
      z.object({
        kind: z.enum(EVIDENCE_KIND_VALUES, { error: 'Choose a file, a link, a written reflection or an existing Open Badge.' }),
        count: z
          .number({ error: 'Say how many are needed.' })
          .int('Say how many are needed, as a whole number.')
          .min(1, 'At least 1 is needed; remove the row if none is.')
          .max(20, 'Ask for at most 20 of one kind.'),
      }),
    )
    .default([]),
  allowedFileTypes: z.array(z.string().trim().regex(MIME_TYPE_PATTERN, 'Use a file type such as application/pdf.')).default([]),
  maxFileSizeBytes: z
    .number({ error: 'Give the largest file size as a number of bytes.' })
    .int('Give the largest file size in whole bytes.')
    .positive('The largest file size must be more than 0.')
    .max(MAX_EVIDENCE_FILE_BYTES, 'Files can be at most 500 MB.')
    .optional(),
});

export const performanceLevelSchema = z.object({
  id: clientId,
  title: requiredText(100, 'Give the level a title.', 'Keep the level title to 100 characters or fewer.'),
  descriptor: requiredText(2000, 'Describe what work at this level looks like.', 'Keep the descriptor to 2000 characters or fewer.'),
  points: z.number({ error: 'Give the points as a number.' }).min(0, 'Points cannot be negative.').max(1000, 'Use at most 1000 points.'),
});

/** A criterion with its levels, pass level and evidence rule, saved together. */
export const rubricCriterionSchema = z
  .object({
    id: clientId,
    title: requiredText(200, 'Give the criterion a title.', 'Keep the title to 200 characters or fewer.'),
    description: optionalText(2000, 'Keep the description to 2000 characters or fewer.'),
    learningOutcomeIds: z.array(clientId),
    levels: z.array(performanceLevelSchema),
    passLevelId: z.string({ error: 'Choose the pass level.' }).trim(),
    weight: z.number({ error: 'Give the weight as a number.' }).positive('The weight must be more than 0.').max(100, 'Use a weight of at most 100.').optional(),
    evidence: evidenceRuleSchema.default({ required: [], allowedFileTypes: [] }),
  })
  // Level count, rising points, pass level and file rules: shared with the readiness check.
  .superRefine((criterion, ctx) => {
    for (const problem of criterionProblems(criterion)) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }
  });

// --- Credential definition draft --------------------------------------------------

const workloadSchema = z.object({
  // Sizes from docs/microcredentials.md: up to a short programme of 1500 hours, ≈ 60 ECTS.
  ects: z
    .number({ error: 'Give the ECTS credits as a number.' })
    .positive('ECTS credits must be more than 0.')
    .max(60, 'A micro-credential is at most 60 ECTS.')
    .optional(),
  hours: z
    .number({ error: 'Give the hours as a number.' })
    .int('Give whole hours.')
    .positive('Hours must be more than 0.')
    .max(1800, 'A micro-credential is at most 1800 hours.')
    .optional(),
});

const levelSchema = z.object({
  eqfLevel: z
    .number({ error: 'Choose an EQF level from 1 to 8.' })
    .int('Choose an EQF level from 1 to 8.')
    .min(1, 'Choose an EQF level from 1 to 8.')
    .max(8, 'Choose an EQF level from 1 to 8.')
    .transform((level) => level as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8)
    .optional(),
  qfEheaCycle: z.enum(QF_EHEA_CYCLE_VALUES, { error: 'Choose a QF-EHEA cycle from the list.' }).optional(),
  nqf: z
    .object({
      name: requiredText(200, 'Name the national framework, e.g. NLQF.', 'Keep the framework name to 200 characters or fewer.'),
      level: requiredText(20, 'Give the level within the national framework.', 'Keep the level to 20 characters or fewer.'),
      url: optionalHttpUrl(),
    })
    .optional(),
});

const awardingBodySchema = z.object({
  id: optionalText(500, 'The profile address is too long.'),
  name: requiredText(300, 'Give the name of the awarding body.', 'Keep the name to 300 characters or fewer.'),
  url: optionalHttpUrl(),
});

const stackabilitySchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('stand-alone') }),
    z.object({
      kind: z.literal('stackable'),
      towards: optionalText(500, 'Keep this to 500 characters or fewer.'),
    }),
  ],
  { error: 'Choose stand-alone or stackable.' },
);

export const credentialDraftSchema = z.object({
  title: optionalText(200, 'Keep the title to 200 characters or fewer.'),
  description: optionalText(4000, 'Keep the description to 4000 characters or fewer.'),
  code: optionalText(50, 'Keep the code to 50 characters or fewer.'),
  language: z.preprocess(blankToUndefined, z.string().trim().regex(LANGUAGE_CODE_PATTERN, 'Use a language code such as en or nl-NL.').optional()),
  issuerCountries: z
    .array(
      z
        .string()
        .trim()
        .transform((code) => code.toUpperCase())
        .pipe(z.string().regex(/^[A-Z]{2}$/, 'Use the two-letter country code, e.g. NL.')),
    )
    .max(30, 'List at most 30 countries.')
    .optional(),
  issuerRegions: z.array(requiredText(200, 'The region name is empty.', 'Keep the region to 200 characters or fewer.')).optional(),
  awardingBodies: z.array(awardingBodySchema).max(20, 'List at most 20 awarding bodies.').optional(),
  learningOutcomes: z
    .array(learningOutcomeSchema)
    .max(50, 'Use at most 50 learning outcomes.')
    .default([])
    .refine((outcomes) => unique(outcomes.map((o) => o.id)), 'Two learning outcomes have the same id.'),
  workload: workloadSchema.optional(),
  level: levelSchema.optional(),
  assessmentType: z.enum(ASSESSMENT_TYPE_VALUES, { error: 'Choose a type of assessment from the list.' }).optional(),
  participationType: z.enum(PARTICIPATION_TYPE_VALUES, { error: 'Choose a form of participation from the list.' }).optional(),
  qualityAssuranceType: optionalText(300, 'Keep the type of quality assurance to 300 characters or fewer.'),
  qaPolicyUrl: optionalHttpUrl('Give the full web address of the quality-assurance policy, starting with https://'),
  prerequisites: optionalText(2000, 'Keep the prerequisites to 2000 characters or fewer.'),
  supervisionType: z.enum(SUPERVISION_TYPE_VALUES, { error: 'Choose one of the four supervision options.' }).optional(),
  gradeShown: z.boolean({ error: 'Say whether the grade is shown.' }).optional(),
  stackability: stackabilitySchema.optional(),
  furtherInformation: optionalText(2000, 'Keep the further information to 2000 characters or fewer.'),
  validityMonths: z
    .number({ error: 'Give the validity as a whole number of months.' })
    .int('Give the validity as a whole number of months.')
    .min(1, 'A credential that expires is valid for at least 1 month.')
    .max(600, 'Leave the validity empty for a credential that does not expire.')
    .optional(),
  rubric: z
    .object({
      criteria: z
        .array(rubricCriterionSchema)
        .max(30, 'Use at most 30 criteria.')
        .refine((criteria) => unique(criteria.map((c) => c.id)), 'Two criteria have the same id.'),
    })
    .default({ criteria: [] }),
});

function unique(ids: string[]): boolean {
  return new Set(ids).size === ids.length;
}

// --- Errors for forms ---------------------------------------------------------------

export { formErrors, validate, type Validated };

/** The version a form was built from, sent back with every write (optimistic locking). */
export const versionLockSchema = z.object({
  versionId: idSchema('The form is missing its version.'),
  lockVersion: idSchema('The form is missing its version.'),
});

/** The version a form was built from; a 400 (with what was typed given back) when it has none. */
export function versionLockOf(body: unknown): z.output<typeof versionLockSchema> {
  const lock = versionLockSchema.safeParse(body);
  if (!lock.success) throw formVersionMissing();
  return lock.data;
}

/**
 * Validate a draft definition. The parsed value is typed as the domain's
 * CredentialDefinition: this stops compiling if the schema and model.ts drift apart.
 */
export function parseDraft(input: unknown): Validated<CredentialDefinition> {
  return validate(credentialDraftSchema, input);
}

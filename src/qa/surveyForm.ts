// The learner survey forms, pure (no express, no database): which questions each survey
// asks, and turning what was posted into answers or into one message per field. Every
// question is optional, but an empty survey is not an answer ("No thanks" is for that).

export type SurveyKind = 'award' | 'follow-up';
export const SURVEY_KINDS: readonly SurveyKind[] = ['award', 'follow-up'];

export const isSurveyKind = (v: unknown): v is SurveyKind => v === 'award' || v === 'follow-up';

/** What is stored for one response; a question left blank is null. */
export interface SurveyAnswers {
  satisfaction: number | null;
  relevance: number | null;
  recommend: number | null;
  applied: number | null;
  comment: string;
}

export const COMMENT_MAX = 2000;

type ScaleField = 'satisfaction' | 'relevance' | 'recommend' | 'applied';

export interface ScaleQuestion {
  name: ScaleField;
  legend: string;
  min: number;
  max: number;
  /** Words for the ends of the scale, shown next to the lowest and highest value. */
  low: string;
  high: string;
}

/** The scale questions of each survey, in the order they are asked. */
export const QUESTIONS: Record<SurveyKind, readonly ScaleQuestion[]> = {
  award: [
    { name: 'satisfaction', legend: 'How satisfied are you with this micro-credential?', min: 1, max: 5, low: 'very dissatisfied', high: 'very satisfied' },
    { name: 'relevance', legend: 'How relevant is what you learned to your work or studies?', min: 1, max: 5, low: 'not relevant', high: 'highly relevant' },
    {
      name: 'recommend',
      legend: 'How likely are you to recommend it to a friend or colleague?',
      min: 0,
      max: 10,
      low: 'not at all likely',
      high: 'extremely likely',
    },
  ],
  'follow-up': [
    {
      name: 'applied',
      legend: 'How much of what you learned have you applied in your work or studies?',
      min: 1,
      max: 5,
      low: 'none of it',
      high: 'a great deal',
    },
  ],
};

export const COMMENT_LABEL: Record<SurveyKind, string> = {
  award: 'Anything else you would like to tell us? (optional)',
  'follow-up': 'How have you used it, or what stood in the way? (optional)',
};

export type SurveyFormResult =
  | { ok: true; answers: SurveyAnswers; values: Record<string, string> }
  | { ok: false; errors: Record<string, string>; values: Record<string, string> };

/** A posted field as text: repeated fields keep the last value, anything else is ''. */
const textOf = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[v.length - 1] ?? '') : '');

/**
 * Validates a posted survey. `values` always holds what was typed, so a form with errors can
 * be shown again exactly as it was sent; `errors` is keyed by field, `_form` for the whole form.
 */
export function parseSurveyForm(kind: SurveyKind, body: Record<string, unknown>): SurveyFormResult {
  const questions = QUESTIONS[kind];
  const values: Record<string, string> = { comment: textOf(body.comment) };
  for (const q of questions) values[q.name] = textOf(body[q.name]).trim();

  const errors: Record<string, string> = {};
  const answers: SurveyAnswers = { satisfaction: null, relevance: null, recommend: null, applied: null, comment: values.comment.trim() };
  for (const q of questions) {
    const raw = values[q.name];
    if (raw === '') continue;
    const n = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < q.min || n > q.max) {
      // Say what was sent: a radio cannot show a value that is not one of its options.
      errors[q.name] = `“${raw.slice(0, 20)}” is not on this scale. Choose a whole number from ${q.min} (${q.low}) to ${q.max} (${q.high}), or “No answer”.`;
    } else answers[q.name] = n;
  }
  if (answers.comment.length > COMMENT_MAX) {
    errors.comment = `Keep your comment to ${COMMENT_MAX.toLocaleString('en')} characters; it has ${answers.comment.length.toLocaleString('en')}. Shorten it and send again.`;
  }
  const answeredSomething = questions.some((q) => values[q.name] !== '') || answers.comment !== '';
  if (!answeredSomething) errors._form = 'Answer at least one question before sending. If you would rather not answer, choose “No thanks”.';

  return Object.keys(errors).length ? { ok: false, errors, values } : { ok: true, answers, values };
}

const NUMBER_WORDS = ['Zero', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten', 'Eleven', 'Twelve'];

/** "Six months on", "One month on", "18 months on". */
export function monthsOn(months: number): string {
  const n = NUMBER_WORDS[months] ?? String(months);
  return `${n} month${months === 1 ? '' : 's'} on`;
}

/** The one-line invitation to a survey, as the landing page lists it. */
export function surveyPrompt(kind: SurveyKind, credentialTitle: string, followUpMonths: number): string {
  return kind === 'award'
    ? `Tell us about ${credentialTitle} — 1 minute, optional`
    : `${monthsOn(followUpMonths)}: have you used what you learned in ${credentialTitle}?`;
}

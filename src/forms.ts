// Turning zod results into what a form shows: one message per field, next to it.
// Pure (no express), shared by every form in the app.
import type { z } from 'zod';
import { BadRequestError } from './errors';

/**
 * The first message per field, keyed by the dotted path of the input
 * ("title", "learningOutcomes.0.statement", "rubric.criteria.1.levels"). A form shows
 * each message next to the matching control; "" holds errors about the whole object.
 */
export function formErrors(error: z.ZodError): Record<string, string> {
  const byPath: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    if (!(key in byPath)) byPath[key] = issue.message;
  }
  return byPath;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/** Parse with a schema and return either the clean value or form errors. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: formErrors(result.error) };
}

/** A form field as text: the value, the last of repeated values, or '' when absent. */
export const fieldText = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[v.length - 1] ?? '') : '');

/**
 * A form without a usable copy of the version it was built from (hand-made, cut short, or its
 * hidden fields emptied): nothing is saved. The error page gives back what was typed
 * (src/web/formRecovery.ts), so reloading the page loses nothing.
 */
export const formVersionMissing = () =>
  new BadRequestError('The form is missing its version.', 'FORM_VERSION_MISSING', 'Nothing was saved. Reload the page and try again.');

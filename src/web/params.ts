// Reading row ids from a request: a route parameter (404 when it names nothing) or a form
// field (400). The rule itself, and its zod form, are in src/ids.ts.
import type { Request } from 'express';
import { BadRequestError, NotFoundError } from '../errors';
import { parseId } from '../ids';

/** A route parameter naming a row; a 404 that says what was not found otherwise. */
export function idParam(req: Request, name: string, notFound: string): number {
  const n = parseId(req.params[name]);
  if (n === undefined) throw new NotFoundError(notFound);
  return n;
}

/** A form field or query parameter naming a row; a 400 with the form's own message otherwise. */
export function idField(source: Record<string, unknown> | undefined, name: string, message: string, code: string): number {
  const n = parseId(source?.[name]);
  if (n === undefined) throw new BadRequestError(message, code);
  return n;
}

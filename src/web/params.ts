// Route parameters that name database rows: a positive integer, or a 404 that says what
// was not found (never a 500 for "abc", a negative number, or one beyond PostgreSQL's
// integer columns).
import type { Request } from 'express';
import { NotFoundError } from './errors';

/** The largest value of a PostgreSQL integer (serial) column. */
export const MAX_ID = 2_147_483_647;

export function idParam(req: Request, name: string, notFound: string): number {
  const n = Number(req.params[name]);
  if (!Number.isInteger(n) || n <= 0 || n > MAX_ID) throw new NotFoundError(notFound);
  return n;
}

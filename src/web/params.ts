// Route parameters that name database rows: a positive integer, or a 404 that says what
// was not found (never a 500 for "abc" or a negative number).
import type { Request } from 'express';
import { NotFoundError } from './errors';

export function idParam(req: Request, name: string, notFound: string): number {
  const n = Number(req.params[name]);
  if (!Number.isInteger(n) || n <= 0) throw new NotFoundError(notFound);
  return n;
}

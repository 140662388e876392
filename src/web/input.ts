// What a request carries, read one way everywhere: form and JSON bodies through the parsers
// below, and text PostgreSQL cannot store refused where it arrives.
//
// PostgreSQL text cannot hold U+0000, and a lone UTF-16 surrogate (half of a pair: half an
// emoji a client cut off, or JSON's "\ud800") is no text at all: jsonb refuses it, and a text
// column would get U+FFFD in its place. Both are refused at the door, in every path segment and
// query parameter (app level, before any route) and every body field (right after the body is
// parsed), with a 400 that names the field, instead of a database error (a 500) deep inside a
// handler. The error page gives back what was typed (src/web/formRecovery.ts).
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError, BadRequestError } from '../errors';

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The name of the first field of `value` (keys included) that holds text PostgreSQL cannot
 * store: "title", "credential.name", "rows.2"; `name` itself for a string; undefined if none.
 */
export function unstorableField(value: unknown, name: string): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? name : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const item = name ? `${name}.${i}` : String(i);
      const found = unstorableField(v, item);
      // A repeated form field (an array of strings) is one field to the person who typed it.
      if (found !== undefined) return found === item && typeof v === 'string' && name ? name : found;
    }
    return undefined;
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      const field = name ? `${name}.${k}` : k;
      if (UNSTORABLE.test(k)) return field;
      const found = unstorableField(v, field);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const unstorable = (field: string) =>
  new BadRequestError(
    `“${field}” contains a character that cannot be stored: a NUL character or half of an emoji.`,
    'TEXT_UNSTORABLE',
    'Remove it (retype the text around it if you cannot see it) and send it again. Nothing was saved.',
  );

/** An address that cannot be decoded, or names something no text column can hold. */
export const unreadableAddress = () =>
  new AppError('This address could not be read.', 400, 'ADDRESS_UNREADABLE', 'Check the link, or go back and follow it again.');

/** App level, before any route: the path (each segment as express decodes its params) and the query. */
export function refuseUnstorableAddress(req: Request, _res: Response, next: NextFunction) {
  for (const segment of req.path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return next(unreadableAddress());
    }
    if (UNSTORABLE.test(decoded)) return next(unreadableAddress());
  }
  const field = unstorableField(req.query, '');
  next(field === undefined ? undefined : unstorable(field));
}

/** After a body parser (multer's too): every field of the body, or a text body itself. */
export function refuseUnstorableBody(req: Request, _res: Response, next: NextFunction) {
  const field = unstorableField(req.body, '');
  next(field === undefined ? undefined : unstorable(field || 'body'));
}

/** `parse`, then refuseUnstorableBody: one middleware, so routes keep their typed handlers. */
const thenRefuseUnstorable =
  (parse: RequestHandler): RequestHandler =>
  (req, res, next) =>
    parse(req, res, (err?: unknown) => (err ? next(err) : refuseUnstorableBody(req, res, next)));

/** A urlencoded form body (repeated names as arrays, no nesting), up to `limit`. */
export const formBody = (limit: string): RequestHandler => thenRefuseUnstorable(express.urlencoded({ extended: false, limit }));

/** A JSON body, up to `limit`. */
export const jsonBody = (limit: string): RequestHandler => thenRefuseUnstorable(express.json({ limit }));

/** A text body of the given media types, up to `limit`. */
export const textBody = (type: string[], limit: string): RequestHandler => thenRefuseUnstorable(express.text({ type, limit }));

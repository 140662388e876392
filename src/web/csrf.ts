// Synchronizer-token CSRF protection for every state-changing request from a form.
// (SameSite=None cookies give no CSRF protection, so this is the only line of defence.)
//
// One token per browser session (docs/decisions/0003): every stored session has it from its
// first write (src/web/session.ts), and a launch carries it over to the session it opens, so a
// form in any tab of the browser stays valid. A form refused here is given back to the person
// with what they typed and a fresh token (src/web/formRecovery.ts), never lost.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from './errors';

export const newCsrfToken = () => randomBytes(24).toString('base64url');

export function csrfToken(req: Request): string {
  // Only a session not stored yet lacks one; no other request can carry its cookie yet.
  if (!req.session.csrf) req.session.csrf = newCsrfToken();
  return req.session.csrf;
}

export function requireCsrf(req: Request, _res: Response, next: NextFunction) {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
  const sent = (req.body?._csrf ?? req.get('x-csrf-token')) as unknown;
  const expected = req.session.csrf;
  if (
    typeof sent === 'string' &&
    expected &&
    sent.length === expected.length &&
    timingSafeEqual(Buffer.from(sent), Buffer.from(expected))
  ) {
    return next();
  }
  next(
    new ForbiddenError(
      'This form has expired or did not come from this site.',
      'CSRF_TOKEN_INVALID',
      'Reload the page and submit the form again. Nothing was saved.',
    ),
  );
}

// Response headers for a tool that lives in other sites' iframes.
import type { NextFunction, Request, Response } from 'express';

function contentSecurityPolicy(origins: readonly string[]): string {
  const list = origins.join(' ');
  return `default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self' ${list}; frame-ancestors 'self' ${list}; base-uri 'none'; object-src 'none'`;
}

/** Lets one more origin frame this response, e.g. an LMS that is registering itself right now. */
export function allowFraming(res: Response, origin: string, frameOrigins: readonly string[]) {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy([...new Set([...frameOrigins, origin])]));
}

export function securityHeaders(frameOrigins: () => readonly string[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(frameOrigins()));
    // Nothing we link to needs to know where the person came from, and launch URLs must not leak.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
    next();
  };
}

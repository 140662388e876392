// Response headers for a tool that lives in other sites' iframes.
import type { NextFunction, Request, Response } from 'express';

function contentSecurityPolicy(origins: readonly string[]): string {
  const list = origins.join(' ');
  return `default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self' ${list}; frame-ancestors 'self' ${list}; base-uri 'none'; object-src 'none'`;
}

/** Lets more origins frame this response, e.g. an LMS that is registering itself right now. */
export function allowFraming(res: Response, origins: readonly string[], frameOrigins: readonly string[]) {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy([...new Set([...frameOrigins, ...origins])]));
}

/**
 * HSTS: a year, renewed on every response. Not includeSubDomains (nor preload): a self-hosted
 * tool does not own its institution's domain policy, and PUBLIC_URL may be a path on a shared
 * host (https://www.uni.example/microcred), where it would force https on every sibling
 * service. An institution that wants that sets it at its proxy.
 */
export const STRICT_TRANSPORT_SECURITY = `max-age=${365 * 24 * 60 * 60}`;

export function securityHeaders(frameOrigins: () => readonly string[], options: { production: boolean; publicUrl: string }) {
  const httpsPublicUrl = options.publicUrl.startsWith('https:');
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(frameOrigins()));
    // Only in production: a development machine on https://localhost must not be pinned to
    // https for a year. req.secure covers TLS ended at a trusted proxy (TRUST_PROXY).
    if (options.production && (httpsPublicUrl || req.secure)) res.setHeader('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    // Nothing we link to needs to know where the person came from, and launch URLs must not leak.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
    next();
  };
}

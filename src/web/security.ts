// Response headers for a tool that lives in other sites' iframes.
import type { NextFunction, Request, Response } from 'express';

export function securityHeaders(frameOrigins: () => readonly string[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const ancestors = ["'self'", ...frameOrigins()].join(' ');
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self' ${frameOrigins().join(' ')}; frame-ancestors ${ancestors}; base-uri 'none'; object-src 'none'`,
    );
    // Nothing we link to needs to know where the person came from, and launch URLs must not leak.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
    next();
  };
}

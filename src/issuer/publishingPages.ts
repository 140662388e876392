/**
 * What verifiers and wallets fetch about the issuer, publicly (no sign-in, no session):
 *
 *   GET /issuer          the Open Badges 3.0 Profile (JSON)
 *   GET /issuer/logo     the logo, with its detected type
 *   GET <DID document>   /.well-known/did.json, or <path>/did.json when PUBLIC_URL has a path
 *
 * The DID document is served as application/did+ld+json: it carries an @context, which makes
 * it the JSON-LD representation in DID Core (§6.3); did:web resolvers parse it as JSON
 * whatever the exact type. Everything here is public data, so any origin may read it (CORS *),
 * and it is cached briefly so a rotated key reaches verifiers within a minute or so.
 */
import { type Request, type Response, Router } from 'express';
import type { IssuerProfileStore } from './issuerProfile';
import type { SigningKeys } from './signingKeys';
import { OB_V3_CONTEXT, VC_V2_CONTEXT } from '../badges/contexts';

export interface PublishingDeps {
  issuer: IssuerProfileStore;
  signingKeys: SigningKeys;
  publicUrl: string;
}

const noProfile = (res: Response) =>
  res
    .status(404)
    .type('application/json')
    .json({
      error: { code: 'NO_ISSUER_PROFILE', message: 'This installation has no issuer profile yet.', hint: 'An administrator fills it in at /admin/issuer.' },
    });

const publicJson = (res: Response, maxAge: number) => {
  res.setHeader('Cache-Control', `public, max-age=${maxAge}`);
  res.setHeader('Access-Control-Allow-Origin', '*');
};

export function publishingPages(deps: PublishingDeps): Router {
  const r = Router();
  const { identity } = deps.signingKeys;

  r.get('/issuer', async (_req: Request, res: Response) => {
    const profile = await deps.issuer.profile(deps.publicUrl, identity.did);
    if (!profile) return noProfile(res);
    publicJson(res, 300);
    // Standalone, the Profile states its contexts; embedded in a credential it uses the credential's.
    res.type('application/json').send(JSON.stringify({ '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT], ...profile }));
  });

  r.get('/issuer/logo', async (_req: Request, res: Response) => {
    const logo = await deps.issuer.logo();
    if (!logo) {
      return res
        .status(404)
        .json({ error: { code: 'NO_LOGO', message: 'The issuer has no logo.', hint: 'An administrator can upload one at /admin/issuer.' } });
    }
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Badge displays on other sites show the logo with <img>.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    // An SVG opened on its own is a document: sandboxed, it can run nothing and load nothing.
    if (logo.type === 'image/svg+xml') res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'");
    res.type(logo.type).send(logo.bytes);
  });

  // Behind a proxy that strips PUBLIC_URL's path the app sees "/did.json"; otherwise the full path.
  const prefix = new URL(deps.publicUrl).pathname.replace(/\/+$/, '');
  const didPaths = [...new Set([identity.didDocumentPath, prefix ? identity.didDocumentPath.slice(prefix.length) : identity.didDocumentPath])];
  r.get(didPaths, async (_req: Request, res: Response) => {
    const document = await deps.signingKeys.didDocument();
    publicJson(res, 60);
    res.type('application/did+ld+json').send(JSON.stringify(document));
  });

  return r;
}

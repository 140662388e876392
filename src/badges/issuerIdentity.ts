/**
 * The issuer's public identifiers, all derived from PUBLIC_URL (no database): its did:web,
 * where the DID document is published, its Open Badges Profile URL and its key ids.
 *
 * did:web (https://w3c-ccg.github.io/did-method-web/): the host, with a port percent-encoded
 * as %3A, then each path segment after a colon. The DID document lives at
 * /.well-known/did.json for a bare host and at <path>/did.json when there is a path.
 */

export interface IssuerIdentity {
  publicUrl: string;
  /** did:web:… */
  did: string;
  /** The path of the DID document under the origin, e.g. /.well-known/did.json. */
  didDocumentPath: string;
  /** The full URL of the DID document. */
  didDocumentUrl: string;
  /** The Open Badges Profile (JSON), `${publicUrl}/issuer`. */
  profileUrl: string;
  /** The logo, `${publicUrl}/issuer/logo`. */
  logoUrl: string;
  keyId(fragment: string): string;
}

function parse(publicUrl: string): URL {
  const url = new URL(publicUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`PUBLIC_URL must be http(s), not ${url.protocol}`);
  return url;
}

/** The path segments of PUBLIC_URL, decoded (an empty list for a bare host). */
function segments(url: URL): string[] {
  return url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
}

export function didForPublicUrl(publicUrl: string): string {
  const url = parse(publicUrl);
  // URL.hostname is already lower-case and punycoded; a colon is the DID's separator, so the port's is encoded.
  const host = url.port ? `${url.hostname}%3A${url.port}` : url.hostname;
  // encodeURIComponent also encodes ":" inside a segment, which would otherwise read as a separator.
  return ['did:web', host, ...segments(url).map(encodeURIComponent)].join(':');
}

export function didDocumentPath(publicUrl: string): string {
  const parts = segments(parse(publicUrl));
  return parts.length === 0 ? '/.well-known/did.json' : `/${parts.map(encodeURIComponent).join('/')}/did.json`;
}

export function didDocumentUrl(publicUrl: string): string {
  return `${parse(publicUrl).origin}${didDocumentPath(publicUrl)}`;
}

export function profileUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/issuer`;
}

export function keyIdFor(did: string, fragment: string): string {
  return `${did}#${fragment}`;
}

export function issuerIdentity(publicUrl: string): IssuerIdentity {
  const base = publicUrl.replace(/\/+$/, '');
  const did = didForPublicUrl(base);
  return {
    publicUrl: base,
    did,
    didDocumentPath: didDocumentPath(base),
    didDocumentUrl: didDocumentUrl(base),
    profileUrl: profileUrl(base),
    logoUrl: `${profileUrl(base)}/logo`,
    keyId: (fragment) => keyIdFor(did, fragment),
  };
}

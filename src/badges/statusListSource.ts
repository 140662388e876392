// Where the verifier gets a credential's status list: this installation's own lists from
// the database (no request to ourselves), anyone else's through the outbound-fetch guard.
// Used by /verify, POST /api/verify, the share page and prior-learning evidence alike.
import type { OutboundFetcher } from '../net/outboundFetch';
import type { BadgeIssuer } from './issuance';
import { MAX_INPUT_BYTES } from './verify';

const ACCEPT = 'application/vc+ld+json, application/vc+jwt;q=0.9, application/json;q=0.8';

export type StatusListSource = (url: string) => Promise<unknown>;

/** The id of this installation's own status list at `url`, else undefined. */
export function ownStatusList(publicUrl: string): (url: string) => number | undefined {
  const own = new RegExp(`^${publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/status/(\\d+)$`);
  return (url) => {
    const ours = own.exec(url);
    return ours ? Number(ours[1]) : undefined;
  };
}

export function statusListSource(deps: { publicUrl: string; issuer: Pick<BadgeIssuer, 'statusListCredential'>; outbound: OutboundFetcher }): StatusListSource {
  const own = ownStatusList(deps.publicUrl);
  return async (url) => {
    const ours = own(url);
    if (ours !== undefined) return (await deps.issuer.statusListCredential(ours))?.credential;
    // The verifier reads no more than MAX_INPUT_BYTES of a credential: no point reading more.
    const res = await deps.outbound.get(url, { headers: { accept: ACCEPT }, maxBytes: MAX_INPUT_BYTES });
    // JSON text or a VC-JWT: the verifier parses and explains either.
    return res.body.toString('utf8');
  };
}

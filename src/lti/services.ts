// The only way the app calls ltijs's LTI Advantage services. Each wrapper configures
// around a default of ltijs 5.9.9 that would be wrong for us (docs/decisions/0002).
import { createPrivateKey, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import type { LtiToken, Provider } from 'ltijs';

const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

/** What ltijs's service calls need to know about a launch (its "idtoken" object). */
export interface ServiceContext {
  issuer: string;
  clientId: string;
  deploymentId: string;
  userSub: string;
  claims: {
    nrps?: Record<string, unknown> | null;
    ags?: Record<string, unknown> | null;
    deepLinking?: Record<string, unknown> | null;
  };
}

export function ltijsIdToken(ctx: ServiceContext): LtiToken {
  return {
    iss: ctx.issuer,
    clientId: ctx.clientId,
    deploymentId: ctx.deploymentId,
    user: ctx.userSub,
    userInfo: {},
    platformId: '',
    platformContext: {
      messageType: 'LtiResourceLinkRequest',
      namesRoles: ctx.claims.nrps ?? undefined,
      endpoint: ctx.claims.ags ?? undefined,
      deepLinkingSettings: ctx.claims.deepLinking ?? undefined,
    },
  };
}

export interface Membership {
  user_id: string;
  roles: string[];
  status?: 'Active' | 'Inactive' | 'Deleted';
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  lis_person_sourcedid?: string;
}

interface NamesAndRolesService {
  getMembers(idtoken: LtiToken, options: Record<string, unknown>): Promise<{ members: Membership[]; next?: string }>;
}
interface DeepLinkingService {
  createDeepLinkingMessage(idtoken: LtiToken, items: unknown[], options: Record<string, unknown>): Promise<string>;
}

/** Every page of the roster: ltijs returns only the first page unless told `pages: false`. */
export async function fetchAllMembers(lti: Provider, ctx: ServiceContext, opts: { role?: string; limit?: number } = {}): Promise<Membership[]> {
  const nrps = lti.NamesAndRoles as NamesAndRolesService;
  const result = await nrps.getMembers(ltijsIdToken(ctx), { ...opts, pages: false });
  return result.members;
}

/**
 * The signed LtiDeepLinkingResponse. ltijs writes the error message under a claim name
 * with a trailing space ("…/errormsg ") and makes its nonce with Math.random; we fix
 * both and sign again with the same key and kid.
 */
export async function signDeepLinkingResponse(
  lti: Provider,
  ctx: ServiceContext,
  items: unknown[],
  opts: { message?: string; log?: string; errorMessage?: string; errorLog?: string } = {},
): Promise<string> {
  const dl = lti.DeepLinking as DeepLinkingService;
  const idtoken = ltijsIdToken(ctx);
  const jwt = await dl.createDeepLinkingMessage(idtoken, items, { message: opts.message, log: opts.log, errLog: opts.errorLog });
  const header = decodeProtectedHeader(jwt);
  const { iat: _iat, exp: _exp, ...payload } = decodeJwt(jwt);
  if (opts.errorMessage) payload[`${DL}errormsg`] = opts.errorMessage;
  delete payload[`${DL}errormsg `];
  payload.nonce = randomBytes(16).toString('base64url');
  const platform = await lti.getPlatform(ctx.issuer, ctx.clientId);
  if (!platform) throw new Error(`platform ${ctx.issuer} is not registered in ltijs`);
  const pem = await (platform as unknown as { platformPrivateKey(): Promise<string> }).platformPrivateKey();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(createPrivateKey(pem));
}

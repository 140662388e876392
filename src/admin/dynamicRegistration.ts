// LTI Dynamic Registration (what Moodle 4.x's "LTI Advantage" tool type uses).
// The admin creates a one-time link in the console and pastes it into the LMS; the
// LMS opens it with openid_configuration and registration_token, and we register.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import { platformDeployments, registrationLinks } from '../db/schema';
import type { PlatformRegistry } from '../lti/platforms';
import { toolUrls } from '../lti/provider';
import { AppError, BadRequestError, ForbiddenError } from '../web/errors';
import { allowFraming } from '../web/security';

const LINK_TTL_MS = 60 * 60 * 1000;
const hash = (t: string) => createHash('sha256').update(t).digest('hex');
const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PLATFORM_CONFIG = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
export const TOOL_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];

interface OpenIdConfiguration {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  registration_endpoint: string;
  [PLATFORM_CONFIG]?: { product_family_code?: string; version?: string };
}

export function registrationRequest(publicUrl: string) {
  const urls = toolUrls(publicUrl);
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: urls.login,
    redirect_uris: [urls.launch],
    client_name: 'microcred',
    jwks_uri: urls.jwks,
    logo_uri: `${publicUrl}/public/logo.svg`,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: TOOL_SCOPES.join(' '),
    [TOOL_CONFIG]: {
      domain: new URL(publicUrl).host,
      target_link_uri: urls.launch,
      description: 'EU micro-credentials with rubrics, issued as Open Badges 3.0',
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      messages: [
        { type: 'LtiResourceLinkRequest', target_link_uri: urls.launch, label: 'Micro-credentials' },
        { type: 'LtiDeepLinkingRequest', target_link_uri: urls.launch, label: 'Micro-credential', placements: ['ContentArea'] },
      ],
    },
  };
}

function familyOf(code: string | undefined): 'moodle' | 'canvas' | 'brightspace' | 'other' {
  const c = (code ?? '').toLowerCase();
  if (c.includes('moodle')) return 'moodle';
  if (c.includes('canvas')) return 'canvas';
  if (c.includes('desire2learn') || c.includes('brightspace') || c === 'd2l') return 'brightspace';
  return 'other';
}

export class DynamicRegistrations {
  constructor(
    private readonly db: Db,
    private readonly platforms: PlatformRegistry,
    private readonly publicUrl: string,
    private readonly log: Logger,
    /** Plain http is accepted only for loopback platforms outside production (the test simulator). */
    private readonly production: boolean,
  ) {}

  async createLink(): Promise<{ url: string; expiresAt: Date }> {
    const token = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + LINK_TTL_MS);
    await this.db.insert(registrationLinks).values({ tokenHash: hash(token), expiresAt });
    return { url: `${toolUrls(this.publicUrl).dynamicRegistration}?reg=${token}`, expiresAt };
  }

  private checkUrl(raw: unknown, what: string): URL {
    let u: URL;
    try {
      u = new URL(String(raw));
    } catch {
      throw new BadRequestError(`The LMS sent an invalid ${what}.`, 'DYNREG_BAD_URL');
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback && !this.production)) {
      throw new BadRequestError(`The LMS's ${what} must use https.`, 'DYNREG_NOT_HTTPS');
    }
    return u;
  }

  private async fetchJson(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
    let res: globalThis.Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch (e) {
      throw new AppError(`Could not reach the LMS for the ${what}: ${(e as Error).message}.`, 502, 'DYNREG_UNREACHABLE', 'Check that microcred can reach the LMS over the network, then start the registration again.');
    }
    const text = await res.text();
    if (!res.ok) {
      throw new AppError(`The LMS refused the ${what} (HTTP ${res.status}): ${text.slice(0, 300)}`, 502, 'DYNREG_REFUSED', 'Start the registration again from the LMS; the registration token may have expired.');
    }
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new AppError(`The LMS's ${what} is not JSON.`, 502, 'DYNREG_BAD_JSON');
    }
  }

  /** GET /lti/register?reg=…&openid_configuration=…&registration_token=… */
  handler() {
    return async (req: Request, res: Response, next: (e?: unknown) => void) => {
      try {
        const reg = String(req.query.reg ?? '');
        const [link] = reg
          ? await this.db
              .select()
              .from(registrationLinks)
              .where(and(eq(registrationLinks.tokenHash, hash(reg)), isNull(registrationLinks.usedAt), gt(registrationLinks.expiresAt, new Date())))
          : [];
        if (!link) {
          throw new ForbiddenError(
            'This registration link is missing, already used or expired.',
            'DYNREG_LINK_INVALID',
            'In the microcred admin console, choose "Create a dynamic registration link" and paste the new link into the LMS.',
          );
        }
        if (!req.query.openid_configuration) {
          throw new BadRequestError('Paste this link into your LMS as the tool URL for dynamic registration; it cannot be opened directly.', 'DYNREG_NO_CONFIG');
        }
        const configUrl = this.checkUrl(req.query.openid_configuration, 'configuration URL');
        // The LMS shows this page in its own frame, before it is a registered platform.
        allowFraming(res, configUrl.origin, await this.platforms.frameOrigins());
        const config = (await this.fetchJson(configUrl.toString(), { headers: { accept: 'application/json' } }, 'platform configuration')) as unknown as OpenIdConfiguration;
        for (const k of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'registration_endpoint'] as const) {
          if (typeof config[k] !== 'string') throw new BadRequestError(`The LMS configuration has no ${k}.`, 'DYNREG_BAD_CONFIG');
        }
        // The configuration must come from the issuer it names (LTI DR §3.5.1).
        if (!configUrl.toString().startsWith(config.issuer.replace(/\/+$/, ''))) {
          throw new BadRequestError('The LMS configuration names an issuer other than the site it came from.', 'DYNREG_ISSUER_MISMATCH');
        }
        const regEndpoint = this.checkUrl(config.registration_endpoint, 'registration endpoint');
        const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
        if (req.query.registration_token) headers.authorization = `Bearer ${String(req.query.registration_token)}`;
        const registered = await this.fetchJson(regEndpoint.toString(), { method: 'POST', headers, body: JSON.stringify(registrationRequest(this.publicUrl)) }, 'registration');
        const clientId = registered.client_id;
        const deploymentId = (registered[TOOL_CONFIG] as { deployment_id?: string } | undefined)?.deployment_id;
        if (typeof clientId !== 'string' || !clientId) throw new AppError('The LMS did not return a client ID.', 502, 'DYNREG_NO_CLIENT_ID');
        if (typeof deploymentId !== 'string' || !deploymentId) throw new AppError('The LMS did not return a deployment ID.', 502, 'DYNREG_NO_DEPLOYMENT', 'Register the platform by hand in the admin console instead.');

        const family = familyOf(config[PLATFORM_CONFIG]?.product_family_code);
        const existing = await this.platforms.findByIssuerAndClient(config.issuer, clientId);
        let platformId: number;
        if (existing) {
          platformId = existing.id;
          await this.db.insert(platformDeployments).values({ platformId, deploymentId }).onConflictDoNothing();
        } else {
          platformId = await this.platforms.create(
            {
              name: `${family === 'other' ? 'LMS' : family[0].toUpperCase() + family.slice(1)} (${new URL(config.issuer).host})`,
              issuer: config.issuer,
              clientId,
              authLoginUrl: config.authorization_endpoint,
              accessTokenUrl: config.token_endpoint,
              jwksUrl: config.jwks_uri,
              lmsFamily: family,
              deploymentIds: [deploymentId],
            },
            'dynamic',
          );
        }
        await this.db.update(registrationLinks).set({ usedAt: new Date(), platformId }).where(eq(registrationLinks.tokenHash, hash(reg)));
        this.log.info({ platformId, issuer: config.issuer }, 'platform registered dynamically');
        res.render('lti/registered', { title: 'microcred is registered', issuer: config.issuer, clientId, deploymentId, family });
      } catch (e) {
        next(e);
      }
    };
  }
}

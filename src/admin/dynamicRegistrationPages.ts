// LTI Dynamic Registration (what Moodle's "Add LTI Advantage" and Canvas's dynamic registration
// use). The admin creates a one-time link in the console and pastes it into the LMS; the LMS
// opens it in its own frame with openid_configuration and registration_token; we register and
// show what was registered and what to do next in that LMS, and the admin's "Close" sends the
// LMS org.imsglobal.lti.close. The protocol's pure part is in registrationProtocol.ts.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import { platformDeployments, registrationLinks } from '../db/schema';
import type { PlatformRegistry } from '../lti/platforms';
import { toolUrls } from '../lti/provider';
import { OutboundFetchError, type OutboundFetcher, type OutboundRequest, type OutboundResponse } from '../net/outboundFetch';
import { AppError, BadRequestError, ForbiddenError } from '../errors';
import { allowFraming } from '../web/security';
import {
  familyOf,
  lmsName,
  lmsOrigins,
  missingConfigurationField,
  type PlatformConfiguration,
  platformName,
  readAnswer,
  registrationRequest,
  serviceKey,
} from './registrationProtocol';

const LINK_TTL_MS = 60 * 60 * 1000;
/** An OpenID configuration or a registration answer is a few kilobytes. */
const MAX_ANSWER_BYTES = 256 * 1024;
const hash = (t: string) => createHash('sha256').update(t).digest('hex');

export class DynamicRegistrations {
  constructor(
    private readonly db: Db,
    private readonly platforms: PlatformRegistry,
    private readonly publicUrl: string,
    private readonly log: Logger,
    /**
     * The URLs come from whoever opens the one-time link, so they go through the same guard as
     * any other outside URL: an LMS on the institution's own network must be allowed by an
     * administrator (Allowed internal hosts), and plain http is for allowed hosts outside production.
     */
    private readonly outbound: OutboundFetcher,
    /** Plain http is accepted only for loopback platforms outside production (the test simulator). */
    private readonly production: boolean,
  ) {}

  async createLink(): Promise<{ url: string; expiresAt: Date }> {
    const token = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + LINK_TTL_MS);
    await this.db.insert(registrationLinks).values({ tokenHash: hash(token), expiresAt });
    return { url: `${toolUrls(this.publicUrl).dynamicRegistration}?reg=${token}`, expiresAt };
  }

  /** An address the LMS may use: https, or plain http on loopback outside production. */
  private allowedUrl = (u: URL) =>
    u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && !this.production);

  private originOf(raw: unknown): string | undefined {
    try {
      const u = new URL(String(raw));
      return this.allowedUrl(u) ? u.origin : undefined;
    } catch {
      return undefined;
    }
  }

  private checkUrl(raw: unknown, what: string): URL {
    let u: URL;
    try {
      u = new URL(String(raw));
    } catch {
      throw new BadRequestError(`The LMS sent an invalid ${what}.`, 'DYNREG_BAD_URL');
    }
    if (!this.allowedUrl(u)) throw new BadRequestError(`The LMS's ${what} must use https.`, 'DYNREG_NOT_HTTPS');
    return u;
  }

  private async fetchJson(url: string, init: OutboundRequest, what: string): Promise<Record<string, unknown>> {
    let res: OutboundResponse;
    try {
      res = await this.outbound.fetch(url, { ...init, timeoutMs: 15_000, maxBytes: MAX_ANSWER_BYTES });
    } catch (e) {
      if (!(e instanceof OutboundFetchError)) throw e;
      if (e.refused) {
        throw new AppError(
          e.message,
          400,
          'DYNREG_FETCH_REFUSED',
          'If the LMS is on the institution’s own network, a microcred administrator can allow its host under “Allowed internal hosts” in the admin console. Then start the registration again.',
        );
      }
      throw new AppError(e.message, 502, 'DYNREG_UNREACHABLE', 'Check that microcred can reach the LMS over the network, then start the registration again.');
    }
    const text = res.body.toString('utf8');
    if (res.status < 200 || res.status > 299) {
      throw new AppError(
        `The LMS refused the ${what} (HTTP ${res.status}): ${text.slice(0, 300)}`,
        502,
        'DYNREG_REFUSED',
        'Start the registration again from the LMS; the registration token may have expired.',
      );
    }
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new AppError(`The LMS's ${what} is not JSON.`, 502, 'DYNREG_BAD_JSON');
    }
  }

  /**
   * Takes the one-time link for this registration, atomically: of two tabs opening the same
   * link at once, one registers and the other is told the link is used.
   */
  private async claimLink(reg: string): Promise<boolean> {
    if (!reg) return false;
    const claimed = await this.db
      .update(registrationLinks)
      .set({ usedAt: new Date() })
      .where(and(eq(registrationLinks.tokenHash, hash(reg)), isNull(registrationLinks.usedAt), gt(registrationLinks.expiresAt, new Date())))
      .returning({ tokenHash: registrationLinks.tokenHash });
    return claimed.length > 0;
  }

  /** Gives a claimed link back when the registration failed, so the admin can start again with it. */
  private async releaseLink(reg: string) {
    await this.db
      .update(registrationLinks)
      .set({ usedAt: null })
      .where(and(eq(registrationLinks.tokenHash, hash(reg)), isNull(registrationLinks.platformId)));
  }

  /** GET /lti/register?reg=…&openid_configuration=…&registration_token=… */
  handler() {
    return async (req: Request, res: Response, next: (e?: unknown) => void) => {
      const reg = String(req.query.reg ?? '');
      // Even a refusal shows in the LMS's frame, where the admin is looking.
      const configOrigin = this.originOf(req.query.openid_configuration);
      if (configOrigin) allowFraming(res, [configOrigin], await this.platforms.frameOrigins().catch(() => []));
      if (!(await this.claimLink(reg))) {
        return next(
          new ForbiddenError(
            'This registration link is missing, already used or expired.',
            'DYNREG_LINK_INVALID',
            'In the microcred admin console, choose "Create a dynamic registration link" and paste the new link into the LMS.',
          ),
        );
      }
      try {
        await this.register(req, res, reg);
      } catch (e) {
        await this.releaseLink(reg).catch((err: unknown) => this.log.error({ err }, 'could not release a registration link'));
        next(e);
      }
    };
  }

  private async register(req: Request, res: Response, reg: string) {
    if (!req.query.openid_configuration) {
      throw new BadRequestError('Paste this link into your LMS as the tool URL for dynamic registration; it cannot be opened directly.', 'DYNREG_NO_CONFIG');
    }
    const configUrl = this.checkUrl(req.query.openid_configuration, 'configuration URL');
    const frameOrigins = await this.platforms.frameOrigins();
    const registrationToken = req.query.registration_token ? String(req.query.registration_token) : undefined;
    const bearer: Record<string, string> = registrationToken ? { authorization: `Bearer ${registrationToken}` } : {};
    // Canvas asks for the token on this request too (doc/api/registration.md); others ignore it.
    const config = (await this.fetchJson(
      configUrl.toString(),
      { headers: { accept: 'application/json', ...bearer } },
      'platform configuration',
    )) as unknown as PlatformConfiguration;
    const missing = missingConfigurationField(config as unknown as Record<string, unknown>);
    if (missing) throw new BadRequestError(`The LMS configuration has no ${missing}.`, 'DYNREG_BAD_CONFIG');
    // The configuration must come from the issuer it names (LTI DR §3.5.1).
    if (!configUrl.toString().startsWith(config.issuer.replace(/\/+$/, ''))) {
      throw new BadRequestError('The LMS configuration names an issuer other than the site it came from.', 'DYNREG_ISSUER_MISMATCH');
    }
    // The LMS shows this page in its own frame, before it is a registered platform.
    const origins = lmsOrigins(configUrl, config, this.allowedUrl);
    allowFraming(res, origins, frameOrigins);
    const regEndpoint = this.checkUrl(config.registration_endpoint, 'registration endpoint');
    const registered = await this.fetchJson(
      regEndpoint.toString(),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...bearer },
        body: JSON.stringify(registrationRequest(this.publicUrl, config)),
      },
      'registration',
    );
    const answer = readAnswer(registered);
    if (!answer) throw new AppError('The LMS did not return a client ID.', 502, 'DYNREG_NO_CLIENT_ID');

    const family = familyOf(config);
    const deploymentIds = answer.deploymentId ? [answer.deploymentId] : [];
    const existing = await this.platforms.findByIssuerAndClient(config.issuer, answer.clientId);
    let platformId: number;
    if (existing) {
      platformId = existing.id;
      if (answer.deploymentId) await this.db.insert(platformDeployments).values({ platformId, deploymentId: answer.deploymentId }).onConflictDoNothing();
    } else {
      platformId = await this.platforms.create(
        {
          name: platformName(config),
          issuer: config.issuer,
          clientId: answer.clientId,
          authLoginUrl: config.authorization_endpoint,
          accessTokenUrl: config.token_endpoint,
          jwksUrl: config.jwks_uri,
          lmsFamily: family,
          deploymentIds,
        },
        'dynamic',
      );
    }
    await this.db
      .update(registrationLinks)
      .set({ platformId })
      .where(eq(registrationLinks.tokenHash, hash(reg)));
    this.log.info({ platformId, issuer: config.issuer, deployment: answer.deploymentId ?? null }, 'platform registered dynamically');
    res.render('lti/registered', {
      titleKey: 'lti.registered.heading',
      family,
      platformId,
      lmsName: lmsName(config),
      platformName: existing?.name ?? platformName(config),
      issuer: config.issuer,
      clientId: answer.clientId,
      deploymentId: answer.deploymentId,
      granted: answer.granted.map((scope) => ({ scope, key: serviceKey(scope) })),
      notGranted: answer.notGranted.map((scope) => ({ scope, key: serviceKey(scope) })),
      lmsOrigins: origins,
    });
  }
}

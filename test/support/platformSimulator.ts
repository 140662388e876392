// An LTI 1.3 platform that runs in the test process: real RSA keys, a real JWKS over
// HTTP, an OIDC auth endpoint that signs id_tokens, a token endpoint, AGS and NRPS
// endpoints that record what they receive, and the platform side of dynamic registration.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT, type KeyLike } from 'jose';

export type LmsFlavour = 'moodle' | 'canvas';

export interface SimUser {
  sub: string;
  name: string;
  given_name: string;
  family_name: string;
  email: string;
  roles: string[];
}

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
export const CANVAS_SCHOOL_ORIGIN = 'https://school.instructure.example';
export const USERS: Record<string, SimUser> = {
  instructor: { sub: 'u-teacher-1', name: 'Ada Teacher', given_name: 'Ada', family_name: 'Teacher', email: 'ada@uni.example', roles: [`${LIS}membership#Instructor`, `${LIS}institution/person#Faculty`] },
  ta: { sub: 'u-ta-1', name: 'Tom Assistant', given_name: 'Tom', family_name: 'Assistant', email: 'tom@uni.example', roles: [`${LIS}membership/Instructor#TeachingAssistant`] },
  learner: { sub: 'u-learner-1', name: 'Lena Learner', given_name: 'Lena', family_name: 'Learner', email: 'lena@uni.example', roles: [`${LIS}membership#Learner`, `${LIS}institution/person#Student`] },
  instructor2: { sub: 'u-teacher-2', name: 'Ben Marker', given_name: 'Ben', family_name: 'Marker', email: 'ben@uni.example', roles: [`${LIS}membership#Instructor`] },
  learner2: { sub: 'u-learner-2', name: 'Max Student', given_name: 'Max', family_name: 'Student', email: 'max@uni.example', roles: [`${LIS}membership#Learner`] },
  admin: { sub: 'u-admin-1', name: 'Sam Admin', given_name: 'Sam', family_name: 'Admin', email: 'sam@uni.example', roles: [`${LIS}system/person#Administrator`, `${LIS}institution/person#Administrator`] },
};

export interface AuthRequest {
  params: URLSearchParams;
  user: SimUser;
}

export interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export class PlatformSimulator {
  readonly clientId = 'microcred-client-' + randomUUID().slice(0, 8);
  readonly deploymentId = 'dep-1';
  readonly context = { id: 'course-101', label: 'BIO101', title: 'Biology 101', type: [`${LIS}course#CourseOffering`] };
  readonly resourceLink = { id: 'rl-1', title: 'Micro-credentials' };
  readonly received: Recorded[] = [];
  /** The tool's launch URL (redirect_uri); set when the tool is known. */
  toolLaunchUrl = '';
  toolJwksUrl = '';
  private server?: http.Server;
  private privateKey!: KeyLike;
  publicJwk!: JWK;
  readonly kid = 'sim-key-' + randomUUID().slice(0, 8);
  issuer = '';
  nrpsPageSize = 10;
  /** AGS state: line items by id, and the latest score per line item and user. */
  readonly lineItems = new Map<string, Record<string, unknown> & { id: string; tag?: string; resourceId?: string }>();
  readonly scores = new Map<string, { userId: string; timestamp: string; [k: string]: unknown }>();
  /** The course roster NRPS serves: the named users and a class of generated learners. */
  members = [
    ...Object.values(USERS).map((u) => ({ user_id: u.sub, name: u.name, given_name: u.given_name, family_name: u.family_name, email: u.email, roles: u.roles, status: 'Active' })),
    ...Array.from({ length: 21 }, (_, i) => ({ user_id: `u-gen-${i + 1}`, name: `Learner ${i + 1}`, given_name: 'Learner', family_name: String(i + 1), email: `learner${i + 1}@uni.example`, roles: [`${LIS}membership#Learner`], status: 'Active' })),
  ];

  constructor(readonly flavour: LmsFlavour = 'moodle') {}

  async start(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    this.privateKey = privateKey;
    this.publicJwk = { ...(await exportJWK(publicKey)), kid: this.kid, alg: 'RS256', use: 'sig' };
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop() {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  get urls() {
    return {
      auth: `${this.issuer}/auth`,
      token: `${this.issuer}/token`,
      jwks: `${this.issuer}/jwks`,
      openidConfiguration: `${this.issuer}/.well-known/openid-configuration`,
    };
  }

  /** What an admin types into microcred's platform form for this simulator. */
  registration() {
    return {
      name: `Simulated ${this.flavour}`,
      issuer: this.issuer,
      clientId: this.clientId,
      authLoginUrl: this.urls.auth,
      accessTokenUrl: this.urls.token,
      jwksUrl: this.urls.jwks,
      lmsFamily: this.flavour,
      deploymentIds: [this.deploymentId],
    };
  }

  /** Realistic Moodle- or Canvas-shaped launch claims for a user. */
  launchClaims(user: SimUser, nonce: string, messageType = 'LtiResourceLinkRequest'): Record<string, unknown> {
    const C = 'https://purl.imsglobal.org/spec/lti/claim/';
    const claims: Record<string, unknown> = {
      nonce,
      sub: user.sub,
      name: user.name,
      given_name: user.given_name,
      family_name: user.family_name,
      email: user.email,
      [`${C}message_type`]: messageType,
      [`${C}version`]: '1.3.0',
      [`${C}deployment_id`]: this.deploymentId,
      [`${C}target_link_uri`]: this.toolLaunchUrl,
      [`${C}roles`]: user.roles,
      [`${C}context`]: this.context,
      // Hosted Canvas shows courses on the school's own domain, not on its issuer's.
      [`${C}launch_presentation`]: {
        locale: 'en',
        document_target: 'iframe',
        return_url: this.flavour === 'canvas' ? `${CANVAS_SCHOOL_ORIGIN}/courses/101/external_content/success/external_tool_redirect` : `${this.issuer}/course/view.php?id=101`,
      },
      [`${C}tool_platform`]: this.flavour === 'canvas'
        ? { guid: 'canvas-guid', name: 'Canvas Test', product_family_code: 'canvas', version: 'cloud' }
        : { guid: '127.0.0.1', name: 'Moodle Test', product_family_code: 'moodle', version: '2024100700', url: this.issuer },
      'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': {
        scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/lineitem', 'https://purl.imsglobal.org/spec/lti-ags/scope/score'],
        lineitems: `${this.issuer}/ags/${this.context.id}/lineitems`,
      },
      'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': {
        context_memberships_url: `${this.issuer}/nrps/${this.context.id}/memberships`,
        service_versions: ['2.0'],
      },
    };
    if (messageType === 'LtiResourceLinkRequest') claims[`${C}resource_link`] = this.resourceLink;
    if (messageType === 'LtiDeepLinkingRequest') {
      claims['https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings'] = {
        deep_link_return_url: `${this.issuer}/deeplink/return`,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'],
      };
    }
    if (this.flavour === 'canvas') {
      claims[`${C}custom`] = { canvas_course_id: '101', canvas_user_id: user.sub };
      claims['https://www.instructure.com/placement'] = 'course_navigation';
    } else {
      claims[`${C}lis`] = { person_sourcedid: user.sub, course_section_sourcedid: '' };
      claims[`${C}ext`] = { lms: 'moodle-2' };
    }
    return claims;
  }

  /** Signs an id_token. Tests use the options to forge bad ones. */
  async signIdToken(
    claims: Record<string, unknown>,
    opts: { key?: KeyLike; kid?: string; alg?: string; iss?: string; aud?: string | string[]; iat?: number; exp?: number } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? this.kid, typ: 'JWT' })
      .setIssuer(opts.iss ?? this.issuer)
      .setAudience(opts.aud ?? this.clientId)
      .setIssuedAt(opts.iat ?? now)
      .setExpirationTime(opts.exp ?? now + 300);
    if (!opts.aud || typeof opts.aud === 'string') jwt.setSubject(String(claims.sub));
    return jwt.sign(opts.key ?? this.privateKey);
  }

  /** An unsigned token (alg "none"), as an attacker would send it. */
  unsignedIdToken(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ iss: this.issuer, aud: this.clientId, iat: now, exp: now + 300, ...claims })}.`;
  }

  /** Checks an OIDC auth request as a platform would, and returns the error if any. */
  checkAuthRequest(q: URLSearchParams): string | undefined {
    const required = ['scope', 'response_type', 'client_id', 'redirect_uri', 'login_hint', 'state', 'nonce', 'response_mode', 'prompt'];
    for (const k of required) if (!q.get(k)) return `missing ${k}`;
    if (q.get('scope') !== 'openid') return 'scope must be openid';
    if (q.get('response_type') !== 'id_token') return 'response_type must be id_token';
    if (q.get('response_mode') !== 'form_post') return 'response_mode must be form_post';
    if (q.get('prompt') !== 'none') return 'prompt must be none';
    if (q.get('client_id') !== this.clientId) return 'unknown client_id';
    if (this.toolLaunchUrl && q.get('redirect_uri') !== this.toolLaunchUrl) return 'redirect_uri not registered';
    if (!Object.values(USERS).some((u) => u.sub === q.get('login_hint'))) return 'unknown login_hint';
    return undefined;
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.issuer);
    const raw = req.method === 'GET' ? '' : await this.readBody(req);
    const body: unknown = raw && (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
    this.received.push({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body });

    if (url.pathname === '/jwks') return this.json(res, 200, { keys: [this.publicJwk] });

    if (url.pathname === '/auth') {
      const q = url.searchParams;
      const problem = this.checkAuthRequest(q);
      if (problem) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end(problem);
      }
      const user = Object.values(USERS).find((u) => u.sub === q.get('login_hint'))!;
      const hint = q.get('lti_message_hint') ?? '';
      const messageType = hint === 'deep-linking' ? 'LtiDeepLinkingRequest' : 'LtiResourceLinkRequest';
      const idToken = await this.signIdToken(this.launchClaims(user, q.get('nonce')!, messageType));
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(
        `<!doctype html><form id="f" method="post" action="${q.get('redirect_uri')}">` +
          `<input type="hidden" name="id_token" value="${idToken}"><input type="hidden" name="state" value="${q.get('state')}"></form>` +
          `<script>document.getElementById('f').submit()</script>`,
      );
    }

    if (url.pathname === '/token' && req.method === 'POST') {
      const b = body as Record<string, string>;
      if (b.grant_type !== 'client_credentials' || !b.client_assertion) return this.json(res, 400, { error: 'invalid_request' });
      try {
        const jwks = createRemoteJWKSet(new URL(this.toolJwksUrl));
        await jwtVerify(b.client_assertion, jwks, { issuer: this.clientId, subject: this.clientId });
      } catch (e) {
        return this.json(res, 401, { error: 'invalid_client', error_description: String(e) });
      }
      return this.json(res, 200, { access_token: 'sim-' + randomUUID(), token_type: 'bearer', expires_in: 3600, scope: b.scope });
    }

    if (url.pathname === '/.well-known/openid-configuration') {
      return this.json(res, 200, {
        issuer: this.issuer,
        authorization_endpoint: this.urls.auth,
        token_endpoint: this.urls.token,
        jwks_uri: this.urls.jwks,
        registration_endpoint: `${this.issuer}/register`,
        scopes_supported: ['openid'],
        response_types_supported: ['id_token'],
        id_token_signing_alg_values_supported: ['RS256'],
        'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: this.flavour, version: '4.5', messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }] },
      });
    }

    if (url.pathname === '/register' && req.method === 'POST') {
      if (req.headers.authorization !== 'Bearer sim-registration-token') return this.json(res, 401, { error: 'invalid registration token' });
      const reg = body as Record<string, unknown>;
      this.toolLaunchUrl = (reg.redirect_uris as string[])[0];
      this.toolJwksUrl = String(reg.jwks_uri);
      return this.json(res, 200, { ...reg, client_id: this.clientId, 'https://purl.imsglobal.org/spec/lti-tool-configuration': { ...(reg['https://purl.imsglobal.org/spec/lti-tool-configuration'] as object), deployment_id: this.deploymentId } });
    }

    if (url.pathname.startsWith('/nrps/')) {
      if (!String(req.headers.authorization ?? '').startsWith('Bearer sim-')) return this.json(res, 401, { error: 'no access token' });
      // Paged like Moodle and Canvas: `limit` per page, Link rel="next" until the end.
      const limit = Number(url.searchParams.get('limit') ?? this.nrpsPageSize);
      const page = Number(url.searchParams.get('page') ?? 1);
      const slice = this.members.slice((page - 1) * limit, page * limit);
      const headers: Record<string, string> = { 'content-type': 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' };
      if (page * limit < this.members.length) {
        const next = new URL(url.toString());
        next.searchParams.set('page', String(page + 1));
        next.searchParams.set('limit', String(limit));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      res.writeHead(200, headers);
      return res.end(JSON.stringify({ id: url.toString(), context: this.context, members: slice }));
    }

    if (url.pathname.startsWith('/ags/')) {
      if (!String(req.headers.authorization ?? '').startsWith('Bearer sim-')) return this.json(res, 401, { error: 'no access token' });
      const parts = url.pathname.split('/'); // ['', 'ags', context, 'lineitems', id?, 'scores'?]
      const collection = `${this.issuer}/ags/${parts[2]}/lineitems`;
      if (parts.length === 4 && req.method === 'GET') {
        const tag = url.searchParams.get('tag');
        const resourceId = url.searchParams.get('resource_id');
        const items = [...this.lineItems.values()].filter((li) => (!tag || li.tag === tag) && (!resourceId || li.resourceId === resourceId));
        res.writeHead(200, { 'content-type': 'application/vnd.ims.lis.v2.lineitemcontainer+json' });
        return res.end(JSON.stringify(items));
      }
      if (parts.length === 4 && req.method === 'POST') {
        const id = `${collection}/${this.lineItems.size + 1}`;
        const item = { ...(body as Record<string, unknown>), id };
        this.lineItems.set(id, item);
        res.writeHead(201, { 'content-type': 'application/vnd.ims.lis.v2.lineitem+json' });
        return res.end(JSON.stringify(item));
      }
      const itemId = `${collection}/${parts[4]}`;
      if (!this.lineItems.has(itemId)) return this.json(res, 404, { error: 'no such line item' });
      if (parts[5] === 'scores' && req.method === 'POST') {
        const score = body as { userId: string; timestamp: string };
        // Like real platforms: an older timestamp than the one held does not replace it.
        const held = this.scores.get(`${itemId}|${score.userId}`);
        if (!held || held.timestamp <= score.timestamp) this.scores.set(`${itemId}|${score.userId}`, score);
        res.writeHead(200);
        return res.end();
      }
      if (parts.length === 5 && req.method === 'GET') return this.json(res, 200, this.lineItems.get(itemId));
      return this.json(res, 405, { error: 'method not allowed' });
    }

    res.writeHead(404);
    res.end('not found');
  }
}

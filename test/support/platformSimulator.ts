// An LTI 1.3 platform that runs in the test process: real RSA keys, a real JWKS over
// HTTP, an OIDC auth endpoint that signs id_tokens, a token endpoint, AGS and NRPS
// endpoints that record what they receive, and the platform side of dynamic registration.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT, type KeyLike } from 'jose';
import { LMS_PROFILES, type LmsProfile, type LmsProfileName } from './lmsProfiles';

export type { LmsProfileName } from './lmsProfiles';

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

/** A resource link the simulated LMS made from a deep-linking response, as Moodle and Canvas do. */
export interface PlacedLink {
  id: string;
  title: string;
  custom: Record<string, string>;
  /** Its gradebook column, when the content item asked for one. */
  lineItemId?: string;
}

/** lti_message_hint that launches a placed link (see `placedLinks`). */
export const placedLinkHint = (linkId: string) => `link:${linkId}`;

/** The simulated LMS's own session cookie: who is signed in to the LMS in this browser. */
export const LMS_SESSION_COOKIE = 'lms_session';

/** What an authentication request's lti_message_hint turned out to be. */
export type HintResolution = { what: string } | { refused: 'invalid' | 'used-or-expired' };

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
  /** Fault: every Nth NRPS request answers 429, with Retry-After when retryAfterSeconds > 0. */
  nrpsRateLimit?: { every: number; retryAfterSeconds: number };
  /** Fault: NRPS pages from this page number on answer 500 (1: the whole roster fails). */
  nrpsFailFromPage?: number;
  private nrpsRequests = 0;
  /** AGS state: line items by id, and the latest score per line item and user. */
  readonly lineItems = new Map<string, Record<string, unknown> & { id: string; tag?: string; resourceId?: string }>();
  readonly scores = new Map<string, { userId: string; timestamp: string; [k: string]: unknown }>();
  /**
   * Injected AGS faults: a share of requests fail (500, or 429 with Retry-After), or every
   * request fails (down); latency is added to every AGS answer. The failing requests are
   * spread evenly over the request sequence, not drawn at random, so a run with N requests
   * always has floor(N × failRate) faults and a test that counts them cannot flake.
   */
  agsFaults: { failRate: number; down: boolean; latencyMs?: number } = { failRate: 0, down: false };
  /** AGS requests answered with a fault, and the most answered at once (for the passback benchmark). */
  agsFailures = 0;
  private agsFlakyRequests = 0;
  agsInFlight = 0;
  agsPeakInFlight = 0;
  /** Line items whose scores are refused with 400 and this message, as an LMS refuses a bad score. */
  readonly rejectScores = new Map<string, string>();
  /** The course roster NRPS serves: the named users and a class of generated learners. */
  members = [
    ...Object.values(USERS).map((u) => ({ user_id: u.sub, name: u.name, given_name: u.given_name, family_name: u.family_name, email: u.email, roles: u.roles, status: 'Active' })),
    ...Array.from({ length: 21 }, (_, i) => ({ user_id: `u-gen-${i + 1}`, name: `Learner ${i + 1}`, given_name: 'Learner', family_name: String(i + 1), email: `learner${i + 1}@uni.example`, roles: [`${LIS}membership#Learner`], status: 'Active' })),
  ];

  /** Deep-linking responses received (signature verified against the tool's JWKS), with their content items. */
  readonly deepLinks: { payload: Record<string, unknown>; items: Record<string, unknown>[] }[] = [];
  /** Resource links made from those responses, by id; launch one with lti_message_hint placedLinkHint(id). */
  readonly placedLinks = new Map<string, PlacedLink>();
  /** The LMS user's language, sent as launch_presentation.locale (BCP 47, e.g. "nl-NL"). */
  locale = 'en';
  /** Merged into the deep_linking_settings of deep-linking launches (e.g. `data`, other `accept_types`). */
  deepLinkingSettings: Record<string, unknown> = {};

  /** The LMS this simulator behaves like, with the rules it enforces (lmsProfiles.ts). */
  readonly profile: LmsProfile;
  /** How far the LMS server's clock is off (seconds, negative: behind), for clock-skew tests. */
  clockOffsetSeconds = 0;
  /** Hints handed out and not yet used, by Moodle launch id or Canvas verifier. */
  private readonly pendingHints = new Map<string, { what: string; expiresAt: number | null }>();
  /** Canvas signs its hints with a secret of its own (Canvas::Security.create_jwt, HS256). */
  private readonly hintSecret = randomBytes(32);
  /** Moodle course modules of the LTI activities, by what they launch (resource link, placed link). */
  private readonly courseModules = new Map<string, number>();
  /** The origin of the OIDC auth endpoint when the profile keeps it apart from the issuer (Canvas's sso domain). */
  private authServer?: http.Server;
  authOrigin = '';

  constructor(profileName: LmsProfileName = 'generic') {
    this.profile = LMS_PROFILES[profileName];
    if (!this.profile) throw new Error(`unknown LMS profile "${profileName}": one of ${Object.keys(LMS_PROFILES).join(', ')}`);
  }

  /** microcred's name for the LMS family: moodle, canvas or other. */
  get flavour() {
    return this.profile.family;
  }

  /**
   * The lti_message_hint the LMS puts in a login initiation for what is launched
   * ('resource-link', 'deep-linking' or placedLinkHint(id)). A profile with single-use
   * hints mints a new one each time, as Moodle does.
   */
  messageHint(what: string): string {
    const lifetime = this.profile.messageHintLifetimeSeconds;
    const expiresAt = lifetime === null ? null : this.now() + lifetime;
    switch (this.profile.messageHintFormat) {
      case 'opaque':
        return what;
      case 'moodle-json': {
        // lti_build_login_request(): 'ltilaunch<instance id>_<rand>' for an activity (with its
        // cmid), 'ltilaunch_<message type><rand>' for a deep-linking request (no cmid).
        const cmid = this.courseModuleOf(what);
        const rand = randomBytes(4).readUInt32BE();
        const launchid = cmid === undefined ? `ltilaunch_ContentItemSelectionRequest${rand}` : `ltilaunch${cmid - 6}_${rand}`;
        this.pendingHints.set(launchid, { what, expiresAt });
        return JSON.stringify(cmid === undefined ? { launchid } : { cmid, launchid });
      }
      case 'canvas-jwt': {
        // lti_advantage_adapter.rb cache_payload: the launch is cached under a random verifier.
        const verifier = randomBytes(64).toString('hex');
        this.pendingHints.set(verifier, { what, expiresAt });
        return this.hs256({ verifier, canvas_domain: new URL(this.issuer).host, context_type: 'Course', context_id: 101, canvas_locale: this.locale, include_storage_target: Boolean(this.profile.platformStorage), exp: expiresAt });
      }
    }
  }

  /** What a hint from an authentication request launches, or why the LMS refuses it. */
  resolveMessageHint(hint: string): HintResolution {
    let key: string | undefined;
    switch (this.profile.messageHintFormat) {
      case 'opaque':
        return { what: hint };
      case 'moodle-json':
        try {
          key = (JSON.parse(hint) as { launchid?: unknown }).launchid as string | undefined;
        } catch {
          key = undefined;
        }
        if (typeof key !== 'string') return { refused: 'invalid' };
        break;
      case 'canvas-jwt': {
        const payload = this.verifyHs256(hint);
        if (!payload || typeof payload.exp !== 'number' || payload.exp <= this.now()) return { refused: 'invalid' };
        key = String(payload.verifier);
        break;
      }
    }
    const pending = this.pendingHints.get(key);
    if (this.profile.singleUseMessageHint) this.pendingHints.delete(key);
    if (!pending || (pending.expiresAt !== null && pending.expiresAt <= this.now())) return { refused: 'used-or-expired' };
    return { what: pending.what };
  }

  /** Moodle's course module id of the activity that launches `what`; none for deep linking. */
  courseModuleOf(what: string): number | undefined {
    if (what === 'deep-linking') return undefined;
    let cmid = this.courseModules.get(what);
    if (cmid === undefined) {
      cmid = 7 + this.courseModules.size;
      this.courseModules.set(what, cmid);
    }
    return cmid;
  }

  /** Moodle's launch address for an activity (mod/lti/launch.php?id=<cmid>). */
  moodleLaunchUrl(what = 'resource-link'): string {
    return `${this.issuer}/mod/lti/launch.php?id=${this.courseModuleOf(what)}`;
  }

  /** The LMS server's clock, in seconds. */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
  }

  private hs256(payload: Record<string, unknown>): string {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${enc({ typ: 'JWT', alg: 'HS256' })}.${enc(payload)}`;
    return `${body}.${createHmac('sha256', this.hintSecret).update(body).digest('base64url')}`;
  }

  private verifyHs256(jwt: string): Record<string, unknown> | undefined {
    const [h, p, sig] = jwt.split('.');
    if (!h || !p || !sig) return undefined;
    const expected = createHmac('sha256', this.hintSecret).update(`${h}.${p}`).digest();
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

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
    this.authOrigin = this.issuer;
    if (this.profile.authEndpointOrigin === 'own') {
      // Another origin (another port) standing in for Canvas's sso domain, served by the same LMS.
      this.authServer = http.createServer((req, res) => {
        this.handle(req, res).catch((err) => {
          res.statusCode = 500;
          res.end(String(err));
        });
      });
      await new Promise<void>((r) => this.authServer!.listen(0, '127.0.0.1', r));
      this.authOrigin = `http://127.0.0.1:${(this.authServer.address() as AddressInfo).port}`;
    }
    return this;
  }

  async stop() {
    for (const server of [this.server, this.authServer]) await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }

  get urls() {
    return {
      auth: this.profile.authEndpointOrigin === 'own' ? `${this.authOrigin}/api/lti/authorize_redirect` : `${this.issuer}/auth`,
      token: `${this.issuer}/token`,
      jwks: `${this.issuer}/jwks`,
      openidConfiguration: `${this.issuer}/.well-known/openid-configuration`,
    };
  }

  /** What an admin types into microcred's platform form for this simulator. */
  registration() {
    return {
      name: `Simulated ${this.profile.name}`,
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
        locale: this.locale,
        document_target: 'iframe',
        return_url: this.flavour === 'canvas' ? `${CANVAS_SCHOOL_ORIGIN}/courses/101/external_content/success/external_tool_redirect` : `${this.issuer}/course/view.php?id=101`,
      },
      [`${C}tool_platform`]: this.flavour === 'canvas'
        ? { guid: 'canvas-guid', name: 'Canvas Test', product_family_code: 'canvas', version: 'cloud' }
        : { guid: '127.0.0.1', name: `${this.profile.name} test`, product_family_code: this.profile.productFamilyCode, version: this.profile.platformVersion, url: this.issuer },
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
      Object.assign(claims['https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings'] as object, this.deepLinkingSettings);
    }
    if (this.flavour === 'canvas') {
      claims[`${C}custom`] = { canvas_course_id: '101', canvas_user_id: user.sub };
      claims['https://www.instructure.com/placement'] = 'course_navigation';
    } else if (this.flavour === 'moodle') {
      claims[`${C}lis`] = { person_sourcedid: user.sub, course_section_sourcedid: '' };
      claims[`${C}ext`] = { lms: 'moodle-2' };
    }
    return claims;
  }

  /**
   * Launch claims for a placed link: its resource_link and custom parameters and, as
   * platforms do for a link with a gradebook column, the AGS `lineitem` of that column.
   */
  placedLinkClaims(user: SimUser, nonce: string, link: PlacedLink): Record<string, unknown> {
    const C = 'https://purl.imsglobal.org/spec/lti/claim/';
    const AGS = 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint';
    const claims = this.launchClaims(user, nonce);
    claims[`${C}resource_link`] = { id: link.id, title: link.title };
    claims[`${C}custom`] = { ...(claims[`${C}custom`] as Record<string, string> | undefined), ...link.custom };
    if (link.lineItemId) claims[AGS] = { ...(claims[AGS] as object), lineitem: link.lineItemId };
    return claims;
  }

  /** Signs an id_token. Tests use the options to forge bad ones. */
  async signIdToken(
    claims: Record<string, unknown>,
    opts: { key?: KeyLike; kid?: string; alg?: string; iss?: string; aud?: string | string[]; iat?: number; exp?: number } = {},
  ): Promise<string> {
    // Signed by the LMS's clock, valid for the profile's lifetime from then.
    const iat = opts.iat ?? this.now();
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? this.kid, typ: 'JWT' })
      .setIssuer(opts.iss ?? this.issuer)
      .setAudience(opts.aud ?? this.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(opts.exp ?? iat + this.profile.idTokenLifetimeSeconds);
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

  private nextFlakyRequestFails(): boolean {
    const rate = this.agsFaults.failRate;
    if (rate <= 0) return false;
    const n = this.agsFlakyRequests++;
    return Math.floor((n + 1) * rate) > Math.floor(n * rate);
  }

  private html(res: ServerResponse, body: string) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  }

  private text(res: ServerResponse, status: number, body: string) {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  }

  /** Who is signed in to the LMS in this browser (its session cookie), if anyone. */
  private sessionUser(req: IncomingMessage): SimUser | undefined {
    const name = /(?:^|;\s*)lms_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    return name ? USERS[name as keyof typeof USERS] : undefined;
  }

  /**
   * The LMS's OIDC login initiation for `what`, auto-posted to the tool's login URL: the
   * parameters its LMS sends (Moodle: lti_build_login_request(); Canvas: doc/api/
   * lti_dev_key_config.md Step 1) and a fresh lti_message_hint.
   */
  loginInitiationPage(user: SimUser, what: string, targetLinkUri = this.toolLaunchUrl): string {
    const loginUrl = this.toolLaunchUrl.replace(/\/lti\/launch$/, '/lti/login');
    return (
      `<!doctype html><html lang="en"><title>Launching</title><form id="f" method="post" action="${escapeHtml(loginUrl)}">` +
      Object.entries(this.loginInitiation(user, what, targetLinkUri)).map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`).join('') +
      `</form><script>document.getElementById('f').submit()</script></html>`
    );
  }

  /** The login initiation parameters this LMS sends to launch `what` for `user`, with a fresh lti_message_hint. */
  loginInitiation(user: SimUser, what: string, targetLinkUri = this.toolLaunchUrl): Record<string, string> {
    const fields: Record<string, string> = {
      iss: this.issuer,
      login_hint: user.sub,
      target_link_uri: targetLinkUri,
      client_id: this.clientId,
      lti_deployment_id: this.deploymentId,
      lti_message_hint: this.messageHint(what),
    };
    if (this.profile.messageHintFormat === 'canvas-jwt') Object.assign(fields, { canvas_environment: 'prod', canvas_region: 'not_configured' });
    if (this.profile.platformStorage) fields.lti_storage_target = this.profile.platformStorage.target;
    return fields;
  }

  /**
   * The course page's script: LTI platform storage (lti.capabilities, lti.put_data,
   * lti.get_data), kept per tool origin as Canvas keeps it per tool (platform_storage.ts), and
   * for Canvas requestFullWindowLaunch. Canvas's messages come relayed by its forwarding frame
   * (with sourceToolInfo) and its answers go back through it.
   */
  private coursePageScript(): string {
    const storage = this.profile.platformStorage;
    const frame = storage && storage.target !== '_parent' ? storage.target : undefined;
    const retrieve = `/courses/101/external_tools/retrieve?display=borderless`;
    return `(function(){var store={};var FORWARDER=${JSON.stringify(frame ? this.authOrigin : null)};var FRAME=${JSON.stringify(frame ?? null)};
window.addEventListener('message',function(e){var m=e.data||{};if(!m.subject)return;
var relayed=FORWARDER&&e.origin===FORWARDER&&m.sourceToolInfo;var tool=relayed?m.sourceToolInfo.origin:e.origin;
var reply=function(r){r.message_id=m.message_id;if(relayed)r.sourceToolInfo=m.sourceToolInfo;e.source.postMessage(r,e.origin)};
var k='lti|platform_storage|'+tool+'|'+m.key;
if(m.subject==='lti.capabilities')reply({subject:'lti.capabilities.response',supported_messages:[{subject:'lti.put_data',frame:FRAME||undefined},{subject:'lti.get_data',frame:FRAME||undefined}]});
if(m.subject==='lti.put_data'){store[k]=m.value;reply({subject:'lti.put_data.response',key:m.key,value:m.value})}
if(m.subject==='lti.get_data')reply({subject:'lti.get_data.response',key:m.key,value:Object.prototype.hasOwnProperty.call(store,k)?store[k]:null});
if(m.subject==='requestFullWindowLaunch'&&${JSON.stringify(this.profile.freshLaunch === 'canvas-full-window')}){var d=typeof m.data==='string'?{url:m.data}:(m.data||{});if(!d.url)return;
var u=new URL(d.url);u.searchParams.append('platform_redirect_url',location.href);u.searchParams.append('full_win_launch_requested','1');
var to=${JSON.stringify(retrieve)}+'&url='+encodeURIComponent(u.toString())+(d.placement?'&placement='+encodeURIComponent(d.placement):'');
if(d.launchType==='new_window')window.open(to,'newWindowLaunch');else if(d.launchType==='popup')window.open(to,'popupLaunch','width=800,height=600');else location.assign(to)}
})})()`;
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

    // --- Pages a person sees in the LMS (browser journeys) ---------------------------------
    // The course page embeds the tool in an iframe, as Moodle and Canvas do, on this origin
    // (127.0.0.1), another site than the tool's (localhost). Visiting it signs the person in to
    // the LMS (its own first-party session cookie), as being in a course page implies.
    // With platform storage it answers lti.put_data / lti.get_data as the profile's LMS does:
    // Canvas through its post_message_forwarding frame, a generic platform directly; Moodle
    // 4.5 answers none.
    if (url.pathname === '/course' && req.method === 'GET') {
      const user = USERS[(url.searchParams.get('user') ?? 'learner') as keyof typeof USERS] ? (url.searchParams.get('user') ?? 'learner') : 'learner';
      const frame = `/course/frame?${new URLSearchParams({ user, hint: url.searchParams.get('hint') ?? 'resource-link' })}`;
      const storage = this.profile.platformStorage;
      const forwarding =
        storage && storage.target === 'post_message_forwarding'
          ? // app/views/…: Canvas renders this hidden sibling frame next to the tool's, on the OIDC auth domain.
            `<iframe id="post_message_forwarding" name="post_message_forwarding" title="post_message_forwarding" src="${escapeHtml(this.authOrigin)}/post_message_forwarding" hidden></iframe>`
          : '';
      const script = storage ? `<script>${this.coursePageScript()}</script>` : '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': `${LMS_SESSION_COOKIE}=${user}; Path=/; HttpOnly; SameSite=Lax` });
      return res.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(this.context.title)} · ${this.flavour}</title>` +
          `<style>body{margin:0;font-family:sans-serif}header{padding:8px 16px;background:#f98012;color:#000}iframe#tool{display:block;width:100%;height:calc(100vh - 48px);border:0}</style></head>` +
          `<body><header><strong>${escapeHtml(this.context.title)}</strong> · ${this.flavour} (LMS simulator)</header>` +
          `<iframe id="tool" name="tool" title="microcred" src="${escapeHtml(frame)}"></iframe>${forwarding}${script}</body></html>`,
      );
    }
    // Inside the iframe: the OIDC login initiation, posted to the tool as an LMS does.
    if (url.pathname === '/course/frame' && req.method === 'GET') {
      const user = USERS[(url.searchParams.get('user') ?? 'learner') as keyof typeof USERS] ?? USERS.learner;
      return this.html(res, this.loginInitiationPage(user, url.searchParams.get('hint') ?? 'resource-link'));
    }
    // Moodle's launch address for an activity, as its "New window" launch container and its
    // own pages open it: a fresh login initiation with a new single-use hint, for the person
    // signed in to Moodle (require_login).
    if (url.pathname === '/mod/lti/launch.php' && req.method === 'GET' && this.profile.freshLaunch === 'moodle-launch-php') {
      const what = [...this.courseModules].find(([, cmid]) => String(cmid) === url.searchParams.get('id'))?.[0];
      if (!what) return this.text(res, 404, "Can't find data record in database table course_modules.");
      const user = this.sessionUser(req);
      if (!user) return this.text(res, 401, 'You are not logged in.');
      return this.html(res, this.loginInitiationPage(user, what));
    }
    // Canvas's answer to requestFullWindowLaunch (requestFullWindowLaunch.ts buildLaunchUrl):
    // the tool launched afresh at `url`, here a new login initiation with a new hint.
    if (/^\/courses\/[^/]+\/external_tools\/retrieve$/.test(url.pathname) && req.method === 'GET' && this.profile.freshLaunch === 'canvas-full-window') {
      const user = this.sessionUser(req);
      if (!user) return this.text(res, 401, 'You are not logged in.');
      const target = url.searchParams.get('url') ?? '';
      if (!target.startsWith(this.toolLaunchUrl)) return this.text(res, 404, 'The requested tool was not found.');
      return this.html(res, this.loginInitiationPage(user, 'resource-link', target));
    }
    // Canvas's forwarding frame (ui/features/post_message_forwarding/index.ts), on the auth origin.
    if (url.pathname === '/post_message_forwarding' && req.method === 'GET' && this.profile.platformStorage && this.profile.platformStorage.target === 'post_message_forwarding') {
      return this.html(res, `<!doctype html><html lang="en"><title>post_message_forwarding</title><script>${forwardingFrameScript(this.issuer)}</script></html>`);
    }
    // The LMS administrator's "add a tool by dynamic registration": paste the tool's URL, and
    // the LMS opens it in a frame with its openid_configuration and a registration token.
    if (url.pathname === '/admin/tool/register' && req.method === 'GET') {
      const toolUrl = url.searchParams.get('url');
      if (!toolUrl) {
        return this.html(
          res,
          `<!doctype html><html lang="en"><title>Add an LTI tool</title><main><h1>Add an LTI Advantage tool</h1><form method="get" action="/admin/tool/register">` +
            `<label for="url">Tool URL</label> <input id="url" name="url" type="url" size="80"> <button type="submit">Add tool</button></form></main></html>`,
        );
      }
      const target = new URL(toolUrl);
      target.searchParams.set('openid_configuration', this.urls.openidConfiguration);
      target.searchParams.set('registration_token', 'sim-registration-token');
      return this.html(
        res,
        `<!doctype html><html lang="en"><title>Registering the tool</title><main><h1>Registering the tool</h1>` +
          `<iframe id="registration" title="Tool registration" src="${escapeHtml(target.toString())}" style="width:100%;height:400px;border:1px solid #999"></iframe>` +
          `<p id="status">Waiting for the tool…</p></main><script>window.addEventListener('message',function(e){if(e.data&&e.data.subject==='org.imsglobal.lti.close'){document.getElementById('status').textContent='The tool is registered.'}})</script></html>`,
      );
    }

    if (url.pathname === '/jwks') return this.json(res, 200, { keys: [this.publicJwk] });

    if (url.pathname === '/auth' || url.pathname === '/api/lti/authorize_redirect') {
      const q = url.searchParams;
      const problem = this.checkAuthRequest(q);
      if (problem) return this.text(res, 400, problem);
      const user = Object.values(USERS).find((u) => u.sub === q.get('login_hint'))!;
      const hint = this.resolveMessageHint(q.get('lti_message_hint') ?? '');
      const post = (fields: Record<string, string>) =>
        this.html(
          res,
          `<!doctype html><form id="f" method="post" action="${escapeHtml(q.get('redirect_uri')!)}">` +
            Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`).join('') +
            `</form><script>document.getElementById('f').submit()</script>`,
        );
      if ('refused' in hint) {
        // Canvas (authentication_controller.rb): a hint that does not decode is a 400; a launch
        // used or expired goes back to the tool as an OIDC error. Moodle (auth.php): "Invalid request".
        if (this.profile.messageHintFormat === 'canvas-jwt') {
          if (hint.refused === 'invalid') return this.text(res, 400, 'Invalid lti_message_hint');
          return post({ error: 'launch_no_longer_valid', error_description: 'The launch has either expired or already been consumed', state: q.get('state') ?? '' });
        }
        return this.text(res, 400, 'Invalid request');
      }
      const messageType = hint.what === 'deep-linking' ? 'LtiDeepLinkingRequest' : 'LtiResourceLinkRequest';
      const placed = hint.what.startsWith('link:') ? this.placedLinks.get(hint.what.slice('link:'.length)) : undefined;
      const idToken = await this.signIdToken(placed ? this.placedLinkClaims(user, q.get('nonce')!, placed) : this.launchClaims(user, q.get('nonce')!, messageType));
      // Canvas repeats lti_storage_target in the launch (authentication_controller.rb launch_parameters).
      const storage: Record<string, string> = this.profile.platformStorage && this.profile.messageHintFormat === 'canvas-jwt' ? { lti_storage_target: this.profile.platformStorage.target } : {};
      return post({ id_token: idToken, state: q.get('state') ?? '', ...storage });
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

    if (url.pathname === '/deeplink/return' && req.method === 'POST') {
      // Like Moodle and Canvas: verify the tool's signed response, then make a resource link
      // of each ltiResourceLink item and, when it asks for one, its gradebook column.
      const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
      const C = 'https://purl.imsglobal.org/spec/lti/claim/';
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(String((body as Record<string, string>).JWT ?? ''), createRemoteJWKSet(new URL(this.toolJwksUrl)), { issuer: this.clientId, audience: this.issuer }));
      } catch (e) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end(`invalid deep-linking response: ${String(e)}`);
      }
      if (payload[`${C}message_type`] !== 'LtiDeepLinkingResponse' || payload[`${C}deployment_id`] !== this.deploymentId || payload[`${C}version`] !== '1.3.0') {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end('not an LtiDeepLinkingResponse for this deployment');
      }
      const items = (payload[`${DL}content_items`] ?? []) as Record<string, unknown>[];
      this.deepLinks.push({ payload, items });
      for (const item of items.filter((i) => i.type === 'ltiResourceLink')) {
        const link: PlacedLink = { id: `rl-dl-${this.placedLinks.size + 1}`, title: String(item.title ?? 'Tool link'), custom: (item.custom ?? {}) as Record<string, string> };
        const li = item.lineItem as { label?: string; scoreMaximum?: number; resourceId?: string; tag?: string } | undefined;
        if (li) {
          link.lineItemId = `${this.issuer}/ags/${this.context.id}/lineitems/${this.lineItems.size + 1}`;
          this.lineItems.set(link.lineItemId, { id: link.lineItemId, label: li.label ?? link.title, scoreMaximum: li.scoreMaximum, resourceId: li.resourceId, tag: li.tag, resourceLinkId: link.id });
        }
        this.placedLinks.set(link.id, link);
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<!doctype html><title>Added</title><p>Added ${items.length} item(s) to the course.</p>`);
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
        'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: this.profile.productFamilyCode, version: this.profile.platformVersion, messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }] },
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
      this.nrpsRequests++;
      if (this.nrpsRateLimit && this.nrpsRequests % this.nrpsRateLimit.every === 0) {
        const wait: Record<string, string> = this.nrpsRateLimit.retryAfterSeconds > 0 ? { 'retry-after': String(this.nrpsRateLimit.retryAfterSeconds) } : {};
        return this.json(res, 429, { error: 'rate_limited', error_description: 'Too many requests' }, wait);
      }
      // Paged like Moodle and Canvas: `limit` per page, Link rel="next" until the end.
      const limit = Number(url.searchParams.get('limit') ?? this.nrpsPageSize);
      const page = Number(url.searchParams.get('page') ?? 1);
      if (this.nrpsFailFromPage !== undefined && page >= this.nrpsFailFromPage) return this.json(res, 500, { error: 'server_error', error_description: 'The roster service is unavailable' });
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
      this.agsInFlight++;
      this.agsPeakInFlight = Math.max(this.agsPeakInFlight, this.agsInFlight);
      res.once('close', () => this.agsInFlight--);
      if (this.agsFaults.latencyMs) await new Promise((r) => setTimeout(r, this.agsFaults.latencyMs));
      if (this.agsFaults.down || this.nextFlakyRequestFails()) {
        this.agsFailures++;
        if (!this.agsFaults.down && this.agsFailures % 3 === 0) {
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: 'rate limited' }));
        }
        return this.json(res, this.agsFaults.down ? 503 : 500, { error: 'server_error', error_description: 'injected fault' });
      }
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
        const refusal = this.rejectScores.get(itemId);
        if (refusal) return this.json(res, 400, { error: 'invalid_score', error_description: refusal });
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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Canvas's post_message_forwarding page (ui/features/post_message_forwarding/index.ts): relays
 * a tool's messages to Canvas's window with the tool's origin and a window id, and Canvas's
 * answers back to that window, addressed to that origin only.
 */
function forwardingFrameScript(parentOrigin: string): string {
  return `(function(){var windows=[];var PARENT=${JSON.stringify(parentOrigin)};
window.addEventListener('message',function(e){var m=e.data;if(typeof m==='string'){try{m=JSON.parse(m)}catch(x){return}}if(!m)return;
if(e.origin===PARENT){var info=m.sourceToolInfo;if(!info)return;var out={};for(var k in m)if(k!=='sourceToolInfo')out[k]=m[k];var w=windows[info.windowId];if(w)w.postMessage(out,info.origin);return}
var id=windows.indexOf(e.source);if(id===-1){windows.push(e.source);id=windows.length-1}
var fwd={};for(var j in m)fwd[j]=m[j];fwd.sourceToolInfo={origin:e.origin,windowId:id};window.top.postMessage(fwd,PARENT)})})()`;
}

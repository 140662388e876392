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
/** The tool type id a Moodle puts in its service URLs (…?type_id=1). */
const MOODLE_TYPE_ID = '1';
const CANVAS_SUBMISSION = 'https://canvas.instructure.com/lti/submission';
/** An ISO 8601 date-time, as Moodle's validate_iso8601_date() and Canvas's Time.zone.iso8601 want it. */
const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/;
export const USERS: Record<string, SimUser> = {
  instructor: {
    sub: 'u-teacher-1',
    name: 'Ada Teacher',
    given_name: 'Ada',
    family_name: 'Teacher',
    email: 'ada@uni.example',
    roles: [`${LIS}membership#Instructor`, `${LIS}institution/person#Faculty`],
  },
  ta: {
    sub: 'u-ta-1',
    name: 'Tom Assistant',
    given_name: 'Tom',
    family_name: 'Assistant',
    email: 'tom@uni.example',
    roles: [`${LIS}membership/Instructor#TeachingAssistant`],
  },
  learner: {
    sub: 'u-learner-1',
    name: 'Lena Learner',
    given_name: 'Lena',
    family_name: 'Learner',
    email: 'lena@uni.example',
    roles: [`${LIS}membership#Learner`, `${LIS}institution/person#Student`],
  },
  instructor2: {
    sub: 'u-teacher-2',
    name: 'Ben Marker',
    given_name: 'Ben',
    family_name: 'Marker',
    email: 'ben@uni.example',
    roles: [`${LIS}membership#Instructor`],
  },
  learner2: {
    sub: 'u-learner-2',
    name: 'Max Student',
    given_name: 'Max',
    family_name: 'Student',
    email: 'max@uni.example',
    roles: [`${LIS}membership#Learner`],
  },
  admin: {
    sub: 'u-admin-1',
    name: 'Sam Admin',
    given_name: 'Sam',
    family_name: 'Admin',
    email: 'sam@uni.example',
    roles: [`${LIS}system/person#Administrator`, `${LIS}institution/person#Administrator`],
  },
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

/** Moodle's "Share launcher's name/e-mail with tool" (lti_sendname, lti_sendemailaddr). */
export type MoodleShare = 'never' | 'always' | 'delegate';
/** Canvas's privacy level of a tool. */
export type CanvasPrivacyLevel = 'anonymous' | 'name_only' | 'email_only' | 'public';

/** What an authentication request's lti_message_hint turned out to be. */
export type HintResolution = { what: string } | { refused: 'invalid' | 'used-or-expired' };

export interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export class PlatformSimulator {
  readonly clientId = `microcred-client-${randomUUID().slice(0, 8)}`;
  readonly deploymentId = 'dep-1';
  readonly context = { id: 'course-101', label: 'BIO101', title: 'Biology 101', type: [`${LIS}course#CourseOffering`] };
  readonly resourceLink = { id: 'rl-1', title: 'Micro-credentials' };
  readonly received: Recorded[] = [];
  /** The tool's launch URL (redirect_uri); set when the tool is known. */
  toolLaunchUrl = '';
  toolJwksUrl = '';
  private server?: http.Server;
  private privateKey!: KeyLike;
  private publicKey!: KeyLike;
  publicJwk!: JWK;
  readonly kid = `sim-key-${randomUUID().slice(0, 8)}`;
  issuer = '';
  /**
   * Knob: the NRPS page size when the tool asks for none, instead of the profile's own
   * (nrpsDefaultPageSize; Moodle's is none: the whole roster at once). Tests set it to read a
   * small roster over several pages.
   */
  nrpsPageSize: number | undefined;
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
  /** Every score POST the LMS answered, in the order it answered, with its HTTP status. */
  readonly scoreLog: { lineItem: string; userId: string; timestamp: string; status: number; score: Record<string, unknown> }[] = [];
  /**
   * Fault (Moodle): a grade for these users is saved in the LMS (by another writer, or with the
   * LMS's clock a second ahead) in the very second the tool's next score arrives, so that score
   * is not later than the grade's timemodified and Moodle answers 409.
   */
  readonly gradeSavedInLmsAtNextScore = new Set<string>();
  /** Line items the LMS made for a placed activity (deep linking): Moodle's "coupled" grade items. */
  private readonly coupledLineItems = new Set<string>();
  /** Moodle's grade_grades row per line item and user: final grade, feedback, timemodified (s). */
  private readonly moodleGrades = new Map<string, { grade: number | null; feedback: string | null; timemodified: number | null }>();
  /** Canvas's Lti::Result updated_at per line item and user: the accepted score's own timestamp (ms). */
  private readonly canvasResults = new Map<string, number>();
  /** Score POSTs held back by holdScores(), to be answered in an order the test chooses. */
  private heldScores?: { arrived: { go: () => void; done: Promise<void> }[] };
  /** The course roster NRPS serves: the named users and a class of generated learners. */
  members = [
    ...Object.values(USERS).map((u) => ({
      user_id: u.sub,
      name: u.name,
      given_name: u.given_name,
      family_name: u.family_name,
      email: u.email,
      roles: u.roles,
      status: 'Active',
    })),
    ...Array.from({ length: 21 }, (_, i) => ({
      user_id: `u-gen-${i + 1}`,
      name: `Learner ${i + 1}`,
      given_name: 'Learner',
      family_name: String(i + 1),
      email: `learner${i + 1}@uni.example`,
      roles: [`${LIS}membership#Learner`],
      status: 'Active',
    })),
  ];

  /** Deep-linking responses received (signature verified against the tool's JWKS), with their content items. */
  readonly deepLinks: { payload: Record<string, unknown>; items: Record<string, unknown>[] }[] = [];
  /** Resource links made from those responses, by id; launch one with lti_message_hint placedLinkHint(id). */
  readonly placedLinks = new Map<string, PlacedLink>();
  /** The LMS user's language, sent as launch_presentation.locale (BCP 47, e.g. "nl-NL"). */
  locale = 'en';
  /** Merged into the deep_linking_settings of deep-linking launches (e.g. `data`, other `accept_types`). */
  deepLinkingSettings: Record<string, unknown> = {};

  /**
   * What the LMS is set to tell the tool about people (profile.personalData). Moodle: the tool
   * type's two settings as an administrator who adds the tool by hand finds them (Delegate to
   * teacher), and the activity's teacher choices (ticked). Canvas: the privacy level of
   * microcred's own configuration (public). Dynamic registration sets them from the claims the
   * tool asks for. Tests change them as an administrator or teacher would.
   */
  sharing = {
    moodle: { name: 'delegate' as MoodleShare, email: 'delegate' as MoodleShare, teacherSharesName: true, teacherSharesEmail: true },
    canvasPrivacyLevel: 'public' as CanvasPrivacyLevel,
  };

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
    this.nrpsPageSize = this.profile.nrpsDefaultPageSize;
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
        return this.hs256({
          verifier,
          canvas_domain: new URL(this.issuer).host,
          context_type: 'Course',
          context_id: 101,
          canvas_locale: this.locale,
          include_storage_target: Boolean(this.profile.platformStorage),
          exp: expiresAt,
        });
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
    this.publicKey = publicKey;
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
      openidConfiguration: `${this.issuer}${this.profile.dynamicRegistration.openidConfigurationPath}`,
      registration: `${this.issuer}${this.profile.dynamicRegistration.registrationPath}`,
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

  /**
   * Whether the LMS tells the tool this person's names or e-mail address (profile.personalData).
   * `activity`: the request names an activity (a resource-link launch; NRPS with rlid), whose
   * teacher choice Moodle's Delegate setting follows.
   */
  shares(field: 'name' | 'email', activity: boolean): boolean {
    switch (this.profile.personalData) {
      case 'always':
        return true;
      case 'canvas-privacy-level': {
        const level = this.sharing.canvasPrivacyLevel;
        return level === 'public' || level === (field === 'name' ? 'name_only' : 'email_only');
      }
      case 'moodle-settings': {
        const m = this.sharing.moodle;
        return m[field] === 'always' || (m[field] === 'delegate' && activity && (field === 'name' ? m.teacherSharesName : m.teacherSharesEmail));
      }
    }
  }

  /** The names and e-mail address of a person, as far as the LMS shares them (shares()). */
  private personalData(
    person: { name?: string; given_name?: string; family_name?: string; email?: string },
    activity: boolean,
  ): Record<string, string | undefined> {
    return {
      ...(this.shares('name', activity) ? { name: person.name, given_name: person.given_name, family_name: person.family_name } : {}),
      ...(this.shares('email', activity) ? { email: person.email } : {}),
    };
  }

  /** Realistic Moodle- or Canvas-shaped launch claims for a user. */
  launchClaims(user: SimUser, nonce: string, messageType = 'LtiResourceLinkRequest'): Record<string, unknown> {
    const C = 'https://purl.imsglobal.org/spec/lti/claim/';
    const claims: Record<string, unknown> = {
      nonce,
      sub: user.sub,
      ...this.personalData(user, messageType === 'LtiResourceLinkRequest'),
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
        return_url:
          this.flavour === 'canvas'
            ? `${CANVAS_SCHOOL_ORIGIN}/courses/101/external_content/success/external_tool_redirect`
            : `${this.issuer}/course/view.php?id=101`,
      },
      [`${C}tool_platform`]:
        this.flavour === 'canvas'
          ? { guid: 'canvas-guid', name: 'Canvas Test', product_family_code: 'canvas', version: 'cloud' }
          : {
              guid: '127.0.0.1',
              name: `${this.profile.name} test`,
              product_family_code: this.profile.productFamilyCode,
              version: this.profile.platformVersion,
              url: this.issuer,
            },
      'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': {
        scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/lineitem', 'https://purl.imsglobal.org/spec/lti-ags/scope/score'],
        lineitems: this.lineItemsUrl,
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
    /** `iat: null` leaves the claim out (a forged token; every LMS sets it). */
    opts: { key?: KeyLike; kid?: string; alg?: string; iss?: string; aud?: string | string[]; iat?: number | null; exp?: number } = {},
  ): Promise<string> {
    // Signed by the LMS's clock, valid for the profile's lifetime from then.
    const iat = opts.iat ?? this.now();
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? this.kid, typ: 'JWT' })
      .setIssuer(opts.iss ?? this.issuer)
      .setAudience(opts.aud ?? this.clientId)
      .setExpirationTime(opts.exp ?? iat + this.profile.idTokenLifetimeSeconds);
    if (opts.iat !== null) jwt.setIssuedAt(iat);
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
      Object.entries(this.loginInitiation(user, what, targetLinkUri))
        .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
        .join('') +
      `</form><script>document.getElementById('f').submit()</script></html>`
    );
  }

  /**
   * The login initiation parameters this LMS sends to launch `what` for `user`, with a fresh
   * lti_message_hint. client_id is optional in LTI 1.3; Moodle sends it (mod/lti/locallib.php
   * lti_build_login_request: `$params['client_id'] = $config->lti_clientid`), and so does Canvas
   * (lib/lti/lti_advantage_adapter.rb login_request: `client_id: @tool.global_developer_key_id`).
   */
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
      // The tool's frame has no `sandbox`, as in both LMSs (moodle/moodle mod/lti/view.php: id,
      // height, width, src, allow, allowfullscreen; instructure/canvas-lms
      // app/views/lti/_launch_iframe.html.erb: name, id, class, title, style, allow, data): the
      // tool's pages keep their own origin, so their forms post same-origin (src/web/csrf.ts).
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
    if (
      url.pathname === '/post_message_forwarding' &&
      req.method === 'GET' &&
      this.profile.platformStorage &&
      this.profile.platformStorage.target === 'post_message_forwarding'
    ) {
      return this.html(
        res,
        `<!doctype html><html lang="en"><title>post_message_forwarding</title><script>${forwardingFrameScript(this.issuer)}</script></html>`,
      );
    }
    // The LMS administrator's pages for adding a tool by dynamic registration.
    if (await this.handleDynamicRegistration(req, res, url, body)) return;

    if (url.pathname === '/jwks') return this.json(res, 200, { keys: [this.publicJwk] });

    if (url.pathname === '/auth' || url.pathname === '/api/lti/authorize_redirect') {
      const q = url.searchParams;
      const problem = this.checkAuthRequest(q);
      if (problem) return this.text(res, 400, problem);
      const user = Object.values(USERS).find((u) => u.sub === q.get('login_hint'))!;
      if (this.profile.dynamicRegistration.launchesNeedInstall && this.dynamicRegistration?.state === 'pending') {
        // Canvas renders its authorize page posting the OIDC error to the tool instead of an id_token.
        return this.html(
          res,
          autoPost(q.get('redirect_uri')!, {
            error: 'unauthorized_client',
            error_description: 'Client not authorized in requested context',
            state: q.get('state') ?? '',
          }),
        );
      }
      const hint = this.resolveMessageHint(q.get('lti_message_hint') ?? '');
      const post = (fields: Record<string, string>) =>
        this.html(
          res,
          `<!doctype html><form id="f" method="post" action="${escapeHtml(q.get('redirect_uri')!)}">` +
            Object.entries(fields)
              .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
              .join('') +
            `</form><script>document.getElementById('f').submit()</script>`,
        );
      if ('refused' in hint) {
        // Canvas (authentication_controller.rb): a hint that does not decode is a 400; a launch
        // used or expired goes back to the tool as an OIDC error. Moodle (auth.php): "Invalid request".
        if (this.profile.messageHintFormat === 'canvas-jwt') {
          if (hint.refused === 'invalid') return this.text(res, 400, 'Invalid lti_message_hint');
          return post({
            error: 'launch_no_longer_valid',
            error_description: 'The launch has either expired or already been consumed',
            state: q.get('state') ?? '',
          });
        }
        return this.text(res, 400, 'Invalid request');
      }
      const messageType = hint.what === 'deep-linking' ? 'LtiDeepLinkingRequest' : 'LtiResourceLinkRequest';
      const placed = hint.what.startsWith('link:') ? this.placedLinks.get(hint.what.slice('link:'.length)) : undefined;
      const idToken = await this.signIdToken(
        placed ? this.placedLinkClaims(user, q.get('nonce')!, placed) : this.launchClaims(user, q.get('nonce')!, messageType),
      );
      // Canvas repeats lti_storage_target in the launch (authentication_controller.rb launch_parameters).
      const storage: Record<string, string> =
        this.profile.platformStorage && this.profile.messageHintFormat === 'canvas-jwt' ? { lti_storage_target: this.profile.platformStorage.target } : {};
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
      return this.json(res, 200, { access_token: `sim-${randomUUID()}`, token_type: 'bearer', expires_in: 3600, scope: b.scope });
    }

    if (url.pathname === '/deeplink/return' && req.method === 'POST') {
      // Like Moodle and Canvas: verify the tool's signed response, then make a resource link
      // of each ltiResourceLink item and, when it asks for one, its gradebook column.
      const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
      const C = 'https://purl.imsglobal.org/spec/lti/claim/';
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(String((body as Record<string, string>).JWT ?? ''), createRemoteJWKSet(new URL(this.toolJwksUrl)), {
          issuer: this.clientId,
          audience: this.issuer,
        }));
      } catch (e) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end(`invalid deep-linking response: ${String(e)}`);
      }
      if (
        payload[`${C}message_type`] !== 'LtiDeepLinkingResponse' ||
        payload[`${C}deployment_id`] !== this.deploymentId ||
        payload[`${C}version`] !== '1.3.0'
      ) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end('not an LtiDeepLinkingResponse for this deployment');
      }
      const items = (payload[`${DL}content_items`] ?? []) as Record<string, unknown>[];
      this.deepLinks.push({ payload, items });
      for (const item of items.filter((i) => i.type === 'ltiResourceLink')) {
        const link: PlacedLink = {
          id: `rl-dl-${this.placedLinks.size + 1}`,
          title: String(item.title ?? 'Tool link'),
          custom: (item.custom ?? {}) as Record<string, string>,
        };
        const li = item.lineItem as { label?: string; scoreMaximum?: number; resourceId?: string; tag?: string } | undefined;
        if (li) {
          link.lineItemId = this.lineItemUrl(this.lineItems.size + 1);
          this.coupledLineItems.add(link.lineItemId);
          this.lineItems.set(link.lineItemId, {
            id: link.lineItemId,
            label: li.label ?? link.title,
            scoreMaximum: li.scoreMaximum,
            resourceId: li.resourceId,
            tag: li.tag,
            resourceLinkId: link.id,
          });
        }
        this.placedLinks.set(link.id, link);
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<!doctype html><title>Added</title><p>Added ${items.length} item(s) to the course.</p>`);
    }

    if (url.pathname.startsWith('/nrps/')) return this.handleNrps(req, res, url);
    if (url.pathname.startsWith('/ags/')) return this.handleAgs(req, res, url, body);
    res.writeHead(404);
    res.end('not found');
  }

  // --- Dynamic registration -----------------------------------------------------------------
  // The LMS side of LTI Dynamic Registration as each profile's LMS runs it: its openid-
  // configuration, the registration token it mints and checks, the checks on the tool's
  // registration request with the LMS's own refusals, the answer's shape, and the admin page
  // that frames the tool and what it does on org.imsglobal.lti.close. The rules and where they
  // were found are in lmsProfiles.ts (dynamicRegistration); the details are cited here.

  /** What the tool asked for at dynamic registration, the LMS's answer, and the tool's state in the LMS. */
  dynamicRegistration?: { request: Record<string, unknown>; answer: Record<string, unknown>; state: 'pending' | 'active' };
  /** Fault: answer a registration with no deployment ID (Canvas without lti_registrations_next does). */
  registrationWithoutDeployment = false;

  /**
   * The address at which the LMS opens the tool's registration URL: the URL with the LMS's
   * openid_configuration and a fresh registration token, as the admin page frames it.
   */
  async registrationStart(toolUrl: string): Promise<string> {
    const token = await this.mintRegistrationToken(toolUrl);
    const config = new URL(this.urls.openidConfiguration);
    // Canvas puts the token in the configuration's address (DynamicRegistrationController#oidc_configuration_url).
    if (this.profile.dynamicRegistration.openidConfigurationNeedsToken) config.searchParams.set('registration_token', token);
    const target = new URL(toolUrl);
    target.searchParams.set('openid_configuration', config.toString());
    target.searchParams.set('registration_token', token);
    return target.toString();
  }

  private async mintRegistrationToken(toolUrl: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: this.kid })
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(this.privateKey);
    switch (this.profile.dynamicRegistration.registrationToken) {
      // mod/lti/startltiadvregistration.php: sub is the client ID the tool will get (one per simulator here).
      case 'moodle':
        return sign({ sub: this.clientId, scope: 'reg' });
      // DynamicRegistrationController#registration_token.
      case 'canvas':
        return sign({
          uuid: randomUUID(),
          initiated_at: new Date().toISOString(),
          user_id: 1,
          root_account_global_id: 10000000000001,
          root_account_domain: new URL(this.issuer).host,
          registration_url: toolUrl,
        });
      default:
        return 'sim-registration-token';
    }
  }

  /** The LMS's refusal of a registration token, or undefined when the token is good. */
  private async registrationTokenRefusal(authorization: string): Promise<Refusal | undefined> {
    const kind = this.profile.dynamicRegistration.registrationToken;
    const token = authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    if (kind === 'opaque') return token === 'sim-registration-token' ? undefined : { status: 401, json: { error: 'invalid registration token' } };
    if (kind === 'moodle') {
      // mod/lti/openid-registration.php: no "Bearer " header → 401 missing_registration_token.
      if (!token) return { status: 401, text: 'missing_registration_token' };
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(token, this.publicKey));
      } catch (e) {
        // JWT::decode throws outside the registration_exception catch: Moodle's generic error.
        return { status: 500, text: `Exception - ${(e as Error).message}` };
      }
      // registration_helper::validate_registration_token().
      if (claims.scope !== 'reg') return { status: 403, text: 'Incorrect scope' };
      if (this.dynamicRegistration && this.dynamicRegistration.answer.client_id === claims.sub) return { status: 401, text: 'token_already_used' };
      return undefined;
    }
    // Canvas DynamicRegistrationController#create; an undecodable or expired token is refused too.
    try {
      const { payload } = await jwtVerify(token, this.publicKey);
      const required = ['user_id', 'initiated_at', 'root_account_global_id', 'root_account_domain', 'exp', 'uuid', 'registration_url'];
      if (!required.every((k) => k in payload)) return { status: 401, json: { errorMessage: 'JWT did not include expected contents' } };
      return undefined;
    } catch {
      return { status: 401, json: { errorMessage: 'Invalid registration token' } };
    }
  }

  /** The platform's openid-configuration, as each LMS publishes it. */
  private openidConfiguration(): Record<string, unknown> {
    const rules = this.profile.dynamicRegistration;
    const common = {
      issuer: this.issuer,
      authorization_endpoint: this.urls.auth,
      token_endpoint: this.urls.token,
      jwks_uri: this.urls.jwks,
      registration_endpoint: this.urls.registration,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['id_token'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
    if (this.flavour === 'moodle') {
      // mod/lti/openid-configuration.php.
      return {
        ...common,
        scopes_supported: [...MOODLE_SERVICE_SCOPES, 'openid'],
        subject_types_supported: ['public', 'pairwise'],
        claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
        [PLATFORM_CONFIG]: {
          product_family_code: 'moodle',
          version: rules.configurationVersion,
          // As in moodle/moodle@2d00328 (plain strings, not the spec's objects); a tool must read both.
          messages_supported: ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'],
          placements: ['AddContentMenu'],
          // array_keys(lti_get_capabilities()), a part of them.
          variables: [
            'basic-lti-launch-request',
            'ContentItemSelectionRequest',
            'Context.id',
            'Context.title',
            'Context.label',
            'CourseSection.sourcedId',
            'ResourceLink.id',
            'ResourceLink.title',
            'User.id',
            'User.username',
            'Person.name.full',
            'Person.name.given',
            'Person.name.family',
            'Person.email.primary',
            'Person.sourcedId',
            'Membership.role',
            'Moodle.Person.userGroupIds',
          ],
        },
      };
    }
    if (this.flavour === 'canvas') {
      // app/controllers/security_controller.rb #openid_configuration and #lti_platform_configuration.
      return {
        ...common,
        scopes_supported: CANVAS_LTI_SCOPES,
        claims_supported: ['sub', 'picture', 'email', 'name', 'given_name', 'family_name', 'locale'],
        subject_types_supported: ['public'],
        authorization_server: new URL(this.issuer).host,
        [PLATFORM_CONFIG]: {
          product_family_code: 'canvas',
          version: rules.configurationVersion,
          messages_supported: Object.entries(CANVAS_PLACEMENTS_BY_MESSAGE_TYPE).map(([type, placements]) => ({
            type,
            placements: placements.filter((p) => p !== 'resource_selection'),
          })),
          variables: ['ResourceLink.id', 'Context.id', 'Canvas.course.id', 'Canvas.user.id', 'Canvas.environment.test'],
          'https://canvas.instructure.com/lti/account_name': CANVAS_ACCOUNT_NAME,
          'https://canvas.instructure.com/lti/account_lti_guid': 'pNu5F9EoIATW6XqZ33C5tiqomb7bFJ4IGWFoCFy6:canvas-lms',
        },
      };
    }
    return {
      ...common,
      scopes_supported: ['openid', ...LTI_SERVICE_SCOPES],
      subject_types_supported: ['public'],
      claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
      [PLATFORM_CONFIG]: {
        product_family_code: this.profile.productFamilyCode,
        version: rules.configurationVersion,
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
      },
    };
  }

  /** What the LMS shares about people once it has a tool's registration (profile.personalData). */
  private shareAsRegistered(reg: Record<string, unknown>): void {
    const tc = (reg[TOOL_CONFIG] ?? {}) as Record<string, unknown>;
    const claims = Array.isArray(tc.claims) ? (tc.claims as string[]) : [];
    const names = ['name', 'given_name', 'family_name'].some((c) => claims.includes(c));
    const email = claims.includes('email');
    if (this.profile.personalData === 'moodle-settings') {
      // registration_helper::registration_to_config(): Always for what the tool asked for, Never for the rest.
      this.sharing.moodle.name = names ? 'always' : 'never';
      this.sharing.moodle.email = email ? 'always' : 'never';
    }
    if (this.profile.personalData === 'canvas-privacy-level') {
      // Lti::IMS::Registration#privacy_level: the configuration's level, else infer_privacy_level_from(claims).
      const lis = claims.includes('https://purl.imsglobal.org/spec/lti/claim/lis');
      const inferred: CanvasPrivacyLevel =
        claims.includes('picture') || ((names || lis) && email) ? 'public' : names || lis ? 'name_only' : email ? 'email_only' : 'anonymous';
      const configured = tc['https://canvas.instructure.com/lti/privacy_level'];
      this.sharing.canvasPrivacyLevel = ['anonymous', 'name_only', 'email_only', 'public'].includes(String(configured))
        ? (configured as CanvasPrivacyLevel)
        : inferred;
    }
  }

  /** The LMS's answer to an accepted registration. */
  private registrationAnswer(reg: Record<string, unknown>): Record<string, unknown> {
    const tc = (reg[TOOL_CONFIG] ?? {}) as Record<string, unknown>;
    const requested = String(reg.scope ?? '')
      .split(/\s+/)
      .filter(Boolean);
    const deployment = this.registrationWithoutDeployment ? {} : { deployment_id: this.deploymentId };
    if (this.flavour === 'moodle') {
      // registration_helper::config_to_registration(). Its scope list is built from the services
      // registration_to_config() switched on; `?? 0 == 2` binds as `?? (0 == 2)`, so any AGS scope
      // grants all four AGS scopes. Moodle's deployment_id is the tool type id (here the simulator's).
      const ags = requested.some((s) => s.startsWith('https://purl.imsglobal.org/spec/lti-ags/scope/'));
      const scope = [...(ags ? [AGS_SCORE, AGS_RESULT, AGS_LINEITEM_RO, AGS_LINEITEM] : []), ...(requested.includes(NRPS_SCOPE) ? [NRPS_SCOPE] : [])];
      const dl = ((tc.messages ?? []) as { type?: string; target_link_uri?: string }[]).find((m) => m.type === 'LtiDeepLinkingRequest');
      return {
        client_id: this.clientId,
        response_types: ['id_token'],
        jwks_uri: reg.jwks_uri,
        initiate_login_uri: reg.initiate_login_uri,
        grant_types: ['client_credentials', 'implicit'],
        redirect_uris: reg.redirect_uris,
        application_type: 'web',
        token_endpoint_auth_method: 'private_key_jwt',
        client_name: reg.client_name,
        logo_uri: reg.logo_uri ?? '',
        scope: scope.join(' '),
        [TOOL_CONFIG]: {
          version: '1.3.0',
          ...deployment,
          target_link_uri: tc.target_link_uri,
          domain: tc.domain,
          description: tc.description ?? '',
          ...(dl ? { messages: [{ type: 'LtiDeepLinkingRequest', target_link_uri: dl.target_link_uri }] } : {}),
          claims: ['sub', 'iss', 'name', 'family_name', 'given_name', 'email'],
        },
      };
    }
    if (this.flavour === 'canvas') {
      // DynamicRegistrationController#render_registration.
      return {
        client_id: this.clientId,
        application_type: 'web',
        grant_types: ['client_credentials', 'implicit'],
        initiate_login_uri: reg.initiate_login_uri,
        redirect_uris: reg.redirect_uris,
        response_types: ['id_token'],
        client_name: reg.client_name,
        jwks_uri: reg.jwks_uri,
        logo_uri: reg.logo_uri,
        token_endpoint_auth_method: 'private_key_jwt',
        scope: [...requested.filter((s) => s !== 'openid'), 'openid'].join(' '),
        [TOOL_CONFIG]: { ...tc, 'https://canvas.instructure.com/lti/registration_config_url': `${this.issuer}/api/lti/registrations/1/view` },
        registration_client_uri: `${this.issuer}/api/lti/registrations/1`,
        ...deployment,
      };
    }
    return { ...reg, client_id: this.clientId, [TOOL_CONFIG]: { ...tc, ...deployment } };
  }

  /** Serves the dynamic-registration addresses and the admin's pages; false when the request is for something else. */
  private async handleDynamicRegistration(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<boolean> {
    const rules = this.profile.dynamicRegistration;

    if (url.pathname === rules.openidConfigurationPath && req.method === 'GET') {
      if (rules.openidConfigurationNeedsToken) {
        const token = url.searchParams.get('registration_token');
        if (!token) {
          this.json(res, 401, { error: 'Access token missing (You must include the registration_token parameter).' });
          return true;
        }
        try {
          await jwtVerify(token, this.publicKey);
        } catch {
          this.json(res, 401, { error: 'Invalid registration_token' });
          return true;
        }
      }
      this.json(res, 200, this.openidConfiguration());
      return true;
    }

    if (url.pathname === rules.registrationPath && req.method === 'POST') {
      const refusal =
        (await this.registrationTokenRefusal(String(req.headers.authorization ?? ''))) ?? this.registrationRefusal((body ?? {}) as Record<string, unknown>);
      if (refusal) {
        if (refusal.json) this.json(res, refusal.status, refusal.json);
        else {
          res.writeHead(refusal.status, { 'content-type': 'text/html; charset=utf-8' });
          res.end(refusal.text);
        }
        return true;
      }
      const reg = body as Record<string, unknown>;
      this.toolLaunchUrl = (reg.redirect_uris as string[])[0];
      this.toolJwksUrl = String(reg.jwks_uri);
      const answer = this.registrationAnswer(reg);
      this.shareAsRegistered(reg);
      this.dynamicRegistration = { request: reg, answer, state: rules.afterClose === 'done' ? 'active' : 'pending' };
      this.json(res, 200, answer);
      return true;
    }

    // Moodle frames this page, which sends the browser on to the tool (startltiadvregistration.php).
    if (url.pathname === '/mod/lti/startltiadvregistration.php' && req.method === 'GET' && this.flavour === 'moodle') {
      res.writeHead(302, { location: await this.registrationStart(url.searchParams.get('url') ?? '') });
      res.end();
      return true;
    }

    if (url.pathname === '/admin/tool/register' && req.method === 'GET') {
      const toolUrl = url.searchParams.get('url');
      if (!toolUrl) {
        this.html(res, this.adminToolsPage());
        return true;
      }
      // Moodle frames its own start page; Canvas and the spec's platform frame the tool directly.
      const frameSrc =
        this.flavour === 'moodle' ? `/mod/lti/startltiadvregistration.php?${new URLSearchParams({ url: toolUrl })}` : await this.registrationStart(toolUrl);
      const fromTool = rules.closeMessageFrom === 'tool-origin' ? `&&e.origin===${JSON.stringify(new URL(toolUrl).origin)}` : '';
      const onClose = {
        'tool-list': `location.href='/admin/tool/register'`,
        'review-and-install': `location.href='/admin/tool/register/review'`,
        done: `document.getElementById('status').textContent='The tool is registered.'`,
      }[rules.afterClose];
      this.html(
        res,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Registering the tool</title></head><body><main><h1>Registering the tool</h1>` +
          `<iframe id="registration" title="Tool registration" src="${escapeHtml(frameSrc)}" style="width:100%;height:600px;border:1px solid #999"></iframe>` +
          `<p id="status">Waiting for the tool…</p></main>` +
          // Every message is kept in lmsMessages, so a test can see what the tool sent and when.
          `<script>window.lmsMessages=[];window.addEventListener('message',function(e){window.lmsMessages.push({data:e.data,origin:e.origin});` +
          `if(e.data&&e.data.subject==='org.imsglobal.lti.close'${fromTool}){var f=document.getElementById('registration');f.parentNode.removeChild(f);${onClose}}})</script></body></html>`,
      );
      return true;
    }

    // Canvas, after the close message: the review of what the tool asked for, then "Install App".
    if (url.pathname === '/admin/tool/register/review' && req.method === 'GET' && this.dynamicRegistration) {
      const { request, answer } = this.dynamicRegistration;
      const tc = (request[TOOL_CONFIG] ?? {}) as Record<string, unknown>;
      const placements = ((tc.messages ?? []) as { type: string; placements?: string[] }[]).flatMap((m) =>
        (m.placements?.length ? m.placements : ['link_selection']).map((p) => `${p} (${m.type})`),
      );
      const item = (t: string) => `<li>${escapeHtml(t)}</li>`;
      this.html(
        res,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Install App</title></head><body><main><h1>Install App: ${escapeHtml(String(answer.client_name))}</h1>` +
          `<h2>Permissions</h2><ul id="permissions">${String(answer.scope)
            .split(' ')
            .filter((s) => s !== 'openid')
            .map(item)
            .join('')}</ul>` +
          `<h2>Data sharing</h2><p id="privacy-level">${escapeHtml(String(tc['https://canvas.instructure.com/lti/privacy_level'] ?? 'inferred from the claims'))}</p>` +
          `<h2>Placements</h2><ul id="placements">${placements.map(item).join('')}</ul>` +
          `<form method="post" action="/admin/tool/install"><button type="submit">Install App</button></form></main></body></html>`,
      );
      return true;
    }

    // Moodle's "Activate" of a pending tool; Canvas's "Install App" (the developer key turned on).
    if (url.pathname === '/admin/tool/install' && req.method === 'POST' && this.dynamicRegistration) {
      this.dynamicRegistration.state = 'active';
      res.writeHead(303, { location: '/admin/tool/register' });
      res.end();
      return true;
    }
    return false;
  }

  /** The admin's tool page: where to paste a registration URL, and the tool registered so far. */
  private adminToolsPage(): string {
    const reg = this.dynamicRegistration;
    const moodle = this.flavour === 'moodle';
    let tools = '';
    if (reg) {
      const name = escapeHtml(String(reg.answer.client_name));
      tools = moodle
        ? // The tool card: pending until activated; registration_to_config() sets coursevisible to
          // LTI_COURSEVISIBLE_PRECONFIGURED, so it is not in the activity chooser.
          `<section id="tools"><h2>Tools</h2><article><h3>${name}</h3><p id="tool-state">${reg.state === 'pending' ? 'Pending' : 'Active'}</p>` +
          `<p>Tool configuration usage: Show as preconfigured tool when adding an external tool (not in the activity chooser)</p>` +
          (reg.state === 'pending' ? `<form method="post" action="/admin/tool/install"><button type="submit">Activate</button></form>` : '') +
          `</article></section>`
        : `<section id="tools"><h2>Apps</h2><p id="tool-state">${name}: ${reg.state === 'pending' ? 'Not installed yet' : 'Installed'}</p></section>`;
    }
    const label = moodle ? 'Tool URL' : this.flavour === 'canvas' ? 'Dynamic Registration URL' : 'Tool URL';
    const button = moodle ? 'Add LTI Advantage' : 'Continue';
    return (
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${moodle ? 'Manage tools' : 'Add an LTI tool'}</title></head><body><main><h1>${moodle ? 'Manage tools' : 'Add an LTI Advantage tool'}</h1>` +
      `<form method="get" action="/admin/tool/register"><label for="url">${label}</label> <input id="url" name="url" type="url" size="80"> <button type="submit">${button}</button></form>${tools}</main></body></html>`
    );
  }

  /** The LMS's refusal of a registration request, or undefined when it accepts it. */
  private registrationRefusal(reg: Record<string, unknown>): Refusal | undefined {
    const rules = this.profile.dynamicRegistration;
    if (rules.validation === 'moodle') {
      const problem = moodleRegistrationProblem(reg);
      return problem ? { status: 400, text: problem } : undefined;
    }
    if (rules.validation === 'canvas') {
      const errors = canvasRegistrationErrors(reg);
      return errors.length ? { status: 422, json: { errors } } : undefined;
    }
    // The spec's minimum (LTI DR 1.0 §3.5.2): the fields a registration cannot do without.
    for (const k of ['redirect_uris', 'initiate_login_uri', 'jwks_uri', TOOL_CONFIG])
      if (!reg[k]) return { status: 400, json: { error: 'invalid_client_metadata', error_description: `missing ${k}` } };
    return undefined;
  }

  // --- AGS and NRPS, answered as the profile's LMS answers them (lmsProfiles.ts: ags*, nrps*) ---

  /** The course's line-items collection, as the launch claim names it (Moodle adds its tool type). */
  get lineItemsUrl(): string {
    const base = `${this.issuer}/ags/${this.context.id}/lineitems`;
    return this.profile.agsDialect === 'moodle' ? `${base}?type_id=${MOODLE_TYPE_ID}` : base;
  }

  /** The URL (its id) of line item `n`: Moodle's …/lineitems/<n>/lineitem?type_id=…, else …/lineitems/<n>. */
  lineItemUrl(n: number | string): string {
    const base = `${this.issuer}/ags/${this.context.id}/lineitems/${n}`;
    return this.profile.agsDialect === 'moodle' ? `${base}/lineitem?type_id=${MOODLE_TYPE_ID}` : base;
  }

  /**
   * Holds every score POST until released, as a network may deliver two requests in either
   * order. `release('newest-first')` answers them last-arrived first, one after the other.
   */
  holdScores() {
    const held = (this.heldScores = { arrived: [] as { go: () => void; done: Promise<void> }[] });
    return {
      count: () => held.arrived.length,
      release: async (order: 'newest-first' | 'oldest-first' = 'oldest-first') => {
        if (this.heldScores === held) this.heldScores = undefined;
        const queue = order === 'newest-first' ? [...held.arrived].reverse() : [...held.arrived];
        for (const r of queue) {
          r.go();
          await r.done;
        }
      },
    };
  }

  /** Whether the LMS grades this user: an enrolled student (Canvas: an active enrolment). */
  private isStudent(userId: string): boolean {
    const m = this.members.find((x) => x.user_id === userId);
    if (!m || !m.roles.some((r) => r.endsWith('/membership#Learner'))) return false;
    // Moodle's is_enrolled(…, $onlyactive = false) counts a suspended enrolment too.
    return this.profile.agsDialect !== 'canvas' || m.status === 'Active';
  }

  /**
   * Moodle's error answers (mod/lti/classes/local/ltiservice/response.php send()): the reason
   * goes in the status line; a body already set (scores.php's '[]') is sent as it is, else a
   * JSON {status, reason, request}.
   */
  private moodleError(res: ServerResponse, req: IncomingMessage, status: number, reason: string, body?: string) {
    if (body !== undefined) {
      res.writeHead(status, reason);
      return res.end(body);
    }
    res.writeHead(status, reason, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ status, reason, request: { method: req.method, url: req.url } }));
  }

  /** Canvas's error answers (app/controllers/lti/ims/concerns/lti_services.rb render_error). */
  private canvasError(res: ServerResponse, status: number, message: string) {
    const type =
      ({ 400: 'bad_request', 404: 'not_found', 412: 'precondition_failed', 422: 'unprocessable_entity' } as Record<number, string>)[status] ?? String(status);
    this.json(res, status, { errors: { type, message } });
  }

  /** A line item as the LMS shows it (its stored record stays as it was made). */
  private lineItemJson(li: Record<string, unknown> & { id: string }): Record<string, unknown> {
    const text = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));
    switch (this.profile.agsDialect) {
      case 'moodle': {
        // gradebookservices.php item_for_json(): resourceId and tag are '' when unset.
        const out: Record<string, unknown> = {
          id: li.id,
          label: li.label,
          scoreMaximum: Number(li.scoreMaximum),
          resourceId: text(li.resourceId) ?? '',
          tag: text(li.tag) ?? '',
        };
        if (text(li.resourceLinkId)) Object.assign(out, { resourceLinkId: text(li.resourceLinkId), ltiLinkId: text(li.resourceLinkId) });
        return out;
      }
      case 'canvas': {
        // LineItemsSerializer: nils left out (line_items_controller_spec "properly formats the response").
        const out: Record<string, unknown> = {
          id: li.id,
          scoreMaximum: Number(li.scoreMaximum),
          label: li.label,
          resourceId: text(li.resourceId),
          tag: text(li.tag),
          resourceLinkId: text(li.resourceLinkId),
        };
        for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
        return out;
      }
      default:
        return li;
    }
  }

  private async handleNrps(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (!String(req.headers.authorization ?? '').startsWith('Bearer sim-')) return this.json(res, 401, { error: 'no access token' });
    this.nrpsRequests++;
    if (this.nrpsRateLimit && this.nrpsRequests % this.nrpsRateLimit.every === 0) {
      const wait: Record<string, string> = this.nrpsRateLimit.retryAfterSeconds > 0 ? { 'retry-after': String(this.nrpsRateLimit.retryAfterSeconds) } : {};
      return this.json(res, 429, { error: 'rate_limited', error_description: 'Too many requests' }, wait);
    }
    const p = this.profile;
    const asked = Number(url.searchParams.get('limit') ?? url.searchParams.get('per_page'));
    let size = asked > 0 ? Math.floor(asked) : this.nrpsPageSize;
    if (size !== undefined && p.nrpsMaxPageSize !== undefined) size = Math.min(size, p.nrpsMaxPageSize);
    const listed = p.nrpsActiveOnly ? this.members.filter((m) => m.status === 'Active') : this.members;
    const offset =
      size === undefined
        ? 0
        : p.nrpsPaging === 'limit-from'
          ? Math.max(0, Number(url.searchParams.get('from') ?? 0))
          : (Math.max(1, Number(url.searchParams.get('page') ?? 1)) - 1) * size;
    const page = size === undefined ? 1 : Math.floor(offset / size) + 1;
    if (this.nrpsFailFromPage !== undefined && page >= this.nrpsFailFromPage)
      return this.json(res, 500, { error: 'server_error', error_description: 'The roster service is unavailable' });
    const slice = size === undefined ? listed : listed.slice(offset, offset + size);
    const endpoint = `${url.origin}${url.pathname}`;
    const headers: Record<string, string> = { 'content-type': 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' };
    if (size !== undefined && offset + size < listed.length) {
      if (p.nrpsPaging === 'limit-from') {
        // memberships.php users_to_json(): "{endpoint}?limit={limit}&from={next}" (other parameters dropped).
        headers.link = `<${endpoint}?limit=${size}&from=${offset + size}>; rel="next"`;
      } else if (p.nrpsPaging === 'page-per_page') {
        // Api.jsonapi_paginate: current, next, first and last, paged by page and per_page.
        const at = (n: number) => {
          const u = new URL(url.toString());
          u.searchParams.delete('limit');
          u.searchParams.set('page', String(n));
          u.searchParams.set('per_page', String(size));
          return u.toString();
        };
        headers.link = [
          `<${at(page)}>; rel="current"`,
          `<${at(page + 1)}>; rel="next"`,
          `<${at(1)}>; rel="first"`,
          `<${at(Math.ceil(listed.length / size))}>; rel="last"`,
        ].join(',');
      } else {
        const next = new URL(url.toString());
        next.searchParams.set('page', String(page + 1));
        next.searchParams.set('limit', String(size));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
    }
    // A roster for one activity (rlid) follows that activity's choices where the LMS lets teachers choose.
    const activity = url.searchParams.has('rlid');
    const members = slice.map((m): Record<string, unknown> => {
      const pick = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
      const x = m as typeof m & { lis_person_sourcedid?: string; picture?: string };
      if (p.agsDialect === 'moodle') {
        // memberships.php users_to_json(): status 'Active', roles, user_id and lis_person_sourcedid
        // (idnumber, '' when none) always; names and email when the tool may have them.
        return pick({
          status: 'Active',
          roles: x.roles,
          user_id: x.user_id,
          lis_person_sourcedid: x.lis_person_sourcedid ?? '',
          ...this.personalData(x, activity),
        });
      }
      if (p.agsDialect === 'canvas') {
        // names_and_roles_serializer.rb member(): status always 'Active'; nils left out. The
        // member decorator gives names and the sourcedId only when the tool includes names, the
        // e-mail when it includes e-mail, the picture when it is public.
        const { name, given_name, family_name, email } = this.personalData(x, activity);
        return pick({
          status: 'Active',
          name,
          picture: this.sharing.canvasPrivacyLevel === 'public' ? x.picture : undefined,
          given_name,
          family_name,
          email,
          lis_person_sourcedid: name === undefined ? undefined : x.lis_person_sourcedid,
          user_id: x.user_id,
          lti11_legacy_user_id: `legacy-${x.user_id}`,
          roles: x.roles,
        });
      }
      return x;
    });
    res.writeHead(200, headers);
    // Moodle's container id is the endpoint (resource->get_endpoint()); Canvas's the request URL.
    return res.end(
      JSON.stringify({
        id: p.agsDialect === 'moodle' ? endpoint : url.toString(),
        context: { id: this.context.id, label: this.context.label, title: this.context.title },
        members,
      }),
    );
  }

  private async handleAgs(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown) {
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
    const dialect = this.profile.agsDialect;
    // /ags/<context>/lineitems[/<id>[/lineitem][/scores]]
    const route = /^\/ags\/([^/]+)\/lineitems(?:\/([^/]+)(\/lineitem)?(?:\/(scores))?)?\/?$/.exec(url.pathname);
    if (!route) return this.json(res, 404, { error: 'not found' });
    const [, , itemPart, , sub] = route;
    // Moodle: an LTI 1.3 service URL carries the tool type; without it the request is taken for
    // LTI 2 and refused (lineitems.php: check_tool → 401; scores.php: check_tool_proxy → 403).
    if (dialect === 'moodle' && !url.searchParams.get('type_id'))
      return this.moodleError(res, req, itemPart ? 403 : 401, itemPart ? 'Forbidden' : 'Unauthorized');

    if (!itemPart) {
      if (req.method === 'GET') return this.listLineItems(res, url);
      if (req.method === 'POST') return this.createLineItem(req, res, body as Record<string, unknown>);
      return this.json(res, 405, { error: 'method not allowed' });
    }
    const itemPath = url.pathname.replace(/\/scores\/?$/, '');
    const item = [...this.lineItems.values()].find((li) => new URL(li.id).pathname === itemPath);
    if (!item) {
      if (dialect === 'moodle') return this.moodleError(res, req, 404, `Not Found: Grade item ${itemPart} doesn't exist.`);
      if (dialect === 'canvas') return this.canvasError(res, 404, 'The specified resource does not exist.');
      return this.json(res, 404, { error: 'no such line item' });
    }
    if (sub === 'scores' && req.method === 'POST') return this.receiveScore(req, res, item.id, body as Record<string, unknown>);
    if (!sub && req.method === 'GET') return this.json(res, 200, this.lineItemJson(item));
    return this.json(res, 405, { error: 'method not allowed' });
  }

  private listLineItems(res: ServerResponse, url: URL) {
    const dialect = this.profile.agsDialect;
    const q = (k: string) => url.searchParams.get(k) ?? undefined;
    const tag = q('tag');
    const resourceId = q('resource_id');
    // Moodle also takes the LTI 1.3 draft's lti_link_id (lineitems.php execute()).
    const linkId = dialect === 'generic' ? undefined : (q('resource_link_id') ?? (dialect === 'moodle' ? q('lti_link_id') : undefined));
    let items = [...this.lineItems.values()].filter(
      (li) => (!tag || li.tag === tag) && (!resourceId || li.resourceId === resourceId) && (!linkId || li.resourceLinkId === linkId),
    );
    const headers: Record<string, string> = { 'content-type': 'application/vnd.ims.lis.v2.lineitemcontainer+json' };
    const limit = Number(q('limit'));
    if (dialect === 'moodle' && limit > 0) {
      // lineitems.php get_json_for_get_request(): paged only with `limit`, from `from`; its Link
      // header really quotes rel with “curly” quotes.
      const from = Math.max(0, Number(q('from') ?? 0));
      const total = items.length;
      items = items.slice(from, from + limit);
      if (from + limit <= total - 1) {
        const next = new URL(url.toString());
        next.searchParams.set('from', String(from + limit));
        headers.link = `<${next.toString()}>; rel=“next”`;
      }
    } else if (dialect === 'canvas') {
      // Api.paginate: 10 per page unless `limit` says otherwise (at most 50).
      const perPage = Math.min(limit > 0 ? limit : 10, 50);
      const page = Math.max(1, Number(q('page') ?? 1));
      const total = items.length;
      items = items.slice((page - 1) * perPage, page * perPage);
      if (page * perPage < total) {
        const next = new URL(url.toString());
        next.searchParams.delete('limit');
        next.searchParams.set('page', String(page + 1));
        next.searchParams.set('per_page', String(perPage));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
    }
    res.writeHead(200, headers);
    return res.end(JSON.stringify(items.map((li) => this.lineItemJson(li))));
  }

  private createLineItem(req: IncomingMessage, res: ServerResponse, posted: Record<string, unknown>) {
    const dialect = this.profile.agsDialect;
    const b = posted && typeof posted === 'object' ? posted : {};
    const numeric = (v: unknown) => v !== undefined && v !== null && v !== '' && Number.isFinite(Number(v));
    const linkId = b.resourceLinkId === undefined || b.resourceLinkId === null ? undefined : String(b.resourceLinkId);
    if (this.profile.agsValidatesBodies) {
      if (dialect === 'moodle') {
        if (b.label === undefined || b.label === null || b.scoreMaximum === undefined || b.scoreMaximum === null)
          return this.moodleError(res, req, 400, 'No label or Score Maximum');
        if (!numeric(b.scoreMaximum)) return this.moodleError(res, req, 400, 'Bad Request');
        // lineitems.php: a resourceLinkId must be an activity of this tool in the course (check_lti_1x_id → 403).
        if (linkId && !this.placedLinks.has(linkId)) return this.moodleError(res, req, 403, 'Forbidden');
      } else if (dialect === 'canvas') {
        // Lti::LineItem validates score_maximum and label presence and score_maximum numericality.
        if (b.label === undefined || b.label === null || String(b.label).trim() === '') return this.canvasError(res, 422, "Label can't be blank");
        if (!numeric(b.scoreMaximum)) return this.canvasError(res, 422, 'Score maximum is not a number');
        // line_items_controller.rb verify_valid_resource_link: an unknown resourceLinkId → 404.
        if (linkId && !this.placedLinks.has(linkId)) return this.canvasError(res, 404, 'The specified resource does not exist.');
      }
    }
    const id = this.lineItemUrl(this.lineItems.size + 1);
    const item = { ...b, id };
    this.lineItems.set(id, item);
    res.writeHead(201, { 'content-type': 'application/vnd.ims.lis.v2.lineitem+json' });
    // Moodle answers with the posted JSON and its id (lineitems.php); Canvas with its serializer.
    return res.end(JSON.stringify(dialect === 'canvas' ? this.lineItemJson(item) : item));
  }

  private async receiveScore(req: IncomingMessage, res: ServerResponse, itemId: string, posted: Record<string, unknown>) {
    const hold = this.heldScores;
    let done: () => void = () => undefined;
    if (hold) {
      let go!: () => void;
      const released = new Promise<void>((r) => (go = r));
      hold.arrived.push({ go, done: new Promise<void>((r) => (done = r)) });
      await released;
    }
    try {
      const score = posted && typeof posted === 'object' ? posted : {};
      const answer = (status: number) =>
        this.scoreLog.push({ lineItem: itemId, userId: String(score.userId), timestamp: String(score.timestamp), status, score });
      const refusal = this.rejectScores.get(itemId);
      if (refusal) {
        answer(400);
        return this.json(res, 400, { error: 'invalid_score', error_description: refusal });
      }
      const key = `${itemId}|${String(score.userId)}`;
      const accept = (status = 200) => {
        answer(status);
        this.scores.set(key, score as { userId: string; timestamp: string });
      };
      switch (this.profile.agsDialect) {
        case 'moodle':
          return this.moodleScore(req, res, itemId, key, score, accept, answer);
        case 'canvas':
          return this.canvasScore(res, itemId, key, score, accept, answer);
        default: {
          // Like the spec asks: an older timestamp than the one held does not replace it.
          const held = this.scores.get(key);
          if (!held || held.timestamp <= String(score.timestamp)) accept();
          else answer(200);
          res.writeHead(200);
          return res.end();
        }
      }
    } finally {
      done();
    }
  }

  /** mod/lti/service/gradebookservices/classes/local/resources/scores.php, in Moodle 4.5. */
  private moodleScore(
    req: IncomingMessage,
    res: ServerResponse,
    itemId: string,
    key: string,
    s: Record<string, unknown>,
    accept: () => void,
    answer: (status: number) => void,
  ) {
    const numeric = (v: unknown) =>
      v === undefined || v === null || (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
    const stamp = typeof s.timestamp === 'string' && ISO_8601.test(s.timestamp) ? Date.parse(s.timestamp) : NaN;
    const refuse = (status: number, reason: string) => {
      answer(status);
      return this.moodleError(res, req, status, reason, '[]');
    };
    if (
      s.userId === undefined ||
      !s.gradingProgress ||
      !s.activityProgress ||
      Number.isNaN(stamp) ||
      !numeric(s.scoreGiven) ||
      !numeric(s.scoreMaximum) ||
      (this.profile.agsStudentsOnly && !this.isStudent(String(s.userId)))
    ) {
      return refuse(400, 'Incorrect score received');
    }
    const seconds = Math.floor(stamp / 1000); // PHP strtotime(): whole seconds
    if (this.gradeSavedInLmsAtNextScore.delete(String(s.userId))) {
      const held = this.moodleGrades.get(key) ?? { grade: null, feedback: null };
      this.moodleGrades.set(key, { ...held, timemodified: seconds });
    }
    const held = this.moodleGrades.get(key);
    if (held?.timemodified && held.timemodified >= seconds)
      return refuse(409, `Refusing score with an earlier timestamp for item ${itemId} and user ${String(s.userId)}`);
    // A score not FullyGraded has its scoreGiven dropped; comment is the feedback.
    const grade = s.gradingProgress === 'FullyGraded' && s.scoreGiven !== undefined && s.scoreGiven !== null ? Number(s.scoreGiven) : null;
    const feedback = s.comment ? String(s.comment) : null;
    const now = Math.floor(Date.now() / 1000);
    const changed = !held || held.grade !== grade || held.feedback !== feedback;
    let timemodified = held?.timemodified ?? null;
    if (this.coupledLineItems.has(itemId)) {
      // grade_item::update_raw_grade(): no grade and no feedback → null; a change → time().
      if (grade === null && feedback === null) timemodified = null;
      else if (changed) timemodified = now;
    } else if (changed) {
      // grade_item::update_final_grade(…, $timemodified): the score's time when it has a grade, else time().
      timemodified = grade !== null ? seconds : now;
    }
    this.moodleGrades.set(key, { grade, feedback, timemodified });
    accept();
    res.writeHead(200, { 'content-type': 'application/vnd.ims.lis.v1.score+json; charset=utf-8' });
    return res.end();
  }

  /** app/controllers/lti/ims/scores_controller.rb, before_actions in their order. */
  private canvasScore(res: ServerResponse, itemId: string, key: string, s: Record<string, unknown>, accept: () => void, answer: (status: number) => void) {
    const refuse = (status: number, message: string) => {
      answer(status);
      return this.canvasError(res, status, message);
    };
    if (this.profile.agsStudentsOnly && !this.isStudent(String(s.userId))) return refuse(422, 'User not found in course or is not a student');
    for (const param of ['userId', 'activityProgress', 'gradingProgress', 'timestamp']) {
      if (s[param] === undefined || s[param] === null || s[param] === '') return refuse(400, `param is missing or the value is empty: ${param}`);
    }
    const stamp = typeof s.timestamp === 'string' && ISO_8601.test(s.timestamp) ? Date.parse(s.timestamp) : NaN;
    if (Number.isNaN(stamp)) return refuse(400, `Provided timestamp of ${String(s.timestamp)} not a valid timestamp`);
    const updatedAt = this.canvasResults.get(key);
    if (updatedAt !== undefined && updatedAt > stamp)
      return refuse(400, `Provided timestamp of ${String(s.timestamp)} before last updated timestamp of ${new Date(updatedAt).toISOString()}`);
    const scored = ['FullyGraded', 'PendingManual'].includes(String(s.gradingProgress)) && s.scoreGiven !== undefined && s.scoreGiven !== null;
    if (scored && (s.scoreMaximum === undefined || s.scoreMaximum === null)) return refuse(422, 'ScoreMaximum not supplied when ScoreGiven present.');
    if (scored && !(Number(s.scoreMaximum) >= 0)) return refuse(422, 'ScoreMaximum must be greater than or equal to 0');
    const submittedAt = (s[CANVAS_SUBMISSION] as { submitted_at?: unknown } | undefined)?.submitted_at;
    if (submittedAt !== undefined && submittedAt !== null && submittedAt !== '') {
      const at = typeof submittedAt === 'string' && ISO_8601.test(submittedAt) ? Date.parse(submittedAt) : NaN;
      if (Number.isNaN(at)) return refuse(400, `Provided submitted_at timestamp of ${String(submittedAt)} not a valid timestamp`);
      // Setting ags_submitted_at_future_buffer: one minute.
      if (at > Date.now() + 60_000) return refuse(400, `Provided submitted_at timestamp of ${String(submittedAt)} in the future`);
    }
    this.canvasResults.set(key, stamp);
    accept();
    return this.json(res, 200, { resultUrl: `${itemId}/results/${this.canvasResults.size}` });
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

/** An auto-submitting form posting `fields` to `action`, as an LMS's authorize page does. */
function autoPost(action: string, fields: Record<string, string>): string {
  return (
    `<!doctype html><form id="f" method="post" action="${escapeHtml(action)}">` +
    Object.entries(fields)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('') +
    `</form><script>document.getElementById('f').submit()</script>`
  );
}

// --- Dynamic registration: the LMSs' rules ------------------------------------------------------

interface Refusal {
  status: number;
  json?: unknown;
  text?: string;
}

const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PLATFORM_CONFIG = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const AGS_SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
const AGS_RESULT = 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly';
const AGS_LINEITEM_RO = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly';
const AGS_LINEITEM = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem';
const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
const LTI_SERVICE_SCOPES = [AGS_LINEITEM, AGS_LINEITEM_RO, AGS_RESULT, AGS_SCORE, NRPS_SCOPE];
/** Moodle: registration_helper::lti_get_service_scopes(), the scopes of its installed services. */
const MOODLE_SERVICE_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome',
  AGS_SCORE,
  AGS_RESULT,
  AGS_LINEITEM_RO,
  AGS_LINEITEM,
  NRPS_SCOPE,
  'https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting',
];
/** Canvas: TokenScopes::LTI_SCOPES, as in doc/api/registration.md's example. */
const CANVAS_LTI_SCOPES = [
  ...LTI_SERVICE_SCOPES,
  'https://canvas.instructure.com/lti/public_jwk/scope/update',
  'https://canvas.instructure.com/lti/account_lookup/scope/show',
  'https://canvas.instructure.com/lti-ags/progress/scope/show',
];
/** The Canvas account the simulated registration is for (platform configuration's account_name). */
export const CANVAS_ACCOUNT_NAME = 'Test University';
/** Canvas: app/models/lti/resource_placement.rb PLACEMENTS_BY_MESSAGE_TYPE. */
const CANVAS_PLACEMENTS_BY_MESSAGE_TYPE: Record<string, string[]> = {
  LtiResourceLinkRequest: [
    'account_navigation',
    'assignment_edit',
    'assignment_group_menu',
    'assignment_index_menu',
    'assignment_menu',
    'assignment_selection',
    'assignment_view',
    'collaboration',
    'conference_selection',
    'course_assignments_menu',
    'course_home_sub_navigation',
    'course_navigation',
    'course_settings_sub_navigation',
    'discussion_topic_index_menu',
    'discussion_topic_menu',
    'file_index_menu',
    'file_menu',
    'global_navigation',
    'homework_submission',
    'link_selection',
    'migration_selection',
    'module_group_menu',
    'module_index_menu',
    'module_index_menu_modal',
    'module_menu_modal',
    'module_menu',
    'post_grades',
    'quiz_index_menu',
    'quiz_menu',
    'resource_selection',
    'similarity_detection',
    'student_context_card',
    'submission_type_selection',
    'tool_configuration',
    'user_navigation',
    'wiki_index_menu',
    'wiki_page_menu',
  ],
  LtiDeepLinkingRequest: [
    'assignment_selection',
    'collaboration',
    'conference_selection',
    'course_assignments_menu',
    'editor_button',
    'homework_submission',
    'link_selection',
    'migration_selection',
    'module_index_menu_modal',
    'module_menu_modal',
    'resource_selection',
    'submission_type_selection',
  ],
};
const CANVAS_EXTENSION_PREFIX = 'https://canvas.instructure.com/lti/';

/**
 * Moodle 4.5: registration_helper::registration_to_config(), whose registration_exception
 * becomes the 400 answer's plain-text body (openid-registration.php). The first problem wins,
 * as the first exception does.
 */
function moodleRegistrationProblem(reg: Record<string, unknown>): string | undefined {
  // get_parameter(): PHP's empty() counts as missing.
  const empty = (v: unknown) =>
    v === undefined ||
    v === null ||
    v === '' ||
    v === '0' ||
    v === 0 ||
    v === false ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
  for (const k of ['response_types', 'initiate_login_uri', 'redirect_uris', 'client_name', 'jwks_uri', 'token_endpoint_auth_method', TOOL_CONFIG]) {
    if (empty(reg[k])) return `missing required attribute ${k}`;
  }
  const tc = reg[TOOL_CONFIG] as Record<string, unknown>;
  if (empty(tc.domain)) return 'missing_domain';
  // lti_get_domain_from_url(): host[:port], without scheme, a leading "www." or the path.
  const domainOf = (u: string) => /^(?:https?:\/\/)?(?:www\.)?([^/]+)(?:\/|$)/i.exec(u)?.[1];
  const target = typeof tc.target_link_uri === 'string' && tc.target_link_uri ? tc.target_link_uri : `https://${String(tc.domain)}`;
  if (domainOf(String(tc.domain)) !== domainOf(target)) return 'domain_targetlinkuri_mismatch';
  if (!Array.isArray(reg.response_types) || !reg.response_types.includes('id_token')) return 'invalid_response_types';
  if (!Array.isArray(reg.redirect_uris)) return 'invalid_redirect_uris';
  if (reg.token_endpoint_auth_method !== 'private_key_jwt') return 'invalid_token_endpoint_auth_method';
  if (!empty(reg.application_type) && reg.application_type !== 'web') return 'invalid_application_type';
  return undefined;
}

/**
 * Canvas: the JSON schemas of lib/schemas/lti/ims/oidc_registration.rb and
 * lti_tool_configuration.rb (all errors at once, worded like JSONSchemer's).
 */
function canvasRegistrationErrors(reg: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const isUri = (v: unknown) => typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v);
  const required = [
    'application_type',
    'grant_types',
    'response_types',
    'redirect_uris',
    'initiate_login_uri',
    'client_name',
    'jwks_uri',
    'token_endpoint_auth_method',
    TOOL_CONFIG,
  ];
  const missing = required.filter((k) => reg[k] === undefined);
  if (missing.length) errors.push(`object at root is missing required properties: ${missing.join(', ')}`);
  if (reg.application_type !== undefined && reg.application_type !== 'web') errors.push('value at `/application_type` does not match const: "web"');
  if (
    reg.grant_types !== undefined &&
    !(Array.isArray(reg.grant_types) && ['client_credentials', 'implicit'].every((g) => (reg.grant_types as unknown[]).includes(g)))
  )
    errors.push('array at `/grant_types` does not contain "client_credentials" and "implicit"');
  if (reg.response_types !== undefined && !(Array.isArray(reg.response_types) && reg.response_types.includes('id_token')))
    errors.push('array at `/response_types` does not contain "id_token"');
  if (reg.redirect_uris !== undefined && !(Array.isArray(reg.redirect_uris) && reg.redirect_uris.length > 0 && reg.redirect_uris.every(isUri)))
    errors.push('value at `/redirect_uris` is not an array of at least one uri');
  for (const k of ['initiate_login_uri', 'jwks_uri']) if (reg[k] !== undefined && !isUri(reg[k])) errors.push(`value at \`/${k}\` does not match format: uri`);
  if (reg.client_name !== undefined && !(typeof reg.client_name === 'string' && reg.client_name.length > 0))
    errors.push('value at `/client_name` is not a string of at least 1 character');
  if (reg.token_endpoint_auth_method !== undefined && reg.token_endpoint_auth_method !== 'private_key_jwt')
    errors.push('value at `/token_endpoint_auth_method` does not match const: "private_key_jwt"');
  if (reg.scope !== undefined && reg.scope !== null && typeof reg.scope !== 'string')
    errors.push('value at `/scope` is not one of the types: ["string", "null"]');
  const tc = reg[TOOL_CONFIG];
  if (tc === undefined) return errors;
  const at = '/https:~1~1purl.imsglobal.org~1spec~1lti-tool-configuration';
  if (typeof tc !== 'object' || tc === null || Array.isArray(tc)) return [...errors, `value at \`${at}\` is not an object`];
  const c = tc as Record<string, unknown>;
  const tcMissing = ['domain', 'messages', 'claims'].filter((k) => c[k] === undefined);
  if (tcMissing.length) errors.push(`object at \`${at}\` is missing required properties: ${tcMissing.join(', ')}`);
  // A host name with an optional port: no scheme, no path.
  const domainPattern = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(:[0-9]{1,5})?$/;
  if (c.domain !== undefined && !(typeof c.domain === 'string' && domainPattern.test(c.domain)))
    errors.push(`string at \`${at}/domain\` does not match pattern`);
  if (c.claims !== undefined && !(Array.isArray(c.claims) && c.claims.every((x) => typeof x === 'string')))
    errors.push(`value at \`${at}/claims\` is not an array of strings`);
  const privacy = c[`${CANVAS_EXTENSION_PREFIX}privacy_level`];
  if (privacy !== undefined && privacy !== null && !['public', 'name_only', 'email_only', 'anonymous'].includes(String(privacy)))
    errors.push(`value at \`${at}/https:~1~1canvas.instructure.com~1lti~1privacy_level\` is not one of: public, name_only, email_only, anonymous`);
  const toolId = c[`${CANVAS_EXTENSION_PREFIX}tool_id`];
  if (toolId !== undefined && toolId !== null && typeof toolId !== 'string')
    errors.push(`value at \`${at}/https:~1~1canvas.instructure.com~1lti~1tool_id\` is not a string`);
  if (c.messages !== undefined) {
    if (!Array.isArray(c.messages)) errors.push(`value at \`${at}/messages\` is not an array`);
    else {
      const allPlacements = new Set(Object.values(CANVAS_PLACEMENTS_BY_MESSAGE_TYPE).flat());
      const validPlacement = (p: unknown) =>
        typeof p === 'string' &&
        (allPlacements.has(p) || allPlacements.has(p.replace(CANVAS_EXTENSION_PREFIX, '')) || p === 'ContentArea' || p === 'RichTextEditor');
      c.messages.forEach((m: unknown, i) => {
        const msg = (m ?? {}) as Record<string, unknown>;
        if (!(String(msg.type) in CANVAS_PLACEMENTS_BY_MESSAGE_TYPE))
          errors.push(`value at \`${at}/messages/${i}/type\` is not one of: ${Object.keys(CANVAS_PLACEMENTS_BY_MESSAGE_TYPE).join(', ')}`);
        if (msg.target_link_uri !== undefined && msg.target_link_uri !== null && !isUri(msg.target_link_uri))
          errors.push(`value at \`${at}/messages/${i}/target_link_uri\` does not match format: uri`);
        if (msg.placements !== undefined && !(Array.isArray(msg.placements) && msg.placements.every(validPlacement)))
          errors.push(`value at \`${at}/messages/${i}/placements\` has a placement Canvas does not know`);
      });
    }
  }
  return errors;
}

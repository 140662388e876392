// Full launches against the platform simulator, and every forged launch we know of.
import { createHmac } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { readableText, readForm, TestBrowser } from '../support/browser';
import { launch, launchFromLmsPage, loginUrl, platformStorageOf, postLaunch, signInToLms, startLogin } from '../support/launch';
import { CANVAS_SCHOOL_ORIGIN, PlatformSimulator, placedLinkHint, USERS } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { ID_TOKEN_CLOCK_SKEW_SECONDS } from '../../src/lti/provider';

let tool: TestTool;
let sim: PlatformSimulator;
let other: PlatformSimulator;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  other = await connectLms(tool, 'canvas');
});

afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
  await other?.stop();
});

describe('a full launch', () => {
  it('takes an instructor to the course dashboard, with a session cookie fit for an iframe', async () => {
    const { page, browser } = await launch(tool, sim, 'instructor');
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/app\/[A-Za-z0-9_-]{32}$/);
    expect(page.body).toContain('Biology 101');
    expect(page.body).toContain('Micro-credentials in this course');
    const sid = browser.cookie('mc_sid')!;
    expect(sid.attributes).toMatch(/HttpOnly/);
    expect(sid.attributes).toMatch(/Secure/);
    expect(sid.attributes).toMatch(/SameSite=None/);
    expect(sid.attributes).toMatch(/Partitioned/);
    // The login's state cookie is gone once the launch has used it.
    expect(browser.cookies.filter((c) => c.name.startsWith('__Host-mc_state_'))).toEqual([]);
    // No ltik, no token in the address the person ends on.
    expect(page.url).not.toMatch(/ltik|id_token/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${sim.issuer}`);
  });

  it('takes a teaching assistant to the course dashboard too', async () => {
    const { page } = await launch(tool, sim, 'ta');
    expect(page.body).toContain('Micro-credentials in this course');
  });

  it('takes a learner to "My credentials"', async () => {
    const { page } = await launch(tool, sim, 'learner');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>My credentials</h1>');
    expect(page.body).not.toContain('Micro-credentials in this course');
  });

  it('takes an LMS administrator to a link to the admin console', async () => {
    const { page } = await launch(tool, sim, 'admin');
    expect(page.body).toContain('Open the admin console');
  });

  it('works the same for a Canvas-shaped launch', async () => {
    const { page } = await launch(tool, other, 'learner');
    expect(page.body).toContain('My credentials');
  });

  it('records platform, deployment, course, resource link and user', async () => {
    await launch(tool, sim, 'learner');
    const { rows } = await tool.database.pool.query(
      `SELECT u.sub, u.email, c.context_id, c.title, c.deployment_id, r.link_id, l.app_role, p.issuer
         FROM launch_sessions l JOIN lti_users u ON u.id = l.user_id JOIN courses c ON c.id = l.course_id
         JOIN resource_links r ON r.id = l.resource_link_id JOIN platforms p ON p.id = l.platform_id
        WHERE u.sub = $1 AND p.issuer = $2 ORDER BY l.created_at DESC LIMIT 1`,
      [USERS.learner.sub, sim.issuer],
    );
    expect(rows[0]).toEqual({
      sub: USERS.learner.sub,
      email: 'lena@uni.example',
      context_id: 'course-101',
      title: 'Biology 101',
      deployment_id: 'dep-1',
      link_id: 'rl-1',
      app_role: 'learner',
      issuer: sim.issuer,
    });
  });

  it('keeps two courses open in two tabs of one browser apart, and both working', async () => {
    const browser = new TestBrowser();
    const a = await launch(tool, sim, 'instructor', browser);
    const sidAfterFirst = browser.cookie('mc_sid')!.value;
    const b = await launch(tool, other, 'learner', browser);
    expect(a.page.url).not.toBe(b.page.url);
    // Each launch gets a fresh session id (no fixation)…
    expect(browser.cookie('mc_sid')!.value).not.toBe(sidAfterFirst);
    // …and each tab still shows its own course and role.
    const tabA = await browser.get(a.page.url);
    const tabB = await browser.get(b.page.url);
    expect(tabA.status).toBe(200);
    expect(tabA.body).toContain('Micro-credentials in this course');
    expect(tabB.status).toBe(200);
    expect(tabB.body).toContain('My credentials');
  });

  it("lets the LMS's own web origin frame the tool (hosted Canvas serves courses on the school's domain)", async () => {
    const { page } = await launch(tool, other, 'learner');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(new RegExp(`frame-ancestors [^;]*${CANVAS_SCHOOL_ORIGIN.replace(/\./g, '\\.')}`));
  });

  it('refuses a launch address from another browser', async () => {
    const { page } = await launch(tool, sim, 'instructor');
    const { browser: stranger } = await launch(tool, sim, 'learner');
    const res = await stranger.get(page.url);
    expect(res.status).toBe(401);
    expect(res.body).toContain('open microcred again');
    // Without any cookie the address only offers to sign in again through the LMS.
    const cookieless = await new TestBrowser().get(page.url);
    expect(cookieless.status).toBe(401);
    expect(cookieless.body).not.toContain('Micro-credentials in this course');
  });
});

describe('forged and broken launches are refused with a clear 4xx page', () => {
  async function forged(build: (ctx: { nonce: string; state: string }) => Promise<string> | string) {
    const browser = new TestBrowser();
    const start = await startLogin(browser, tool, sim, 'learner');
    const token = await build(start);
    return postLaunch(browser, tool, token, start.state);
  }
  const claims = (nonce: string, overrides: Record<string, unknown> = {}) => ({ ...sim.launchClaims(USERS.learner, nonce), ...overrides });

  /** lti_logins rows of an issuer, once any write the login started has had time to land. */
  async function loginRowsOf(issuer: string): Promise<number> {
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await tool.database.pool.query('SELECT count(*)::int AS n FROM lti_logins WHERE issuer = $1', [issuer]);
    return rows[0].n;
  }

  function expectRefused(page: { status: number; body: string }, code: string) {
    expect(page.body).toContain(code);
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(page.status).toBeLessThan(500);
    expect(page.body).not.toMatch(/at .*\.(js|ts):\d+/); // never a stack trace
  }

  it('bad signature', async () => {
    const page = await forged(async ({ nonce }) => {
      const t = await sim.signIdToken(claims(nonce));
      const [h, p, s] = t.split('.');
      return `${h}.${p}.${s.slice(0, -6)}AAAAAA`;
    });
    expectRefused(page, 'BAD_SIGNATURE');
  });

  it('wrong aud', async () => {
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce), { aud: 'some-other-tool' })), 'WRONG_AUDIENCE');
  });

  it('aud listing our client next to another, with azp naming the other', async () => {
    expectRefused(
      await forged(({ nonce }) => sim.signIdToken(claims(nonce, { azp: 'some-other-tool' }), { aud: [sim.clientId, 'some-other-tool'] })),
      'WRONG_AUDIENCE',
    );
  });

  it('aud naming another tool while azp names ours', async () => {
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce, { azp: sim.clientId }), { aud: ['some-other-tool'] })), 'WRONG_AUDIENCE');
  });

  it('wrong iss', async () => {
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce), { iss: other.issuer })), 'ISSUER_MISMATCH');
  });

  it('expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce), { iat: past - 60, exp: past })), 'TOKEN_EXPIRED');
  });

  it('token issued too long ago (beyond 60 s), even if not expired', async () => {
    const iat = Math.floor(Date.now() / 1000) - 120;
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce), { iat, exp: iat + 3600 })), 'TOKEN_TOO_OLD');
  });

  it('tolerates 30 s of clock skew', async () => {
    const iat = Math.floor(Date.now() / 1000) - 30;
    const page = await forged(({ nonce }) => sim.signIdToken(claims(nonce), { iat }));
    expect(page.status).toBe(200);
  });

  it('token issued in the future: an hour ahead is refused, within the clock skew allowed for age it is accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Issued "in an hour" it would pass the age check (tokenMaxAge) for the next hour.
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce), { iat: now + 3600 })), 'TOKEN_ISSUED_IN_FUTURE');
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce), { iat: now + ID_TOKEN_CLOCK_SKEW_SECONDS + 10 })), 'TOKEN_ISSUED_IN_FUTURE');
    const within = await forged(({ nonce }) => sim.signIdToken(claims(nonce), { iat: now + ID_TOKEN_CLOCK_SKEW_SECONDS - 1 }));
    expect(within.status).toBe(200);
  });

  it('token without iat (its age cannot be checked)', async () => {
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce), { iat: null, exp: Math.floor(Date.now() / 1000) + 3600 })), 'MISSING_CLAIMS');
  });

  it('a Moodle whose clock runs an hour ahead: refused with the clock message; half a minute ahead still works', async () => {
    try {
      sim.clockOffsetSeconds = 3600;
      const { page } = await launch(tool, sim, 'learner');
      expectRefused(page, 'TOKEN_ISSUED_IN_FUTURE');
      expect(readableText(page.body)).toContain('the clock of the LMS server or of the microcred server is wrong');
      sim.clockOffsetSeconds = 30;
      expect((await launch(tool, sim, 'learner')).page.status).toBe(200);
    } finally {
      sim.clockOffsetSeconds = 0;
    }
  });

  it('replayed launch (same state and nonce again)', async () => {
    const browser = new TestBrowser();
    const start = await startLogin(browser, tool, sim, 'learner');
    const token = await sim.signIdToken(claims(start.nonce));
    expect((await postLaunch(browser, tool, token, start.state)).status).toBe(200);
    expectRefused(await postLaunch(browser, tool, token, start.state), 'REPLAYED_LAUNCH');
  });

  it('replayed nonce under a fresh login', async () => {
    const browser = new TestBrowser();
    const first = await startLogin(browser, tool, sim, 'learner');
    const token = await sim.signIdToken(claims(first.nonce));
    expect((await postLaunch(browser, tool, token, first.state)).status).toBe(200);
    const second = await startLogin(browser, tool, sim, 'learner');
    expectRefused(await postLaunch(browser, tool, token, second.state), 'NONCE_MISMATCH');
  });

  it('a nonce that does not match the login', async () => {
    expectRefused(await forged(() => sim.signIdToken(claims('made-up-nonce'))), 'NONCE_MISMATCH');
  });

  it('unknown deployment id', async () => {
    expectRefused(
      await forged(({ nonce }) => sim.signIdToken(claims(nonce, { 'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'dep-unknown' }))),
      'UNKNOWN_DEPLOYMENT',
    );
  });

  it.each([
    ['message_type', 'https://purl.imsglobal.org/spec/lti/claim/message_type'],
    ['version', 'https://purl.imsglobal.org/spec/lti/claim/version'],
    ['roles', 'https://purl.imsglobal.org/spec/lti/claim/roles'],
    ['resource_link', 'https://purl.imsglobal.org/spec/lti/claim/resource_link'],
  ])('missing required claim: %s', async (_name, claim) => {
    const page = await forged(({ nonce }) => {
      const c = claims(nonce);
      delete c[claim];
      return sim.signIdToken(c);
    });
    expectRefused(page, 'MISSING_CLAIMS');
  });

  it('alg none', async () => {
    expectRefused(await forged(({ nonce }) => sim.unsignedIdToken(claims(nonce))), 'ALG_NOT_ALLOWED');
  });

  it('HS256 signed with a guessable secret', async () => {
    expectRefused(
      await forged(({ nonce }) => sim.signIdToken(claims(nonce), { alg: 'HS256', key: new TextEncoder().encode('secret') as never })),
      'ALG_NOT_ALLOWED',
    );
  });

  it("a key from another platform's JWKS", async () => {
    // Signed with the other platform's key and kid, but claiming to be this platform.
    const page = await forged(({ nonce }) => other.signIdToken(claims(nonce), { iss: sim.issuer, aud: sim.clientId }));
    expectRefused(page, 'UNKNOWN_KEY');
  });

  it('a key nobody published, under a known kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    expectRefused(await forged(({ nonce }) => sim.signIdToken(claims(nonce), { key: privateKey })), 'BAD_SIGNATURE');
  });

  it('a state cookie from another login', async () => {
    const victim = new TestBrowser();
    const attacker = new TestBrowser();
    await startLogin(victim, tool, sim, 'learner'); // the victim holds a state cookie of their own
    const attackerLogin = await startLogin(attacker, tool, sim, 'learner');
    const token = await sim.signIdToken(claims(attackerLogin.nonce));
    expectRefused(await postLaunch(victim, tool, token, attackerLogin.state), 'STATE_COOKIE_MISMATCH');
  });

  describe('the state cookie is the tool’s own, for this login (someone who can set cookies on the tool’s site cannot forge it)', () => {
    /** The attacker's login and id_token, and the name of the state cookie the tool set for it. */
    async function attackersLogin() {
      const attacker = new TestBrowser();
      const login = await startLogin(attacker, tool, sim, 'learner');
      const ours = attacker.cookies.find((c) => c.name.endsWith(`mc_state_${login.state}`))!;
      return { attacker, login, ours, token: await sim.signIdToken(claims(login.nonce)) };
    }
    const plant = (browser: TestBrowser, name: string, value: string) => browser.cookies.push({ name, value, host: new URL(tool.base).host, attributes: '' });

    it('is a __Host- cookie: no other host (a sibling subdomain) can set it (RFC 6265bis 4.1.3.2)', async () => {
      const { ours } = await attackersLogin();
      expect(ours.name).toMatch(/^__Host-/);
      expect(ours.attributes).toMatch(/;\s*Secure/i);
      expect(ours.attributes).toMatch(/(^|;)\s*Path=\/(;|$)/i);
      expect(ours.attributes).not.toMatch(/Domain=/i);
    });

    it('a forged value ("1") under its name is refused', async () => {
      const { login, ours, token } = await attackersLogin();
      const victim = new TestBrowser();
      plant(victim, ours.name, '1');
      expectRefused(await postLaunch(victim, tool, token, login.state), 'STATE_COOKIE_MISMATCH');
      expect(victim.cookie('mc_sid')).toBeUndefined();
    });

    it("a genuine cookie of another login, renamed to this login's state, is refused", async () => {
      const { login, ours, token } = await attackersLogin();
      const victim = new TestBrowser();
      const victimsLogin = await startLogin(victim, tool, sim, 'learner');
      const genuine = victim.cookies.find((c) => c.name.endsWith(`mc_state_${victimsLogin.state}`))!;
      plant(victim, ours.name, genuine.value);
      expectRefused(await postLaunch(victim, tool, token, login.state), 'STATE_COOKIE_MISMATCH');
    });

    it("ltijs's own state cookie alone (no prefix, so a sibling could set it) does not do", async () => {
      const { attacker, login, ours, token } = await attackersLogin();
      // The login's state is the tool's own (decision 0021): ltijs's cookie, named after its
      // state, is not even sent. One signed as ltijs signs it (cookie-parser, same secret) and
      // planted under this login's state still counts for nothing.
      expect(attacker.cookies.some((c) => /^state/.test(c.name))).toBe(false);
      const mac = createHmac('sha256', tool.config.encryptionKey.toString('base64')).update(sim.issuer).digest('base64').replace(/=+$/, '');
      const signed = `s:${sim.issuer}.${mac}`;
      const ltijsCookie = { name: `state${login.state}`, value: encodeURIComponent(signed) };
      const victim = new TestBrowser();
      plant(victim, ltijsCookie.name, ltijsCookie.value);
      expect(victim.cookie(ours.name)).toBeUndefined();
      expectRefused(await postLaunch(victim, tool, token, login.state), 'STATE_COOKIE_MISMATCH');
      expect(victim.cookie('mc_sid')).toBeUndefined();
    });
  });

  it('a state this tool never issued', async () => {
    const browser = new TestBrowser();
    const start = await startLogin(browser, tool, sim, 'learner');
    const token = await sim.signIdToken(claims(start.nonce));
    expectRefused(await postLaunch(browser, tool, token, 'invented-state'), 'UNKNOWN_STATE');
  });

  it('a disabled platform', async () => {
    const p = await tool.platforms.findByIssuerAndClient(other.issuer, other.clientId);
    await tool.platforms.setActive(p!.id, false);
    const rowsBefore = await loginRowsOf(other.issuer);
    try {
      const res = await new TestBrowser().get(
        `${tool.base}/lti/login?iss=${encodeURIComponent(other.issuer)}&login_hint=x&target_link_uri=${encodeURIComponent(`${tool.base}/lti/launch`)}&client_id=${other.clientId}`,
      );
      expectRefused(res, 'PLATFORM_DISABLED');
      expect(await loginRowsOf(other.issuer)).toBe(rowsBefore);
    } finally {
      await tool.platforms.setActive(p!.id, true);
    }
  });

  it('a login without client_id (optional in LTI 1.3) is recorded and sent on to the LMS', async () => {
    // Moodle and Canvas send client_id (platformSimulator.ts loginInitiation); the spec lets a platform leave it out.
    const rowsBefore = await loginRowsOf(other.issuer);
    const res = await fetch(
      `${tool.base}/lti/login?iss=${encodeURIComponent(other.issuer)}&login_hint=x&target_link_uri=${encodeURIComponent(`${tool.base}/lti/launch`)}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('client_id')).toBe(other.clientId);
    expect(await loginRowsOf(other.issuer)).toBe(rowsBefore + 1);
  });

  it('a login from an unregistered platform, leaving nothing behind', async () => {
    const res = await new TestBrowser().get(
      `${tool.base}/lti/login?iss=https%3A%2F%2Fevil.example&login_hint=x&target_link_uri=${encodeURIComponent(`${tool.base}/lti/launch`)}&client_id=x`,
    );
    expectRefused(res, 'UNKNOWN_PLATFORM');
    // Anyone may call the login: an unknown issuer must not fill lti_logins.
    expect(await loginRowsOf('https://evil.example')).toBe(0);
  });

  it('a POST without a token, and garbage as a token', async () => {
    expectRefused(await new TestBrowser().post(`${tool.base}/lti/launch`, {}), 'NOT_A_LAUNCH');
    expectRefused(await new TestBrowser().post(`${tool.base}/lti/launch`, { id_token: 'not.a.jwt', state: 'x' }), 'MALFORMED_ID_TOKEN');
  });

  it('an ltik in the URL is not accepted anywhere', async () => {
    const res = await new TestBrowser().get(`${tool.base}/lti/launch?ltik=eyJhbGciOiJIUzI1NiJ9.e30.x`);
    expect(res.status).toBe(404);
  });

  describe("the login sends the id_token only to the tool's own launch URL (target_link_uri becomes redirect_uri)", () => {
    const launchUrl = () => `${tool.base}/lti/launch`;
    it.each<[string, () => string | undefined]>([
      ['another site', () => 'https://evil.example/lti/launch'],
      ['another path on the tool', () => `${tool.base}/app/steal`],
      ['the launch path under another scheme', () => launchUrl().replace(/^http:/, 'https:')],
      ['user info before the tool’s host', () => launchUrl().replace('//', '//attacker.example@')],
      ['the launch URL with a fragment', () => `${launchUrl()}#x`],
      ['the launch URL with a trailing slash', () => `${launchUrl()}/`],
      ['none at all', () => undefined],
    ])('%s is refused with a 400 page, before anything goes to the LMS', async (_name, target) => {
      const u = new URL(loginUrl(tool, sim, 'learner'));
      const t = target();
      if (t === undefined) u.searchParams.delete('target_link_uri');
      else u.searchParams.set('target_link_uri', t);
      const res = await new TestBrowser().get(u.toString(), false);
      expect(res.status).toBe(400);
      expectRefused(res, 'TARGET_NOT_THIS_TOOL');
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('set-cookie') ?? '').not.toMatch(/state/);
    });

    it("the launch URL with a query (Canvas's full-window launch adds one) is accepted, and the LMS gets the bare launch URL", async () => {
      const start = await startLogin(new TestBrowser(), tool, sim, 'learner', {
        target_link_uri: `${launchUrl()}?full_win_launch_requested=1&platform_redirect_url=${encodeURIComponent(sim.issuer)}`,
      });
      expect(start.authUrl.searchParams.get('redirect_uri')).toBe(launchUrl());
    });
  });

  it('does not answer cross-origin requests with credentials (no CORS)', async () => {
    const res = await fetch(`${tool.base}/lti/keys`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe("the LMS's own rules for hints and id_tokens", () => {
  /** The LMS's auth endpoint's answer to the authentication request the tool redirected to. */
  const authAnswer = (browser: TestBrowser, start: { authUrl: URL }) => browser.get(start.authUrl.toString());

  it('Moodle 4.5 takes each lti_message_hint once: the same authentication request again is "Invalid request"', async () => {
    const browser = new TestBrowser();
    const start = await startLogin(browser, tool, sim, 'learner');
    expect((await authAnswer(browser, start)).status).toBe(200);
    const again = await authAnswer(browser, start);
    expect(again.status).toBe(400);
    expect(again.body).toBe('Invalid request');
  });

  it("Moodle 4.5's id_token lives 60 s: one that expired on the way is refused with a clear message, 30 s of skew still works", async () => {
    try {
      // Moodle's clock 61 s behind ours: its token expired (exp = iat + 60) before it arrived.
      sim.clockOffsetSeconds = -61;
      const { page } = await launch(tool, sim, 'learner');
      expect(page.status).toBe(401);
      const text = readableText(page.body);
      expect(text).toContain('The launch from the LMS expired before it reached microcred.');
      expect(text).toContain('the clock of the LMS server or of the microcred server is wrong');
      expect(text).toContain('TOKEN_EXPIRED');
      sim.clockOffsetSeconds = -30;
      expect((await launch(tool, sim, 'learner')).page.status).toBe(200);
    } finally {
      sim.clockOffsetSeconds = 0;
    }
  });

  it('Canvas takes each lti_message_hint once: the second use comes back to the tool as "launch_no_longer_valid"', async () => {
    const browser = new TestBrowser();
    const start = await startLogin(browser, tool, other, 'learner');
    const first = readForm((await authAnswer(browser, start)).body);
    expect(first.fields.id_token).toBeTruthy();
    const second = readForm((await authAnswer(browser, start)).body);
    expect(second.fields).toEqual({
      error: 'launch_no_longer_valid',
      error_description: 'The launch has either expired or already been consumed',
      state: start.state,
    });
    const page = await browser.post(second.action, second.fields);
    expect(page.status).toBe(400);
    expect(readableText(page.body)).toContain('The LMS refused the login: The launch has either expired or already been consumed.');
  });

  it("Canvas's hint expires after 5 minutes: an older one is refused at Canvas", async () => {
    const browser = new TestBrowser();
    try {
      other.clockOffsetSeconds = -301; // the hint was made 301 s ago
      const start = await startLogin(browser, tool, other, 'learner');
      other.clockOffsetSeconds = 0;
      const answer = await authAnswer(browser, start);
      expect(answer.status).toBe(400);
      expect(answer.body).toBe('Invalid lti_message_hint');
    } finally {
      other.clockOffsetSeconds = 0;
    }
  });

  it("Canvas's id_token lives an hour (exp − iat), Moodle's a minute", async () => {
    for (const [lms, seconds] of [
      [sim, 60],
      [other, 3600],
    ] as const) {
      const browser = new TestBrowser();
      const start = await startLogin(browser, tool, lms, 'learner');
      const { fields } = readForm((await browser.get(start.authUrl.toString())).body);
      const { iat, exp } = JSON.parse(Buffer.from(fields.id_token.split('.')[1], 'base64url').toString());
      expect(exp - iat).toBe(seconds);
    }
  });
});

describe('iframe without any cookie (Safari), Moodle 4.5: a fresh launch through Moodle in a new window', () => {
  it("links to Moodle's own launch address for the activity, whose fresh launch completes in the new window; the old hint is spent", async () => {
    const browser = new TestBrowser();
    await signInToLms(browser, sim, 'learner');
    browser.cookiePolicy = 'none'; // the tool's cookies, inside Moodle's frame
    const start = await startLogin(browser, tool, sim, 'learner');
    // Moodle's hint names the course module (lti_build_login_request).
    const hint = JSON.parse(new URL(start.authUrl).searchParams.get('lti_message_hint')!);
    expect(hint).toEqual({ cmid: sim.courseModuleOf('resource-link'), launchid: expect.stringMatching(/^ltilaunch\d+_\d+$/) });
    const auth = await browser.get(start.authUrl.toString());
    const form = readForm(auth.body);
    const page = await browser.post(form.action, form.fields);
    expect(page.status).toBe(401);
    expect(page.body).toContain('Open microcred in a new window');
    const link = /<a class="button" href="([^"]*)" target="_blank"/.exec(page.body)![1].replace(/&amp;/g, '&');
    expect(link).toBe(sim.moodleLaunchUrl('resource-link'));

    // Moodle took the hint once: the same authentication request again is refused.
    const again = await browser.get(start.authUrl.toString());
    expect(again.status).toBe(400);
    expect(again.body).toBe('Invalid request');

    // The new window is a first-party context, where cookies work: Moodle starts a new login.
    browser.cookiePolicy = 'all';
    const moodlePage = await browser.get(link);
    expect(moodlePage.status).toBe(200);
    expect(readForm(moodlePage.body).fields.lti_message_hint).not.toBe(new URL(start.authUrl).searchParams.get('lti_message_hint'));
    const landing = await launchFromLmsPage(browser, tool, moodlePage);
    expect(landing.status).toBe(200);
    expect(landing.url).toMatch(/\/app\/[A-Za-z0-9_-]{32}$/);
    expect(landing.body).toContain('My credentials');
  });

  it('a placed (deep-linked) activity opens at its own course module', async () => {
    const linkHint = placedLinkHint('rl-dl-x');
    const browser = new TestBrowser();
    browser.blockCookies = true;
    const start = await startLogin(browser, tool, sim, 'learner', { lti_message_hint: linkHint });
    const form = readForm((await browser.get(start.authUrl.toString())).body);
    const page = await browser.post(form.action, form.fields);
    expect(page.body).toContain(`href="${sim.moodleLaunchUrl(linkHint)}"`);
    expect(sim.courseModuleOf(linkHint)).not.toBe(sim.courseModuleOf('resource-link'));
  });

  it('a deep-linking launch (no course module yet) says what to do instead of offering a window', async () => {
    const browser = new TestBrowser();
    browser.blockCookies = true;
    const start = await startLogin(browser, tool, sim, 'instructor', { lti_message_hint: 'deep-linking' });
    expect(JSON.parse(start.authUrl.searchParams.get('lti_message_hint')!)).not.toHaveProperty('cmid');
    const form = readForm((await browser.get(start.authUrl.toString())).body);
    const page = await browser.post(form.action, form.fields);
    expect(page.status).toBe(401);
    const text = readableText(page.body);
    expect(text).toContain('microcred cannot open inside this page');
    expect(text).toContain('Adding microcred content to a course always opens microcred inside the LMS page');
    expect(page.body).not.toContain('/mod/lti/launch.php');
    expect(page.body).not.toContain('/lti/login?');
  });

  it('a platform registered with an unknown LMS family gets the "New window" instructions, in the LMS’s language', async () => {
    const unknown = await new PlatformSimulator('moodle-4.5').start();
    try {
      unknown.toolLaunchUrl = `${tool.base}/lti/launch`;
      unknown.locale = 'nl-NL';
      await tool.platforms.create({ ...unknown.registration(), lmsFamily: 'other' });
      const browser = new TestBrowser();
      browser.blockCookies = true;
      const { page } = await launch(tool, unknown, 'learner', browser);
      expect(page.status).toBe(401);
      const text = readableText(page.body);
      expect(text).toContain('microcred kan niet binnen deze pagina openen');
      expect(text).toContain('„Nieuw venster”');
      expect(page.body).not.toMatch(/href="[^"]*(launch\.php|\/lti\/login)/);
    } finally {
      await unknown.stop();
    }
  });
});

describe('browsers that block third-party cookies', () => {
  it('Chrome-like (only partitioned cookies survive): the launch completes in the iframe', async () => {
    const browser = new TestBrowser();
    browser.cookiePolicy = 'partitioned';
    const { page } = await launch(tool, sim, 'learner', browser);
    expect(page.status).toBe(200);
    expect(page.body).toContain('My credentials');
    // ltijs's own state cookie was dropped; ours carried the state.
    expect(browser.cookies.some((c) => c.name.startsWith('state'))).toBe(false);
  });

  describe('Safari-like (no cookies) on Canvas: platform storage through its post_message_forwarding frame', () => {
    const attr = (html: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(html)![1].replace(/&amp;/g, '&');

    /** A Canvas launch in a frame that keeps no cookie, up to the page that reads the state back. */
    async function storageLaunch() {
      const browser = new TestBrowser();
      await signInToLms(browser, other, 'learner');
      browser.cookiePolicy = 'none';
      const login = await browser.get(loginUrl(tool, other, 'learner'), false);
      // Canvas names its forwarding frame; its origin is Canvas's auth domain, not the issuer.
      expect(login.status).toBe(200);
      expect(attr(login.body, 'data-target')).toBe('post_message_forwarding');
      expect(attr(login.body, 'data-origin')).toBe(other.authOrigin);
      expect(other.authOrigin).not.toBe(other.issuer);
      const held = platformStorageOf(browser);
      held.set(attr(login.body, 'data-state-key'), attr(login.body, 'data-state'));
      held.set(attr(login.body, 'data-nonce-key'), attr(login.body, 'data-nonce'));
      const auth = await browser.get(attr(login.body, 'data-next'));
      const form = readForm(auth.body);
      expect(form.fields.lti_storage_target).toBe('post_message_forwarding');
      const check = await browser.post(form.action, form.fields);
      expect(check.status).toBe(200);
      expect(check.body).toContain('/public/js/lti-storage.js');
      expect(attr(check.body, 'data-target')).toBe('post_message_forwarding');
      expect(attr(check.body, 'data-origin')).toBe(other.authOrigin);
      return { browser, check, held };
    }

    it('confirms state and nonce from Canvas, completes the launch, then asks Canvas for a fresh launch in a new window', async () => {
      const { browser, check, held } = await storageLaunch();
      const ticket = readForm(check.body, '/lti/launch/storage').fields.ticket;
      const done = await browser.post(`${tool.base}/lti/launch/storage`, {
        ticket,
        state: held.get(attr(check.body, 'data-state-key'))!,
        nonce: held.get(attr(check.body, 'data-nonce-key'))!,
      });
      // The launch was accepted, but this browser will not keep a session cookie in the
      // frame: the landing page offers Canvas's own way to a new window.
      expect(done.status).toBe(401);
      expect(done.url).toMatch(/\/app\/[A-Za-z0-9_-]{32}$/);
      expect(done.body).toContain('/public/js/lti-new-window.js');
      const { rows } = await tool.database.pool.query('SELECT count(*)::int AS n FROM launch_sessions WHERE id = $1', [done.url.split('/').pop()]);
      expect(rows[0].n).toBe(1);
      // The ticket works once.
      const again = await browser.post(`${tool.base}/lti/launch/storage`, { ticket, state: 'x', nonce: 'y' });
      expect(again.body).toContain('UNKNOWN_TICKET');

      // The button's requestFullWindowLaunch, as Canvas's page answers it: a new window on
      // Canvas's retrieve address, which starts a fresh launch (with a new hint).
      const url = attr(done.body, 'data-url');
      const placement = attr(done.body, 'data-placement');
      expect(url).toBe(`${tool.base}/lti/launch`);
      expect(placement).toBe('course_navigation');
      browser.cookiePolicy = 'all';
      const canvasPage = await browser.get(
        `${other.issuer}/courses/101/external_tools/retrieve?display=borderless&url=${encodeURIComponent(`${url}?full_win_launch_requested=1`)}&placement=${placement}`,
      );
      expect(canvasPage.status).toBe(200);
      const landing = await launchFromLmsPage(browser, tool, canvasPage);
      expect(landing.status).toBe(200);
      expect(landing.body).toContain('My credentials');
    });

    it("refuses the ticket posted from another browser (login CSRF: the attacker's own ticket, state and nonce), which keeps no session; the browser that started the login still launches", async () => {
      // The attacker's own launch: they see their ticket and the values they put in their LMS page.
      const { browser: attackers, check, held } = await storageLaunch();
      const stolen = {
        ticket: readForm(check.body, '/lti/launch/storage').fields.ticket,
        state: held.get(attr(check.body, 'data-state-key'))!,
        nonce: held.get(attr(check.body, 'data-nonce-key'))!,
      };
      const launchSessions = async () => (await tool.database.pool.query('SELECT count(*)::int AS n FROM launch_sessions')).rows[0].n as number;
      const before = await launchSessions();
      // Their page on another site auto-posts it from the victim's browser (which allows cookies).
      const victim = new TestBrowser();
      const forged = await victim.request(`${tool.base}/lti/launch/storage`, { form: stolen, headers: { 'sec-fetch-site': 'cross-site' } });
      expect(forged.status).toBe(403);
      expect(forged.body).toContain('STORAGE_TICKET_NOT_FROM_FRAME');
      expect(victim.cookie('mc_sid')).toBeUndefined();
      // Same from a browser (or script) that says nothing of where the post comes from.
      const bare = await fetch(`${tool.base}/lti/launch/storage`, { method: 'POST', body: new URLSearchParams(stolen), redirect: 'manual' });
      expect(bare.status).toBe(403);
      expect(bare.headers.getSetCookie().some((c) => c.startsWith('mc_sid='))).toBe(false);
      expect(await launchSessions()).toBe(before);
      // The refusals did not spend the ticket: the page in the attacker's own frame still completes.
      const done = await attackers.post(`${tool.base}/lti/launch/storage`, stolen);
      expect(done.url).toMatch(/\/app\/[A-Za-z0-9_-]{32}$/);
    });

    it('refuses values the LMS frame did not hold', async () => {
      const { browser, check, held } = await storageLaunch();
      const ticket = readForm(check.body, '/lti/launch/storage').fields.ticket;
      const res = await browser.post(`${tool.base}/lti/launch/storage`, { ticket, state: held.get(attr(check.body, 'data-state-key'))!, nonce: 'forged' });
      expect(res.status).toBe(401);
      expect(res.body).toContain('STORAGE_MISMATCH');
    });

    it('offers the same new window when Canvas could not confirm the sign-in in the frame', async () => {
      const { check } = await storageLaunch();
      // Shown by lti-storage.js when lti.get_data brings nothing back.
      const fallback = /<div id="lti-storage-fallback" hidden>([\s\S]*?)<\/div>/.exec(check.body)![1];
      expect(fallback).toContain('id="lti-full-window"');
      expect(fallback).toContain(`data-url="${tool.base}/lti/launch"`);
      expect(fallback).not.toContain('/lti/login?');
    });
  });

  it('a platform with platform storage but no way to relaunch (generic): storage completes the launch, then the "New window" instructions', async () => {
    const generic = await connectLms(tool, 'generic');
    try {
      const browser = new TestBrowser();
      browser.blockCookies = true;
      const { page } = await launch(tool, generic, 'learner', browser);
      expect(page.status).toBe(401);
      expect(page.url).toMatch(/\/app\/[A-Za-z0-9_-]{32}$/);
      const text = readableText(page.body);
      expect(text).toContain('microcred cannot open inside this page');
      expect(text).toContain('ask your LMS administrator to set microcred’s launch container (or display) to “New window”');
      expect(page.body).not.toMatch(/href="[^"]*\/lti\/login/);
    } finally {
      await generic.stop();
    }
  });
});

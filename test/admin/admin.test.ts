// The admin console through real HTTP: first-run set-up, sign-in, CSRF, platforms,
// Canvas JSON and dynamic registration against the platform simulator.
import { readableText, readForm, TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import { CANVAS_ACCOUNT_NAME, PlatformSimulator } from '../support/platformSimulator';
import { startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
const EMAIL = 'it-admin@uni.example';
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  tool = await startTestTool();
});
afterAll(async () => {
  await tool?.stop();
});

/** Fetches a page and returns its form's fields (with the CSRF token) for the given action. */
async function formOn(browser: TestBrowser, pageUrl: string, action?: string) {
  const page = await browser.get(pageUrl);
  expect(page.status).toBe(200);
  return readForm(page.body, action);
}

async function signedIn(): Promise<TestBrowser> {
  const b = new TestBrowser();
  const form = await formOn(b, `${tool.base}/admin/login`, '/admin/login');
  const res = await b.post(`${tool.base}/admin/login`, { ...form.fields, email: EMAIL, password: PASSWORD });
  expect(res.status).toBe(200);
  expect(res.url).toBe(`${tool.base}/admin`);
  return b;
}

describe('first-run set-up link', () => {
  let token: string;
  let spare: string;

  it('is issued only while no admin exists, and shows a form', async () => {
    token = (await tool.accounts.issueSetupToken())!;
    spare = (await tool.accounts.issueSetupToken())!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const page = await new TestBrowser().get(`${tool.base}/admin/setup/${token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Create the first administrator');
  });

  it('keeps what was typed and explains each error', async () => {
    const b = new TestBrowser();
    const form = await formOn(b, `${tool.base}/admin/setup/${token}`, '/admin/setup/');
    const res = await b.post(`${tool.base}/admin/setup/${token}`, { ...form.fields, email: EMAIL, password: 'short', confirm: 'other' });
    expect(res.status).toBe(422);
    expect(res.body).toContain(`value="${EMAIL}"`);
    expect(res.body).toContain('Use at least 12 characters');
    expect(res.body).not.toContain('value="short"');
    expect(await tool.accounts.adminCount()).toBe(0);
  });

  it('creates the admin once, even when two browsers submit at the same moment', async () => {
    const a = new TestBrowser();
    const b = new TestBrowser();
    const fa = await formOn(a, `${tool.base}/admin/setup/${token}`, '/admin/setup/');
    const fb = await formOn(b, `${tool.base}/admin/setup/${spare}`, '/admin/setup/');
    const [ra, rb] = await Promise.all([
      a.post(`${tool.base}/admin/setup/${token}`, { ...fa.fields, email: EMAIL, password: PASSWORD, confirm: PASSWORD }),
      b.post(`${tool.base}/admin/setup/${spare}`, { ...fb.fields, email: 'other@uni.example', password: PASSWORD, confirm: PASSWORD }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 410]);
    expect(await tool.accounts.adminCount()).toBe(1);
    const winner = ra.status === 200 ? ra : rb;
    expect(winner.url).toBe(`${tool.base}/admin`);
    expect(winner.body).toContain('Login initiation URL');
  });

  it('is dead once used', async () => {
    const again = await new TestBrowser().get(`${tool.base}/admin/setup/${token}`);
    expect(again.status).toBe(410);
    expect(again.body).toContain('SETUP_LINK_USED');
    expect(await tool.accounts.issueSetupToken()).toBeUndefined();
  });
});

describe('sign-in', () => {
  beforeAll(async () => {
    // The concurrent set-up above may have been won by either account; make EMAIL exist.
    const { rows } = await tool.database.pool.query('SELECT email FROM admin_users');
    if (rows[0].email !== EMAIL) await tool.database.pool.query('UPDATE admin_users SET email = $1', [EMAIL]);
  });

  it('sends anonymous visitors to the sign-in page', async () => {
    const res = await new TestBrowser().get(`${tool.base}/admin`, false);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin');
  });

  it('refuses a wrong password and keeps the email', async () => {
    const b = new TestBrowser();
    const form = await formOn(b, `${tool.base}/admin/login`, '/admin/login');
    const res = await b.post(`${tool.base}/admin/login`, { ...form.fields, email: EMAIL, password: 'wrong password!!' });
    expect(res.status).toBe(401);
    expect(res.body).toContain('do not match');
    expect(res.body).toContain(`value="${EMAIL}"`);
  });

  it('slows down password guessing for one account', async () => {
    const b = new TestBrowser();
    const victim = 'nobody@uni.example';
    for (let i = 0; i < 5; i++) {
      const form = await formOn(b, `${tool.base}/admin/login`, '/admin/login');
      expect((await b.post(`${tool.base}/admin/login`, { ...form.fields, email: victim, password: `guess ${i}` })).status).toBe(401);
    }
    const form = await formOn(b, `${tool.base}/admin/login`, '/admin/login');
    const res = await b.request(`${tool.base}/admin/login`, { form: { ...form.fields, email: victim, password: 'guess 6' } });
    expect(res.status).toBe(429);
    expect(res.body).toContain('Too many failed sign-ins');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('signs in, shows the tool URLs, and signs out', async () => {
    const b = await signedIn();
    const dash = await b.get(`${tool.base}/admin`);
    for (const path of ['/lti/login', '/lti/launch', '/lti/keys', '/lti/canvas.json', '/lti/register']) expect(dash.body).toContain(`${tool.base}${path}`);
    const logout = readForm(dash.body, '/admin/logout');
    const out = await b.post(`${tool.base}/admin/logout`, logout.fields);
    expect(out.url).toBe(`${tool.base}/admin/login`);
    expect((await b.get(`${tool.base}/admin`, false)).status).toBe(303);
  });

  it('gives a person in an LTI session a 403, not the console', async () => {
    const sim = await new PlatformSimulator().start();
    try {
      sim.toolLaunchUrl = `${tool.base}/lti/launch`;
      await tool.platforms.create(sim.registration());
      for (const role of ['learner', 'instructor', 'admin'] as const) {
        const { browser } = await launch(tool, sim, role);
        const res = await browser.get(`${tool.base}/admin`);
        expect(res.status).toBe(403);
        expect(res.body).toContain('NOT_AN_ADMIN');
      }
    } finally {
      await sim.stop();
    }
  });
});

describe('CSRF protection on every admin form', () => {
  it.each([
    ['/admin/login', { email: EMAIL, password: PASSWORD }],
    ['/admin/logout', {}],
    ['/admin/platforms', { name: 'x' }],
    ['/admin/platforms/1', { name: 'x' }],
    ['/admin/platforms/1/active', { active: 'false' }],
    ['/admin/platforms/1/delete', {}],
    ['/admin/registrations', {}],
    ['/admin/issuer', { name: 'x', countryCode: 'NL' }],
    ['/admin/setup/whatever', { email: EMAIL }],
    ['/admin/outbound', { entry: '10.1.2.3' }],
    ['/admin/outbound/1/delete', {}],
  ])('POST %s without a token is refused', async (path, form) => {
    const b = await signedIn();
    const before = await tool.database.pool.query('SELECT (SELECT count(*) FROM platforms) + (SELECT count(*) FROM outbound_allow_list) AS n');
    const res = await b.post(`${tool.base}${path}`, form);
    expect(res.status).toBe(403);
    expect(res.body).toContain('CSRF_TOKEN_INVALID');
    const withWrong = await b.post(`${tool.base}${path}`, { ...form, _csrf: 'x'.repeat(32) });
    expect(withWrong.status).toBe(403);
    const after = await tool.database.pool.query('SELECT (SELECT count(*) FROM platforms) + (SELECT count(*) FROM outbound_allow_list) AS n');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    // Still signed in: the refused logout did not log out.
    expect((await b.get(`${tool.base}/admin`)).status).toBe(200);
  });
});

describe('platforms', () => {
  let sim: PlatformSimulator;
  beforeAll(async () => {
    sim = await new PlatformSimulator('canvas').start();
    sim.toolLaunchUrl = `${tool.base}/lti/launch`;
  });
  afterAll(() => sim.stop());

  it('keeps typed values and shows field errors on a bad form', async () => {
    const b = await signedIn();
    const form = await formOn(b, `${tool.base}/admin/platforms/new`, '/admin/platforms');
    const res = await b.post(`${tool.base}/admin/platforms`, {
      ...form.fields,
      name: 'My Canvas',
      issuer: 'not a url',
      clientId: '',
      authLoginUrl: '',
      accessTokenUrl: '',
      jwksUrl: '',
      deploymentIds: '',
    });
    expect(res.status).toBe(422);
    expect(res.body).toContain('value="My Canvas"');
    expect(res.body).toContain('value="not a url"');
    expect(res.body).toContain('Enter a full URL');
    expect(res.body).toContain('Add at least one deployment ID');
    // Moodle's default for a tool added by hand leaves names and e-mail out of the roster: the form says which setting to change.
    expect(res.body).toContain('set “Share launcher’s name with tool” and “Share launcher’s email with tool” to Always');
  });

  it('registers by hand, edits, disables, enables and deletes, and launches follow', async () => {
    const b = await signedIn();
    const reg = sim.registration();
    let form = await formOn(b, `${tool.base}/admin/platforms/new`, '/admin/platforms');
    let res = await b.post(`${tool.base}/admin/platforms`, { ...form.fields, ...reg, deploymentIds: 'dep-other' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('Platform registered.');
    expect(res.body).toContain(sim.issuer);

    // The deployment the simulator uses is not registered yet.
    let l = await launch(tool, sim, 'learner');
    expect(l.page.body).toContain('UNKNOWN_DEPLOYMENT');

    const id = (await tool.platforms.findByIssuerAndClient(sim.issuer, sim.clientId))!.id;
    form = await formOn(b, `${tool.base}/admin/platforms/${id}/edit`, `/admin/platforms/${id}`);
    expect(form.fields.clientId).toBe(sim.clientId);
    res = await b.post(`${tool.base}/admin/platforms/${id}`, { ...form.fields, deploymentIds: `dep-other\n${sim.deploymentId}` });
    expect(res.body).toContain('Platform saved.');
    l = await launch(tool, sim, 'learner');
    expect(l.page.status).toBe(200);

    // Registering the same issuer and client again is a clear conflict, not a crash.
    form = await formOn(b, `${tool.base}/admin/platforms/new`, '/admin/platforms');
    res = await b.post(`${tool.base}/admin/platforms`, { ...form.fields, ...reg, deploymentIds: 'x' });
    expect(res.status).toBe(409);
    expect(res.body).toContain('already registered');

    let dash = await b.get(`${tool.base}/admin`);
    form = readForm(dash.body, `/admin/platforms/${id}/active`);
    res = await b.post(`${tool.base}/admin/platforms/${id}/active`, form.fields);
    expect(res.body).toContain('Platform disabled');
    expect((await launch(tool, sim, 'learner').catch((e: Error) => ({ page: { status: 0, body: e.message } }))).page.body).toContain('403');

    dash = await b.get(`${tool.base}/admin`);
    res = await b.post(`${tool.base}/admin/platforms/${id}/active`, readForm(dash.body, `/admin/platforms/${id}/active`).fields);
    expect(res.body).toContain('Platform enabled');

    dash = await b.get(`${tool.base}/admin`);
    res = await b.post(`${tool.base}/admin/platforms/${id}/delete`, readForm(dash.body, `/admin/platforms/${id}/delete`).fields);
    expect(res.body).toContain('Platform deleted.');
    expect(await tool.platforms.findByIssuerAndClient(sim.issuer, sim.clientId)).toBeUndefined();
    const { rows } = await tool.database.pool.query('SELECT count(*)::int AS n FROM ltijs.platforms WHERE "platformUrl" = $1', [sim.issuer]);
    expect(rows[0].n).toBe(0);
  });
});

describe('Canvas developer-key JSON', () => {
  it('declares placements, scopes, JWKS and privacy level at a stable public URL', async () => {
    const res = await fetch(`${tool.base}/lti/canvas.json`);
    expect(res.status).toBe(200);
    const key = await res.json();
    expect(key.oidc_initiation_url).toBe(`${tool.base}/lti/login`);
    expect(key.target_link_uri).toBe(`${tool.base}/lti/launch`);
    expect(key.public_jwk_url).toBe(`${tool.base}/lti/keys`);
    expect(key.scopes).toEqual(
      expect.arrayContaining([
        'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
        'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
      ]),
    );
    const ext = key.extensions[0];
    expect(ext.privacy_level).toBe('public');
    expect(ext.settings.placements.map((p: { placement: string }) => p.placement)).toEqual(
      expect.arrayContaining(['course_navigation', 'assignment_selection', 'link_selection']),
    );
    const jwks = await (await fetch(key.public_jwk_url)).json();
    expect(jwks.keys.length).toBeGreaterThan(0);
  });
});

let consoleAdmin: TestBrowser | undefined;
/** A one-time registration link from the console, as the microcred admin creates it. */
async function registrationLink(): Promise<string> {
  const admin = (consoleAdmin ??= await signedIn());
  const dash = await admin.get(`${tool.base}/admin`);
  const created = await admin.post(`${tool.base}/admin/registrations`, readForm(dash.body, '/admin/registrations').fields);
  // The page says where to paste it in Moodle and in Canvas, and offers Canvas's JSON instead.
  for (const step of ['Add LTI Advantage', 'LTI Registration', 'Install App', `${tool.base}/lti/canvas.json`])
    expect(readableText(created.body)).toContain(step);
  return /value="([^"]*\/lti\/register\?reg=[^"]*)"/.exec(created.body)![1];
}

/** POSTs a registration request to the simulated LMS, as a tool would. */
async function postRegistration(sim: PlatformSimulator, body: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(sim.urls.registration, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.text() };
}

/** A fresh registration token from the simulated LMS (what it puts in the tool's registration URL). */
const freshToken = async (sim: PlatformSimulator) => new URL(await sim.registrationStart(`${tool.base}/lti/register`)).searchParams.get('registration_token')!;

const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const CANVAS_EXT = 'https://canvas.instructure.com/lti/';

describe('dynamic registration with Moodle 4.5', () => {
  let sim: PlatformSimulator;
  beforeAll(async () => {
    sim = await new PlatformSimulator('moodle-4.5').start();
  });
  afterAll(() => sim.stop());

  it('refuses without a one-time link from the console', async () => {
    const res = await new TestBrowser().get(await sim.registrationStart(`${tool.base}/lti/register`));
    expect(res.status).toBe(403);
    expect(res.body).toContain('DYNREG_LINK_INVALID');
  });

  it('registers as Moodle validates it and shows the admin what was registered and what to do next in Moodle; launches work; the link then dies', async () => {
    const link = await registrationLink();
    const lmsAdmin = new TestBrowser();
    const url = await sim.registrationStart(link);
    // The simulated LMS is on loopback: an internal host, refused until an administrator allows it.
    const refused = await lmsAdmin.get(url);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('DYNREG_FETCH_REFUSED');
    expect(readableText(refused.body)).toContain(
      `microcred did not fetch ${sim.urls.openidConfiguration}, because it leads to 127.0.0.1, a loopback address (this server itself).`,
    );
    expect(readableText(refused.body)).toContain('“Allowed internal hosts”');
    expect(sim.received).toEqual([]);
    const allowPage = await consoleAdmin!.get(`${tool.base}/admin/outbound`);
    const allowed = await consoleAdmin!.post(`${tool.base}/admin/outbound`, {
      ...readForm(allowPage.body, '/admin/outbound').fields,
      entry: '127.0.0.1',
      note: 'LMS simulator',
    });
    expect(allowed.body).toContain('Added. microcred may now fetch from it.');

    const res = await lmsAdmin.get(url);
    expect(res.status).toBe(200);
    const text = readableText(res.body);
    expect(text).toContain('microcred is registered');
    // The LMS, issuer, client ID and deployment ID Moodle gave.
    expect(text).toContain('Moodle 4.5+ (Build: 20241205)');
    expect(text).toContain(sim.issuer);
    expect(text).toContain(sim.clientId);
    expect(text).toContain(sim.deploymentId);
    // The services Moodle granted (its answer's scope).
    for (const service of ['Send grades', 'Read grades', 'Create and manage gradebook columns', 'Read the course roster']) expect(text).toContain(service);
    // What to do next in Moodle: activate the pending tool, and put it in the activity chooser.
    expect(text).toContain('Activate');
    expect(text).toContain('LTI External tools');
    expect(text).toContain('Show in activity chooser');
    // Closing is the admin's choice: a button that posts the close message to Moodle's origin
    // only (public/js/lti-close.js; the browser journey presses it in Chromium).
    expect(res.body).toMatch(new RegExp(`<button[^>]*id="close-registration"[^>]*data-lms-origins="[^"]*${sim.issuer.replace(/[.:/]/g, '\\$&')}`));
    // The LMS shows this page in its own frame before it is registered: it may frame it.
    expect(res.headers.get('content-security-policy')).toMatch(new RegExp(`frame-ancestors 'self'[^;]* ${sim.issuer}`));

    // A plain IMS request, which Moodle accepted: the tool waits in Moodle as pending.
    const request = sim.dynamicRegistration!.request;
    expect(request.initiate_login_uri).toBe(`${tool.base}/lti/login`);
    expect(request.jwks_uri).toBe(`${tool.base}/lti/keys`);
    expect(Object.keys(request[TOOL_CONFIGURATION] as object).filter((k) => k.startsWith(CANVAS_EXT))).toEqual([]);
    expect(sim.dynamicRegistration!.state).toBe('pending');
    // The claims asked for make Moodle share names and e-mail Always, course roster included.
    expect(sim.sharing.moodle).toMatchObject({ name: 'always', email: 'always' });

    const admin = await signedIn();
    const list = await admin.get(`${tool.base}/admin`);
    expect(list.body).toContain(sim.issuer);
    expect(list.body).toContain('dynamic');

    const { page } = await launch(tool, sim, 'instructor');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Micro-credentials in this course');

    const reuse = await lmsAdmin.get(url);
    expect(reuse.status).toBe(403);
  });

  it("refuses what Moodle's registration_helper refuses, with Moodle's status and message", async () => {
    const moodle = await new PlatformSimulator('moodle-4.5').start();
    try {
      const good = () =>
        JSON.parse(
          JSON.stringify({
            application_type: 'web',
            response_types: ['id_token'],
            grant_types: ['implicit', 'client_credentials'],
            initiate_login_uri: 'https://tool.example/login',
            redirect_uris: ['https://tool.example/launch'],
            client_name: 'Tool',
            jwks_uri: 'https://tool.example/keys',
            token_endpoint_auth_method: 'private_key_jwt',
            scope: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
            [TOOL_CONFIGURATION]: { domain: 'tool.example', target_link_uri: 'https://tool.example/launch', claims: ['sub'] },
          }),
        ) as Record<string, any>;
      expect(await postRegistration(moodle, good())).toEqual({ status: 401, body: 'missing_registration_token' });
      const noName = good();
      delete noName.client_name;
      expect(await postRegistration(moodle, noName, await freshToken(moodle))).toEqual({ status: 400, body: 'missing required attribute client_name' });
      const noDomain = good();
      delete noDomain[TOOL_CONFIGURATION].domain;
      expect(await postRegistration(moodle, noDomain, await freshToken(moodle))).toEqual({ status: 400, body: 'missing_domain' });
      const otherDomain = good();
      otherDomain[TOOL_CONFIGURATION].target_link_uri = 'https://elsewhere.example/launch';
      expect(await postRegistration(moodle, otherDomain, await freshToken(moodle))).toEqual({ status: 400, body: 'domain_targetlinkuri_mismatch' });
      expect(await postRegistration(moodle, { ...good(), token_endpoint_auth_method: 'client_secret_basic' }, await freshToken(moodle))).toEqual({
        status: 400,
        body: 'invalid_token_endpoint_auth_method',
      });
      const accepted = await postRegistration(moodle, good(), await freshToken(moodle));
      expect(accepted.status).toBe(200);
      // Moodle's answer: the deployment inside the tool configuration, the scope it granted.
      const answer = JSON.parse(accepted.body);
      expect(answer[TOOL_CONFIGURATION].deployment_id).toBe(moodle.deploymentId);
      expect(answer.scope.split(' ')).toContain('https://purl.imsglobal.org/spec/lti-ags/scope/score');
      // The token's client ID is now taken.
      expect(await postRegistration(moodle, good(), await freshToken(moodle))).toEqual({ status: 401, body: 'token_already_used' });
    } finally {
      await moodle.stop();
    }
  });

  it("shows Moodle's refusal, and the same link works again for a retry", async () => {
    const link = await registrationLink();
    const moodle = await new PlatformSimulator('moodle-4.5').start();
    try {
      // This Moodle's client ID is taken already (its token was used), so it refuses.
      await postRegistration(moodle, { ...(await sampleRequest()) }, await freshToken(moodle));
      const refused = await new TestBrowser().get(await moodle.registrationStart(link));
      expect(refused.status).toBe(502);
      expect(readableText(refused.body)).toContain('The LMS refused the registration (HTTP 401): token_already_used');
    } finally {
      await moodle.stop();
    }
    const other = await new PlatformSimulator('moodle-4.5').start();
    try {
      const retry = await new TestBrowser().get(await other.registrationStart(link));
      expect(retry.status).toBe(200);
      expect(retry.body).toContain(other.clientId);
    } finally {
      await other.stop();
    }
  });
});

/** A registration request the tool would send (taken from a generic LMS, which echoes it). */
async function sampleRequest(): Promise<Record<string, unknown>> {
  const generic = await new PlatformSimulator('generic').start();
  try {
    const res = await new TestBrowser().get(await generic.registrationStart(await registrationLink()));
    expect(res.status).toBe(200);
    return generic.dynamicRegistration!.request;
  } finally {
    await generic.stop();
  }
}

describe('dynamic registration with Canvas', () => {
  let sim: PlatformSimulator;
  beforeAll(async () => {
    sim = await new PlatformSimulator('canvas').start();
  });
  afterAll(() => sim.stop());

  it('refuses a registration without what Canvas requires, as its schemas do', async () => {
    const noToken = await fetch(sim.urls.openidConfiguration);
    expect(noToken.status).toBe(401);
    expect((await noToken.json()).error).toContain('registration_token');
    const res = await postRegistration(
      sim,
      {
        client_name: 'Tool',
        initiate_login_uri: 'https://tool.example/login',
        jwks_uri: 'https://tool.example/keys',
        redirect_uris: ['https://tool.example/launch'],
        [TOOL_CONFIGURATION]: { domain: 'https://tool.example', messages: [{ type: 'LtiResourceLinkRequest', placements: ['nowhere'] }] },
      },
      await freshToken(sim),
    );
    expect(res.status).toBe(422);
    const errors = JSON.parse(res.body).errors.join('\n');
    for (const missing of ['application_type', 'grant_types', 'response_types', 'token_endpoint_auth_method', 'claims']) expect(errors).toContain(missing);
    expect(errors).toMatch(/domain` does not match pattern/);
    expect(errors).toMatch(/placements` has a placement Canvas does not know/);
    expect(sim.dynamicRegistration).toBeUndefined();
  });

  it("registers with Canvas's extensions, takes the deployment ID from Canvas's answer, and says to install the app in Canvas", async () => {
    sim.sharing.canvasPrivacyLevel = 'anonymous'; // until the registration sets it
    const res = await new TestBrowser().get(await sim.registrationStart(await registrationLink()));
    expect(res.status).toBe(200);
    const tc = sim.dynamicRegistration!.request[TOOL_CONFIGURATION] as Record<string, any>;
    expect(tc[`${CANVAS_EXT}privacy_level`]).toBe('public');
    expect(sim.sharing.canvasPrivacyLevel).toBe('public');
    expect(tc[`${CANVAS_EXT}tool_id`]).toBe('microcred');
    const placements = Object.fromEntries((tc.messages as { type: string; placements: string[] }[]).map((m) => [m.type, m.placements]));
    expect(placements.LtiResourceLinkRequest).toEqual(['course_navigation']);
    expect(placements.LtiDeepLinkingRequest).toEqual(expect.arrayContaining(['assignment_selection', 'link_selection']));
    const text = readableText(res.body);
    expect(text).toContain(`Canvas (${CANVAS_ACCOUNT_NAME})`);
    expect(text).toContain(sim.clientId);
    expect(text).toContain(sim.deploymentId);
    expect(text).toContain('Install App');
    expect(text).toContain('Read the course roster');
    const [platform] = (await tool.platforms.list()).filter((p) => p.issuer === sim.issuer);
    expect(platform).toMatchObject({ lmsFamily: 'canvas', clientId: sim.clientId, deploymentIds: [sim.deploymentId], registeredVia: 'dynamic' });
  });

  it('launches fail until the admin installs the app in Canvas, then work', async () => {
    const before = await launch(tool, sim, 'instructor');
    expect(before.page.status).toBe(400);
    expect(readableText(before.page.body)).toContain('The LMS refused the login: Client not authorized in requested context');
    const installed = await new TestBrowser().post(`${sim.issuer}/admin/tool/install`, {});
    expect(installed.status).toBe(200);
    expect(sim.dynamicRegistration!.state).toBe('active');
    const { page } = await launch(tool, sim, 'instructor');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Micro-credentials in this course');
  });

  it('registers without a deployment ID when Canvas gives none, and says how to add one', async () => {
    const older = await new PlatformSimulator('canvas').start();
    older.registrationWithoutDeployment = true;
    try {
      const res = await new TestBrowser().get(await older.registrationStart(await registrationLink()));
      expect(res.status).toBe(200);
      const text = readableText(res.body);
      expect(text).toContain('By Client ID');
      expect(text).toContain('Deployment Id');
      const [platform] = (await tool.platforms.list()).filter((p) => p.issuer === older.issuer);
      expect(platform.deploymentIds).toEqual([]);
    } finally {
      await older.stop();
    }
  });
});

describe('dynamic registration with a plain LTI platform', () => {
  it('registers once when two tabs open the same link at the same moment', async () => {
    const generic = await new PlatformSimulator('generic').start();
    try {
      const url = await generic.registrationStart(await registrationLink());
      const [a, b] = await Promise.all([new TestBrowser().get(url), new TestBrowser().get(url)]);
      expect([a.status, b.status].sort()).toEqual([200, 403]);
      expect(generic.received.filter((r) => r.path === new URL(generic.urls.registration).pathname)).toHaveLength(1);
    } finally {
      await generic.stop();
    }
  });

  it('sends the plain IMS request and reads the deployment from the tool configuration', async () => {
    const generic = await new PlatformSimulator('generic').start();
    try {
      const res = await new TestBrowser().get(await generic.registrationStart(await registrationLink()));
      expect(res.status).toBe(200);
      expect(readableText(res.body)).toContain(generic.deploymentId);
      expect(Object.keys(generic.dynamicRegistration!.request[TOOL_CONFIGURATION] as object).filter((k) => k.startsWith(CANVAS_EXT))).toEqual([]);
    } finally {
      await generic.stop();
    }
  });
});

describe('allowed internal hosts', () => {
  const PAGE = () => `${tool.base}/admin/outbound`;

  it('keeps what was typed and explains a bad entry', async () => {
    const b = await signedIn();
    const count = async () => (await tool.database.pool.query('SELECT count(*)::int AS n FROM outbound_allow_list')).rows[0].n;
    const before = await count();
    for (const [entry, message] of [
      ['https://badges.uni.example/status', 'Give only the host name, without “https://” or a path'],
      ['0.0.0.0/0', '“0.0.0.0/0” is too wide'],
      ['169.254.169.254', '“169.254.169.254” is a cloud metadata service, which microcred never fetches from.'],
      ['*.edu', 'would allow a whole top-level domain'],
    ]) {
      const form = await formOn(b, PAGE(), '/admin/outbound');
      const res = await b.post(PAGE(), { ...form.fields, entry, note: 'the faculty badge server' });
      expect(res.status).toBe(422);
      expect(readableText(res.body)).toContain(message);
      expect(res.body).toContain(`value="${entry.replace(/&/g, '&amp;')}"`);
      expect(res.body).toContain('value="the faculty badge server"');
    }
    expect(await count()).toBe(before);
  });

  it('adds an entry in its canonical form once, audits it, and removes it', async () => {
    const b = await signedIn();
    let form = await formOn(b, PAGE(), '/admin/outbound');
    let res = await b.post(PAGE(), { ...form.fields, entry: ' 10.20.30.40/16 ', note: 'Faculty of Science badges' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<code>10.20.0.0/16</code>');
    expect(res.body).toContain('Faculty of Science badges');
    form = await formOn(b, PAGE(), '/admin/outbound');
    res = await b.post(PAGE(), { ...form.fields, entry: '10.20.0.0/16' });
    expect(res.status).toBe(409);
    expect(readableText(res.body)).toContain('10.20.0.0/16 is on the list already.');
    expect((await tool.allowList.current()).allowsHost('10.20.99.1')).toBe(true);

    const [row] = (await tool.database.pool.query("SELECT id FROM outbound_allow_list WHERE entry = '10.20.0.0/16'")).rows;
    const page = await b.get(PAGE());
    const remove = readForm(page.body, `/admin/outbound/${row.id}/delete`).fields;
    res = await b.post(`${tool.base}/admin/outbound/${row.id}/delete`, remove);
    expect(res.body).toContain('Removed. microcred no longer fetches from it.');
    // The same form from a second tab: already gone, said plainly.
    res = await b.post(`${tool.base}/admin/outbound/${row.id}/delete`, remove);
    expect(res.body).toContain('That entry was already removed.');
    expect((await tool.allowList.current()).allowsHost('10.20.99.1')).toBe(false);
    const audit = await tool.database.pool.query(
      "SELECT action, before, after FROM audit_log WHERE entity_type = 'outbound_allow_list' AND entity_id = $1 ORDER BY id",
      [row.id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['outbound-allow.added', 'outbound-allow.removed']);
    expect(audit.rows[0].after).toMatchObject({ entry: '10.20.0.0/16', note: 'Faculty of Science badges' });
  });

  it('is for administrators only, and reads in Dutch', async () => {
    const anonymous = await new TestBrowser().get(PAGE());
    expect(anonymous.url).toContain('/admin/login');
    const b = await signedIn();
    const nl = await b.request(PAGE(), { headers: { 'accept-language': 'nl' } });
    expect(readableText(nl.body)).toContain('Toegestane interne hosts');
    const form = readForm(nl.body, '/admin/outbound').fields;
    const res = await b.request(PAGE(), { method: 'POST', form: { ...form, entry: '*.edu' }, headers: { 'accept-language': 'nl' } });
    expect(readableText(res.body)).toContain('“*.edu” zou een heel topleveldomein toestaan.');
  });
});

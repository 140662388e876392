// The LTI Advantage wrappers against the simulator over real HTTP: the access token
// is obtained with a client assertion the simulator verifies against our JWKS.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { fetchAllMembers, type ServiceContext, signDeepLinkingResponse } from '../../src/lti/services';
import { launch } from '../support/launch';
import { type CanvasPrivacyLevel, PlatformSimulator, USERS } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  await launch(tool, sim, 'instructor');
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

async function serviceContext(): Promise<ServiceContext> {
  const { rows } = await tool.database.pool.query(
    `SELECT p.issuer, p.client_id, l.deployment_id, u.sub, l.claims FROM launch_sessions l
       JOIN platforms p ON p.id = l.platform_id JOIN lti_users u ON u.id = l.user_id
      WHERE u.sub = $1 ORDER BY l.created_at DESC LIMIT 1`,
    [USERS.instructor.sub],
  );
  const r = rows[0];
  return { issuer: r.issuer, clientId: r.client_id, deploymentId: r.deployment_id, userSub: r.sub, claims: r.claims };
}

it('fetches every page of the roster, not just the first', async () => {
  // Moodle pages when asked for a limit, with Link: <…?limit=10&from=10>; rel="next".
  const members = await fetchAllMembers(tool.lti, await serviceContext(), { limit: 10 });
  expect(members).toHaveLength(sim.members.length);
  expect(new Set(members.map((m) => m.user_id)).size).toBe(sim.members.length);
  const pages = sim.received.filter((r) => r.path.startsWith('/nrps/'));
  expect(pages).toHaveLength(Math.ceil(sim.members.length / 10));
  expect(sim.received.some((r) => r.path === '/token')).toBe(true);
});

it('signs a deep-linking response with the error message under its real claim name', async () => {
  const ctx = await serviceContext();
  ctx.claims.deepLinking = { deep_link_return_url: `${sim.issuer}/deeplink/return`, accept_types: ['ltiResourceLink'], data: 'opaque-platform-data' };
  const jwt = await signDeepLinkingResponse(tool.lti, ctx, [{ type: 'ltiResourceLink', title: 'Cell biology lab skills' }], {
    errorMessage: 'Nothing was chosen.',
    errorLog: 'cancelled',
  });
  const { payload, protectedHeader } = await jwtVerify(jwt, createRemoteJWKSet(new URL(`${tool.base}/lti/keys`)), {
    issuer: sim.clientId,
    audience: sim.issuer,
  });
  expect(protectedHeader.alg).toBe('RS256');
  const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
  expect(payload[`${DL}errormsg`]).toBe('Nothing was chosen.');
  expect(Object.keys(payload).filter((k) => k.endsWith(' '))).toEqual([]);
  expect(payload[`${DL}errorlog`]).toBe('cancelled');
  expect(payload[`${DL}data`]).toBe('opaque-platform-data');
  expect(payload['https://purl.imsglobal.org/spec/lti/claim/message_type']).toBe('LtiDeepLinkingResponse');
  expect(payload['https://purl.imsglobal.org/spec/lti/claim/deployment_id']).toBe(sim.deploymentId);
  expect(String(payload.nonce)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect((payload.exp as number) - (payload.iat as number)).toBe(60);
});

describe('the simulated Moodle 4.5 and Canvas answer AGS and NRPS as the real ones do', () => {
  const bearer = { authorization: 'Bearer sim-test', 'content-type': 'application/json' };
  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: bearer, body: JSON.stringify(body) });
  const scoresOf = (lineItem: string) => {
    const u = new URL(lineItem);
    u.pathname += '/scores';
    return u.toString();
  };
  const score = (userId: string, timestamp: string, extra: Record<string, unknown> = {}) => ({
    userId,
    timestamp,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    scoreGiven: 8,
    scoreMaximum: 10,
    ...extra,
  });
  let canvas: PlatformSimulator;
  beforeAll(async () => {
    canvas = await new PlatformSimulator('canvas').start();
  });
  afterAll(async () => {
    await canvas?.stop();
  });

  it('Moodle: line items need a label and a numeric scoreMaximum, carry the tool type, and come in Moodle’s shape', async () => {
    expect(((await (await fetch(sim.urls.token, { method: 'POST' })).json()) as { error?: string }).error).toBe('invalid_request'); // no client assertion, no token
    expect((await fetch(sim.lineItemsUrl)).status).toBe(401);
    expect((await post(sim.lineItemsUrl, { scoreMaximum: 10 })).status).toBe(400);
    expect((await post(sim.lineItemsUrl, { label: 'x', scoreMaximum: 'ten' })).status).toBe(400);
    // Without ?type_id Moodle takes the request for LTI 2 and refuses it.
    expect((await post(sim.lineItemsUrl.replace(/\?.*$/, ''), { label: 'x', scoreMaximum: 10 })).status).toBe(401);
    const created = await (await post(sim.lineItemsUrl, { label: 'Lab skills', scoreMaximum: 10, resourceId: 'cred-1', tag: 'microcred' })).json();
    expect(created.id).toMatch(/\/lineitems\/\d+\/lineitem\?type_id=1$/);
    const list = new URL(sim.lineItemsUrl);
    list.searchParams.set('resource_id', 'cred-1');
    expect(await (await fetch(list, { headers: bearer })).json()).toEqual([
      { id: created.id, label: 'Lab skills', scoreMaximum: 10, resourceId: 'cred-1', tag: 'microcred' },
    ]);
    list.searchParams.set('resource_id', 'cred-2');
    expect(await (await fetch(list, { headers: bearer })).json()).toEqual([]);
  });

  it('Moodle: a score must be later, in whole seconds, than the time Moodle stored; else 409 with body []', async () => {
    const { id } = await (await post(sim.lineItemsUrl, { label: 'Timestamps', scoreMaximum: 10 })).json();
    const yearAgo = Date.now() - 365 * 86400_000;
    // "Needs grading" (no scoreGiven): Moodle stores the second it processed it, not the score's time.
    expect(
      (
        await post(
          scoresOf(id),
          score('u-learner-1', new Date(yearAgo).toISOString(), { scoreGiven: undefined, activityProgress: 'Submitted', gradingProgress: 'PendingManual' }),
        )
      ).status,
    ).toBe(200);
    const stale = await post(scoresOf(id), score('u-learner-1', new Date(yearAgo + 86400_000).toISOString()));
    expect(stale.status).toBe(409);
    expect(stale.statusText).toMatch(/^Refusing score with an earlier timestamp/);
    expect(await stale.text()).toBe('[]');
    // A graded score stores its own time, in seconds: the same second again is refused.
    const t = Math.floor(Date.now() / 1000) * 1000 + 5000;
    expect((await post(scoresOf(id), score('u-learner-1', new Date(t).toISOString()))).status).toBe(200);
    expect((await post(scoresOf(id), score('u-learner-1', new Date(t + 999).toISOString(), { scoreGiven: 9 }))).status).toBe(409);
    expect((await post(scoresOf(id), score('u-learner-1', new Date(t + 1000).toISOString(), { scoreGiven: 9 }))).status).toBe(200);
    expect(sim.scores.get(`${id}|u-learner-1`)?.scoreGiven).toBe(9);
  });

  it('Moodle: refuses a score for a teacher, or one without a timestamp, with 400 "Incorrect score received"', async () => {
    const { id } = await (await post(sim.lineItemsUrl, { label: 'Who', scoreMaximum: 10 })).json();
    const teacher = await post(scoresOf(id), score(USERS.instructor.sub, new Date().toISOString()));
    expect([teacher.status, teacher.statusText, await teacher.text()]).toEqual([400, 'Incorrect score received', '[]']);
    expect((await post(scoresOf(id), score('u-learner-1', ''))).status).toBe(400);
    expect((await post(scoresOf(id), score('u-learner-1', new Date().toISOString()))).status).toBe(200);
  });

  it('Moodle: NRPS sends the whole roster unless asked for a limit, then pages with limit and from; suspended members are left out', async () => {
    const url = `${sim.issuer}/nrps/${sim.context.id}/memberships`;
    const all = await fetch(url, { headers: bearer });
    expect(all.headers.get('link')).toBeNull();
    const body = await all.json();
    expect(body.members).toHaveLength(sim.members.length);
    // A tool added by hand shares names and e-mail by "Delegate to teacher": a course roster has neither.
    expect(body.members[0]).toEqual({ status: 'Active', roles: USERS.instructor.roles, user_id: USERS.instructor.sub, lis_person_sourcedid: '' });
    const personal = { name: USERS.instructor.name, given_name: 'Ada', family_name: 'Teacher', email: USERS.instructor.email };
    // Asked for one activity's members (rlid), the activity's teacher choices (ticked) apply.
    expect((await (await fetch(`${url}?rlid=1`, { headers: bearer })).json()).members[0]).toMatchObject(personal);
    sim.sharing.moodle.email = 'always';
    sim.sharing.moodle.name = 'always';
    try {
      expect((await (await fetch(url, { headers: bearer })).json()).members[0]).toEqual({ ...body.members[0], ...personal });
    } finally {
      sim.sharing.moodle.email = 'delegate';
      sim.sharing.moodle.name = 'delegate';
    }
    const paged = await fetch(`${url}?limit=10`, { headers: bearer });
    expect(paged.headers.get('link')).toBe(`<${url}?limit=10&from=10>; rel="next"`);
    expect((await paged.json()).members).toHaveLength(10);
    const suspended = sim.members.find((m) => m.user_id === 'u-gen-2')!;
    suspended.status = 'Inactive';
    try {
      expect((await (await fetch(url, { headers: bearer })).json()).members.map((m: { user_id: string }) => m.user_id)).not.toContain('u-gen-2');
    } finally {
      suspended.status = 'Active';
    }
  });

  it('Canvas: refuses a score older than the held one (400), for a non-student (422), a score without its maximum (422), a submission from the future (400)', async () => {
    const { id } = await (await post(canvas.lineItemsUrl, { label: 'Lab skills', scoreMaximum: 10, resourceId: 'cred-1', tag: 'microcred' })).json();
    const t = Date.now() - 60_000;
    expect((await post(scoresOf(id), score('u-learner-1', new Date(t).toISOString()))).status).toBe(200);
    const older = await post(scoresOf(id), score('u-learner-1', new Date(t - 1).toISOString()));
    expect(older.status).toBe(400);
    expect((await older.json()).errors.message).toBe(
      `Provided timestamp of ${new Date(t - 1).toISOString()} before last updated timestamp of ${new Date(t).toISOString()}`,
    );
    // The same timestamp again is not "before": accepted.
    expect((await post(scoresOf(id), score('u-learner-1', new Date(t).toISOString(), { scoreGiven: 9 }))).status).toBe(200);
    const teacher = await post(scoresOf(id), score(USERS.instructor.sub, new Date().toISOString()));
    expect([teacher.status, (await teacher.json()).errors.message]).toEqual([422, 'User not found in course or is not a student']);
    expect((await post(scoresOf(id), score('u-learner-1', new Date().toISOString(), { scoreMaximum: undefined }))).status).toBe(422);
    const future = new Date(Date.now() + 120_000).toISOString();
    expect(
      (
        await post(
          scoresOf(id),
          score('u-learner-1', new Date().toISOString(), { 'https://canvas.instructure.com/lti/submission': { new_submission: true, submitted_at: future } }),
        )
      ).status,
    ).toBe(400);
    expect((await post(scoresOf(id), { ...score('u-learner-1', new Date().toISOString()), timestamp: undefined })).status).toBe(400);
  });

  it('Canvas: line items need a label and a numeric scoreMaximum, a known resourceLinkId, and come in Canvas’s shape', async () => {
    const refused = await post(canvas.lineItemsUrl, { scoreMaximum: 10 });
    expect(refused.status).toBe(422);
    expect((await refused.json()).errors.message).toBe("Label can't be blank");
    expect((await post(canvas.lineItemsUrl, { label: 'x', scoreMaximum: 'ten' })).status).toBe(422);
    expect((await post(canvas.lineItemsUrl, { label: 'x', scoreMaximum: 10, resourceLinkId: 'no-such-link' })).status).toBe(404);
    const created = await (await post(canvas.lineItemsUrl, { label: 'Essay', scoreMaximum: 5, resourceId: 'cred-9' })).json();
    expect(created).toEqual({ id: expect.stringMatching(/\/lineitems\/\d+$/), scoreMaximum: 5, label: 'Essay', resourceId: 'cred-9' });
    expect(await (await fetch(`${canvas.lineItemsUrl}?resource_id=cred-9`, { headers: bearer })).json()).toEqual([created]);
  });

  it('Canvas: NRPS pages 50 at most, with page and per_page links, active members only', async () => {
    const url = `${canvas.issuer}/nrps/${canvas.context.id}/memberships`;
    const first = await fetch(`${url}?limit=10`, { headers: bearer });
    expect(first.headers.get('link')).toContain(`<${url}?page=2&per_page=10>; rel="next"`);
    const { members } = await first.json();
    expect(members[2]).toEqual({
      status: 'Active',
      name: USERS.learner.name,
      given_name: 'Lena',
      family_name: 'Learner',
      email: USERS.learner.email,
      user_id: USERS.learner.sub,
      lti11_legacy_user_id: expect.any(String),
      roles: USERS.learner.roles,
    });
    const all = await fetch(`${url}?limit=500`, { headers: bearer });
    expect(all.headers.get('link')).toBeNull(); // 27 members fit the 50 a page that Canvas allows
    expect((await all.json()).members).toHaveLength(canvas.members.length);
    // The privacy level decides, for the course roster as for one activity's.
    const level = async (privacy: CanvasPrivacyLevel) => {
      canvas.sharing.canvasPrivacyLevel = privacy;
      return (await (await fetch(`${url}?limit=10&rlid=1`, { headers: bearer })).json()).members[2];
    };
    try {
      expect(await level('anonymous')).toEqual({
        status: 'Active',
        user_id: USERS.learner.sub,
        lti11_legacy_user_id: expect.any(String),
        roles: USERS.learner.roles,
      });
      expect(await level('email_only')).not.toHaveProperty('name');
      expect(await level('email_only')).toHaveProperty('email', USERS.learner.email);
      expect(await level('name_only')).not.toHaveProperty('email');
      expect(await level('name_only')).toHaveProperty('name', USERS.learner.name);
    } finally {
      canvas.sharing.canvasPrivacyLevel = 'public';
    }
  });

  it('Moodle: a launch carries names and e-mail by the tool type’s settings and, for Delegate, the activity’s choices', () => {
    const personal = ['name', 'given_name', 'family_name', 'email'];
    const has = (claims: Record<string, unknown>) => personal.filter((k) => k in claims);
    const launchOf = (type?: string) => sim.launchClaims(USERS.learner, 'n', type);
    try {
      // Added by hand: Delegate, ticked in the activity. A deep-linking request names no activity.
      expect(has(launchOf())).toEqual(personal);
      expect(has(launchOf('LtiDeepLinkingRequest'))).toEqual([]);
      sim.sharing.moodle.teacherSharesEmail = false;
      expect(has(launchOf())).toEqual(['name', 'given_name', 'family_name']);
      sim.sharing.moodle = { name: 'always', email: 'never', teacherSharesName: false, teacherSharesEmail: true };
      expect(has(launchOf())).toEqual(['name', 'given_name', 'family_name']);
      expect(has(launchOf('LtiDeepLinkingRequest'))).toEqual(['name', 'given_name', 'family_name']);
    } finally {
      sim.sharing.moodle = { name: 'delegate', email: 'delegate', teacherSharesName: true, teacherSharesEmail: true };
    }
  });
});

// The LTI Advantage wrappers against the simulator over real HTTP: the access token
// is obtained with a client assertion the simulator verifies against our JWKS.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { fetchAllMembers, type ServiceContext, signDeepLinkingResponse } from '../../src/lti/services';
import { launch } from '../support/launch';
import { PlatformSimulator, USERS } from '../support/platformSimulator';
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
  const members = await fetchAllMembers(tool.lti, await serviceContext());
  expect(members).toHaveLength(sim.members.length);
  expect(new Set(members.map((m) => m.user_id)).size).toBe(sim.members.length);
  const pages = sim.received.filter((r) => r.path.startsWith('/nrps/'));
  expect(pages).toHaveLength(Math.ceil(sim.members.length / sim.nrpsPageSize));
  expect(sim.received.some((r) => r.path === '/token')).toBe(true);
});

it('signs a deep-linking response with the error message under its real claim name', async () => {
  const ctx = await serviceContext();
  ctx.claims.deepLinking = { deep_link_return_url: `${sim.issuer}/deeplink/return`, accept_types: ['ltiResourceLink'], data: 'opaque-platform-data' };
  const jwt = await signDeepLinkingResponse(tool.lti, ctx, [{ type: 'ltiResourceLink', title: 'Cell biology lab skills' }], { errorMessage: 'Nothing was chosen.', errorLog: 'cancelled' });
  const { payload, protectedHeader } = await jwtVerify(jwt, createRemoteJWKSet(new URL(`${tool.base}/lti/keys`)), { issuer: sim.clientId, audience: sim.issuer });
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

it('the simulator keeps AGS line items and the newest score per learner (for the passback work)', async () => {
  const ctx = await serviceContext();
  const token = (await (await fetch(sim.urls.token, { method: 'POST' })).json()) as { error?: string };
  expect(token.error).toBe('invalid_request'); // no client assertion, no token
  const bearer = { authorization: 'Bearer sim-test', 'content-type': 'application/json' };
  const lineitems = String((ctx.claims.ags as { lineitems: string }).lineitems);
  const created = await (await fetch(lineitems, { method: 'POST', headers: bearer, body: JSON.stringify({ label: 'Lab skills', scoreMaximum: 100, tag: 'microcred', resourceId: 'cred-1' }) })).json();
  expect(created.id).toBe(`${lineitems}/1`);
  expect(await (await fetch(`${lineitems}?tag=microcred`, { headers: bearer })).json()).toHaveLength(1);
  const post = (scoreGiven: number, timestamp: string) =>
    fetch(`${created.id}/scores`, { method: 'POST', headers: bearer, body: JSON.stringify({ userId: 'u-learner-1', scoreGiven, scoreMaximum: 100, timestamp, activityProgress: 'Completed', gradingProgress: 'FullyGraded' }) });
  await post(80, '2026-11-23T10:00:01.000Z');
  await post(60, '2026-11-23T10:00:00.000Z'); // older: must not win
  expect(sim.scores.get(`${created.id}|u-learner-1`)?.scoreGiven).toBe(80);
  expect((await fetch(lineitems, { headers: {} })).status).toBe(401);
});

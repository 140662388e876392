import { sweep } from '../../src/db/housekeeping';
import { startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
beforeAll(async () => {
  tool = await startTestTool();
});
afterAll(() => tool?.stop());

it('removes stale logins, used registration links and expired sessions, and keeps fresh ones', async () => {
  const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params);
  await q(
    `INSERT INTO lti_logins (state, nonce, issuer, login_params, created_at) VALUES ('old', 'n', 'i', '{}', now() - interval '2 days'), ('fresh', 'n', 'i', '{}', now())`,
  );
  await q(
    `INSERT INTO registration_links (token_hash, expires_at, used_at) VALUES ('used', now() + interval '1 hour', now()), ('open', now() + interval '1 hour', NULL)`,
  );
  await q(`INSERT INTO web_sessions (sid, data, expires_at) VALUES ('gone', '{}', now() - interval '1 minute'), ('live', '{}', now() + interval '1 hour')`);
  const counts = await sweep(tool.database.db);
  expect(counts).toMatchObject({ logins: 1, registrationLinks: 1, webSessions: 1 });
  expect((await q('SELECT state FROM lti_logins')).rows.map((r) => r.state)).toEqual(['fresh']);
  expect((await q('SELECT token_hash FROM registration_links')).rows.map((r) => r.token_hash)).toEqual(['open']);
  expect((await q('SELECT sid FROM web_sessions')).rows.map((r) => r.sid)).toEqual(['live']);
});

it('removes spent OpenID4VCI nonces and rate-limit windows once they have expired', async () => {
  const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params);
  await q(`INSERT INTO oid4vci_used_nonces (nonce_hash, expires_at) VALUES ('old', now() - interval '1 minute'), ('live', now() + interval '4 minutes')`);
  await q(
    `INSERT INTO rate_limit_counters (key, window_start, hits, expires_at) VALUES ('k', 1, 3, now() - interval '1 second'), ('k', 2, 1, now() + interval '1 minute')`,
  );
  const counts = await sweep(tool.database.db);
  expect(counts).toMatchObject({ oid4vciNonces: 1, rateLimits: 1 });
  expect((await q('SELECT nonce_hash FROM oid4vci_used_nonces')).rows.map((r) => r.nonce_hash)).toEqual(['live']);
  expect((await q('SELECT window_start FROM rate_limit_counters')).rows.map((r) => r.window_start)).toEqual([2]);
});

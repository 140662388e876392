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

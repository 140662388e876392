// Two tool processes on one PostgreSQL behind a round-robin load balancer behave as one tool:
// every request of a launch may land on either process, awards are issued by both, exactly
// once each, grade passback for one learner from both processes reaches the LMS in order, and
// SIGKILL of one process in the middle of a burst loses no job. The processes are the real
// server (dist/, as `npm start` runs it); PostgreSQL and pg-boss are the only coordination.
import http from 'node:http';
import { acceptSubmitted, launchAs, type Person, publishCredential, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { rosterLearners, submitComplete } from '../grades/support';
import { type ChildTool, startChildTool } from '../support/childTool';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, freePort, startTestTool, type TestTool } from '../support/tool';

const LEARNERS = 100;
const CREDENTIALS = 2;

let tool: TestTool;
let sim: PlatformSimulator;
let nodes: ChildTool[] = [];
let balancer: http.Server;
let proxyUrl: string;
/** Requests the balancer sent to each node. */
const served = [0, 0];
let next = 0;

/** Round robin over the live nodes, per request, as a load balancer without sticky sessions. */
function startBalancer(port: number) {
  balancer = http.createServer((req, res) => {
    const live = nodes.map((n, i) => ({ n, i })).filter(({ i }) => !down.has(i));
    const { n, i } = live[next++ % live.length];
    served[i]++;
    const target = new URL(n.url);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: new URL(proxyUrl).host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return new Promise<void>((resolve) => balancer.listen(port, '127.0.0.1', resolve));
}
const down = new Set<number>();

beforeAll(async () => {
  tool = await startTestTool({ BACKGROUND_JOBS: 'off' });
  const port = await freePort();
  proxyUrl = `http://127.0.0.1:${port}`;
  await startBalancer(port);
  sim = await connectLms(tool, 'moodle-4.5');
  // The LMS knows the tool by the balancer's address only.
  sim.toolLaunchUrl = `${proxyUrl}/lti/launch`;
  sim.toolJwksUrl = `${proxyUrl}/lti/keys`;
  await tool.issuer.save({ name: 'Example University', countryCode: 'NL', identifiers: [] } as never);
  nodes = [await startChildTool(tool, { PUBLIC_URL: proxyUrl }), await startChildTool(tool, { PUBLIC_URL: proxyUrl })];
}, 240_000);

afterAll(async () => {
  for (const n of nodes) await n.kill('SIGTERM');
  balancer?.close();
  await sim?.stop();
  await tool?.stop();
});

const q = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => tool.database.pool.query(text, params).then((r) => r.rows as T[]);
const count = async (text: string, params: unknown[] = []) => Number((await q<{ n: string }>(text, params))[0].n);
/** The tool as the balancer's clients see it: every request goes through it. */
const behindBalancer = () => ({ ...tool, base: proxyUrl }) as TestTool;

let teacher: Person;

it('launches through the balancer, each request on either node', async () => {
  const before = [...served];
  const people: Person[] = [];
  for (let i = 0; i < 4; i++) people.push(await launchAs(behindBalancer(), sim, i % 2 ? 'learner' : 'instructor'));
  teacher = people[0];
  // Both nodes answered parts of the launches, and the pages work on either.
  expect(served[0]).toBeGreaterThan(before[0]);
  expect(served[1]).toBeGreaterThan(before[1]);
  for (let i = 0; i < 4; i++) expect((await teacher.browser.get(teacher.base)).status).toBe(200);
}, 120_000);

it('issues 200 awards on both nodes, exactly once each, and loses no job when one is SIGKILLed', async () => {
  const learners = await rosterLearners(tool, teacher, LEARNERS);
  // The LMS's course has them all as learners (it keeps grades only for its students).
  const template = sim.members.find((m) => m.user_id === 'u-gen-1')!;
  for (let n = 1; n <= LEARNERS; n++)
    if (!sim.members.some((m) => m.user_id === `u-gen-${n}`))
      sim.members.push({ ...template, user_id: `u-gen-${n}`, name: `Learner ${n}`, email: `learner${n}@uni.example` });
  const attempts: { learner: Person; submission: { id: number; lockVersion: number } }[] = [];
  for (let c = 0; c < CREDENTIALS; c++) {
    const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), title: `Scale ${c + 1}`, supervisionType: undefined });
    for (const learner of learners) attempts.push({ learner, submission: await submitComplete(tool, learner, credentialId) });
  }
  // Which nodes hold issuance jobs (pg-boss jobs are claimed with an advisory lock by a
  // connection named microcred-jobs:<pid>), sampled while the burst runs. Only this test's
  // database: other test files share the PostgreSQL server and run their own tools.
  const working = new Set<string>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const r of await q<{ app: string }>(
        "SELECT DISTINCT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND a.datname = current_database() AND a.application_name LIKE 'microcred-jobs:%'",
      ))
        working.add(r.app);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let decided = 0;
  let killed = false;
  let i = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (i < attempts.length) {
        const { learner, submission } = attempts[i++];
        await acceptSubmitted(tool, teacher, learner, submission);
        // Halfway, once the second node is issuing, it crashes.
        if (++decided >= attempts.length / 2 && !killed && working.size >= 2) {
          killed = true;
          down.add(1);
          await nodes[1].kill('SIGKILL');
        }
      }
    }),
  );
  await until('the second node has issued, then is killed', async () => (killed || working.size >= 2 ? true : undefined), 120_000);
  if (!killed) {
    down.add(1);
    await nodes[1].kill('SIGKILL');
  }
  const awards = await count('SELECT count(*) AS n FROM awards');
  expect(awards).toBe(LEARNERS * CREDENTIALS);
  await until('every award issued', async () => ((await count('SELECT count(*) AS n FROM issued_credentials')) === awards ? true : undefined), 300_000);
  sampling = false;
  await sampler;
  expect(working.size).toBe(2);
  expect(await q('SELECT a.id FROM awards a LEFT JOIN issued_credentials c ON c.award_id = a.id GROUP BY a.id HAVING count(c.id) <> 1')).toEqual([]);
  expect(await count('SELECT count(*) AS n FROM (SELECT status_list_id, status_index FROM issued_credentials GROUP BY 1, 2 HAVING count(*) > 1) s')).toBe(0);
  expect(await count("SELECT count(*) AS n FROM pgboss.job WHERE name = 'issue-credential' AND state IN ('failed', 'cancelled')")).toBe(0);
  // Both nodes relay the outbox, yet each award became one issuance job (not one per node).
  const jobsPerAward = await q<{ award: string; n: number }>(
    "SELECT data->>'awardId' AS award, count(*)::int AS n FROM (SELECT name, data FROM pgboss.job UNION ALL SELECT name, data FROM pgboss.archive) j WHERE name = 'issue-credential' GROUP BY 1",
  );
  expect(jobsPerAward).toHaveLength(awards);
  expect(jobsPerAward.filter((r) => r.n !== 1)).toEqual([]);

  // Grade passback, from whichever node ran each job: every learner's scores arrived in
  // order (each accepted score newer than the last), and each gradebook ends fully graded.
  const subs = await q<{ id: number; sub: string }>('SELECT id, sub FROM lti_users WHERE id = ANY($1)', [learners.map((l) => l.userId)]);
  const finals = () => [...sim.scores.values()].filter((s) => subs.some((u) => u.sub === s.userId) && s.gradingProgress === 'FullyGraded').length;
  const passbackState = async () =>
    q<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n, min(last_error) AS error FROM grade_passback WHERE learner_id = ANY($1) GROUP BY status ORDER BY status',
      [learners.map((l) => l.userId)],
    );
  await until('every learner’s final score in the LMS', async () => (finals() === LEARNERS * CREDENTIALS ? true : undefined), 300_000).catch(async (e) => {
    throw new Error(`${(e as Error).message}: ${finals()} of ${LEARNERS * CREDENTIALS} fully graded; grade_passback ${JSON.stringify(await passbackState())}`);
  });
  expect(await passbackState()).toEqual([{ status: 'sent', n: LEARNERS * CREDENTIALS, error: null }]);
  for (const { sub } of subs) {
    const byItem = new Map<string, string[]>();
    for (const e of sim.scoreLog.filter((s) => s.userId === sub && s.status === 200)) byItem.set(e.lineItem, [...(byItem.get(e.lineItem) ?? []), e.timestamp]);
    expect(byItem.size).toBe(CREDENTIALS);
    for (const stamps of byItem.values()) expect(stamps.map(Date.parse)).toEqual([...stamps.map(Date.parse)].sort((x, y) => x - y));
  }
  expect(await count("SELECT count(*) AS n FROM pgboss.job WHERE name = 'grade-passback' AND state IN ('failed', 'cancelled')")).toBe(0);
}, 900_000);

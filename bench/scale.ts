// Issuance and launch throughput with 1 and then 2 tool processes on one PostgreSQL, behind a
// round-robin balancer (test/support/balancer.ts). Each process is the compiled server
// (`npm start`'s dist/server.js) with background jobs on: the awards' issuance jobs come from
// the outbox and pg-boss hands them to whichever process asks first. The awards are decided
// while no node runs (a cohort's backlog after an exam board); issuance is timed from the
// moment every node is up to the last credential. Both runs are in one invocation, so they see
// the same machine. Run: npm run bench:scale [awards] [launches]
//
// One machine stands in for several: by default each node is pinned to a core of its own
// (taskset) and signs on one thread, as if each were a one-core machine, so "2 nodes / 1 node"
// measures what a second node adds rather than what a second core adds (which bench:issue
// reports). PostgreSQL and this process (the assessors deciding, the LMS) are not pinned: they
// share the cores with the nodes, as they would not in production. BENCH_SCALE_PIN=0 runs the
// nodes unpinned, each signing on every core: then both runs share the same two cores.
// BENCH_NODE_ARGS passes node options to every node, e.g. "--cpu-prof --cpu-prof-dir=prof" to
// profile them (written when a node stops).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { cpuNow } from './cpu';
import { acceptSubmitted, launchAs, publishCredential } from '../test/assessment/support';
import { completeDefinition } from '../test/credentials/fixtures';
import { rosterLearners, submitComplete } from '../test/grades/support';
import { startBalancer } from '../test/support/balancer';
import { type ChildTool, rssMiB, startChildTool } from '../test/support/childTool';
import { launch } from '../test/support/launch';
import { connectLms, freePort, startTestTool } from '../test/support/tool';

const AWARDS = Number(process.argv[2] ?? 200);
const LAUNCHES = Number(process.argv[3] ?? 60);
const IN_FLIGHT = 4;
// BENCH_SCALE_NODES=1: the one-node run alone, e.g. for a large cohort's throughput and RSS.
const NODE_COUNTS = (process.env.BENCH_SCALE_NODES ?? '1,2').split(',').map(Number);
const CORES = availableParallelism();
const PIN = process.env.BENCH_SCALE_PIN !== '0' && CORES >= 2 && hasTaskset();

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const tool = await startTestTool({ BACKGROUND_JOBS: 'off', LOG_LEVEL: 'silent' });
  const balancer = await startBalancer(await freePort());
  const sim = await connectLms(tool, 'moodle-4.5');
  sim.toolLaunchUrl = `${balancer.url}/lti/launch`;
  sim.toolJwksUrl = `${balancer.url}/lti/keys`;
  await tool.issuer.save({ name: 'Bench University', countryCode: 'NL', identifiers: [] } as never);
  const viaBalancer = { ...tool, base: balancer.url } as typeof tool;
  const q = (text: string, params: unknown[] = []) => tool.database.pool.query(text, params).then((r) => r.rows);
  /** Completed jobs and their retries, by queue (pg-boss's own table). */
  const jobCounts = async (): Promise<Record<string, { done: number; retries: number }>> =>
    Object.fromEntries(
      (
        await q(
          "SELECT name, count(*)::int AS done, coalesce(sum(retry_count), 0)::int AS retries FROM pgboss.job WHERE state = 'completed' AND name NOT LIKE '\\_\\_%' GROUP BY name ORDER BY name",
        )
      ).map((r) => [r.name, { done: r.done, retries: r.retries }]),
    );
  const results: Record<number, { issue: number; launch: number; cpuMs: number }> = {};
  const nodes: ChildTool[] = [];
  let learnerOffset = 0;

  const startNodes = async (n: number) => {
    // Started together, so none issues much of the backlog alone before the others are up.
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: n }, (_, i) =>
          startChildTool(tool, { PUBLIC_URL: balancer.url, ...(PIN ? { CRYPTO_THREADS: '1' } : {}) }, PIN ? { cpus: String(i % CORES) } : {}),
        ),
      )),
    );
    balancer.nodes = nodes.map((c) => c.url);
  };

  for (const n of NODE_COUNTS) {
    await startNodes(n);
    const teacher = await launchAs(viaBalancer, sim, 'instructor');
    // Submitted attempts first, then accepted while no node runs: a cohort's awards waiting to
    // be issued, as after an exam board. Neither is timed: the assessors are not what scales here.
    const learners = (await rosterLearners(tool, teacher, learnerOffset + AWARDS)).slice(learnerOffset);
    learnerOffset += AWARDS;
    const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), title: `Scale ${n}`, supervisionType: undefined });
    const attempts: { learner: (typeof learners)[number]; submission: { id: number; lockVersion: number } }[] = [];
    for (const learner of learners) attempts.push({ learner, submission: await submitComplete(tool, learner, credentialId) });
    for (const node of nodes.splice(0)) await node.kill('SIGTERM');
    const [{ before }] = await q('SELECT count(*)::int AS before FROM issued_credentials');
    let i = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (i < attempts.length) {
          const { learner, submission } = attempts[i++];
          await acceptSubmitted(tool, teacher, learner, submission);
        }
      }),
    );
    // Timed from the moment every node is healthy to the last credential of the backlog.
    await startNodes(n);
    const t0 = performance.now();
    const cpu0 = cpuNow(nodes.map((node) => node.pid));
    const [scores0, jobs0] = [sim.scoreLog.length, await jobCounts()];
    const [{ early }] = await q('SELECT count(*)::int - $1 AS early FROM issued_credentials', [before]);
    // The nodes' RSS at each quarter of the backlog: memory that grows with the work would show.
    const rssByQuarter: string[] = [];
    for (;;) {
      const [{ n: issued }] = await q('SELECT count(*)::int AS n FROM issued_credentials');
      while (rssByQuarter.length < 3 && issued - before >= ((rssByQuarter.length + 1) * AWARDS) / 4)
        rssByQuarter.push(nodes.map((node) => rssMiB(node.pid).toFixed(0)).join('/'));
      if (issued - before >= AWARDS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const issueRate = (AWARDS - early) / ((performance.now() - t0) / 1000);
    const rss = nodes.map((node) => rssMiB(node.pid).toFixed(0)).join(' / ');
    const cpu = cpuNow(nodes.map((node) => node.pid));
    const perCredential = (key: keyof typeof cpu) => `${((1000 * (cpu[key] - cpu0[key])) / (AWARDS - early)).toFixed(1)} ms`;
    const busy = (100 * (cpu.machine - cpu0.machine)) / (CORES * ((performance.now() - t0) / 1000));
    // What the nodes did for the backlog meanwhile: score POSTs to the LMS (and its 409s), and jobs by queue.
    const scores = sim.scoreLog.slice(scores0);
    const jobs = await jobCounts();
    const jobLine = Object.entries(jobs)
      .map(([name, { done, retries }]) => `${name} ${done - (jobs0[name]?.done ?? 0)} (+${retries - (jobs0[name]?.retries ?? 0)} retries)`)
      .join(', ');

    const l0 = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (done < LAUNCHES) {
          done++;
          const { page } = await launch(viaBalancer, sim, 'learner');
          if (page.status !== 200) throw new Error(`launch answered ${page.status}`);
        }
      }),
    );
    const launchRate = LAUNCHES / ((performance.now() - l0) / 1000);
    // All the CPU a credential took through the jobs, whichever process spent it.
    const cpuMs = (1000 * (cpu.nodes - cpu0.nodes + cpu.postgres - cpu0.postgres + cpu.bench - cpu0.bench)) / (AWARDS - early);
    results[n] = { issue: issueRate, launch: launchRate, cpuMs };
    console.log(
      `   CPU per credential issued: nodes ${perCredential('nodes')}, PostgreSQL ${perCredential('postgres')}, this bench ${perCredential('bench')}; machine busy ${busy.toFixed(0)} % of ${CORES} cores`,
    );
    console.log(
      `   meanwhile: ${scores.length} scores sent to the LMS (${scores.filter((s) => s.status === 409).length} refused 409); jobs completed: ${jobLine}`,
    );
    if (n !== NODE_COUNTS.at(-1)) for (const node of nodes.splice(0)) await node.kill('SIGTERM');
    console.log(
      `${n} node${n > 1 ? 's' : ' '}: issuance ${issueRate.toFixed(1).padStart(6)} /s (${AWARDS - early} of ${AWARDS} awards after all were up), launches ${launchRate.toFixed(1).padStart(6)} /s (${LAUNCHES}); RSS at a quarter, half, three quarters ${rssByQuarter.join(', ')} and after issuance ${rss} MiB`,
    );
  }
  console.log(
    `\n${CORES} cores; ${PIN ? 'each node pinned to its own core, signing on 1 thread' : 'nodes unpinned, each signing on every core'}; requests served per node: ${balancer.served.join(' / ')}`,
  );
  if (results[1] && results[2]) {
    console.log(`issuance with 2 nodes / 1 node = ${(results[2].issue / results[1].issue).toFixed(2)} (target ≥ 1.7)`);
    // What this machine allows: the nodes, PostgreSQL and the LMS (this process) share its cores,
    // so even a second node that cost nothing extra could not issue faster than all the CPU a
    // credential took with one node, spread over every core.
    const capacity = (1000 * CORES) / results[1].cpuMs;
    console.log(
      `  ${CORES} cores allow at most ${capacity.toFixed(1)} /s (${results[1].cpuMs.toFixed(1)} ms of CPU a credential with 1 node), so 2 nodes / 1 node ≤ ${(capacity / results[1].issue).toFixed(2)} here`,
    );
    console.log(`launches with 2 nodes / 1 node = ${(results[2].launch / results[1].launch).toFixed(2)}`);
  }
  for (const node of nodes) await node.kill('SIGTERM');
  await balancer.close();
  await sim.stop();
  await tool.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// Times full OIDC launches (login → platform auth → id_token POST → landing page) against
// the platform simulator on a real PostgreSQL, side by side with a bare ltijs
// (bench/bareLtijs.ts: the same ltijs setup, an onConnect that only answers 200).
// Run: npm run bench:launch [N]   (default N = 300 launches of each)
//
// Both run as child processes on the same database, so each has its own event loop and its
// own RSS; the simulator and the client (this process) are shared. The tool is the compiled
// server `npm start` runs (node dist/server.js; dist/ is built at install and rebuilt here, as by
// scripts/dist.mjs, only if src/ changed since), with NODE_ENV=production as in the Docker image
// and otherwise default settings (LOG_LEVEL info to /dev/null, background jobs on). Launches interleave tool/bare/bare/tool/… so both see the same machine conditions.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { startServer } from '../src/server';
import { type Page, readForm, TestBrowser } from '../test/support/browser';
import { PlatformSimulator, USERS } from '../test/support/platformSimulator';
import { rssMiB } from '../test/support/childTool';
import { createTestDatabase, freePort } from '../test/support/tool';

const N = Number(process.argv[2] ?? 300);
const WARMUP = 20;
const P50_TARGET = 1.25;
const root = path.resolve(__dirname, '..');

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const ms = (x: number) => `${x.toFixed(1)} ms`;
const secs = (x: number) => `${(x / 1000).toFixed(2)} s`;

/** Children still running; killed if the bench fails part-way, so none is left behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

interface Child {
  proc: ChildProcess;
  base: string;
  readyMs: number;
  stop(): Promise<void>;
}

/** Spawns a server and times it from spawn until GET /healthz answers 200. */
async function spawnServer(args: string[], env: Record<string, string>, port: number): Promise<Child> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  running.add(proc);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  void exited.then(() => running.delete(proc));
  const base = `http://localhost:${port}`;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${args.join(' ')} exited with ${proc.exitCode ?? proc.signalCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() - t0 > 120_000) {
      proc.kill('SIGKILL');
      throw new Error(`${args.join(' ')} was not healthy within 120 s`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - t0;
  return {
    proc,
    base,
    readyMs,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

type Phase = 'login' | 'auth' | 'launchPost' | 'landing' | 'total';
interface Target {
  name: string;
  base: string;
  phases: Record<Phase, number[]>;
  /** What the final page of a good launch looks like. */
  ok(page: Page): boolean;
}

const emptyPhases = (): Record<Phase, number[]> => ({ login: [], auth: [], launchPost: [], landing: [], total: [] });

async function main() {
  console.log(`launch benchmark: ${N} launches each, ${os.cpus().length} CPUs, Node ${process.version}`);

  // `npm start` runs dist/server.js, built at `npm install`; scripts/dist.mjs rebuilds it only
  // when src/ changed since the last build, so the bench never times stale code.
  let t = performance.now();
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'dist.mjs')], { cwd: root, stdio: 'inherit' });
  const buildMs = performance.now() - t;
  if (build.status !== 0) console.warn('warning: the build reported errors; dist/ may not match src/');

  const databaseUrl = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-bench-'));
  const encryptionKey = randomBytes(32).toString('base64');
  const toolPort = await freePort();
  const toolEnv = {
    NODE_ENV: 'production',
    PUBLIC_URL: `http://localhost:${toolPort}`,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    ENCRYPTION_KEY: encryptionKey,
  };
  // BENCH_TOOL_NODE_ARGS / BENCH_BARE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profile them.
  const server = [...(process.env.BENCH_TOOL_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []), path.join(root, 'dist', 'server.js')];

  // 1. First start on an empty database (runs every migration), then stop.
  const first = await spawnServer(server, toolEnv, toolPort);
  await first.stop();

  // 2. Register the simulated LMS as an admin would (our tables and ltijs's keys), in-process.
  const sim = await new PlatformSimulator('moodle-4.5').start();
  const registrar = await startServer(
    loadConfig({ ...toolEnv, NODE_ENV: 'development', PORT: String(await freePort()), LOG_LEVEL: 'silent', BACKGROUND_JOBS: 'off' }),
  );
  await registrar.platforms.create(sim.registration());
  await registrar.stop();

  // 3. The tool under test: a restart on the migrated database, timed the same way.
  const tool = await spawnServer(server, toolEnv, toolPort);
  // 4. Bare ltijs on the same database, its own schema.
  const { deploymentIds: _d, lmsFamily: _f, ...platform } = sim.registration();
  const bareArgs = [...(process.env.BENCH_BARE_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []), '--import', 'tsx', path.join(root, 'bench', 'bareLtijs.ts')];
  const bare = await spawnServer(
    bareArgs,
    { NODE_ENV: 'production', DATABASE_URL: databaseUrl, ENCRYPTION_KEY: encryptionKey, BARE_PLATFORM: JSON.stringify(platform) },
    await freePort(),
  );
  const rssAtReady = { tool: rssMiB(tool.proc.pid!), bare: rssMiB(bare.proc.pid!) };

  const targets: Target[] = [
    { name: 'tool', base: tool.base, phases: emptyPhases(), ok: (p) => p.status === 200 && new URL(p.url).pathname.startsWith('/app/') },
    { name: 'bare ltijs', base: bare.base, phases: emptyPhases(), ok: (p) => p.status === 200 && p.body === 'ok' },
  ];

  const launchOnce = async (target: Target) => {
    sim.toolLaunchUrl = `${target.base}/lti/launch`; // the simulator checks redirect_uri against it
    const login = new URL(`${target.base}/lti/login`);
    login.search = new URLSearchParams({
      iss: sim.issuer,
      login_hint: USERS.learner.sub,
      target_link_uri: `${target.base}/lti/launch`,
      client_id: sim.clientId,
      lti_deployment_id: sim.deploymentId,
      lti_message_hint: sim.messageHint('resource-link'),
    }).toString();
    const b = new TestBrowser();
    const t0 = performance.now();
    const res = await b.get(login.toString(), false);
    const t1 = performance.now();
    if (res.status !== 302) throw new Error(`${target.name}: login answered ${res.status}: ${res.body.slice(0, 300)}`);
    const auth = await b.get(res.headers.get('location')!);
    const form = readForm(auth.body);
    const t2 = performance.now();
    const post = await b.post(form.action, form.fields, false);
    const t3 = performance.now();
    const location = post.headers.get('location');
    const page = location && post.status >= 300 && post.status < 400 ? await b.get(new URL(location, form.action).toString()) : post;
    const t4 = performance.now();
    if (!target.ok(page)) throw new Error(`${target.name}: launch ended with ${page.status} at ${page.url}: ${page.body.slice(0, 300)}`);
    const p = target.phases;
    p.login.push(t1 - t0);
    p.auth.push(t2 - t1);
    p.launchPost.push(t3 - t2);
    p.landing.push(t4 - t3);
    p.total.push(t4 - t0);
  };
  // tool, bare, bare, tool, …: neither always goes first.
  const round = async (i: number) => {
    for (const target of i % 2 === 0 ? targets : [...targets].reverse()) await launchOnce(target);
  };

  for (let i = 0; i < WARMUP; i++) await round(i);
  for (const target of targets) target.phases = emptyPhases();
  t = performance.now();
  for (let i = 0; i < N; i++) await round(i);
  const wallMs = performance.now() - t;
  const rssAfter = { tool: rssMiB(tool.proc.pid!), bare: rssMiB(bare.proc.pid!) };

  const [tl, bl] = targets.map((x) => x.phases.total);
  console.log(`\n${N} launches of each, sequential and interleaved, in ${secs(wallMs)}`);
  console.log('                 launches/s        p50        p99');
  for (const target of targets) {
    const tot = target.phases.total;
    console.log(
      `${target.name.padEnd(16)} ${((1000 * tot.length) / sum(tot)).toFixed(1).padStart(10)}  ${ms(pct(tot, 50)).padStart(9)}  ${ms(pct(tot, 99)).padStart(9)}`,
    );
  }
  const r50 = pct(tl, 50) / pct(bl, 50);
  const r99 = pct(tl, 99) / pct(bl, 99);
  console.log(
    `${'tool / bare'.padEnd(16)} ${(sum(bl) / sum(tl)).toFixed(2).padStart(9)}×  ${r50.toFixed(2).padStart(8)}×  ${r99.toFixed(2).padStart(8)}×   (target at p50: ≤ ${P50_TARGET}×: ${r50 <= P50_TARGET ? 'met' : 'NOT met'})`,
  );
  console.log('(launches/s: one launch at a time, 1 / mean latency of that target; the whole flow, including the simulator signing the id_token)');

  console.log('\nphase p50 / p99      tool                   bare ltijs');
  for (const phase of ['login', 'auth', 'launchPost', 'landing'] as const) {
    const cells = targets.map((x) => `${ms(pct(x.phases[phase], 50)).padStart(9)} / ${ms(pct(x.phases[phase], 99)).padStart(9)}`);
    console.log(`${phase.padEnd(14)} ${cells.join('   ')}`);
  }
  console.log('(auth is the simulated LMS signing the id_token; bare ltijs answers the id_token POST itself, so it has no landing GET)');

  console.log('\nstart-up (spawn until GET /healthz answers 200):');
  console.log(`  dist/ up to date (scripts/dist.mjs, as npm start)   ${secs(buildMs)}`);
  console.log(`  node dist/server.js, first start (empty database)   ${secs(first.readyMs)}`);
  console.log(`  node dist/server.js, restart (migrated database)    ${secs(tool.readyMs)}`);
  console.log(`  bare ltijs (node --import tsx bench/bareLtijs.ts)   ${secs(bare.readyMs)}`);
  console.log(
    `RSS of the tool process: ${rssAtReady.tool.toFixed(0)} MiB when ready, ${rssAfter.tool.toFixed(0)} MiB after the run (bare ltijs: ${rssAtReady.bare.toFixed(0)} → ${rssAfter.bare.toFixed(0)} MiB)`,
  );

  await Promise.all([tool.stop(), bare.stop(), sim.stop()]);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

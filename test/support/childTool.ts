// A second microcred process on the same database, for tests that need a real process to
// crash and restart (ltijs is one per process, so the test process cannot restart its own).
// It runs what `npm start` runs: dist/ rebuilt if stale (scripts/dist.mjs), then dist/server.js.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, type TestTool } from './tool';

const root = path.resolve(__dirname, '..', '..');

let built = false;

/**
 * `npm start`'s build step (only when dist/ is older than src/), once per test worker. Under a
 * lock, because workers build into the same `dist/`; a second worker finds it current.
 */
function buildAsNpmStartDoes() {
  if (built) return;
  // If `npm start` ever runs something else, these tests must follow it.
  const start = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start;
  if (start !== 'node scripts/start.mjs') throw new Error(`npm start now runs "${start}": update test/support/childTool.ts to run the same`);
  execFileSync('flock', [path.join(root, 'dist.lock'), process.execPath, path.join(root, 'scripts', 'dist.mjs')], { cwd: root, stdio: 'inherit' });
  built = true;
}

/**
 * Spawns `npm start`'s server entry, `node dist/server.js`, itself rather than through npm, so
 * a signal reaches the server process (a "crash" must not leave it running under a dead npm).
 */
export function spawnServer(env: NodeJS.ProcessEnv, opts: { detached?: boolean; output: 'inherit' | 'pipe'; cpus?: string }): ChildProcess {
  buildAsNpmStartDoes();
  const stdio = opts.output === 'pipe' ? (['ignore', 'pipe', 'pipe'] as const) : (['ignore', 'ignore', 'inherit'] as const);
  // BENCH_NODE_ARGS: node options for the benches' nodes, e.g. to profile them (bench/scale.ts).
  const server = [process.execPath, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), path.join(root, 'dist', 'server.js')];
  // taskset execs node in its own place, so the pid (and its signals) is still the server's.
  const [command, ...args] = opts.cpus ? ['taskset', '-c', opts.cpus, ...server] : server;
  return spawn(command, args, { cwd: root, env, stdio: [...stdio], detached: opts.detached });
}

/** Resident set size of a process in MiB (Linux /proc; ps elsewhere), worker threads included. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024;
}

/** Resolves when `url` answers /healthz; throws (with `output`) if the process exits first or after 60 s. */
async function waitHealthy(child: ChildProcess, url: string, output: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the child tool exited with ${child.exitCode}${output() ? `:\n${output()}` : ''}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the child tool did not become healthy within 60 s${output() ? `:\n${output()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The process and every process under it (a postmaster's children included), by walking `ps`. */
export function processTree(pid: number): number[] {
  const parentOf = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  return tree;
}

export interface ChildTool {
  url: string;
  pid: number;
  /** Ends the process: SIGKILL is a crash (no graceful shutdown), SIGTERM a normal stop. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

/** Starts a process sharing the test tool's database, data folder and keys; resolves when it is healthy. */
export async function startChildTool(tool: TestTool, env: Record<string, string> = {}, opts: { cpus?: string } = {}): Promise<ChildTool> {
  const port = await freePort();
  const child = spawnServer(
    {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      PUBLIC_URL: tool.base,
      DATABASE_URL: tool.config.databaseUrl!,
      DATA_DIR: tool.config.dataDir,
      ENCRYPTION_KEY: tool.config.encryptionKey.toString('base64'),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    },
    { output: 'inherit', cpus: opts.cpus },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(child, url);
  return {
    url,
    pid: child.pid!,
    async kill(signal) {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}

function killAll(pids: number[]) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export interface EmbeddedToolProcess {
  url: string;
  /** What the process wrote so far (logs at LOG_LEVEL, start-up failures, test hooks). */
  output(): string;
  /**
   * A crash. `node`: SIGKILL of the server process only, as `kill -9 <pid>` does: its PostgreSQL
   * is orphaned and keeps running. `tree`: SIGKILL of the server, its PostgreSQL and all of
   * PostgreSQL's processes at once, as a power cut or the OOM killer taking the group would.
   */
  crash(how: 'node' | 'tree'): Promise<void>;
  /** A normal stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs the server entry as `npm start` does on a fresh machine: no DATABASE_URL, so it starts
 * its own embedded PostgreSQL under `dataDir` (listening on `pgPort`). Resolves when healthy.
 */
export async function startEmbeddedTool(opts: { dataDir: string; port: number; pgPort: number; env?: Record<string, string> }): Promise<EmbeddedToolProcess> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawnServer(
    {
      ...inherited,
      NODE_ENV: 'test',
      PORT: String(opts.port),
      DATA_DIR: opts.dataDir,
      EMBEDDED_PG_PORT: String(opts.pgPort),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...opts.env,
    },
    // Its own process group, like a service started from a shell, so a test can take down the group.
    { detached: true, output: 'pipe' },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${opts.port}`;
  await waitHealthy(child, url, () => output);
  return {
    url,
    output: () => output,
    async crash(how) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('the tool is not running');
      killAll(how === 'node' ? [child.pid!] : processTree(child.pid!));
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // A stop that hangs must not leave the test's processes behind.
      const hung = setTimeout(() => killAll(processTree(child.pid!)), 30_000);
      const code = await exited;
      clearTimeout(hung);
      return code;
    },
  };
}

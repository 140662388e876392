// `npm start` to ready, as the README's first command runs it after `npm install`: no
// DATABASE_URL, so the embedded PostgreSQL (initdb on the first start, in a fresh data folder),
// the migrations, pg-boss's schema and ltijs's tables, until GET /healthz answers 200. Then
// restarts on the same data. The command is npm itself (npm start → scripts/start.mjs →
// dist/server.js, built at install), stopped with SIGTERM to its process group.
// Run: npm run bench:start [rounds]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/tool';

const ROUNDS = Number(process.argv[2] ?? 3);
const TARGET_SECONDS = 5;
const root = path.resolve(__dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeStart(dataDir: string): Promise<number> {
  const [port, pgPort] = [await freePort(), await freePort()];
  // As the README's `npm start`: no DATABASE_URL, NODE_ENV or other settings from this shell.
  const { DATABASE_URL: _server, NODE_ENV: _mode, ...inherited } = process.env;
  const env = { ...inherited, DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn' };
  const t0 = performance.now();
  const child = spawn('npm', ['start'], { cwd: root, env, stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return (performance.now() - t0) / 1000;
      } catch {
        /* not listening yet */
      }
      if (performance.now() - t0 > 120_000) throw new Error('npm start was not ready within 120 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

async function main() {
  const first: number[] = [];
  const again: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-start-'));
    // As root, the `postgres` user that runs the embedded server must reach it.
    fs.chmodSync(dataDir, 0o755);
    try {
      first.push(await timeStart(dataDir));
      again.push(await timeStart(dataDir));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const show = (xs: number[]) => `median ${median(xs).toFixed(2)} s (${xs.map((x) => x.toFixed(2)).join(', ')})`;
  console.log(`${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}, ${ROUNDS} rounds`);
  console.log(`npm start to ready, fresh data folder (initdb)  ${show(first)}`);
  console.log(`npm start to ready, restart on the same data    ${show(again)}`);
  console.log(`target < ${TARGET_SECONDS} s after npm install: ${Math.max(median(first), median(again)) < TARGET_SECONDS ? 'met' : 'not met'}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// `npm start` as a newcomer runs it: no DATABASE_URL, so a real embedded PostgreSQL
// starts under DATA_DIR; the console prints the set-up link; SIGTERM stops everything.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { heapGrowthFlag } from '../src/server';
import { type EmbeddedToolProcess, spawnServer, startEmbeddedTool } from './support/childTool';
import { freePort } from './support/tool';

/** A fresh DATA_DIR the `postgres` user (which runs the embedded server when we are root) can reach. */
function freshDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-start-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return fs.existsSync(`/proc/${pid}`) ? !/^\S+ \(.*\) [ZX]/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) : true;
  } catch {
    return false;
  }
};

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawnServer({ PATH: process.env.PATH ?? '', ...env }, { output: 'pipe' });
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitFor(predicate: () => boolean, ms: number, what: string, output: () => string) {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('starting microcred', () => {
  it('runs on an embedded PostgreSQL, prints the set-up link, answers /healthz, and stops on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-start-'));
    fs.chmodSync(dataDir, 0o755);
    // Below the ephemeral port range, so no outgoing connection holds them (see freePort).
    const port = String(await freePort());
    const pgPort = String(await freePort());
    const app = start({ PORT: port, DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort, LOG_LEVEL: 'info' });
    try {
      await waitFor(() => /admin\/setup\/[A-Za-z0-9_-]{32}/.test(app.output()), 90_000, 'the set-up link', app.output);
      expect(app.output()).toContain(`http://localhost:${port}/admin/setup/`);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
      const health = await fetch(`http://localhost:${port}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
      const setup = await fetch(/(http:\/\/localhost:\d+\/admin\/setup\/\S+)/.exec(app.output())![1]);
      expect(setup.status).toBe(200);
    } finally {
      app.child.kill('SIGTERM');
    }
    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('shutting down');
    await expect(fetch(`http://localhost:${port}/healthz`)).rejects.toThrow();
  }, 120_000);

  it('refuses a wrong setting at start, naming the variable', async () => {
    const app = start({ PORT: 'eighty', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-start-')) });
    expect(await app.exited).toBe(78);
    expect(app.output()).toContain('PORT');
  }, 30_000);

  it('starts again after kill -9 left its PostgreSQL running, and refuses a second process on the same DATA_DIR', async () => {
    const dataDir = freshDataDir();
    const ports = { port: await freePort(), pgPort: await freePort() };
    const first = await startEmbeddedTool({ dataDir, ...ports });
    let again: EmbeddedToolProcess | undefined;
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      // A second process on the same data is refused, saying which one holds it; the first is unharmed.
      const second = start({ PORT: String(await freePort()), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(ports.pgPort), LOG_LEVEL: 'silent' });
      expect(await second.exited).toBe(78);
      expect(second.output()).toMatch(/Another microcred process \(PID \d+\) is already running on DATA_DIR/);
      expect((await fetch(`${first.url}/healthz`)).ok).toBe(true);

      // kill -9 of the server alone: its PostgreSQL is orphaned and keeps running.
      await first.crash('node');
      expect(running(postmaster)).toBe(true);
      // The next start stops that leftover server, says so, and runs its own.
      again = await startEmbeddedTool({ dataDir, ...ports, env: { LOG_LEVEL: 'info' } });
      expect(running(postmaster)).toBe(false);
      expect(again.output()).toContain('the PostgreSQL server of a previous run is still running');
      expect(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])).not.toBe(postmaster);
      expect(await (await fetch(`${again.url}/healthz`)).json()).toEqual({ status: 'ok', database: 'ok' });
      // And SIGTERM still stops everything cleanly: PostgreSQL removes its lock file only then.
      // (/healthz answers as soon as it listens; background jobs start after that.)
      const started = again;
      await waitFor(() => started.output().includes('microcred is ready'), 60_000, 'the second start to finish', started.output);
      expect(await again.stop()).toBe(0);
      expect(fs.existsSync(pidFile)).toBe(false);
    } finally {
      await first.stop();
      await again?.stop();
      if (running(postmaster)) process.kill(postmaster, 'SIGINT');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('says so when EMBEDDED_PG_PORT is taken by another program', async () => {
    const pgPort = await freePort();
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(pgPort, '127.0.0.1', resolve));
    const dataDir = freshDataDir();
    try {
      const app = start({ PORT: String(await freePort()), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'silent' });
      expect(await app.exited).toBe(78);
      expect(app.output()).toContain(`EMBEDDED_PG_PORT: port ${pgPort} on 127.0.0.1 is already in use by another program`);
      expect(app.output()).not.toContain('TypeError');
    } finally {
      other.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the heap growth the server runs with', () => {
  it('is twice what is live, unless the operator chose their own', () => {
    expect(heapGrowthFlag(['--enable-source-maps'], '--max-old-space-size=512')).toBe('--heap-growing-percent=100');
    expect(heapGrowthFlag(['--heap-growing-percent=50'])).toBeUndefined();
    expect(heapGrowthFlag([], '--max-old-space-size=512 --heap_growing_percent=300')).toBeUndefined();
  });
});

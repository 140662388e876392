// `npm start` as a newcomer runs it: no DATABASE_URL, so a real embedded PostgreSQL
// starts under DATA_DIR; the console prints the set-up link; SIGTERM stops everything.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './support/tool';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(tsx, ['src/server.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
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
});

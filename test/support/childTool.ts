// A second microcred process on the same database, for tests that need a real process to
// crash and restart (ltijs is one per process, so the test process cannot restart its own).
// It runs `src/server.ts` with tsx, exactly as `npm start` runs the compiled server.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, type TestTool } from './tool';

export interface ChildTool {
  url: string;
  /** Ends the process: SIGKILL is a crash (no graceful shutdown), SIGTERM a normal stop. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

/** Starts a process sharing the test tool's database, data folder and keys; resolves when it is healthy. */
export async function startChildTool(tool: TestTool, env: Record<string, string> = {}): Promise<ChildTool> {
  const port = await freePort();
  const root = path.resolve(__dirname, '..', '..');
  // `--import tsx` (not the tsx CLI, which would run the server in a grandchild): the signal
  // must reach the server process itself, or a "crash" would leave it running.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'server.ts')], {
    cwd: root,
    env: {
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
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the child tool exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the child tool did not become healthy within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async kill(signal) {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}

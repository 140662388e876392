// Starts microcred for a test file on its own fresh database in the test PostgreSQL.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type AppConfig, loadConfig } from '../../src/config';
import { type RunningApp, startServer } from '../../src/server';
import { type LmsProfileName, PlatformSimulator } from './platformSimulator';

export async function createTestDatabase(): Promise<string> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`, which starts PostgreSQL.');
  const name = `mc_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestTool extends RunningApp {
  /** Base URL the tool believes it has (its PUBLIC_URL). */
  base: string;
  config: AppConfig;
}

export async function startTestTool(env: Record<string, string> = {}): Promise<TestTool> {
  const databaseUrl = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-test-'));
  // PUBLIC_URL must be known before listening; pick a free port first.
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...env,
  });
  const running = await startServer(config);
  return Object.assign(running, { base: config.publicUrl, config });
}

/**
 * A free port below Linux's ephemeral range (32768+), where outgoing connections (many, with
 * a pool and pg-boss per test tool) take their local ports, and away from the range
 * scripts/with-postgres.mjs uses for PostgreSQL (20000–39999): a port picked here is not
 * taken by an outgoing connection before the server binds it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10000 + Math.floor(Math.random() * 9000);
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found between 10000 and 19000');
}

/** A simulated LMS, started and registered with the tool by hand, as an admin would. */
export async function connectLms(tool: TestTool, profile: LmsProfileName = 'moodle-4.5'): Promise<PlatformSimulator> {
  const sim = await new PlatformSimulator(profile).start();
  sim.toolLaunchUrl = `${tool.base}/lti/launch`;
  sim.toolJwksUrl = `${tool.base}/lti/keys`;
  await tool.platforms.create(sim.registration());
  return sim;
}

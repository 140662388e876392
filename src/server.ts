// Starts microcred: config → database (embedded or DATABASE_URL) → ltijs → express.
import type { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import type { Express } from 'express';
import type { Provider } from 'ltijs';
import { type AppConfig, ConfigError, loadConfig } from './config';
import { type Database, openDatabase } from './db/database';
import { startHousekeeping } from './db/housekeeping';
import { createLogger } from './logger';
import { createLtiProvider } from './lti/provider';
import { compose, type Services } from './composition';
import { createApp } from './web/app';

export interface RunningApp extends Services {
  server: Server;
  /** The express app the server runs (tests read its route table). */
  app: Express;
  url: string;
  database: Database;
  lti: Provider;
  stop(): Promise<void>;
}

export async function startServer(config: AppConfig): Promise<RunningApp> {
  const log = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, embeddedPort: config.embeddedPgPort, log });
  let lti: Provider;
  try {
    lti = await createLtiProvider({ databaseUrl: database.url, encryptionKey: config.encryptionKey, pool: database.pool });
  } catch (err) {
    await database.close();
    throw err;
  }
  const services = await compose(config, database, lti, log);
  const app = createApp({
    ...services,
    database,
    lti,
    log,
    publicUrl: config.publicUrl,
    encryptionKey: config.encryptionKey,
    trustProxy: config.trustProxy,
    uploads: { maxUploadBytes: config.maxUploadBytes, production: config.production },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  const stopHousekeeping = await startHousekeeping(database.db, log);
  const { jobs } = services;
  if (config.backgroundJobs) await jobs.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let stopped = false;
  return {
    ...services,
    server,
    app,
    url: `http://localhost:${port}`,
    database,
    lti,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopHousekeeping();
      await jobs.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.crypto.close();
      await lti.close({ silent: true }).catch(() => undefined);
      await database.close();
    },
  };
}

/**
 * The heap growth the server runs with, unless its operator chose one (node's own options or
 * NODE_OPTIONS). V8 lets a heap grow to up to four times what is live before a full collection:
 * under a cohort's backlog the tool went from ~250 to ~410 MiB RSS, all of it garbage (the live
 * heap stayed ~55 MiB). Twice what is live held it at ~270 MiB, for 4-12 % less issuance
 * throughput (bench:scale; decision 0020).
 */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions = ''): string | undefined {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg));
  return chosen ? undefined : '--heap-growing-percent=100';
}

/** The server as `npm start` runs it (scripts/start.mjs, after checking dist/ is current). */
export async function main() {
  const heapGrowth = heapGrowthFlag(process.execArgv, process.env.NODE_OPTIONS);
  if (heapGrowth) setFlagsFromString(heapGrowth);
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const t0 = performance.now();
  const running = await startServer(config).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : `an unexpected ${String(err)} was thrown`;
    log.fatal({ err }, `microcred could not start: ${message}`);
    // Printed plainly as well: the log may be silent or JSON, and this is what to act on.
    console.error(`\nmicrocred could not start: ${message}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  });
  const token = await running.accounts.issueSetupToken();
  log.info(
    { url: config.publicUrl, readyMs: Math.round(performance.now() - t0), database: config.databaseUrl ? 'DATABASE_URL' : 'embedded' },
    'microcred is ready',
  );
  if (token) {
    // Printed plainly as well: this is the one line a new admin must find.
    console.log(`\n  No administrator yet. Open this one-time link to create one:\n  ${config.publicUrl}/admin/setup/${token}\n`);
  }
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) void main();

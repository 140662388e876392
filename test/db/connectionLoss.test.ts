// A PostgreSQL connection that goes away (the server crashed or restarted, or an administrator
// ended the session) while a transaction holds it fails that transaction, not the process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import { createTestDatabase } from '../support/tool';

let database: Database;
let admin: pg.Client;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  database = await openDatabase({
    databaseUrl,
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-db-')),
    embeddedPort: 1,
    log: createLogger('silent'),
  });
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await database?.close();
});

it('ends a checked-out connection between two statements without an unhandled error', async () => {
  const client = await database.pool.connect();
  await client.query('BEGIN');
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const ended = new Promise((resolve) => client.once('end', resolve));
  await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
  // The connection is gone while no statement runs on it: pg emits 'error' on the client then.
  await ended;
  await expect(client.query('SELECT 1')).rejects.toThrow();
  client.release(true);
  // The pool carries on with a new connection.
  expect((await database.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});

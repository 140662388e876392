#!/usr/bin/env node
// `npm test`: type-check, then every test on a real PostgreSQL (scripts/with-postgres.mjs).
import { spawnSync } from 'node:child_process';

const run = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;
const t0 = Date.now();
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) {
  console.error('\nType check failed; fix the errors above.');
  process.exit(1);
}
const status = run('node', ['scripts/with-postgres.mjs', 'npx', 'jest', ...process.argv.slice(2)], { ...process.env, NODE_ENV: 'test' });
console.log(`npm test finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(status);

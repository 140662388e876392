#!/usr/bin/env node
// `npm test`: type-check, lint, then every test on a real PostgreSQL (scripts/with-postgres.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureChromium } from './ensure-chromium.mjs';

const run = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;
const t0 = Date.now();
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) {
  console.error('\nType check failed; fix the errors above.');
  process.exit(1);
}
// Lint and format (Biome), then the import rules: no cycles, no other capability's pages,
// no web layer in stores and domain modules (.dependency-cruiser.cjs).
if (run('npm', ['run', 'lint', '--silent']) !== 0) {
  console.error('\nLint failed; `npm run format` fixes layout, the rest is named above.');
  process.exit(1);
}
// The browser journeys need Debian's Chromium; installed here when missing (idempotent).
if (!ensureChromium()) process.exit(1);
const results = path.join(mkdtempSync(path.join(os.tmpdir(), 'microcred-jest-')), 'results.json');
const status = run('node', ['scripts/with-postgres.mjs', 'npx', 'jest', '--json', `--outputFile=${results}`, ...process.argv.slice(2)], {
  ...process.env,
  NODE_ENV: 'test',
});
console.log(`npm test finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
// One plain closing line that any CI can read.
if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed${r.numPendingTests ? `, ${r.numPendingTests} skipped` : ''}`);
}
process.exit(status);

#!/usr/bin/env node
// Keeps dist/ (the compiled TypeScript) in step with src/, so `npm start` need not compile:
// `npm install` builds it once (postinstall), and `npm start` rebuilds only when a source
// file or a tsconfig changed since the last build. A build is stamped in
// dist/.build-stamp with the time it started, so a file saved during a build counts as changed.
//   node scripts/dist.mjs            build if stale (npm start, test/support/childTool.ts)
//   node scripts/dist.mjs --install  the same, skipped where nothing can be built (the
//                                    Docker stages: no src/ yet, or no TypeScript in --omit=dev)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', '.build-stamp');
/** Besides src/: a change to these changes the output too. */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json'];

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Why dist/ must be built, or null when it is up to date. */
export function staleReason() {
  if (!existsSync(path.join(root, 'dist', 'server.js'))) return 'dist/server.js does not exist';
  if (!existsSync(STAMP)) return 'dist/ has no build stamp';
  const built = statSync(STAMP).mtimeMs;
  if (newestIn(path.join(root, 'src')) > built) return 'src/ changed since the last build';
  const changed = INPUTS.find((f) => existsSync(path.join(root, f)) && statSync(path.join(root, f)).mtimeMs > built);
  return changed ? `${changed} changed since the last build` : null;
}

/** Builds dist/ when stale; returns false if the build failed. */
export function ensureDist({ quiet = false } = {}) {
  const reason = staleReason();
  if (!reason) return true;
  if (!quiet) console.error(`Building dist/ (${reason}) …`);
  const started = new Date();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' }).status !== 0) return false;
  writeFileSync(STAMP, `${started.toISOString()}\n`);
  utimesSync(STAMP, started, started);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--install')) {
    const buildable = existsSync(path.join(root, 'src')) && existsSync(path.join(root, 'tsconfig.build.json'));
    const typescript = existsSync(path.join(root, 'node_modules', 'typescript'));
    if (!buildable || !typescript) process.exit(0);
  }
  process.exit(ensureDist() ? 0 : 1);
}

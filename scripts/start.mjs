#!/usr/bin/env node
// `npm start`: runs the compiled server (dist/server.js) in this process. `npm install` has
// built dist/ already; it is rebuilt here only when the sources changed since (scripts/dist.mjs),
// so a start after install is not held up by the TypeScript compiler, and a start after an
// edit never runs stale code.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDist } from './dist.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!ensureDist()) {
  console.error('\nThe TypeScript build failed; fix the errors above and run `npm start` again.');
  process.exit(1);
}
await createRequire(import.meta.url)(path.join(root, 'dist', 'server.js')).main();

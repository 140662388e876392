// patches/ltijs+5.9.9.patch: ltijs loads mongoose (and the MongoDB driver) only when its own
// MongoDB database is constructed. microcred gives ltijs the ltijs-sequelize plugin, so a
// process never loads them (about 10 MiB of RSS and the start-up time to load 360 modules).
// Checked in fresh Node processes: jest's module registry is not Node's.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const loadsMongoose = (script: string) =>
  execFileSync(process.execPath, ['-e', `${script}; console.log(Object.keys(require.cache).some((k) => k.includes('/node_modules/mongoose/')))`], {
    cwd: root,
    encoding: 'utf8',
  }).trim();

it('does not load mongoose when ltijs is loaded', () => {
  expect(loadsMongoose("require('ltijs')")).toBe('false');
});

it('still loads it for ltijs’s own MongoDB database, which needs it', () => {
  expect(loadsMongoose("const DB = require('ltijs/dist/Utils/Database'); new DB({ url: 'mongodb://127.0.0.1:1/none' })")).toBe('true');
});

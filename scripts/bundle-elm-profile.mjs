// Copies the ELM 3 / EDC conformance files from ../shared/conformance/elm into src/edc/profile as
// JSON modules (tsc copies JSON into dist/, not .ttl), byte for byte: run it again when they change.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const from = path.resolve(import.meta.dirname, '../../shared/conformance/elm');
const to = path.resolve(import.meta.dirname, '../src/edc/profile');
for (const [file, name] of [
  ['EDC-generic-full.ttl', 'edc-generic-full.ttl.json'],
  ['EDC-generic-no-cv.ttl', 'edc-generic-no-cv.ttl.json'],
]) {
  writeFileSync(path.join(to, name), `${JSON.stringify({ turtle: readFileSync(path.join(from, file), 'utf8') })}\n`);
}
writeFileSync(path.join(to, 'edc-ap-context.json'), readFileSync(path.join(from, 'edc-ap-context.jsonld')));

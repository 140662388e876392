// Loads a TypeScript worker-thread module from source, for when microcred runs from src/
// (jest with ts-jest, the benches with tsx) rather than from dist/: worker threads do not
// inherit jest's transform, so the worker registers tsx itself. Compiled code (npm start)
// never uses this file: it starts dist/…/cryptoWorker.js directly.
// See docs/decisions/0020-signing-on-every-core-and-node.md.
const { workerData } = require('piscina');

require('tsx/cjs/api').register();
module.exports = require(workerData.entry);

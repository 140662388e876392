// Issue 17's hot spots, without a database: raw vc.issue and verifyOpenBadgeCredential (the
// credential's proof, the status list credential's proof, the schema) of an issued-kind credential,
// with a did:key issuer and a signed status list.
//   npm run bench:hotspots -- profile [sign|verify|both] [N]   one variant (as installed), a loop
//                                                               to profile: node --cpu-prof --import tsx …
//   npm run bench:hotspots -- ab [N] [ROUNDS]                  variants side by side in one run,
//                                                               alternating rounds, in one thread and
//                                                               on two worker threads
// Variants (ab): "before" is jsonld.js with the patch as of BEFORE_COMMIT and the library's
// signer and verifier (a KeyObject built for each signature); "jsonld" the installed patch with
// the library's keys; "after" the installed patch with our KeyObject signer and verifier
// (src/badges/ed25519KeyObjects.ts). Switching swaps the properties of the installed jsonld
// module object (@digitalbazaar/vc, jsonld-signatures and the cryptosuite call jsonld.toRDF,
// jsonld.frame, … through it) and the cryptosuite's createVerifier. See decision 0017.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { buildOpenBadgeCredential } from '../src/badges/credentialBuilder';
import { documentLoader } from '../src/badges/documentLoader';
import { signerOf } from '../src/badges/ed25519KeyObjects';
import { loadLibraries } from '../src/badges/esm';
import { generateKeyPair } from '../src/badges/keys';
import { signCredentialDataIntegrity } from '../src/badges/sign';
import { verifyOpenBadgeCredential } from '../src/badges/verify';
import { CREDENTIAL_KINDS } from '../test/badges/credentialKinds';
import { statusListCredential } from '../test/badges/fixtures';
import { loadJsonLdProcessors } from '../test/support/jsonldProcessors';

const BEFORE_COMMIT = process.env.BEFORE_COMMIT ?? 'a081204';
const VARIANTS = ['before', 'jsonld', 'after'] as const;
type Variant = (typeof VARIANTS)[number];
type Op = 'sign' | 'verify';

async function harness() {
  const key = await generateKeyPair();
  const unsigned = buildOpenBadgeCredential(CREDENTIAL_KINDS[0][1](key.controller));
  const signed = await signCredentialDataIntegrity(unsigned, key);
  const list = await statusListCredential(key, [3]);
  const libs = await loadLibraries();
  const { vc, DataIntegrityProof } = libs;
  const cryptosuite = libs.cryptosuite as { createVerifier: unknown };
  const ours = { createVerifier: cryptosuite.createVerifier, signer: signerOf(key.multikey) };
  const library = {
    createVerifier: (require('@digitalbazaar/eddsa-rdfc-2022-cryptosuite') as { cryptosuite: { createVerifier: unknown } }).cryptosuite.createVerifier,
    signer: key.multikey.signer(),
  };
  // jsonld.js: the installed module object, whose properties are swapped per variant.
  const installed = require('jsonld') as Record<string, unknown>;
  // (non-configurable properties, e.g. the default documentLoader, stay: every call here passes its own loader)
  const own = (m: object) =>
    Object.fromEntries(
      Object.getOwnPropertyNames(m)
        .filter((k) => Object.getOwnPropertyDescriptor(installed, k)?.configurable !== false)
        .map((k) => [k, Object.getOwnPropertyDescriptor(m, k)]),
    );
  const installedProps = own(installed);
  const processors = loadJsonLdProcessors();
  const beforePatch = execFileSync('git', ['show', `${BEFORE_COMMIT}:patches/jsonld+9.0.0.patch`], { cwd: path.resolve(__dirname, '..') });
  const beforeProps = own(processors.variant(beforePatch.toString()));
  let keys = ours;
  const use = (variant: Variant) => {
    for (const [k, d] of Object.entries(variant === 'before' ? beforeProps : installedProps)) if (d) Object.defineProperty(installed, k, d);
    keys = variant === 'after' ? ours : library;
    cryptosuite.createVerifier = keys.createVerifier;
  };
  const ops: Record<Op, () => Promise<unknown>> = {
    sign: () => vc.issue({ credential: structuredClone(unsigned), suite: new DataIntegrityProof({ signer: keys.signer, cryptosuite }), documentLoader }),
    verify: async () => {
      const r = await verifyOpenBadgeCredential(signed, { fetchStatusList: async () => list });
      if (!r.verified) throw new Error(JSON.stringify(r.checks));
    },
  };
  // Same signature from every variant (Ed25519 is deterministic; same canonical form).
  const proofs = new Set<string>();
  for (const variant of VARIANTS) {
    use(variant);
    for (let i = 0; i < 10; i++) await ops.sign(), await ops.verify();
    const issued = await vc.issue({
      credential: { ...structuredClone(unsigned), validFrom: '2026-01-01T00:00:00Z' },
      suite: new DataIntegrityProof({ signer: keys.signer, cryptosuite, date: '2026-01-01T00:00:00Z' }),
      documentLoader,
    });
    proofs.add(JSON.stringify(issued.proof));
  }
  if (proofs.size !== 1) throw new Error(`the variants sign differently: ${[...proofs].join('\n')}`);
  return { use, ops, bytes: JSON.stringify(signed).length };
}

async function run(ops: Record<Op, () => Promise<unknown>>, op: Op, n: number) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await ops[op]();
  return performance.now() - t0;
}

async function main() {
  const mode = process.argv[2] ?? 'ab';
  if (mode === 'profile') {
    const what = process.argv[3] ?? 'both';
    const n = Number(process.argv[4] ?? 300);
    const { ops, bytes } = await harness();
    console.log(`credential ${bytes} bytes`);
    for (const op of ['sign', 'verify'] as const) {
      if (what !== 'both' && what !== op) continue;
      const ms = (await run(ops, op, n)) / n;
      console.log(`${op.padEnd(8)} ${ms.toFixed(2)} ms each, ${(1000 / ms).toFixed(1)} /s`);
    }
    return;
  }
  const n = Number(process.argv[3] ?? 100);
  const rounds = Number(process.argv[4] ?? 4);
  const { use, ops, bytes } = await harness();
  const threads = 2;
  const workers = Array.from({ length: threads }, () => {
    const worker = new Worker("require('tsx/cjs/api').register(); require(require('node:worker_threads').workerData.entry);", {
      eval: true,
      workerData: { entry: __filename, worker: true },
    });
    return worker;
  });
  let failed: ((error: unknown) => void) | undefined;
  for (const w of workers) w.on('error', (error) => failed?.(error));
  const ask = (worker: Worker, message: unknown) =>
    new Promise<number>((resolve, reject) => {
      failed = reject;
      worker.once('message', resolve);
      worker.postMessage(message);
    });
  await Promise.all(workers.map((w) => ask(w, { ready: true })));
  console.log(`node ${process.version}, credential ${bytes} bytes, ${rounds} rounds × ${n} per variant, variants alternating`);
  const ms: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    for (const op of ['sign', 'verify'] as const) {
      for (const variant of VARIANTS) {
        use(variant);
        ms[`${op} ${variant} 1`] = (ms[`${op} ${variant} 1`] ?? 0) + (await run(ops, op, n));
        const t0 = performance.now();
        await Promise.all(workers.map((w) => ask(w, { variant, op, n })));
        ms[`${op} ${variant} ${threads}`] = (ms[`${op} ${variant} ${threads}`] ?? 0) + (performance.now() - t0);
      }
    }
  }
  for (const w of workers) await w.terminate();
  for (const op of ['sign', 'verify'] as const) {
    for (const t of [1, threads]) {
      const rate = (v: Variant) => (t * n * rounds * 1000) / ms[`${op} ${v} ${t}`];
      const cells = VARIANTS.map((v) => `${v} ${rate(v).toFixed(1).padStart(6)} /s`).join('   ');
      console.log(`${`${op}, ${t} thread${t > 1 ? 's' : ''}`.padEnd(18)} ${cells}   after/before ${(rate('after') / rate('before')).toFixed(2)}`);
    }
  }
}

if (!isMainThread && workerData?.worker) {
  harness().then(({ use, ops }) => {
    parentPort?.on('message', async (message: { ready?: true; variant: Variant; op: Op; n: number }) => {
      if (message.ready) return parentPort?.postMessage(0);
      use(message.variant);
      parentPort?.postMessage(await run(ops, message.op, message.n));
    });
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

// Open Badges 3.0 issuance, measured side by side in one run on a real PostgreSQL:
//   end to end   BadgeIssuer.issueForAwards, as the issuance job runs it (src/jobs/jobTable.ts): a
//                batch of awards loaded in one query, each built, checked against the schemas
//                and signed (Data Integrity + VC-JWT), all stored in one transaction;
//   raw          @digitalbazaar/vc issue() of the same credential with the same key, signer and loader;
//   verify       verifyOpenBadgeCredential of an issued credential (our keys and status list);
//   canonicalisation of an issued credential (toRDF + RDFC-1.0, what eddsa-rdfc-2022 hashes) with
//                jsonld.js as published and as patched (patches/, docs/decisions/0017-faster-jsonld.md).
//   pool         end to end with signing on the worker-thread pool (src/badges/cryptoPool.ts) of
//                one thread per core, against the same pool with one thread, and in the process;
//   verify/s     on the pool (no cache), and the tool's RSS at the end.
// The raw run keeps CONCURRENCY signatures in flight; the end-to-end runs keep BATCHES batches
// of the job's size in flight (one per issuance worker). Run: npm run bench:issue [N]
import { availableParallelism } from 'node:os';
import { CryptoPool } from '../src/badges/cryptoPool';
import { signerOf } from '../src/badges/ed25519KeyObjects';
import { loadLibraries } from '../src/badges/esm';
import { BadgeIssuer } from '../src/badges/issuance';
import { StatusLists } from '../src/badges/statusLists';
import { verifyOpenBadgeCredential } from '../src/badges/verify';
import { canonize, loadJsonLdProcessors } from '../test/support/jsonldProcessors';
import { startTestTool } from '../test/support/tool';
import { seedAwards } from './seedAwards';

const N = Number(process.argv[2] ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 2);

async function inParallel(n: number, work: (i: number) => Promise<unknown>, concurrency = CONCURRENCY) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

async function timed(label: string, n: number, work: (i: number) => Promise<unknown>, units = n, concurrency = CONCURRENCY) {
  const t0 = performance.now();
  await inParallel(units, work, concurrency);
  const secs = (performance.now() - t0) / 1000;
  const rate = n / secs;
  console.log(`${label.padEnd(34)} ${String(n).padStart(5)} in ${secs.toFixed(2).padStart(6)} s  ${rate.toFixed(1).padStart(7)} /s`);
  return rate;
}

/** Issues `ids` in batches of the issuance job's size (8 per signing thread), BATCHES at a time. */
function issueInBatches(label: string, issuer: BadgeIssuer, ids: number[], threads: number) {
  const size = 8 * Math.max(1, threads);
  const batches = Array.from({ length: Math.ceil(ids.length / size) }, (_, i) => ids.slice(i * size, (i + 1) * size));
  return timed(
    `${label} (batches of ${size})`,
    ids.length,
    async (i) => {
      for (const outcome of (await issuer.issueForAwards(batches[i])).values()) if (outcome instanceof Error) throw outcome;
    },
    batches.length,
    BATCHES,
  );
}

async function main() {
  // Background jobs off: the bench calls the issuer itself, so nothing else competes for the CPU.
  // CRYPTO_THREADS=0: the tool's own issuer signs in-process, the old path; the pools below are the new one.
  const tool = await startTestTool({ BACKGROUND_JOBS: 'off', CRYPTO_THREADS: '0' });
  await tool.issuer.save({ name: 'Bench University', countryCode: 'NL', url: 'https://bench.example', identifiers: [] } as never);
  const awardIds = await seedAwards(tool, 3 * N + 20);
  const cores = availableParallelism();
  const pools = { all: new CryptoPool(cores), one: new CryptoPool(1) };
  const issuerOn = (pool: CryptoPool) =>
    new BadgeIssuer(tool.database.db, {
      publicUrl: tool.config.publicUrl,
      did: tool.signingKeys.did,
      keys: tool.signingKeys,
      issuer: tool.issuer,
      statusLists: new StatusLists(tool.database.db),
      sign: pool.signBothForms,
    });
  const onAll = issuerOn(pools.all);
  const onOne = issuerOn(pools.one);
  const badges = tool.badges;

  // Warm up: load the libraries, sign a few, fill caches.
  for (const id of awardIds.slice(3 * N, 3 * N + 10)) await badges.issueForAward(id);
  await Promise.all(awardIds.slice(3 * N + 10, 3 * N + 15).map((id) => onAll.issueForAward(id)));
  await Promise.all(awardIds.slice(3 * N + 15).map((id) => onOne.issueForAward(id)));
  const sample = (await badges.issueForAward(awardIds[3 * N]))!.credential;
  const { proof: _proof, ...unsigned } = sample as Record<string, unknown>;
  const { keyPair } = await tool.signingKeys.activeKeyPair();
  const { vc, DataIntegrityProof, cryptosuite } = await loadLibraries();

  console.log(
    `node ${process.version}, ${cores} cores, ${CONCURRENCY} signatures or ${BATCHES} batches in flight, credential of ${JSON.stringify(sample).length} bytes`,
  );
  const raw = await timed('raw vc.issue (same credential)', N, () =>
    vc.issue({
      credential: structuredClone(unsigned),
      suite: new DataIntegrityProof({ signer: signerOf(keyPair.multikey), cryptosuite }),
      documentLoader: badges.loader,
    }),
  );
  const e2e = await issueInBatches('end to end, in-process', badges, awardIds.slice(0, N), 1);
  const e2eOne = await issueInBatches('end to end, pool of 1 thread', onOne, awardIds.slice(N, 2 * N), 1);
  const e2eAll = await issueInBatches(`end to end, pool of ${cores}`, onAll, awardIds.slice(2 * N, 3 * N), cores);
  // The one-thread pool is the bench's, not the tool's: not counted in the RSS below.
  await pools.one.close();
  const raw2 = await timed('raw vc.issue again (drift check)', N, () =>
    vc.issue({
      credential: structuredClone(unsigned),
      suite: new DataIntegrityProof({ signer: signerOf(keyPair.multikey), cryptosuite }),
      documentLoader: badges.loader,
    }),
  );
  const issued = await tool.database.pool.query('SELECT credential FROM issued_credentials LIMIT 50');
  const verify = await timed('verify (Data Integrity, status)', Math.min(N, 200), async (i) => {
    const r = await verifyOpenBadgeCredential(issued.rows[i % issued.rows.length].credential, {
      resolveKey: tool.signingKeys.resolver(),
      fetchStatusList: async (url) => (await badges.statusListCredential(Number(url.split('/').pop())))?.credential,
    });
    if (!r.verified) throw new Error(`verification failed: ${JSON.stringify(r.checks)}`);
  });
  const verifyPool = await timed(`verify on the pool (${cores} threads)`, Math.min(N, 200) * 2, async (i) => {
    const r = await pools.all.verify(issued.rows[i % issued.rows.length].credential, {
      resolveKey: tool.signingKeys.resolver(),
      fetchStatusList: async (url) => (await badges.statusListCredential(Number(url.split('/').pop())))?.credential,
    });
    if (!r.verified) throw new Error(`verification failed: ${JSON.stringify(r.checks)}`);
  });
  // The app's verifier, with its cache: 50 credentials, each checked several times (a popular share page).
  const cached = await timed('verify via the app (cache)', 400, (i) => tool.verifier.verify(issued.rows[i % issued.rows.length].credential));
  const cacheStats = tool.verifier.opts.cache?.stats();
  // Canonicalisation with both processors, alternating rounds so both see the same machine load.
  const processors = loadJsonLdProcessors();
  const [before, after] = [await canonize(processors.unpatched, sample, badges.loader), await canonize(processors.patched, sample, badges.loader)];
  if (before !== after) throw new Error('the patched jsonld canonicalises the credential differently');
  const canonSecs = { unpatched: 0, patched: 0 };
  const perRound = Math.max(10, Math.round(N / 4));
  for (let round = 0; round < 4; round++) {
    for (const which of ['unpatched', 'patched'] as const) {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) await canonize(processors[which], sample, badges.loader);
      canonSecs[which] += (performance.now() - t0) / 1000;
    }
  }
  processors.dispose();
  for (const which of ['unpatched', 'patched'] as const) {
    const ms = (1000 * canonSecs[which]) / (4 * perRound);
    console.log(
      `${`canonicalise, jsonld ${which}`.padEnd(34)} ${String(4 * perRound).padStart(5)} in ${canonSecs[which].toFixed(2).padStart(6)} s  ${ms.toFixed(2).padStart(7)} ms each`,
    );
  }
  const rawMean = (raw + raw2) / 2;
  console.log(`\nend to end / raw = ${(e2e / rawMean).toFixed(2)} (target ≥ 0.80); verification ${verify.toFixed(1)} /s`);
  console.log(`canonicalisation of an issued credential, patched / unpatched = ${(canonSecs.unpatched / canonSecs.patched).toFixed(2)} (target ≥ 3)`);
  console.log(
    `issuance with the worker pool / single worker = ${(e2eAll / e2eOne).toFixed(2)} (target ≥ 1.7 on 2 cores); pool / in-process = ${(e2eAll / e2e).toFixed(2)}`,
  );
  console.log(`verification on the pool ${verifyPool.toFixed(1)} /s (target ≥ 200/s without the cache)`);
  console.log(
    `verification cache: ${cached.toFixed(0)} /s, ${cacheStats?.hits} hits, ${cacheStats?.misses} misses, hit rate ${((cacheStats?.hitRate ?? 0) * 100).toFixed(1)} %`,
  );
  const [{ n }] = (await tool.database.pool.query('SELECT count(*)::int AS n FROM issued_credentials')).rows;
  console.log(`issued credentials stored: ${n} (expected ${3 * N + 20})`);
  // The worker threads live in this process, so its RSS counts them.
  console.log(`RSS after the benchmark: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (target < 300 MiB)`);
  await pools.all.close();
  await tool.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

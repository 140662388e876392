// Is the tool responsive while a cohort is issued? 1,000 awards are announced at once (their
// award.created events, as an exam board's decisions would leave them) and the background
// jobs issue them, while a client requests a page over and over; the page's p50 and p99 are
// reported, with signing on the worker-thread pool and, for comparison, on the main thread
// (CRYPTO_THREADS=0), in one run. Run: npm run bench:burst [awards]
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { startTestTool } from '../test/support/tool';
import { seedAwards } from './seedAwards';

const AWARDS = Number(process.argv[2] ?? 1000);
/** `--one <threads>`: one run, in a process of its own (ltijs is one per process). */
const ONE = process.argv[3] === '--one' ? process.argv[4] : undefined;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function burst(threads: string) {
  const tool = await startTestTool({ CRYPTO_THREADS: threads, LOG_LEVEL: 'silent' });
  await tool.issuer.save({ name: 'Bench University', countryCode: 'NL', url: 'https://bench.example', identifiers: [] } as never);
  const awardIds = await seedAwards(tool, AWARDS);
  const page = `${tool.base}/verify`;
  // Warm: the page, and one issuance so the signing libraries (and the pool) are loaded.
  for (let i = 0; i < 20; i++) await (await fetch(page)).text();
  await tool.badges.issueForAward(awardIds[0]);
  const idle: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    await (await fetch(page)).text();
    idle.push(performance.now() - t0);
  }
  const [{ courseId, credentialId }] = (
    await tool.database.pool.query('SELECT course_id AS "courseId", credential_id AS "credentialId" FROM awards WHERE id = $1', [awardIds[0]])
  ).rows;
  const t0 = performance.now();
  await tool.database.pool.query(
    `INSERT INTO outbox_events (type, subject_id, payload)
     SELECT 'award.created', a.id, json_build_object('awardId', a.id, 'courseId', $2::int, 'credentialId', $3::int, 'learnerId', a.learner_id) FROM awards a WHERE a.id = ANY($1)`,
    [awardIds, courseId, credentialId],
  );
  const busy: number[] = [];
  for (;;) {
    const s = performance.now();
    const res = await fetch(page);
    await res.text();
    if (res.status !== 200) throw new Error(`the page answered ${res.status}`);
    busy.push(performance.now() - s);
    if (busy.length % 20 === 0) {
      const [{ n }] = (await tool.database.pool.query('SELECT count(*)::int AS n FROM issued_credentials')).rows;
      if (n >= AWARDS) break;
    }
  }
  const secs = (performance.now() - t0) / 1000;
  // This process is the tool (and the client): its RSS with the pool's threads in it.
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  await tool.stop();
  return { idle, busy, secs, rssMiB };
}

type Run = Awaited<ReturnType<typeof burst>>;

function runAlone(threads: string): Run {
  const r = spawnSync('npx', ['tsx', __filename, String(AWARDS), '--one', threads], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`the run with CRYPTO_THREADS=${threads} failed:\n${r.stdout}`);
  return JSON.parse(line);
}

async function main() {
  console.log(`${availableParallelism()} cores, ${AWARDS} awards, GET /verify in a loop during the burst`);
  const rows: Record<string, Run> = {};
  for (const [label, threads] of [
    ['pool', String(availableParallelism())],
    ['main thread', '0'],
  ] as const) {
    const r = runAlone(threads);
    rows[label] = r;
    console.log(
      `${label.padEnd(12)} idle p50 ${pct(r.idle, 50).toFixed(1)} ms · during the burst p50 ${pct(r.busy, 50).toFixed(1)} ms, p99 ${pct(r.busy, 99).toFixed(1)} ms (${r.busy.length} requests) · ${AWARDS} issued in ${r.secs.toFixed(1)} s (${(AWARDS / r.secs).toFixed(1)} /s) · RSS ${r.rssMiB.toFixed(0)} MiB`,
    );
  }
  console.log(`p99 during the burst, pool / main thread = ${(pct(rows.pool.busy, 99) / pct(rows['main thread'].busy, 99)).toFixed(2)}`);
}

(ONE === undefined ? main() : burst(ONE).then((r) => console.log(JSON.stringify(r)))).catch((e) => {
  console.error(e);
  process.exit(1);
});

// Memory of the server process while anonymous verifiers make it fetch oversized status
// lists (issue 13, item 2: five parallel 60 MB lists took it from 143 MB to 703 MB RSS).
// The server runs as its own process, compiled, as `npm start` runs it (dist/server.js),
// with an allow-list for the loopback "issuer" that serves the lists; this process sends
// five POST /api/verify at once, each naming a different list, and samples the server's
// RSS from /proc every 20 ms.
// Run: npm run bench:fetch [rounds]   (default 1 round of 5)
//   BENCH_KINDS=big,refused,small  phases in order: 60 MB lists (default), lists refused
//                                  before any fetch (what verifying alone costs), small valid
//                                  lists. Later phases start from the heap earlier ones grew:
//                                  compare phases in separate runs.
//   BENCH_PARALLEL=5               requests at once
//   BENCH_NODE_FLAGS="…"           V8 flags for the server (e.g. --optimize-for-size)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair } from '../src/badges/keys';
import { signCredentialDataIntegrity } from '../src/badges/sign';
import { encodeStatusList } from '../src/badges/statusList';
import { fullBadge } from '../test/badges/fixtures';
import { createTestDatabase, freePort } from '../test/support/tool';

const ROUNDS = Number(process.argv[2] ?? 1);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 5);
const LIST_BYTES = 60 * 1024 * 1024;

/** The "issuer": /small/<n> is a signed list, every /big/<n> a 60 MB answer written as fast as the reader takes it. */
async function startIssuer(smallList: () => Buffer) {
  let bytesSent = 0;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/vc+ld+json' });
    if (req.url?.startsWith('/small/')) return res.end(smallList());
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    const write = () => {
      while (written < LIST_BYTES) {
        written += chunk.length;
        bytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    res.on('error', () => undefined);
    write();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, sent: () => bytesSent };
}

const rssOf = (pid: number) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
};

async function post(url: string, body: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const key = await generateKeyPair();
  let small = Buffer.alloc(0);
  const big = await startIssuer(() => small);
  const listUrl = (kind: 'small' | 'big' | 'refused', i: number) =>
    kind === 'refused' ? `http://10.0.0.1/refused/${i}` : `http://127.0.0.1:${big.port}/${kind}/${i}`;
  small = Buffer.from(
    JSON.stringify(
      await signCredentialDataIntegrity(
        {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          id: listUrl('small', 0),
          type: ['VerifiableCredential', 'BitstringStatusListCredential'],
          issuer: key.controller,
          validFrom: '2024-01-01T00:00:00Z',
          credentialSubject: {
            id: `${listUrl('small', 0)}#list`,
            type: 'BitstringStatusList',
            statusPurpose: 'revocation',
            encodedList: encodeStatusList(new Set([7])),
          },
        },
        key,
      ),
    ),
  );
  const root = path.join(__dirname, '..');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-bench-'));
  // BENCH_NODE_FLAGS: V8 flags for the server process (e.g. --max-semi-space-size=4), to compare heap sizing.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, path.join(root, 'dist', 'server.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      DATABASE_URL: await createTestDatabase(),
      DATA_DIR: dataDir,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'error',
      BACKGROUND_JOBS: 'off',
      OUTBOUND_ALLOWLIST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('the server did not start within 60 s');
      const up = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const credential = async (url: string) =>
      JSON.stringify(
        await signCredentialDataIntegrity(
          fullBadge(key.controller, {
            credentialStatus: {
              id: `${url}#3`,
              type: 'BitstringStatusListEntry',
              statusPurpose: 'revocation',
              statusListIndex: '3',
              statusListCredential: url,
            },
          }),
          key,
        ),
      );

    // Warm up: the verifier's libraries load on first use; that is not what is measured.
    await post(`${base}/api/verify`, await credential('http://10.0.0.1/warm-up'));
    const baseline = rssOf(child.pid!);
    console.log(`server RSS before: ${baseline.toFixed(0)} MB`);
    const kinds = (process.env.BENCH_KINDS ?? 'big').split(',') as ('big' | 'small' | 'refused')[];
    for (const kind of kinds) {
      const bodies = await Promise.all(Array.from({ length: ROUNDS * PARALLEL }, (_, i) => credential(listUrl(kind, i))));
      let peak = rssOf(child.pid!);
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid!))), 20);
      const messages = new Set<string>();
      const sentBefore = big.sent();
      for (let round = 0; round < ROUNDS; round++) {
        const answers = await Promise.all(bodies.slice(round * PARALLEL, (round + 1) * PARALLEL).map((b) => post(`${base}/api/verify`, b)));
        for (const a of answers)
          messages.add(String(a.json.checks.find((c: { id: string }) => c.id === 'status').message).replace(/\/(small|big|refused)\/\d+/, '/$1/<n>'));
      }
      clearInterval(sampler);
      peak = Math.max(peak, rssOf(child.pid!));
      const what =
        kind === 'small'
          ? 'small valid status lists'
          : kind === 'refused'
            ? 'status lists refused before any fetch'
            : `60 MB status lists (the issuer sent ${((big.sent() - sentBefore) / 1024 / 1024).toFixed(1)} MB of ${((ROUNDS * PARALLEL * LIST_BYTES) / 1024 / 1024).toFixed(0)} MB offered)`;
      console.log(`server RSS peak ${peak.toFixed(0)} MB: ${ROUNDS} rounds of ${PARALLEL} parallel verifications, ${what}`);
      for (const m of messages) console.log(`  report: ${m}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    big.server.closeAllConnections();
    big.server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

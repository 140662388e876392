// Issue 13, items 1 and 2, through the real app: a did:key-signed credential whose status
// list points at this machine (in five spellings) is checked by anyone at POST /api/verify
// and /verify, and by a learner as prior-learning evidence. The server must not fetch it,
// and must say why. An "internal" status server on loopback counts every request it gets.
// Once an administrator allows the host, the same credential verifies; a 60 MB list from
// an allowed host is dropped at the cap.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, type Ed25519KeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity } from '../../src/badges/sign';
import { encodeStatusList } from '../../src/badges/statusList';
import { completeDefinition } from '../credentials/fixtures';
import { launchAs, type Person, publishCredential, submitForm, text, uploadForm } from '../assessment/support';
import { TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { fullBadge } from './fixtures';

const MB = 1024 * 1024;
let tool: TestTool;
let sim: PlatformSimulator;
let key: Ed25519KeyPair;
let internal: http.Server;
let port: number;
/** Requests the internal server received. */
let received: string[] = [];
let bigWritten = 0;
let bigFinished = false;
const lists = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  tool = await startTestTool();
  key = await generateKeyPair();
  internal = http.createServer((req, res) => {
    received.push(req.url ?? '');
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/vc+ld+json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = () => {
        while (bigWritten < 60 * MB) {
          bigWritten += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        bigFinished = true;
        res.end();
      };
      res.on('error', () => undefined);
      return write();
    }
    const list = lists.get(req.url ?? '');
    if (!list) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/vc+ld+json' }).end(JSON.stringify(list));
  });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  port = (internal.address() as AddressInfo).port;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
  internal?.closeAllConnections();
  await new Promise((r) => internal?.close(r));
});
beforeEach(() => {
  received = [];
});

/** A credential signed by a did:key whose status list is at `listUrl`, and that list (index 7 revoked). */
async function credentialWithList(listUrl: string, index = 3) {
  const path = new URL(listUrl).pathname;
  lists.set(
    path,
    await signCredentialDataIntegrity(
      {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: listUrl,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: key.controller,
        validFrom: '2024-01-01T00:00:00Z',
        credentialSubject: { id: `${listUrl}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encodeStatusList(new Set([7])) },
      },
      key,
    ),
  );
  return signCredentialDataIntegrity(
    fullBadge(key.controller, {
      credentialStatus: {
        id: `${listUrl}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: listUrl,
      },
    }),
    key,
  );
}

/** POST /api/verify on a fresh connection (signing takes seconds here: an idle kept-alive socket may be closing). */
async function apiVerify(credential: unknown) {
  const body = JSON.stringify(credential);
  const { status, text: answer } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      `${tool.base}/api/verify`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  expect(status).toBe(200);
  return JSON.parse(answer) as { verified: boolean; revoked: boolean; checks: { id: string; status: string; message: string }[] };
}
const statusCheck = (report: Awaited<ReturnType<typeof apiVerify>>) => report.checks.find((c) => c.id === 'status')!;

const SPELLINGS = ['127.0.0.1', 'localhost', '2130706433', '0x7f000001', '[::ffff:127.0.0.1]'];
/** What the report says each leads to: the address as parsed (and the IPv4 inside IPv6), or the name. */
const LOOPBACK = '(127\\.0\\.0\\.1|localhost|::ffff:7f00:1 \\(127\\.0\\.0\\.1\\))';

describe('a status list on this machine, without an allow-list', () => {
  it.each(SPELLINGS)('POST /api/verify with a list at http://%s:<port> → refused with the reason, nothing sent', async (host) => {
    const credential = await credentialWithList(`http://${host}:${port}/status/${encodeURIComponent(host)}`);
    const report = await apiVerify(credential);
    expect(statusCheck(report).status).toBe('warning');
    expect(statusCheck(report).message).toMatch(
      new RegExp(
        `^Whether the issuer has revoked this credential could not be checked: microcred did not fetch http://\\S+, because it leads to ${LOOPBACK}, a loopback address \\(this server itself\\)\\.$`,
      ),
    );
    expect(report.revoked).toBe(false);
    expect(received).toEqual([]);
  });

  it('the same for https, which production allows: the address decides, not the scheme', async () => {
    const report = await apiVerify(await credentialWithList(`https://127.0.0.1:${port}/status/tls`));
    expect(statusCheck(report).message).toContain('because it leads to 127.0.0.1, a loopback address (this server itself).');
    expect(received).toEqual([]);
  });

  it.each(SPELLINGS)('/verify with a list at http://%s:<port> shows the refusal on the page, in English and in Dutch', async (host) => {
    const credential = JSON.stringify(await credentialWithList(`http://${host}:${port}/status/page-${encodeURIComponent(host)}`));
    for (const [language, expected] of [
      [
        'en',
        new RegExp(
          `Whether the issuer has revoked this credential could not be checked: microcred did not fetch http://\\S+, because it leads to ${LOOPBACK}, a loopback address \\(this server itself\\)\\.`,
        ),
      ],
      [
        'nl',
        new RegExp(
          `Of de uitgever deze credential heeft ingetrokken, kon niet worden gecontroleerd: microcred heeft http://\\S+ niet opgehaald, omdat het naar ${LOOPBACK} leidt, een loopbackadres \\(deze server zelf\\)\\.`,
        ),
      ],
    ] as const) {
      const form = new FormData();
      form.append('credential', credential);
      const res = await new TestBrowser().request(`${tool.base}/verify`, { multipart: form, headers: { 'accept-language': language } });
      expect(res.status).toBe(200);
      expect(text(res.body)).toMatch(expected);
    }
    expect(received).toEqual([]);
  });

  it('a learner’s prior-learning badge with such a list is refused too, and the report says why', async () => {
    sim = await connectLms(tool, 'moodle-4.5');
    const teacher = await launchAs(tool, sim, 'instructor');
    const learner: Person = await launchAs(tool, sim, 'learner');
    const credentialId = await publishCredential(tool, teacher, completeDefinition());
    const work = `${learner.base}/credentials/${credentialId}/my-work`;
    await submitForm(tool, learner.browser, await learner.browser.get(work), /\/start$/);
    const badge = JSON.stringify(await credentialWithList(`http://2130706433:${port}/status/prior`));
    const res = await uploadForm(tool, learner.browser, await learner.browser.get(work), /\/evidence$/, {
      kind: 'open-badge',
      criterionId: 'crit-plan',
      badge,
    });
    expect(res.status).toBe(200);
    const { rows } = await tool.database.pool.query("SELECT verification FROM evidence_items WHERE kind = 'open-badge'");
    const status = rows[0].verification.checks.find((c: { id: string }) => c.id === 'status');
    expect(status).toMatchObject({
      status: 'warning',
      message: expect.stringContaining('because it leads to 127.0.0.1, a loopback address (this server itself).'),
    });
    expect(received).toEqual([]);
  });
});

describe('once an administrator allowed the host', () => {
  beforeAll(async () => {
    await tool.database.pool.query("INSERT INTO outbound_allow_list (entry, note) VALUES ('127.0.0.1', 'the test issuer')");
  });

  it('the list is fetched and the credential verifies (and a revoked one is caught)', async () => {
    const report = await apiVerify(await credentialWithList(`http://127.0.0.1:${port}/status/allowed`));
    expect(statusCheck(report)).toMatchObject({ status: 'passed', message: 'The issuer has not revoked this credential.' });
    expect(report.verified).toBe(true);
    const revoked = await apiVerify(await credentialWithList(`http://127.0.0.1:${port}/status/allowed-2`, 7));
    expect(revoked.revoked).toBe(true);
    expect(received).toEqual(['/status/allowed', '/status/allowed-2']);
  });

  it('"localhost" is a name the allow-list must name itself: allowing 127.0.0.1 does not allow it', async () => {
    const report = await apiVerify(await credentialWithList(`http://localhost:${port}/status/by-name`));
    expect(statusCheck(report).message).toContain('because it leads to localhost, a loopback address (this server itself).');
    expect(received).toEqual([]);
  });

  it('a 60 MB status list is dropped at the cap while streaming, and the report says so', async () => {
    const credential = await signCredentialDataIntegrity(
      fullBadge(key.controller, {
        credentialStatus: {
          id: `http://127.0.0.1:${port}/big#3`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: '3',
          statusListCredential: `http://127.0.0.1:${port}/big`,
        },
      }),
      key,
    );
    const report = await apiVerify(credential);
    expect(statusCheck(report).message).toBe(
      `Whether the issuer has revoked this credential could not be checked: microcred stopped reading http://127.0.0.1:${port}/big, because it is larger than 1 MB.`,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(bigFinished).toBe(false);
    expect(bigWritten).toBeLessThan(16 * MB);
  });
});

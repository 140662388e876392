// An existing Open Badges 3.0 credential as prior-learning evidence, through the page:
// verified when added (signature, status list over HTTP, validity dates), its report kept
// with the item and shown to the assessor; revoked, tampered or expired ones refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, type Ed25519KeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity, signCredentialJwt } from '../../src/badges/sign';
import { encodeStatusList } from '../../src/badges/statusList';
import { fullBadge } from '../badges/fixtures';
import { completeDefinition } from '../credentials/fixtures';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { launchAs, type Person, publishCredential, submitForm, text, uploadForm } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let learner: Person;
let teacher: Person;
let key: Ed25519KeyPair;
let statusServer: http.Server;
let statusUrl: string;
let statusList: Record<string, unknown>;
let work: string;

beforeAll(async () => {
  // The issuer's status server below is on loopback, which the fetch guard refuses unless allowed.
  tool = await startTestTool({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  learner = await launchAs(tool, sim, 'learner');
  const credentialId = await publishCredential(tool, teacher, completeDefinition());
  work = `${learner.base}/credentials/${credentialId}/my-work`;
  key = await generateKeyPair();
  // The issuer's status list, served over HTTP as a real issuer would; index 7 is revoked.
  statusServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/vc+ld+json' }).end(JSON.stringify(statusList)));
  await new Promise<void>((r) => statusServer.listen(0, '127.0.0.1', r));
  statusUrl = `http://127.0.0.1:${(statusServer.address() as AddressInfo).port}/status/1`;
  statusList = await signCredentialDataIntegrity(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: statusUrl,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: key.controller,
      validFrom: '2024-01-01T00:00:00Z',
      credentialSubject: { id: `${statusUrl}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encodeStatusList(new Set([7])) },
    },
    key,
  );
  const b = learner.browser;
  await submitForm(tool, b, await b.get(work), /\/start$/);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
  await new Promise((r) => statusServer?.close(r));
});

const badge = (index: number, overrides: Record<string, unknown> = {}) =>
  fullBadge(key.controller, {
    credentialStatus: {
      id: `${statusUrl}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: statusUrl,
    },
    ...overrides,
  });

async function addBadge(fields: Record<string, string>, file?: { filename: string; content: string }) {
  const page = await learner.browser.get(work);
  return uploadForm(tool, learner.browser, page, /\/evidence$/, { kind: 'open-badge', criterionId: 'crit-plan', ...fields }, file);
}

it('accepts a valid signed credential pasted as JSON-LD, and one uploaded as a JWT file', async () => {
  const signed = await signCredentialDataIntegrity(badge(3), key);
  let res = await addBadge({ badge: JSON.stringify(signed) });
  expect(res.status).toBe(200);
  expect(text(res.body)).toContain('Evidence added to your draft.');
  const jwt = await signCredentialJwt(badge(4), key);
  res = await addBadge({ title: 'My JWT badge' }, { filename: 'badge.jwt', content: jwt });
  expect(text(res.body)).toContain('My JWT badge');
  const { rows } = await tool.database.pool.query("SELECT verification FROM evidence_items WHERE kind = 'open-badge' ORDER BY id");
  expect(rows).toHaveLength(2);
  for (const r of rows) {
    expect(r.verification).toMatchObject({ verified: true, revoked: false });
    expect(r.verification.checks.find((c: { id: string }) => c.id === 'status').status).toBe('passed');
  }
});

it('refuses a revoked, a tampered and an expired credential, keeping what was pasted', async () => {
  const revoked = JSON.stringify(await signCredentialDataIntegrity(badge(7), key));
  let res = await addBadge({ badge: revoked });
  expect(res.status).toBe(422);
  expect(text(res.body)).toMatch(/This Open Badge could not be accepted: .*revoked/i);
  expect(res.body).toContain('&#34;statusListIndex&#34;');

  const tampered = await signCredentialDataIntegrity(badge(5), key);
  (tampered.credentialSubject as { achievement: { name: string } }).achievement.name = 'Something grander';
  res = await addBadge({ badge: JSON.stringify(tampered) });
  expect(res.status).toBe(422);
  expect(text(res.body)).toMatch(/signature/i);

  const expired = JSON.stringify(await signCredentialDataIntegrity(badge(6, { validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' }), key));
  res = await addBadge({ badge: expired });
  expect(res.status).toBe(422);
  expect(text(res.body)).toMatch(/expired/i);

  const { rows } = await tool.database.pool.query("SELECT count(*)::int AS n FROM evidence_items WHERE kind = 'open-badge'");
  expect(rows[0].n).toBe(2); // only the two valid ones from the first test
});

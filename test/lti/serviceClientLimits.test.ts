// Answers from an LMS are read with a cap (issue 13, item 2): an LMS that sends a huge or
// endless body (misconfigured, or not the LMS it claims to be) cannot fill the server's
// memory. A loopback server plays the LMS's token endpoint and services.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider } from 'ltijs';
import { LtiServiceClient, ServiceError } from '../../src/lti/serviceClient';

const MB = 1024 * 1024;
let server: http.Server;
let base: string;
let hugeWritten = 0;
let hugeFinished = false;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/token') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"t","expires_in":3600}');
    if (req.url === '/members') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"members":[]}');
    if (req.url === '/no-content') return res.writeHead(204).end();
    // 40 MB of roster, or an endless one: the client must stop reading.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const write = () => {
      while (hugeWritten < 40 * MB) {
        hugeWritten += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      hugeFinished = true;
      res.end();
    };
    res.on('error', () => undefined);
    write();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
/** ltijs, as far as the client uses it: the tool's key for the platform. */
const lti = { getPlatform: async () => ({ platformPrivateKey: async () => privateKey, platformKid: async () => 'kid-1' }) } as unknown as Provider;
const platform = () => ({ id: 1, issuer: base, clientId: 'client', accessTokenUrl: `${base}/token` });

it('reads an ordinary answer, and an empty 204', async () => {
  const client = new LtiServiceClient(lti, { concurrency: 2, timeoutMs: 5000, maxAnswerBytes: MB });
  const res = await client.call(platform(), ['scope'], `${base}/members`);
  expect(await res.json()).toEqual({ members: [] });
  expect((await client.call(platform(), ['scope'], `${base}/no-content`)).status).toBe(204);
});

it('stops reading an answer past the cap and says so; the LMS never finished sending', async () => {
  const client = new LtiServiceClient(lti, { concurrency: 2, timeoutMs: 5000, maxAnswerBytes: MB });
  const error = await client.call(platform(), ['scope'], `${base}/huge`).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ServiceError);
  expect(error).toMatchObject({ message: 'The LMS’s answer was larger than 1 MB, so microcred stopped reading it.', retriable: false });
  await new Promise((r) => setTimeout(r, 100));
  expect(hugeFinished).toBe(false);
  expect(hugeWritten).toBeLessThan(16 * MB);
});

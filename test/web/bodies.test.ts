// Request bodies are read with limits and refused with a clear 4xx (issue 13, item 2):
// malformed, too large (also once decompressed), or in an encoding the parsers do not read.
// Before, anything but "too large" became a 500.
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
beforeAll(async () => {
  tool = await startTestTool();
});
afterAll(() => tool?.stop());

/** A raw POST on its own connection: status, body text. */
function send(path: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const req = http.request(`${tool.base}${path}`, { method: 'POST', agent: false, headers: { 'content-length': String(data.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
const json = { 'content-type': 'application/json', accept: 'application/json' };

it('malformed JSON is a 400 that says so, not a 500', async () => {
  const res = await send('/api/verify', '{"credential": {"broken', json);
  expect(res.status).toBe(400);
  expect(JSON.parse(res.text).error).toMatchObject({ code: 'BODY_UNREADABLE', message: 'What you sent could not be read.' });
});

it('a JSON body over 1 MB is a 413', async () => {
  const res = await send('/api/verify', JSON.stringify({ credential: 'x'.repeat(1100 * 1024) }), json);
  expect(res.status).toBe(413);
  expect(JSON.parse(res.text).error.code).toBe('TOO_LARGE');
});

it('a small gzip body that inflates past the limit is a 413 (the limit counts inflated bytes)', async () => {
  const bomb = gzipSync(Buffer.from(JSON.stringify({ credential: ' '.repeat(50 * 1024 * 1024) })));
  expect(bomb.length).toBeLessThan(100 * 1024);
  const res = await send('/api/verify', bomb, { ...json, 'content-encoding': 'gzip' });
  expect(res.status).toBe(413);
});

it('a broken gzip body is a 400, an unknown encoding or charset a 415', async () => {
  expect((await send('/api/verify', Buffer.from([0x1f, 0x8b, 0, 1, 2]), { ...json, 'content-encoding': 'gzip' })).status).toBe(400);
  const br = await send('/api/verify', '{}', { ...json, 'content-encoding': 'br' });
  expect(br.status).toBe(415);
  expect(JSON.parse(br.text).error.code).toBe('BODY_ENCODING');
  expect((await send('/api/verify', '{}', { 'content-type': 'application/json; charset=latin9', accept: 'application/json' })).status).toBe(415);
});

it('the page form says it in the page’s language', async () => {
  const res = await send('/verify', 'credential=%7B', {
    'content-type': 'application/x-www-form-urlencoded; charset=koi8-r',
    accept: 'text/html',
    'accept-language': 'nl',
  });
  expect(res.status).toBe(415);
  expect(res.text).toContain('Wat je hebt verstuurd, gebruikt een codering die deze site niet leest.');
  expect(res.text).toContain('BODY_ENCODING');
});

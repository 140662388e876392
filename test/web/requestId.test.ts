// The request id (issue 13, item 13): a proxy's X-Request-Id is kept so one id follows a
// request through both logs, but the header is the client's to write, so only a short token
// of safe characters is used; anything else gets a generated id. What the person sees is the
// reference on the error page of an unexpected failure, here a real one: the catalogue's
// table is gone from PostgreSQL while the request runs.
import { requestIdFrom } from '../../src/web/requestId';
import { readableText } from '../support/browser';
import { startTestTool, type TestTool } from '../support/tool';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let tool: TestTool;
beforeAll(async () => {
  tool = await startTestTool();
  await tool.database.pool.query('ALTER TABLE issuer_profile RENAME TO issuer_profile_away');
});
afterAll(async () => {
  await tool?.stop();
});

/** The reference the error page gives for a request sent with these headers. */
async function referenceFor(headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${tool.url}/catalogue`, { headers });
  expect(res.status).toBe(500);
  const text = readableText(await res.text());
  const reference = /give your administrator this reference: (.*?)\. ?Reason code/s.exec(text)?.[1];
  expect(reference).toBeDefined();
  return reference!;
}

describe('the request id on the error page', () => {
  it('is the proxy’s X-Request-Id when it is a short token', async () => {
    for (const id of ['b7c1e0d2-4f7a-4c53-9a8e-0d7f5c2b9e11', '9f86d081884c7d659a2feaa0c55ad015', 'req_01.HX-7'])
      expect(await referenceFor({ 'x-request-id': id })).toBe(id);
  });

  it('is generated for a hostile X-Request-Id: markup, 10 KB, spaces, non-ASCII, two headers', async () => {
    const hostile = [
      '<script>alert(1)</script>',
      'a'.repeat(10 * 1024),
      'x'.repeat(65),
      'id with spaces',
      'id\twith\ttab',
      'caf\u00e9',
      '../../etc/passwd?',
      '',
    ];
    const seen = new Set<string>();
    for (const value of hostile) {
      const reference = await referenceFor({ 'x-request-id': value });
      expect({ value: value.slice(0, 40), reference }).toEqual({ value: value.slice(0, 40), reference: expect.stringMatching(UUID) });
      seen.add(reference);
    }
    // Two X-Request-Id headers arrive joined ("a, b"): not a token either.
    const both = new Headers();
    both.append('x-request-id', 'aaa');
    both.append('x-request-id', 'bbb');
    const res = await fetch(`${tool.url}/catalogue`, { headers: both });
    expect(readableText(await res.text())).toMatch(/this reference: [0-9a-f-]{36}\./);
    // A fresh id each time, not one shared fallback.
    expect(seen.size).toBe(hostile.length);
  });

  it('is generated when there is no X-Request-Id', async () => {
    expect(await referenceFor({})).toMatch(UUID);
  });
});

describe('requestIdFrom', () => {
  it('refuses what HTTP cannot carry but a proxy or a log line might: line breaks, control characters, non-strings', () => {
    for (const value of ['abc\ndef', 'abc\r\n{"level":60}', 'abc\u0000', ['abc'], 42, undefined]) expect(requestIdFrom(value)).toMatch(UUID);
    expect(requestIdFrom('abc-123')).toBe('abc-123');
  });
});

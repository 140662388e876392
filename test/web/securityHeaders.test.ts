// Strict-Transport-Security (issue 13, item 11): in production, once browsers reach the tool
// over https, they must never again be sent to it over plain http. Real HTTP throughout: a
// whole production server (one per test process: ltijs is a singleton), and the header
// middleware on its own express server for every combination of mode, PUBLIC_URL and proxy.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { securityHeaders } from '../../src/web/security';
import { startTestTool, type TestTool } from '../support/tool';

const ONE_YEAR = 365 * 24 * 60 * 60;

/** The HSTS header of a few kinds of response: a page, a public JSON document, a 404. */
async function hstsOf(url: string, headers: Record<string, string> = {}): Promise<(string | null)[]> {
  return Promise.all(
    ['/', '/catalogue.json', '/no-such-page'].map(async (path) => (await fetch(`${url}${path}`, { headers })).headers.get('strict-transport-security')),
  );
}

describe('a production server whose PUBLIC_URL is https', () => {
  let tool: TestTool;
  beforeAll(async () => {
    tool = await startTestTool({ NODE_ENV: 'production', PUBLIC_URL: 'https://microcred.example.edu' });
  });
  afterAll(() => tool?.stop());

  it('sends Strict-Transport-Security on every response: a year, and not for other hosts of the institution', async () => {
    for (const value of await hstsOf(tool.url)) {
      expect(value).not.toBeNull();
      expect(Number(/max-age=(\d+)/.exec(value!)?.[1])).toBeGreaterThanOrEqual(ONE_YEAR);
      expect(value).not.toMatch(/includeSubDomains|preload/i);
    }
  });
});

describe('securityHeaders(): when Strict-Transport-Security is sent', () => {
  /** An express server with only the header middleware, behind a (loopback) proxy as in production. */
  async function serve(options: { production: boolean; publicUrl: string }) {
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(securityHeaders(() => [], options));
    app.get('*', (_req, res) => res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const hsts = async (headers: Record<string, string> = {}) => (await fetch(`${url}/`, { headers })).headers.get('strict-transport-security');
    try {
      return { plain: await hsts(), forwardedHttps: await hsts({ 'x-forwarded-proto': 'https' }) };
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('in production with an https PUBLIC_URL: always (browsers ignore it over plain http anyway)', async () => {
    const seen = await serve({ production: true, publicUrl: 'https://microcred.example.edu' });
    expect(seen.plain).toMatch(/^max-age=\d+$/);
    expect(seen.forwardedHttps).toMatch(/^max-age=\d+$/);
  });

  it('in production with an http PUBLIC_URL: only when the request came over https through a trusted proxy', async () => {
    expect(await serve({ production: true, publicUrl: 'http://microcred.internal.example' })).toEqual({
      plain: null,
      forwardedHttps: expect.stringMatching(/^max-age=\d+$/),
    });
  });

  it('outside production: never, even over https', async () => {
    expect(await serve({ production: false, publicUrl: 'https://microcred.example.edu' })).toEqual({ plain: null, forwardedHttps: null });
  });
});

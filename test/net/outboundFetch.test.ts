// The outbound fetcher against real HTTP servers on loopback. Loopback is what the guard
// refuses, so these servers stand for "an internal host": reached only when allowed, and
// otherwise never contacted (each server counts its requests). Names are answered by a
// resolver stub, as a hostile DNS server would answer them: no query leaves the machine.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AllowList, parseAllowList } from '../../src/net/addresses';
import { OutboundFetchError, OutboundFetcher, type OutboundFetcherOptions, type Resolver, ttlOf } from '../../src/net/outboundFetch';

const MB = 1024 * 1024;

interface TestServer {
  port: number;
  requests: string[];
  /** Bytes of /big written before the client went away. */
  bigWritten: number;
  bigFinished: boolean;
  holding: http.ServerResponse[];
  active: number;
  peak: number;
  close(): Promise<void>;
}

async function startServer(): Promise<TestServer> {
  const state: TestServer = { port: 0, requests: [], bigWritten: 0, bigFinished: false, holding: [], active: 0, peak: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    state.requests.push(req.url ?? '');
    state.active++;
    state.peak = Math.max(state.peak, state.active);
    res.on('close', () => state.active--);
    const url = req.url ?? '/';
    if (url.startsWith('/ok')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (url === '/no-store') return res.writeHead(200, { 'cache-control': 'no-store' }).end('fresh');
    if (url === '/missing') return res.writeHead(404).end('not here');
    if (url === '/redirect') return res.writeHead(302, { location: '/ok-after-redirect' }).end();
    if (url === '/declared-big') return res.writeHead(200, { 'content-length': String(100 * MB) }).end();
    if (url === '/never') return; // no answer at all
    if (url.startsWith('/hold')) return void state.holding.push(res);
    if (url === '/big') {
      // 60 MB, written as fast as the client reads.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = () => {
        while (state.bigWritten < 60 * MB) {
          state.bigWritten += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        state.bigFinished = true;
        res.end();
      };
      res.on('error', () => undefined);
      return write();
    }
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((r) => {
      for (const res of state.holding) res.destroy();
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(() => server.close());

const allow = (text: string) => async () => new AllowList(parseAllowList(text).entries);
const fetcher = (options: Partial<OutboundFetcherOptions> = {}) => new OutboundFetcher({ production: false, allowList: allow(''), ...options });

async function problemOf(work: Promise<unknown>) {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(OutboundFetchError);
    return (error as OutboundFetchError).problem;
  }
  throw new Error('expected the fetch to fail');
}

describe('refusals before connecting', () => {
  it.each(['127.0.0.1', 'localhost', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', '[::1]', 'LOCALHOST.'])(
    'http://%s:<port> is refused and the server never hears of it',
    async (host) => {
      const url = `http://${host}:${server.port}/ok`;
      const problem = await problemOf(fetcher().get(url));
      expect(problem).toMatchObject({ code: 'address', kind: 'loopback' });
      expect(server.requests).toEqual([]);
    },
  );

  it('says what was refused and why, in a sentence', async () => {
    const error = await fetcher()
      .get(`http://2130706433:${server.port}/status/1`)
      .catch((e: OutboundFetchError) => e);
    expect((error as OutboundFetchError).message).toBe(
      `microcred did not fetch http://127.0.0.1:${server.port}/status/1, because it leads to 127.0.0.1, a loopback address (this server itself).`,
    );
    expect((error as OutboundFetchError).refused).toBe(true);
  });

  it('refuses non-web schemes, user names in URLs and text that is no URL', async () => {
    expect(await problemOf(fetcher().get('file:///etc/passwd'))).toEqual({ code: 'scheme', production: false });
    expect(await problemOf(fetcher().get('gopher://example.com/'))).toEqual({ code: 'scheme', production: false });
    expect(await problemOf(fetcher({ allowList: allow('127.0.0.1') }).get(`http://user:secret@127.0.0.1:${server.port}/ok`))).toEqual({
      code: 'credentials-in-url',
    });
    expect(await problemOf(fetcher().get('not a url'))).toEqual({ code: 'invalid-url' });
    expect(server.requests).toEqual([]);
  });

  it('a cloud metadata address is refused even when an allow-list range covers it', async () => {
    const f = fetcher({ allowList: allow('169.254.0.0/16'), resolve: async () => [{ address: '169.254.169.254', family: 4 }] });
    expect(await problemOf(f.get('http://169.254.169.254/latest/meta-data/'))).toMatchObject({ code: 'address', kind: 'metadata' });
    expect(await problemOf(f.get('https://metadata.google.internal/computeMetadata/v1/'))).toMatchObject({ code: 'address', kind: 'metadata' });
    expect(await problemOf(f.get('https://innocent.example/'))).toMatchObject({ code: 'address', kind: 'metadata' });
  });

  it('in production, plain http is refused even to an allowed host', async () => {
    const f = fetcher({ production: true, allowList: allow('127.0.0.1') });
    expect(await problemOf(f.get(`http://127.0.0.1:${server.port}/ok`))).toEqual({ code: 'scheme', production: true });
    expect(server.requests).toEqual([]);
  });

  it('outside production, plain http goes only to allowed hosts', async () => {
    const f = fetcher({ resolve: async () => [{ address: '93.184.216.34', family: 4 }] });
    expect(await problemOf(f.get('http://93.184.216.34/status'))).toEqual({ code: 'scheme', production: false });
    expect(await problemOf(f.get('http://public.example/status'))).toEqual({ code: 'scheme', production: false });
  });
});

describe('names and DNS', () => {
  it('a name that resolves to an internal address is refused after the lookup', async () => {
    const resolve: Resolver = async () => [{ address: '10.1.2.3', family: 4 }];
    expect(await problemOf(fetcher({ resolve }).get('https://intranet.example/status'))).toEqual({ code: 'address', kind: 'private', target: '10.1.2.3' });
  });

  it('a name with one internal address among public ones is refused', async () => {
    const resolve: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '::ffff:127.0.0.1', family: 6 },
    ];
    expect(await problemOf(fetcher({ resolve }).get(`https://mixed.example:${server.port}/ok`))).toMatchObject({ code: 'address', kind: 'loopback' });
    expect(server.requests).toEqual([]);
  });

  it('DNS rebinding: public at the check, loopback at connect time → refused when connecting, nothing sent', async () => {
    const answers = ['93.184.216.34', '127.0.0.1'];
    const asked: string[] = [];
    const resolve: Resolver = async (name) => {
      asked.push(name);
      const address = answers[Math.min(asked.length - 1, answers.length - 1)];
      return [{ address, family: 4 }];
    };
    const f = fetcher({ resolve });
    const problem = await problemOf(f.get(`https://rebind.example:${server.port}/ok`));
    expect(problem).toEqual({ code: 'address', kind: 'loopback', target: '127.0.0.1' });
    // Asked twice: once by the check, once by the connection itself, which refused.
    expect(asked).toEqual(['rebind.example', 'rebind.example']);
    expect(f.requests).toBe(1);
    expect(server.requests).toEqual([]);
  });

  it('an allowed name reaches its internal address through the guarded lookup', async () => {
    const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const res = await fetcher({ resolve, allowList: allow('badges.campus.test') }).get(`http://badges.campus.test:${server.port}/ok`);
    expect(res.body.toString()).toBe('{"ok":true}');
    expect(server.requests).toEqual(['/ok']);
  });

  it('a name whose addresses are all in an allowed range may use http outside production', async () => {
    const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const res = await fetcher({ resolve, allowList: allow('127.0.0.0/8') }).get(`http://status.campus.test:${server.port}/ok`);
    expect(res.status).toBe(200);
  });

  it('a name that does not resolve is reported as not found', async () => {
    const resolve: Resolver = async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    expect(await problemOf(fetcher({ resolve }).get('https://nowhere.example/'))).toEqual({ code: 'unresolvable', host: 'nowhere.example' });
  });
});

describe('an allowed internal host', () => {
  const open = (options: Partial<OutboundFetcherOptions> = {}) => fetcher({ allowList: allow('127.0.0.1'), ...options });

  it('is fetched', async () => {
    const res = await open().get(`http://127.0.0.1:${server.port}/ok`);
    expect(res).toMatchObject({ status: 200, contentType: 'application/json', fromCache: false });
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true });
  });

  it('the allow-list is read for every fetch: removing an entry takes effect at once', async () => {
    let text = '127.0.0.1';
    const f = fetcher({ allowList: async () => new AllowList(parseAllowList(text).entries) });
    await f.get(`http://127.0.0.1:${server.port}/ok`);
    text = '';
    expect(await problemOf(f.get(`http://127.0.0.1:${server.port}/ok`))).toMatchObject({ code: 'address', kind: 'loopback' });
    expect(server.requests).toEqual(['/ok']);
  });

  it('a redirect is not followed', async () => {
    expect(await problemOf(open().get(`http://127.0.0.1:${server.port}/redirect`))).toEqual({ code: 'redirect' });
    expect(server.requests).toEqual(['/redirect']);
  });

  it('an error status is an error for get(), and an answer for fetch()', async () => {
    expect(await problemOf(open().get(`http://127.0.0.1:${server.port}/missing`))).toEqual({ code: 'http-status', status: 404 });
    const res = await open().fetch(`http://127.0.0.1:${server.port}/missing`);
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('not here');
  });

  it('a 60 MB answer is dropped at the 2 MB cap while streaming, long before the server finished', async () => {
    const f = open();
    expect(await problemOf(f.get(`http://127.0.0.1:${server.port}/big`))).toEqual({ code: 'too-large', limit: 2 * MB });
    await new Promise((r) => setTimeout(r, 100));
    expect(server.bigFinished).toBe(false);
    // What was written: the cap plus what the socket buffers held, far from 60 MB.
    expect(server.bigWritten).toBeLessThan(16 * MB);
  });

  it('a declared Content-Length over the cap is refused before reading', async () => {
    expect(await problemOf(open({ maxBytes: MB }).get(`http://127.0.0.1:${server.port}/declared-big`))).toEqual({ code: 'too-large', limit: MB });
  });

  it('a server that never answers runs into the deadline', async () => {
    expect(await problemOf(open({ timeoutMs: 300 }).get(`http://127.0.0.1:${server.port}/never`))).toEqual({ code: 'timeout', seconds: 0.3 });
  });

  it('a closed port is unreachable', async () => {
    const closed = await startServer();
    await closed.close();
    expect(await problemOf(open().get(`http://127.0.0.1:${closed.port}/ok`))).toEqual({ code: 'unreachable', detail: 'ECONNREFUSED' });
  });
});

describe('cache and concurrency', () => {
  const open = (options: Partial<OutboundFetcherOptions> = {}) => fetcher({ allowList: allow('127.0.0.1'), ...options });

  it('a recent answer is served from the cache; no-store is fetched every time', async () => {
    const f = open();
    await f.get(`http://127.0.0.1:${server.port}/ok`);
    const again = await f.get(`http://127.0.0.1:${server.port}/ok`);
    expect(again.fromCache).toBe(true);
    await f.get(`http://127.0.0.1:${server.port}/no-store`);
    await f.get(`http://127.0.0.1:${server.port}/no-store`);
    expect(server.requests).toEqual(['/ok', '/no-store', '/no-store']);
  });

  it('a cached answer is not served once the allow-list no longer allows its host', async () => {
    let text = '127.0.0.1';
    const f = fetcher({ allowList: async () => new AllowList(parseAllowList(text).entries) });
    await f.get(`http://127.0.0.1:${server.port}/ok`);
    text = '';
    expect(await problemOf(f.get(`http://127.0.0.1:${server.port}/ok`))).toMatchObject({ code: 'address' });
  });

  it('identical requests in flight share one fetch', async () => {
    const f = open();
    const all = Promise.all([1, 2, 3].map(() => f.get(`http://127.0.0.1:${server.port}/hold`)));
    while (server.holding.length < 1) await new Promise((r) => setTimeout(r, 10));
    server.holding[0].writeHead(200).end('held');
    expect((await all).map((r) => r.body.toString())).toEqual(['held', 'held', 'held']);
    expect(server.requests).toEqual(['/hold']);
  });

  it('runs at most `concurrency` fetches at once, queues a few, refuses the rest as busy', async () => {
    const f = open({ concurrency: 2, queue: 1 });
    const urls = [1, 2, 3, 4].map((i) => `http://127.0.0.1:${server.port}/hold?${i}`);
    const results = urls.map((u) =>
      f.get(u).then(
        (r) => r.body.toString(),
        (e: OutboundFetchError) => e.problem.code,
      ),
    );
    expect(await results[3]).toBe('busy');
    while (server.holding.length < 2) await new Promise((r) => setTimeout(r, 10));
    // The third waits for a slot: the server has seen only two.
    expect(server.requests).toHaveLength(2);
    for (const res of server.holding.splice(0)) res.writeHead(200).end('done');
    while (server.holding.length < 1) await new Promise((r) => setTimeout(r, 10));
    server.holding[0].writeHead(200).end('done');
    expect(await Promise.all(results)).toEqual(['done', 'done', 'done', 'busy']);
    expect(f.peakConcurrency).toBe(2);
    expect(server.peak).toBe(2);
  });
});

describe('ttlOf (Cache-Control)', () => {
  it.each([
    [undefined, 60_000],
    ['max-age=30', 30_000],
    ['public, max-age=60, must-revalidate', 60_000],
    ['max-age=86400', 300_000],
    ['no-store', 0],
    ['no-cache', 0],
    ['max-age=0', 0],
  ])('%s → %i ms', (header, ms) => {
    expect(ttlOf(header, 60_000, 300_000)).toBe(ms);
  });
});

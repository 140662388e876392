// A round-robin HTTP load balancer for tests and benches of several tool processes: each
// request goes to the next live node, with no sticky sessions, so a launch's steps and a
// page's requests land on any node. It keeps the Host header of the public address.
import http from 'node:http';

export interface Balancer {
  url: string;
  /** The node URLs requests go to; a node marked down gets none. */
  nodes: string[];
  down: Set<number>;
  /** Requests sent to each node. */
  served: number[];
  close(): Promise<void>;
}

export async function startBalancer(port: number): Promise<Balancer> {
  const url = `http://127.0.0.1:${port}`;
  let next = 0;
  const b: Balancer = {
    url,
    nodes: [],
    down: new Set(),
    served: [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const live = b.nodes.map((n, i) => i).filter((i) => !b.down.has(i));
    if (live.length === 0) {
      res.writeHead(503);
      return res.end();
    }
    const i = live[next++ % live.length];
    b.served[i] = (b.served[i] ?? 0) + 1;
    const target = new URL(b.nodes[i]);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${port}` } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return b;
}

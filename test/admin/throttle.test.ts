// The admin sign-in throttle counts failures in PostgreSQL (rate_limit_counters), so two tool
// processes share one count: a guesser gets `max` tries in a window, not `max` per process.
import { LoginThrottle } from '../../src/admin/throttle';
import { RateLimits } from '../../src/db/rateLimits';
import { startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
beforeAll(async () => {
  tool = await startTestTool();
});
afterAll(() => tool?.stop());

let now = Date.UTC(2026, 11, 7, 12, 0, 5);
const clock = () => now;
/** Two processes: two throttles, two connection pools' worth of stores, one database. */
const twoProcesses = (prefix: string, max: number) => [
  new LoginThrottle(new RateLimits(tool.database.db), max, 60_000, clock, prefix),
  new LoginThrottle(new RateLimits(tool.database.db), max, 60_000, clock, prefix),
];

it('lets five failures through across both processes, then asks to wait until the window ends', async () => {
  const [a, b] = twoProcesses('t1', 5);
  for (let i = 0; i < 5; i++) {
    const here = i % 2 === 0 ? a : b;
    expect(await here.retryAfter(['email:a'])).toBe(0);
    await here.fail(['email:a']);
    now += 1000;
  }
  // Failures at 12:00:05..09 in the window 12:00:00–12:01:00; now = 12:00:10.
  expect(await a.retryAfter(['email:a'])).toBe(50_000);
  expect(await b.retryAfter(['email:a'])).toBe(50_000);
  expect(await b.retryAfter(['email:b'])).toBe(0);
  now += 50_000;
  expect(await a.retryAfter(['email:a'])).toBe(0);
});

it('counts a concurrent burst of failures exactly', async () => {
  const [a, b] = twoProcesses('t2', 10);
  await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).fail(['ip:9'])));
  expect(await a.retryAfter(['ip:9'])).toBeGreaterThan(0);
});

it('counts per key, so one address guessing many emails is slowed too', async () => {
  const [a, b] = twoProcesses('t3', 3);
  for (const e of ['x', 'y', 'z']) await (e === 'y' ? b : a).fail(['ip:1', `email:${e}`]);
  expect(await b.retryAfter(['ip:1', 'email:new'])).toBeGreaterThan(0);
  expect(await a.retryAfter(['ip:2', 'email:new'])).toBe(0);
});

it('forgets failures after a success in any process, and keeps prefixes apart', async () => {
  const [a, b] = twoProcesses('t4', 2);
  await a.fail(['email:a']);
  await b.succeed(['email:a']);
  await a.fail(['email:a']);
  expect(await b.retryAfter(['email:a'])).toBe(0);
  const [other] = twoProcesses('t4-other', 1);
  expect(await other.retryAfter(['email:a'])).toBe(0);
});

// The PostgreSQL rate limit (src/db/rateLimits.ts): counted by the database, so concurrent
// requests (from any number of processes) cannot slip past the limit, and windows roll over.
import { RateLimits } from '../../src/db/rateLimits';
import { startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
beforeAll(async () => {
  tool = await startTestTool();
});
afterAll(() => tool?.stop());

it('lets exactly max requests of a concurrent burst through, per key and window', async () => {
  const limits = new RateLimits(tool.database.db);
  const limit = { max: 5, windowSeconds: 60 };
  const now = Date.UTC(2026, 11, 7, 12, 0, 10);
  const waits = await Promise.all(Array.from({ length: 20 }, () => limits.hit([{ key: 'burst', limit }], now)));
  expect(waits.filter((w) => w === 0)).toHaveLength(5);
  // The rest are told to wait until the window ends (50 s from 12:00:10).
  expect(new Set(waits.filter((w) => w > 0))).toEqual(new Set([50]));
  // Another key has its own count; the next window starts afresh.
  expect(await limits.hit([{ key: 'other', limit }], now)).toBe(0);
  expect(await limits.hit([{ key: 'burst', limit }], now + 60_000)).toBe(0);
  // Any key over its limit makes the request wait.
  expect(
    await limits.hit(
      [
        { key: 'fresh', limit },
        { key: 'burst', limit },
      ],
      now,
    ),
  ).toBe(50);
});

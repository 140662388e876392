// Slots: at most `limit` at once, a bounded queue, and a released slot handed to the first
// in line, so work arriving at that moment cannot slip past the limit.
import { QueueFullError, Slots, WaitAbortedError } from '../src/concurrency';

const tick = () => new Promise((r) => setImmediate(r));

it('runs at most `limit` at once, hands a freed slot to the first in line, refuses beyond the queue', async () => {
  const slots = new Slots(2, 2);
  const got: string[] = [];
  const take = (name: string) => slots.acquire().then((release) => (got.push(name), release));
  const r1 = await take('a');
  const r2 = await take('b');
  const c = take('c');
  const d = take('d');
  await expect(take('e')).rejects.toBeInstanceOf(QueueFullError);
  r1();
  // Arrives the moment a slot frees: it must wait behind d, not take c's slot.
  const late = take('late');
  const r3 = await c;
  await tick();
  expect(got).toEqual(['a', 'b', 'c']);
  r2();
  const r4 = await d;
  await tick();
  expect(got).toEqual(['a', 'b', 'c', 'd']);
  r3();
  (await late)();
  r4();
  expect(got).toEqual(['a', 'b', 'c', 'd', 'late']);
  expect(slots.peak).toBe(2);
});

it('a waiter whose signal fires leaves the queue', async () => {
  const slots = new Slots(1, 5);
  const release = await slots.acquire();
  const controller = new AbortController();
  const waiting = slots.acquire(controller.signal);
  controller.abort();
  await expect(waiting).rejects.toBeInstanceOf(WaitAbortedError);
  release();
  // The slot is free again, not handed to the one that gave up.
  const again = await slots.acquire();
  again();
  again(); // a second release changes nothing
  expect(slots.peak).toBe(1);
  await slots.run(async () => expect(slots.peak).toBe(1));
});

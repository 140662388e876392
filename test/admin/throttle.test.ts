import { LoginThrottle } from '../../src/admin/throttle';

describe('LoginThrottle', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('lets five failures through, then asks to wait until the oldest one leaves the window', () => {
    const t = new LoginThrottle(5, 60_000, clock);
    for (let i = 0; i < 5; i++) {
      expect(t.retryAfter(['email:a'])).toBe(0);
      t.fail(['email:a']);
      now += 1000;
    }
    // Failures at 0..4 s; now = 5 s; the first leaves the window at 60 s.
    expect(t.retryAfter(['email:a'])).toBe(55_000);
    expect(t.retryAfter(['email:b'])).toBe(0);
    now += 55_001;
    expect(t.retryAfter(['email:a'])).toBe(0);
  });

  it('counts per key, so one address guessing many emails is slowed too', () => {
    const t = new LoginThrottle(3, 60_000, clock);
    for (const e of ['x', 'y', 'z']) t.fail(['ip:1', `email:${e}`]);
    expect(t.retryAfter(['ip:1', 'email:new'])).toBeGreaterThan(0);
    expect(t.retryAfter(['ip:2', 'email:new'])).toBe(0);
  });

  it('forgets failures after a success', () => {
    const t = new LoginThrottle(2, 60_000, clock);
    t.fail(['email:a']);
    t.succeed(['email:a']);
    t.fail(['email:a']);
    expect(t.retryAfter(['email:a'])).toBe(0);
  });
});

import { RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { leasing } from '../../src/limits/allowance.ts';
import type { Limiter } from '../../src/limits/limiters.ts';

/** A shared counter like the PostgreSQL/Redis stores: consume adds, answers the count after, rejects over `points`. */
function fakeStore(points: number, windowMs: number, clock: { now: number }) {
  const counts = new Map<string, { points: number; expire: number }>();
  let roundTrips = 0;
  const bump = (key: string, n: number) => {
    let row = counts.get(key);
    if (!row || row.expire <= clock.now) counts.set(key, (row = { points: 0, expire: clock.now + windowMs }));
    row.points += n;
    return new RateLimiterRes(Math.max(0, points - row.points), row.expire - clock.now, row.points, row.points === n);
  };
  const limiter: Limiter = {
    points,
    consume: async (key, n = 1) => {
      roundTrips++;
      await new Promise((resolve) => setImmediate(resolve));
      const res = bump(key, n);
      if (res.consumedPoints > points) throw res;
      return res;
    },
    penalty: async (key, n = 1) => {
      roundTrips++;
      return bump(key, n);
    },
    get: async (key) => {
      const row = counts.get(key);
      return row ? new RateLimiterRes(Math.max(0, points - row.points), row.expire - clock.now, row.points, false) : null;
    },
  };
  return { limiter, roundTrips: () => roundTrips, count: (key: string) => counts.get(key)?.points ?? 0 };
}

async function settle(p: Promise<RateLimiterRes>): Promise<{ ok: boolean; res: RateLimiterRes }> {
  try {
    return { ok: true, res: await p };
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    return { ok: false, res: error };
  }
}

describe('leased rate-limit units (limits/allowance.ts)', () => {
  it('one round trip per request for a client that is not busy, exactly as the store counts', async () => {
    const clock = { now: 1_000_000 };
    const store = fakeStore(5, 60_000, clock);
    const limiter = leasing(store.limiter, () => clock.now);
    const remaining = [];
    for (let i = 0; i < 7; i++) {
      clock.now += 1_000; // one request a second
      const { ok, res } = await settle(limiter.consume('c'));
      remaining.push(ok ? res.remainingPoints : 'x');
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0, 'x', 'x']);
    expect(store.count('c')).toBe(7);
  });

  it('a client below 100 requests a second still takes one unit per round trip: the store counts exactly what was handed out', async () => {
    const clock = { now: 1_000_000 };
    const store = fakeStore(10_000, 60_000, clock);
    const limiter = leasing(store.limiter, () => clock.now);
    for (let i = 1; i <= 100; i++) {
      clock.now += 20; // 50 requests a second
      const res = await limiter.consume('c');
      expect(res.remainingPoints).toBe(10_000 - store.count('c'));
    }
    expect(store.roundTrips()).toBe(100);
  });

  it('under concurrent load from three processes: exactly `points` succeed, every Remaining value once, far fewer round trips', async () => {
    const clock = { now: 1_000_000 };
    const store = fakeStore(1_000, 60_000, clock);
    const processes = [0, 1, 2].map(() => leasing(store.limiter, () => clock.now));
    const outcomes: { ok: boolean; res: RateLimiterRes }[] = [];
    // 30 clients' worth of concurrency, 3,000 requests, the clock moving 0.1 ms per request.
    let next = 0;
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (next < 3_000) {
          const i = next++;
          clock.now += 0.1;
          outcomes[i] = await settle(processes[i % 3]!.consume('c'));
        }
      }),
    );
    const ok = outcomes.filter((o) => o.ok);
    expect(ok).toHaveLength(1_000);
    expect(ok.map((o) => o.res.remainingPoints).sort((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    for (const o of outcomes.filter((o) => !o.ok)) expect(o.res.remainingPoints).toBe(0);
    expect(store.roundTrips()).toBeLessThan(600);
  });

  it('never hands out a position twice or beyond the budget, whatever the interleaving', async () => {
    for (const points of [1, 3, 17, 100]) {
      const clock = { now: 1_000_000 };
      const store = fakeStore(points, 60_000, clock);
      const processes = [0, 1].map(() => leasing(store.limiter, () => clock.now));
      const results = await Promise.all(Array.from({ length: points * 3 }, (_, i) => settle(processes[i % 2]!.consume('c'))));
      const positions = results.filter((r) => r.ok).map((r) => r.res.consumedPoints);
      expect(new Set(positions).size, `points ${points}`).toBe(positions.length);
      expect(Math.max(...positions), `points ${points}`).toBeLessThanOrEqual(points);
      expect(positions.length, `points ${points}`).toBe(points);
    }
  });

  it('takes the extra units of a slow request from its lease, so Remaining keeps counting down', async () => {
    const clock = { now: 1_000_000 };
    const store = fakeStore(10_000, 60_000, clock);
    const limiter = leasing(store.limiter, () => clock.now);
    // A busy client: leases grow.
    for (let i = 0; i < 40; i++) await limiter.consume('c');
    const before = (await limiter.consume('c')).remainingPoints;
    const after = await limiter.penalty('c', 2);
    expect(after.remainingPoints).toBe(before - 2);
    expect((await limiter.consume('c')).remainingPoints).toBe(before - 3);
  });

  it('tryConsume hands out units this process holds without waiting, in the order consume would, and nothing else', async () => {
    const clock = { now: 1_000_000 };
    const store = fakeStore(10_000, 60_000, clock);
    const limiter = leasing(store.limiter, () => clock.now);
    expect(limiter.tryConsume!('c')).toBeUndefined();
    for (let i = 0; i < 40; i++) await limiter.consume('c');
    const trips = store.roundTrips();
    const first = limiter.tryConsume!('c')!.remainingPoints;
    const more = [1, 2, 3].map(() => limiter.tryConsume!('c')!.remainingPoints);
    expect(more).toEqual([first - 1, first - 2, first - 3]);
    expect((await limiter.consume('c')).remainingPoints).toBe(first - 4);
    expect(store.roundTrips()).toBe(trips);
    expect(limiter.tryConsume!('other')).toBeUndefined();
  });

  it('drops a lease when its window ends: the next request starts the new window', async () => {
    const clock = { now: 1_000_000 };
    const store = fakeStore(10_000, 60_000, clock);
    const limiter = leasing(store.limiter, () => clock.now);
    for (let i = 0; i < 40; i++) await limiter.consume('c');
    clock.now += 60_001;
    const res = await limiter.consume('c');
    expect(res.remainingPoints).toBe(9_999);
    expect(res.msBeforeNext).toBe(60_000);
  });
});

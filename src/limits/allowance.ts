import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Limiter } from './limiters.ts';

/*
 * Only leasing lives here; everything else about limits is rate-limiter-flexible's own (limiters.ts):
 * windows and counting in Redis or PostgreSQL, the in-process insurance limiter when the store fails,
 * answering 429 from memory once a bucket is over (`inMemoryBlockOnConsumed`), penalties.
 * Why leasing is ours: every `consume` of rate-limiter-flexible is one store round trip, and it has no
 * way to take several units at once and hand them out locally one by one (its RateLimiterQueue waits for
 * units, BurstyRateLimiter adds a second bucket; both still ask the store per request). The round trip
 * is what this saves (see `leasing`).
 */

/** Largest number of units one process takes from the shared counter in one round trip. */
const MAX_LEASE = 256;
/**
 * Units per ms (100 requests a second to this process) from which a client is busy and gets leases;
 * below it, one unit per round trip, so the store's count is exactly what was handed out.
 */
const BUSY_RATE = 0.1;
/**
 * A busy client's lease is sized to last about this long at the rate it is using its current one: ~10
 * store round trips a second per process. With 20 ms (~50 a second) the round trips' own CPU, in this
 * process and in PostgreSQL, took a few per cent off the throughput of a cheap GET (bench `limiter`).
 */
const LEASE_MS = 100;
/** A lease never exceeds 1/16 of what is left in the window, so little can stay unused at its end. */
const SHARE_OF_REMAINING = 16;

interface Waiter {
  resolve(res: RateLimiterRes): void;
  reject(reason: unknown): void;
}

interface Range {
  /** Next count position to hand out and the last one of this lease (both ≤ points). */
  next: number;
  end: number;
  /** When the window of these positions ends (ms since the epoch): they are void after it. */
  expiresAt: number;
}

interface KeyState {
  /** Leased positions not handed out yet, oldest lease first (at most two: the current and the next). */
  ranges: Range[];
  /** Units asked for in the last lease, when it arrived, and how many were handed out since. */
  size: number;
  leasedAt: number;
  handed: number;
  /** The shared count after the last lease or penalty. */
  total: number;
  waiting: Waiter[];
  busy: boolean;
}

/**
 * The per-client limiter on a shared store (PostgreSQL, Redis) with fewer round trips. Each unit of the
 * budget is a position in the client's count for the window (1…points); `Remaining` = points − position.
 * A process takes positions from the store in leases: one consume of `size` units returns the count
 * after it, so the positions (count − size, count] are this process's to hand out, locally, in order.
 * No position is ever handed out twice, in this process or another, and none beyond `points`: the
 * budget stays exact, and concurrent requests of one client still get distinct `Remaining` values.
 *
 * The lease size adapts per client: 1 (one round trip per request) below 100 requests a second to this
 * process; above, what the client uses in 100 ms, going by how fast it is using its current lease — at
 * most 256, and never more than 1/16 of what is left in the window (at most 18 with the default budget
 * of 300 a minute). A busy client's next lease is asked for when half of the current one is handed
 * out, so its requests do not wait for the store at all; requests that do wait (a slow client, or one
 * that outran its leases) share one round trip. What leasing gives up: units a process leased but did
 * not hand out before the window ends are not used by anyone — at most what it leased last, itself at
 * most 1/16 of what was left — and while a process holds leased units, the store's count runs ahead of
 * the positions handed out.
 *
 * Why: each store round trip costs the server about as much CPU as the rest of a cheap authenticated
 * GET (profiled on PostgreSQL: ~150 µs of ~300 µs), so one per request capped such a route at ~0.6–0.8
 * of its speed without the limiter. Memory stores (one process) need none of this.
 */
export function leasing(inner: Limiter, now: () => number = Date.now): Limiter {
  const states = new Map<string, KeyState>();
  const points = inner.points;

  const positionRes = (range: Range, position: number, at: number) =>
    new RateLimiterRes(Math.max(0, points - position), Math.max(0, range.expiresAt - at), position, false);

  /** The next position this process holds for the key, or undefined; asks for the next lease early. */
  const take = (key: string, state: KeyState, at: number): RateLimiterRes | undefined => {
    while (state.ranges.length > 0 && (at >= state.ranges[0]!.expiresAt || state.ranges[0]!.next > state.ranges[0]!.end)) state.ranges.shift();
    const range = state.ranges[0];
    if (!range) return undefined;
    const res = positionRes(range, range.next++, at);
    state.handed++;
    if (!state.busy && state.size > 1 && held(state) <= state.size / 2) lease(key, state);
    return res;
  };

  const held = (state: KeyState) => state.ranges.reduce((sum, r) => sum + Math.max(0, r.end - r.next + 1), 0);

  /** Serves waiting requests from the positions this process holds; leases more when they run out. */
  const pump = (key: string, state: KeyState) => {
    while (state.waiting.length > 0) {
      const res = take(key, state, now());
      if (!res) break;
      state.waiting.shift()!.resolve(res);
    }
    if (state.waiting.length > 0 && !state.busy) lease(key, state);
  };

  const lease = (key: string, state: KeyState) => {
    state.busy = true;
    const started = now();
    const left = Math.max(0, points - state.total);
    // Units per ms this client took from its current lease since it arrived.
    const rate = state.handed / Math.max(0.1, started - state.leasedAt);
    let size = rate >= BUSY_RATE ? Math.floor(rate * LEASE_MS) : 1;
    size = Math.max(1, Math.min(size, MAX_LEASE, Math.floor(left / SHARE_OF_REMAINING)));
    // Everyone already waiting gets a position from this one round trip.
    size = Math.max(size, state.waiting.length);
    const arrived = (res: RateLimiterRes, rejected: boolean) => {
      state.busy = false;
      if (rejected && res.consumedPoints < size) {
        // The bucket was blocked in memory (already over): nothing was added.
        for (const waiter of state.waiting.splice(0)) waiter.reject(res);
        return;
      }
      const at = now();
      state.size = size;
      state.leasedAt = at;
      state.handed = 0;
      state.total = res.consumedPoints;
      const range = { next: res.consumedPoints - size + 1, end: Math.min(res.consumedPoints, points), expiresAt: at + Math.max(0, res.msBeforeNext) };
      if (range.next <= range.end) state.ranges.push(range);
      while (state.waiting.length > 0) {
        const own = take(key, state, at);
        if (!own) break;
        state.waiting.shift()!.resolve(own);
      }
      if (state.waiting.length > 0 && res.consumedPoints >= points) {
        // The window's budget is spent: these are over it (and, like every 429, cost nothing).
        const over = new RateLimiterRes(0, Math.max(0, res.msBeforeNext), Math.max(res.consumedPoints, points + 1), false);
        for (const waiter of state.waiting.splice(0)) waiter.reject(over);
      }
      // Whoever came in while this lease was on its way and did not fit: the next lease.
      pump(key, state);
    };
    inner.consume(key, size).then(
      (res) => arrived(res, false),
      (reason: unknown) => {
        if (reason instanceof RateLimiterRes) return arrived(reason, true);
        state.busy = false;
        for (const waiter of state.waiting.splice(0)) waiter.reject(reason);
      },
    );
  };

  const stateOf = (key: string) => {
    let state = states.get(key);
    if (!state) {
      state = { ranges: [], size: 1, leasedAt: 0, handed: 0, total: 0, waiting: [], busy: false };
      states.set(key, state);
    }
    return state;
  };

  // Forget clients whose leases ended long ago.
  const sweeper = setInterval(() => {
    const at = now();
    for (const [key, state] of states) {
      if (!state.busy && state.waiting.length === 0 && state.ranges.every((r) => r.expiresAt + 60_000 < at)) states.delete(key);
    }
  }, 60_000);
  sweeper.unref();

  /** A held position, unless requests are already waiting for the next lease (they come first). */
  const takeHeld = (key: string, state: KeyState) => (state.waiting.length === 0 ? take(key, state, now()) : undefined);

  return {
    get points() {
      return points;
    },
    tryConsume(key) {
      const state = states.get(key);
      return state && takeHeld(key, state);
    },
    consume(key, units = 1) {
      if (units !== 1) return inner.consume(key, units);
      const state = stateOf(key);
      const held = takeHeld(key, state);
      if (held) return Promise.resolve(held);
      return new Promise<RateLimiterRes>((resolve, reject) => {
        state.waiting.push({ resolve, reject });
        pump(key, state);
      });
    },
    /**
     * Extra units of a slow request: from this process's current lease when it holds enough (so
     * `Remaining` keeps counting down), else from the store — dropping what is left of the leases, whose
     * positions the store's count already includes.
     */
    async penalty(key, units = 1) {
      const state = stateOf(key);
      const at = now();
      const range = state.ranges.find((r) => at < r.expiresAt && r.next <= r.end);
      if (range && range === state.ranges[0] && range.end - range.next + 1 >= units) {
        range.next += units;
        return positionRes(range, range.next - 1, at);
      }
      const res = await inner.penalty(key, units);
      state.ranges = [];
      state.total = res.consumedPoints;
      return res;
    },
    get: (key) => inner.get(key),
  };
}

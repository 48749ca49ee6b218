import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Limiter } from './limiters.ts';

/** Largest number of units one process takes from the shared counter in one round trip. */
const MAX_LEASE = 64;
/**
 * A lease is sized to last about this long at the rate the client's previous lease was used up: a
 * client sending this process fewer than 250 requests a second gets one unit per round trip.
 */
const LEASE_MS = 4;
/** A lease never exceeds 1/16 of what is left in the window, so little can stay unused at its end. */
const SHARE_OF_REMAINING = 16;

interface Waiter {
  resolve(res: RateLimiterRes): void;
  reject(reason: unknown): void;
}

interface KeyState {
  /** Next count position to hand out, and the last one this process holds (both ≤ points). */
  next: number;
  end: number;
  /** When the window of these positions ends (ms since the epoch): the lease is void after it. */
  expiresAt: number;
  /** Units asked for in the last lease, and when it arrived. */
  size: number;
  leasedAt: number;
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
 * The lease size adapts per client: what the client used in the last 4 ms, going by how fast it used
 * up its previous lease — so 1 (one round trip per request, as before) below 250 requests a second to
 * this process — at most 64, and never more than 1/16 of what is left in the window. Requests arriving
 * while a lease is on its way wait for it together (one round trip for all). What leasing gives up:
 * units a process leased but did not hand out before the window ends are not used by anyone — at most
 * 1/16 of what was left when it leased, and only for a client that was that busy and then stopped; and
 * while a process holds leased units, the store's count runs ahead of the positions handed out.
 *
 * Why: each store round trip costs the server about as much CPU as the rest of a cheap authenticated
 * GET (profiled on PostgreSQL: ~150 µs of ~300 µs), so one per request capped such a route at ~0.6–0.8
 * of its speed without the limiter. Memory stores (one process) need none of this.
 */
export function leasing(inner: Limiter, now: () => number = Date.now): Limiter {
  const states = new Map<string, KeyState>();
  const points = inner.points;

  const positionRes = (state: KeyState, position: number, at: number) =>
    new RateLimiterRes(Math.max(0, points - position), Math.max(0, state.expiresAt - at), position, false);

  /** Serves waiting requests from the positions this process holds; leases more when they run out. */
  const pump = (key: string, state: KeyState) => {
    const at = now();
    if (at >= state.expiresAt) state.end = 0; // the lease's window is over
    while (state.waiting.length > 0 && state.next <= state.end) state.waiting.shift()!.resolve(positionRes(state, state.next++, at));
    if (state.waiting.length > 0 && !state.busy) lease(key, state);
  };

  const lease = (key: string, state: KeyState) => {
    state.busy = true;
    const started = now();
    const left = Math.max(0, points - state.total);
    // Units per ms this client used from its previous lease (used up by now, or its window ended).
    const rate = state.size / Math.max(0.1, started - state.leasedAt);
    let size = Math.floor(rate * LEASE_MS);
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
      state.total = res.consumedPoints;
      state.expiresAt = at + Math.max(0, res.msBeforeNext);
      state.next = res.consumedPoints - size + 1;
      state.end = Math.min(res.consumedPoints, points);
      while (state.waiting.length > 0 && state.next <= state.end) state.waiting.shift()!.resolve(positionRes(state, state.next++, at));
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
      state = { next: 1, end: 0, expiresAt: 0, size: 1, leasedAt: 0, total: 0, waiting: [], busy: false };
      states.set(key, state);
    }
    return state;
  };

  // Forget clients whose window ended long ago.
  const sweeper = setInterval(() => {
    const at = now();
    for (const [key, state] of states) if (!state.busy && state.expiresAt + 60_000 < at) states.delete(key);
  }, 60_000);
  sweeper.unref();

  return {
    get points() {
      return points;
    },
    consume(key, units = 1) {
      if (units !== 1) return inner.consume(key, units);
      const state = stateOf(key);
      const at = now();
      if (state.waiting.length === 0 && at < state.expiresAt && state.next <= state.end) {
        return Promise.resolve(positionRes(state, state.next++, at));
      }
      return new Promise<RateLimiterRes>((resolve, reject) => {
        state.waiting.push({ resolve, reject });
        pump(key, state);
      });
    },
    /**
     * Extra units of a slow request: from this process's lease when it holds enough (so `Remaining`
     * keeps counting down), else from the store — dropping what is left of the lease, whose positions
     * the store's count already includes.
     */
    async penalty(key, units = 1) {
      const state = stateOf(key);
      const at = now();
      if (at < state.expiresAt && state.end - state.next + 1 >= units) {
        state.next += units;
        return positionRes(state, state.next - 1, at);
      }
      const res = await inner.penalty(key, units);
      state.end = 0;
      state.total = res.consumedPoints;
      return res;
    },
    get: (key) => inner.get(key),
  };
}

import { RateLimiterRes } from 'rate-limiter-flexible';
import { resetEpochSeconds, retryAfterSeconds, type Limiter } from '../limits/limiters.ts';
import { RateLimitExceededError } from '../errors.ts';
import { authOf, type AppContext, type AppMiddleware } from './state.ts';

/**
 * Units a request costs: one, plus one for every whole second beyond the first
 * (0.999 s → 1, 1.999 s → 1, 2.0 s → 2, 3.0 s → 3). `ms` is the time the request took.
 */
export function requestCost(ms: number): number {
  return Math.max(1, Math.floor(ms / 1000));
}

function setHeaders(ctx: AppContext, limit: string, bucket: RateLimiterRes, windowSeconds: number): void {
  ctx.set('X-Rate-Limit-Limit', limit);
  ctx.set('X-Rate-Limit-Remaining', String(Math.max(0, bucket.remainingPoints)));
  ctx.set('X-Rate-Limit-Reset', String(resetEpochSeconds(bucket, windowSeconds)));
}

/**
 * Per-client request budget (per client and address for publishable keys) for authenticated routes (mount right after bearerAuth, so 401s never get
 * here). The base unit is taken before the handler runs; the extra units of a slow request when it
 * ends, failed or not. Every response it sees carries the X-Rate-Limit-* headers; over the budget it
 * answers 429 with Retry-After. A 429 leaves the bucket as it was for the rest of its window (the bucket
 * is already over, and a fixed window does not move), so 429s cost nothing.
 *
 * `clock` (ms since the epoch, injected) measures how long the request took; the window itself lives
 * in the store, so every process reports the same Reset.
 */
export function rateLimit(limiter: Limiter, clock: () => number, windowSeconds: number): AppMiddleware {
  const limit = String(limiter.points);
  return async (ctx, next) => {
    const auth = authOf(ctx);
    // A publishable key is shared by every browser of a site: each address gets the key's budget, so one
    // visitor cannot use up everyone's.
    const key = auth.publishable ? `${auth.clientId}@${ctx.ip}` : String(auth.clientId);
    const started = clock();
    let bucket = limiter.tryConsume?.(key);
    if (!bucket) {
      try {
        bucket = await limiter.consume(key, 1);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        setHeaders(ctx, limit, rejection, windowSeconds);
        throw new RateLimitExceededError(retryAfterSeconds(rejection, windowSeconds));
      }
    }
    try {
      await next();
    } finally {
      const extra = requestCost(clock() - started) - 1;
      if (extra > 0) bucket = await limiter.penalty(key, extra);
      setHeaders(ctx, limit, bucket, windowSeconds);
    }
  };
}

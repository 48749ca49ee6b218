import { retryAfterSeconds, type Limiter } from '../limits/limiters.ts';
import { OAuthError, RateLimitExceededError } from './errors.ts';
import type { AppMiddleware } from './state.ts';

/**
 * Brute-force guard for the token endpoint, per client IP (`ctx.ip`: the socket address unless
 * TRUST_PROXY is set). Only failed client authentications (401 invalid_client) and wrong user credentials
 * (400 invalid_grant, password grant) count; once an address
 * has `limiter.points` of them in the window, it gets 429 before its credentials are even looked at.
 * Concurrent attempts are checked against the count when they start, so a burst of N parallel
 * failures can overshoot the limit by at most N - 1.
 */
export function tokenGuard(limiter: Limiter, windowSeconds: number): AppMiddleware {
  return async (ctx, next) => {
    const key = ctx.ip;
    const failures = await limiter.get(key);
    if (failures && failures.consumedPoints >= limiter.points) {
      throw new RateLimitExceededError(retryAfterSeconds(failures, windowSeconds));
    }
    try {
      await next();
    } catch (error) {
      if (error instanceof OAuthError && (error.code === 'invalid_client' || error.code === 'invalid_grant')) await limiter.penalty(key, 1);
      throw error;
    }
  };
}

import { retryAfterSeconds, type Limiter } from '../limits/limiters.ts';
import { OAuthError, RateLimitExceededError } from '../errors.ts';
import type { AppContext, AppMiddleware } from './state.ts';

export interface TokenGuard {
  /** Runs before the body is read: 429 for an address over its limit; counts the request's failure. */
  middleware: AppMiddleware;
  /**
   * Called by the token route once it knows the client id, before checking the secret: 429 when that
   * client id is over its limit, and a failure of this request then counts against the id as well.
   */
  client(ctx: AppContext, clientId: string): Promise<void>;
}

/**
 * Brute-force guard for the token endpoint, per client IP (`ctx.ip`: the socket address unless
 * TRUST_PROXY is set) and per client id (so spreading guesses over many addresses does not help). Only
 * failed client authentications (401 invalid_client) and wrong user credentials
 * (400 invalid_grant, password grant) count; once a key has `limiter.points` of them in
 * the window, it gets 429 before the credentials are even looked at. Concurrent attempts are checked
 * against the count when they start, so a burst of N parallel failures can overshoot by at most N - 1.
 */
export function tokenGuard(byIp: Limiter, byClient: Limiter, windowSeconds: number): TokenGuard {
  const clientOf = new WeakMap<AppContext, string>();
  const refuseIfOver = async (limiter: Limiter, key: string) => {
    const failures = await limiter.get(key);
    if (failures && failures.consumedPoints >= limiter.points) {
      throw new RateLimitExceededError(retryAfterSeconds(failures, windowSeconds));
    }
  };
  return {
    async middleware(ctx, next) {
      const key = ctx.ip;
      await refuseIfOver(byIp, key);
      try {
        await next();
      } catch (error) {
        if (error instanceof OAuthError && (error.code === 'invalid_client' || error.code === 'invalid_grant')) {
          const clientId = clientOf.get(ctx);
          await Promise.all([byIp.penalty(key, 1), clientId === undefined ? undefined : byClient.penalty(clientId, 1)]);
        }
        throw error;
      }
    },
    async client(ctx, clientId) {
      await refuseIfOver(byClient, clientId);
      clientOf.set(ctx, clientId);
    },
  };
}

import type { Metrics } from '../metrics.ts';
import { routeOf } from './route.ts';
import type { AppMiddleware } from './state.ts';

/**
 * Counts every answer by method, route template and status, with its latency, and the rate limiters'
 * decisions as the answers show them: a 429 is a refusal, an answer with X-Rate-Limit-* headers (or
 * any answer of the token endpoint, which its brute-force guard let through) an allowance. Mounted
 * outside the error renderer, so it sees the final status.
 */
export function httpMetrics(metrics: Metrics): AppMiddleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.request(ctx.method, routeOf(ctx), ctx.status, (performance.now() - started) / 1000);
      const limiter = ctx.state.oauth ? 'token_guard' : 'api';
      if (ctx.status === 429) metrics.rateLimit(limiter, 'limited');
      else if (ctx.state.oauth || ctx.response.get('X-Rate-Limit-Limit')) metrics.rateLimit(limiter, 'allowed');
    }
  };
}

import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { AppMiddleware } from './state.ts';
import { routeOf } from './route.ts';

/**
 * One log line per request: request id, method, path, route template, status, duration (ms), client id,
 * and what became of an Idempotency-Key. Only the path is logged: query strings can carry credentials on
 * the token endpoint, and headers carry bearer tokens.
 */
export function requestLog(log: Logger): AppMiddleware {
  return async (ctx, next) => {
    const started = performance.now();
    ctx.state.requestId = randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    try {
      await next();
    } finally {
      log.info('request', {
        request_id: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        route: routeOf(ctx),
        status: ctx.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        client: ctx.state.auth?.clientKey,
        idempotency: ctx.state.idempotency,
      });
    }
  };
}

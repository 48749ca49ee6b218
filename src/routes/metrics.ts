import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { NotAuthorizedError, RouteNotFoundError } from '../errors.ts';
import type { AppState } from '../http/state.ts';
import type { Metrics } from '../metrics.ts';
import type { Operations } from '../openapi/spec.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics (Prometheus text format) for whoever holds METRICS_TOKEN (`Authorization: Bearer …`).
 * Without METRICS_TOKEN it does not exist (404): a reverse proxy on the same host would make "local
 * clients only" mean everyone, so reading metrics always takes the token.
 */
export function metricsRouter(metrics: Metrics, token: string | undefined): Router<AppState> {
  const router = new Router<AppState>();
  const expected = token === undefined ? undefined : digest(token);
  router.get('/metrics', async (ctx) => {
    if (!expected) throw new RouteNotFoundError();
    const match = /^Bearer +(\S+) *$/i.exec(ctx.get('Authorization'));
    if (!match) throw new NotAuthorizedError(false);
    if (!timingSafeEqual(digest(match[1]!), expected)) throw new NotAuthorizedError(true);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}

/** OpenAPI entry for the route above (src/openapi). */
export const metricsOperations: Operations = {
  'GET /metrics': {
    summary: 'Prometheus metrics (needs METRICS_TOKEN)',
    description:
      'Request counts and latency histograms by method, route template and status, rate-limit decisions, database pool and write-slot use, and the process (Prometheus text format). `Authorization: Bearer METRICS_TOKEN`; 404 when METRICS_TOKEN is not set.',
    tags: ['health'],
    security: [{ metricsToken: [] }],
    responses: {
      200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
      401: { $ref: '#/components/responses/E401' },
      404: { $ref: '#/components/responses/E404' },
    },
  },
};

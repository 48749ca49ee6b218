import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/sql';
import { RETRY_AFTER_GONE } from '../db/errors.ts';
import { ServiceUnavailableError } from '../errors.ts';
import type { AppState } from '../http/state.ts';
import type { Operations } from '../openapi/spec.ts';

const PROBE_TIMEOUT_MS = 2_000;

/** GET /health (no auth): 200 when the database answers a trivial query in time, else 503. */
export function healthRouter(orm: MikroORM): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/health', async (ctx) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([orm.em.getConnection().execute('select 1'), timeout]);
    } catch {
      throw new ServiceUnavailableError('The database is not answering', RETRY_AFTER_GONE);
    } finally {
      clearTimeout(timer);
    }
    ctx.body = { status: 'ok' };
  });
  return router;
}

/** OpenAPI entry for the route above (src/openapi). */
export const healthOperations: Operations = {
  'GET /health': {
    summary: 'Liveness and database check',
    tags: ['health'],
    security: [],
    responses: {
      200: { description: 'Up', content: { 'application/json': { schema: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'], additionalProperties: false } } } },
      503: { description: 'The database is not answering', content: { 'application/json': { schema: { $ref: '#/components/schemas/error' } } } },
    },
  },
};

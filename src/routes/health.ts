import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/sql';
import { RETRY_AFTER_GONE } from '../db/errors.ts';
import { ApiError, ServiceUnavailableError } from '../errors.ts';
import type { AppState } from '../http/state.ts';
import type { RateLimits } from '../limits/limiters.ts';
import type { Operations } from '../openapi/spec.ts';
import type { BlobStore } from '../storage/index.ts';

const PROBE_TIMEOUT_MS = 2_000;

/** Resolves if `probe` does within the timeout, else rejects. */
async function within(probe: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type Check = 'ok' | 'fail';
const check = (probe: () => Promise<unknown>): Promise<Check> => within(probe).then(() => 'ok' as const, () => 'fail' as const);

export interface HealthDeps {
  orm: MikroORM;
  store: BlobStore;
  limits: RateLimits;
}

/**
 * GET /health (no auth): 200 when the database answers a trivial query in time, else 503.
 * GET /health/live: 200 while the process serves requests at all (for restarts: checks nothing else).
 * GET /health/ready: whether to send this replica traffic: the database and the attachment storage must
 * answer (else 503); Redis, when configured, is reported but does not fail it — without Redis the rate
 * limits fall back to per-process counters, and taking every replica out of the balancer over that
 * would turn a looser limit into an outage.
 */
export function healthRouter({ orm, store, limits }: HealthDeps): Router<AppState> {
  const router = new Router<AppState>();
  const database = () => orm.em.getConnection().execute('select 1');
  router.get('/health', async (ctx) => {
    try {
      await within(database);
    } catch {
      throw new ServiceUnavailableError('The database is not answering', RETRY_AFTER_GONE);
    }
    ctx.body = { status: 'ok' };
  });
  router.get('/health/live', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/health/ready', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const [db, storage, redis] = await Promise.all([
      check(database),
      check(async () => store.check?.()),
      limits.ping ? check(() => limits.ping!()) : Promise.resolve(undefined),
    ]);
    const checks = { database: db, storage, ...(redis ? { redis } : {}) };
    if (db === 'fail' || storage === 'fail') {
      throw new ApiError(503, 'service_unavailable', 'Not ready', {
        details: { message: `Not ready: ${Object.entries(checks).filter(([, state]) => state === 'fail').map(([name]) => name).join(', ')} not answering`, checks },
        headers: { 'Retry-After': String(RETRY_AFTER_GONE) },
      });
    }
    ctx.body = { status: redis === 'fail' ? 'degraded' : 'ok', checks };
  });
  return router;
}

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const checkState = { enum: ['ok', 'fail'] };
const errorSchema = { $ref: '#/components/schemas/error' };

/** OpenAPI entries for the routes above (src/openapi). */
export const healthOperations: Operations = {
  'GET /health': {
    summary: 'Liveness and database check',
    tags: ['health'],
    security: [],
    responses: {
      200: { description: 'Up', content: json({ type: 'object', properties: { status: { const: 'ok' } }, required: ['status'], additionalProperties: false }) },
      503: { description: 'The database is not answering', content: json(errorSchema) },
    },
  },
  'GET /health/live': {
    summary: 'Liveness: the process answers',
    tags: ['health'],
    security: [],
    responses: {
      200: { description: 'Alive', content: json({ type: 'object', properties: { status: { const: 'ok' } }, required: ['status'], additionalProperties: false }) },
    },
  },
  'GET /health/ready': {
    summary: 'Readiness: the database and the attachment storage answer (Redis reported when configured)',
    tags: ['health'],
    security: [],
    responses: {
      200: {
        description: 'Ready (`degraded` when Redis does not answer: rate limits are then per process)',
        content: json({
          type: 'object',
          properties: {
            status: { enum: ['ok', 'degraded'] },
            checks: {
              type: 'object',
              properties: { database: checkState, storage: checkState, redis: checkState },
              required: ['database', 'storage'],
              additionalProperties: false,
            },
          },
          required: ['status', 'checks'],
          additionalProperties: false,
        }),
      },
      503: { description: 'Not ready: the database or the storage is not answering (`checks` says which)', content: json(errorSchema) },
    },
  },
};

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MikroORM } from '@mikro-orm/sql';
import { writeSlotUsage } from './db/transaction.ts';

export type RateLimitDecision = 'allowed' | 'limited';
/** `api`: the per-client budget; `token_guard`: the token endpoint's brute-force guard. */
export type RateLimiterName = 'api' | 'token_guard';

/** What /metrics reports (Prometheus text format, prom-client). One registry per app, never the global one. */
export interface Metrics {
  registry: Registry;
  request(method: string, route: string, status: number, seconds: number): void;
  rateLimit(limiter: RateLimiterName, decision: RateLimitDecision): void;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const isPool = (value: unknown): value is PgPool =>
  typeof value === 'object' && value !== null && typeof (value as PgPool).totalCount === 'number' && typeof (value as PgPool).waitingCount === 'number';

/** Buckets for request latency: 5 ms to 10 s (uploads of 50 MB land in the last ones). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(orm: MikroORM): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request head to the answer, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'rate_limit_decisions_total',
    help: 'Rate-limit decisions: allowed or limited (429), by limiter',
    labelNames: ['limiter', 'decision'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL connections of the ORM pool by state (total, idle, waiting clients); absent on the embedded database',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const native = await orm.em.getConnection().getNativeClient?.().catch(() => undefined);
      if (!isPool(native)) return;
      this.set({ state: 'total' }, native.totalCount);
      this.set({ state: 'idle' }, native.idleCount);
      this.set({ state: 'waiting' }, native.waitingCount);
    },
  });
  new Gauge({
    name: 'db_write_slots',
    help: 'Write transactions holding one of DB_WRITE_CONCURRENCY slots, waiting for one, and the number of slots',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const usage = writeSlotUsage(orm);
      this.set({ state: 'held' }, usage.held);
      this.set({ state: 'waiting' }, usage.waiting);
      this.set({ state: 'size' }, usage.size);
    },
  });
  return {
    registry,
    request(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    rateLimit(limiter, decision) {
      decisions.inc({ limiter, decision });
    },
  };
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { OrmOverrides } from '../mikro-orm.config.ts';
import { createApp, type AppOptions } from './app.ts';
import { loadSigningKey } from './auth/tokens.ts';
import { openDatabase, type Database } from './db/index.ts';
import { setClock } from './db/clock.ts';
import { createRateLimits, type RateLimits } from './limits/limiters.ts';
import { createUrlSigner } from './auth/url-signing.ts';
import { openStore } from './storage/open.ts';
import type { BlobStore } from './storage/index.ts';
import { sweepAttachments } from './services/attachments.ts';
import { foldRowCounts } from './db/row-counts.ts';
import { idempotencyKeys } from './services/idempotency-keys.ts';
import { answerClientError } from './http/client-error.ts';
import { watchRequestBodies } from './http/body-timeouts.ts';
import { createDrain } from './http/drain.ts';
import { listen } from './startup.ts';
import { createMetrics } from './metrics.ts';
import { markVolatile } from './cache/reads.ts';
import { ResponseStore } from './cache/responses.ts';
import { watchTables, type TableVersions } from './cache/versions.ts';
import { createDeliverer, type Deliverer } from './services/hook-delivery.ts';

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Runs the sweepers now and then hourly: orphaned attachments, and Idempotency-Keys past their 24 hours;
 * and folds row-count deltas every COUNT_FOLD_INTERVAL_MS.
 * A failed sweep is logged and retried next time. `stop` waits for a sweep in progress: closing the
 * database under it left a pooled connection checked out, and pg's pool then never ended, so a SIGTERM
 * right after start hung the process (startup-failures' "secret nobody saw" test on PostgreSQL).
 */
function startSweeper(db: Database, store: BlobStore, config: Config, log: Logger, clock: () => number): { stop(): Promise<void> } {
  const keys = idempotencyKeys(db.orm);
  let running: Promise<void> = Promise.resolve();
  const sweep = async () => {
    await sweepAttachments(db.orm.em.fork(), store, config.attachmentOrphanTtl, new Date(clock()), log).catch((error: unknown) =>
      log.warn('attachment sweep failed', { error: String(error) }),
    );
    await keys.sweep(clock()).catch((error: unknown) => log.warn('idempotency key sweep failed', { error: String(error) }));
  };
  const run = () => {
    running = running.then(sweep);
  };
  run();
  const timer = setInterval(run, SWEEP_INTERVAL_MS).unref();
  // Row-count deltas (db/row-counts.ts): folded often, so a list's count sums a few rows at most.
  let folding: Promise<unknown> = Promise.resolve();
  const fold = () => {
    folding = folding.then(() => foldRowCounts(db.orm).catch((error: unknown) => log.warn('row count fold failed', { error: String(error) })));
  };
  const folder = config.countFoldMs > 0 ? setInterval(fold, config.countFoldMs).unref() : undefined;
  return {
    async stop() {
      clearInterval(timer);
      clearInterval(folder);
      await Promise.all([running, folding]);
    },
  };
}

export interface RunningServer {
  url: string;
  db: Database;
  server: http.Server;
  /** Rate-limit counters (tests read buckets from here). */
  limits: RateLimits;
  /** Webhook deliveries (tests run rounds with `tick()` instead of waiting for the poll). */
  deliverer: Deliverer;
  /** Stops accepting, lets in-flight requests finish (bounded by shutdownTimeoutMs), closes the database. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  orm?: OrmOverrides;
  clock?: () => number;
  /** Runs after migrations and once the port is bound, before requests are served (the demo seed), with the attachment store. */
  beforeServe?: (db: Database, store: BlobStore) => Promise<void>;
  /** Rate-limit window length; one minute unless a test needs windows that end quickly. */
  rateLimitWindowSeconds?: number;
  /** Extra routes (createApp's `extend`); only bench/server.ts passes any. */
  extend?: AppOptions['extend'];
}

export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const store = openStore(config);
  // Before the database: a start that cannot store attachments fails at once, with one line (main.ts).
  try {
    await store.check?.();
  } catch (error) {
    await store.close?.();
    throw error;
  }
  const db = await openDatabase(config, options.orm).catch(async (error: unknown) => {
    await store.close?.();
    throw error;
  });
  const clock = options.clock ?? Date.now;
  // Entity timestamps and SQL stamps read the same clock as tokens and signed URLs (db/clock.ts).
  setClock(db.orm, clock);
  // Header deadlines (headersTimeout) are checked on this interval; Node's 30 s would let a slowloris
  // socket live up to 30 s past its deadline.
  const server = http.createServer({ connectionsCheckingInterval: 1_000 });
  server.on('clientError', answerClientError);
  watchRequestBodies(server, { idleMs: config.bodyIdleTimeoutMs, totalMs: config.requestTimeoutMs });
  const drain = createDrain();
  let sweeper: { stop(): Promise<void> } | undefined;
  let deliverer: Deliverer | undefined;
  let url: string;
  let limits: RateLimits | undefined;
  let versions: TableVersions | undefined;
  // Until the app is ready, requests on the bound port are answered 503 (a load balancer retries elsewhere).
  const starting: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '1', Connection: 'close' });
    res.end('{"errors":{"error":"service_unavailable"}}');
  };
  server.on('request', starting);
  try {
    // Above common load-balancer idle timeouts (60 s), so the balancer closes idle sockets first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    // Bound before the seed: a port in use must not cost the demo credentials shown once.
    await listen(server, config.port, config.host);
    await options.beforeServe?.(db, store);
    const signingKey = await loadSigningKey(db.orm, config);
    limits = await createRateLimits({ config, orm: db.orm, log: options.log, windowSeconds: options.rateLimitWindowSeconds });
    versions = await watchTables(db.orm, options.orm?.pglite ? undefined : config.databaseUrl, options.log);
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    url = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}`;
    // The app is built once the port is known: payload URLs default to the address actually bound.
    const publicUrl = config.publicUrl ?? url;
    const urls = createUrlSigner(signingKey, publicUrl, clock);
    const app = createApp({
      config,
      orm: db.orm,
      log: options.log,
      signingKey,
      clock,
      // A signed URL expires: a body holding one is never cached.
      env: {
        publicUrl,
        signedUrl: (path) => {
          markVolatile();
          return urls.sign(path);
        },
      },
      urls,
      store,
      limits,
      metrics: createMetrics(db.orm),
      cache: { versions, responses: config.responseCacheBytes > 0 ? new ResponseStore(config.responseCacheBytes) : undefined },
    }, { extend: options.extend });
    server.off('request', starting);
    server.on('request', drain.listener(app.callback()));
    sweeper = startSweeper(db, store, config, options.log, clock);
    // Webhooks: every process delivers (PGlite has one process; PostgreSQL shares the work by row locks).
    deliverer = createDeliverer(db.orm, { pollMs: config.hookPollMs, timeoutMs: config.hookTimeoutMs, clock, log: options.log });
  } catch (error) {
    server.close();
    await limits?.close();
    await versions?.close();
    await db.close();
    await store.close?.();
    throw error;
  }
  const rateLimits = limits;
  const tableVersions = versions!;
  const hooks = deliverer!;

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      drain.start();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets close now; busy ones as soon as their response is done.
      const reaper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs);
      });
      // Sockets and handlers both: a handler may outlive its socket and still need the database.
      if ((await Promise.race([Promise.all([closed, drain.idle()]), timedOut])) === 'timeout') {
        options.log.warn('shutdown timeout: closing remaining connections');
        server.closeAllConnections();
        await closed;
        if (drain.running > 0) options.log.warn('shutdown timeout: closing the database under running requests', { running: drain.running });
      }
      clearInterval(reaper);
      clearTimeout(timer);
      await sweeper?.stop();
      await hooks.stop();
      await rateLimits.close();
      await tableVersions.close();
      await db.close();
      await store.close?.();
    })());
  return { url, db, server, limits: rateLimits, deliverer: hooks, shutdown };
}

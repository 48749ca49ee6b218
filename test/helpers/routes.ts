import { createMetrics } from '../../src/metrics.ts';
import type Router from '@koa/router';
import { createApp } from '../../src/app.ts';
import { createUrlSigner } from '../../src/auth/url-signing.ts';
import { createLogger } from '../../src/log.ts';
import { localStore } from '../../src/storage/local.ts';
import { TEST_TOKEN_SECRET, type TestApp } from './app.ts';

export interface Route {
  /** The router's path pattern, e.g. `/api/v2/admin/comments/:id`. */
  path: string;
  /** Methods answered on it (HEAD, which koa-router adds to every GET, left out). */
  methods: string[];
}

/**
 * Every route the application serves, read from the routers' own stacks (the same app `createApp`
 * builds for the server, over the test app's database and limits): what the README's endpoint table
 * is checked against.
 */
export function appRoutes(app: TestApp): Route[] {
  const clock = Date.now;
  const urls = createUrlSigner(TEST_TOKEN_SECRET, app.config.publicUrl, clock);
  const koa = createApp({
    config: app.config,
    orm: app.server.db.orm,
    log: createLogger('silent'),
    signingKey: TEST_TOKEN_SECRET,
    clock,
    env: { publicUrl: app.config.publicUrl, signedUrl: urls.sign },
    urls,
    store: localStore(app.config.uploadsDir),
    limits: app.server.limits,
    metrics: createMetrics(app.server.db.orm),
  });
  const byPath = new Map<string, Set<string>>();
  for (const middleware of koa.middleware) {
    const router = (middleware as { router?: Router }).router;
    for (const layer of router?.stack ?? []) {
      if (layer.methods.length === 0) continue; // router.use() middleware, not a route
      const path = String(layer.path);
      let methods = byPath.get(path);
      if (!methods) byPath.set(path, (methods = new Set()));
      for (const method of layer.methods) if (method !== 'HEAD') methods.add(method);
    }
  }
  return [...byPath].map(([path, methods]) => ({ path, methods: [...methods].sort() }));
}

/**
 * The bench's server entry: src/main.ts (same configuration, seed, banner and shutdown) plus the
 * baselines under /_bench (bench/routes.ts), among them the admin API built without the per-client
 * rate limiter and the admin API built without the response cache. The production entry (src/main.ts run directly) mounts none of this.
 */
import { main } from '../src/main.ts';
import { adminRouter } from '../src/app.ts';
import { benchRoutes } from './routes.ts';

await main({
  extend: {
    prefix: '/_bench',
    routes: (deps) => benchRoutes(deps, adminRouter(deps, { rateLimit: false }), adminRouter(deps, { cache: false }), adminRouter(deps, { cache: false })),
  },
});

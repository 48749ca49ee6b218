import type { AppContext } from './state.ts';

export interface MatchedLayer {
  path: unknown;
  methods: string[];
  stack: unknown[];
}

/** The route layer that answers the request (the first that matches path and method), if any. */
export function routeLayerOf(ctx: AppContext): MatchedLayer | undefined {
  const matched = (ctx as { matched?: MatchedLayer[] }).matched;
  return matched?.find((candidate) => candidate.methods.includes(ctx.method));
}

/**
 * The route template a request matched (`/api/v2/admin/forums/:id`), for logs and metrics: bounded in
 * number, unlike paths. Read from the layers @koa/router matched (`ctx.matched`), not `_matchedRoute`,
 * which names the router middleware instead when that answered first (a 401); the first route layer
 * that matches runs (/users/current before /users/:ids). Requests no route
 * matched (404, 405) share `unmatched`.
 */
export function routeOf(ctx: AppContext): string {
  const layer = routeLayerOf(ctx);
  return typeof layer?.path === 'string' ? layer.path : 'unmatched';
}

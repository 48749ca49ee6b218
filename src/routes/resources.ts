import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import type { AppState } from '../http/state.ts';
import { registry } from '../resources/registry.ts';
import { crudRoutes, readRoutes } from './collection.ts';

/** `GET /teams`-style keys of the routes a router serves. */
export function servedRoutes(routers: ReadonlyArray<Router<AppState>>): Set<string> {
  const served = new Set<string>();
  for (const router of routers) for (const layer of router.stack) for (const method of layer.methods) served.add(`${method} ${String(layer.path)}`);
  return served;
}

/**
 * The routes of every registered resource that no router of its own serves (`served`): list and get
 * (`GET /<type>`, `GET /<type>/<id,id,…>`) for all, and POST/PUT/DELETE for declarations with
 * `crud: true`. Mounted after the resources' own routers, so their paths (`/users/current`) match first.
 */
export function resourcesRouter({ env }: AppDeps, served: ReadonlySet<string>): Router<AppState> {
  const router = new Router<AppState>();
  for (const def of registry.values()) {
    if (!served.has(`GET /${def.type}`)) readRoutes(router, def, env);
    if (def.crud && !served.has(`POST /${def.type}`)) crudRoutes(router, def, env);
  }
  return router;
}

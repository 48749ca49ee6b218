import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { ADMIN_ONLY } from '../http/access.ts';
import type { AppState } from '../http/state.ts';
import { auditEvents } from '../resources/audit-events.ts';
import { readRoutes } from './collection.ts';

/** /admin/audit_events: list and get, for keys with the admin scope (the log names every client). */
export function auditEventsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, auditEvents, env, { access: ADMIN_ONLY });
  return router;
}

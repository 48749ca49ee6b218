import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import type { AppState } from '../http/state.ts';
import { serviceHookLogs } from '../resources/service-hook-logs.ts';
import { readRoutes } from './collection.ts';

/** /admin/service_hook_logs: the webhook delivery log, list and get. */
export function serviceHookLogsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, serviceHookLogs, env);
  return router;
}

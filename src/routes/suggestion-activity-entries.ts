import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import type { AppState } from '../http/state.ts';
import { suggestionActivityEntries } from '../resources/suggestion-activity-entries.ts';
import { readRoutes } from './collection.ts';

/** /admin/suggestion_activity_entries: list and get; the log is written by the suggestion writes themselves. */
export function suggestionActivityEntriesRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, suggestionActivityEntries, env);
  return router;
}

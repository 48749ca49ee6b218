import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import type { AppState } from '../http/state.ts';
import { teams } from '../resources/teams.ts';
import { teamRules } from '../services/teams.ts';
import { crudRoutes } from './collection.ts';

/** /admin/teams: list and get (UserVoice, from the registry); create, update, delete are our extension (README). */
export function teamsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  crudRoutes(router, teams, env, teamRules);
  return router;
}

import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { emOf, type AppState } from '../http/state.ts';
import { teams } from '../resources/teams.ts';
import { deleteTeam, saveTeam } from '../services/teams.ts';
import { readRoutes, writeRoutes } from './collection.ts';

/** /admin/teams: list and get (UserVoice); create, update, delete are our extension (README). */
export function teamsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, teams, env);
  writeRoutes(router, teams, env, {
    save: (ctx, id, input) => saveTeam(emOf(ctx), id, input),
    remove: (ctx, id) => deleteTeam(emOf(ctx), id),
  });
  return router;
}

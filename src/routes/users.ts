import Router from '@koa/router';
import type { AppDeps } from '../app.ts';
import { RecordNotFoundError } from '../http/errors.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { parseIncludes } from '../http/params.ts';
import { buildDocument } from '../resources/document.ts';
import { users } from '../resources/users.ts';
import { rowsByIds } from '../resources/rows.ts';

/** /admin/users routes. */
export function usersRouter(deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/users/current', async (ctx) => {
    const db = emOf(ctx).getKysely();
    const rows = await rowsByIds(db, users, [authOf(ctx).userId]);
    if (rows.length === 0) throw new RecordNotFoundError();
    ctx.body = await buildDocument(db, users, rows, deps.env, { includes: parseIncludes(ctx) });
  });
  return router;
}

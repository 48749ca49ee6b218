import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { parseIncludes, parseListParams } from '../http/params.ts';
import { emOf, type AppState } from '../http/state.ts';
import { buildDocument } from '../resources/document.ts';
import { listRows } from '../resources/list.ts';
import { suggestedMerges } from '../resources/suggested-merges.ts';
import { refreshSuggestedMerges } from '../services/suggested-merges.ts';
import { pathIds, respondWith } from './collection.ts';

/**
 * /admin/suggested_merges: list and get. Each read first brings the pairs up to date with the suggestions
 * changed since the last one (services/suggested-merges.ts), so suggestion writes do not pay for it.
 */
export function suggestedMergesRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/suggested_merges', async (ctx) => {
    const params = parseListParams(ctx, suggestedMerges);
    await refreshSuggestedMerges(emOf(ctx));
    const db = emOf(ctx).getKysely();
    const { rows, pagination } = await listRows(db, suggestedMerges, params);
    ctx.body = await buildDocument(db, suggestedMerges, rows, env, { includes: parseIncludes(ctx), pagination });
  });
  router.get('/suggested_merges/:ids', async (ctx) => {
    const ids = pathIds(ctx.params.ids ?? '');
    await refreshSuggestedMerges(emOf(ctx));
    await respondWith(ctx, suggestedMerges, ids, env);
  });
  return router;
}

import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { bodyFields } from '../http/input.ts';
import { authOf, emOf, type AppContext, type AppState } from '../http/state.ts';
import { labels } from '../resources/labels.ts';
import { labelLink } from '../schema/actions.ts';
import { parseWrite } from '../schema/write.ts';
import { deleteLabel, saveLabel, setLabel } from '../services/labels.ts';
import { respondWith, writeRoutes } from './collection.ts';
import { fieldsBody, fieldsOperation, type Operations } from '../openapi/spec.ts';

/** `links.label` and `links.suggestion` of attach/detach, both required (schema/actions.ts). */
function attachment(ctx: AppContext): { label: number; suggestion: number } {
  const input = parseWrite(labelLink, bodyFields(ctx, 'label'), 'create').check();
  return { label: input.get('links.label')!, suggestion: input.get('links.suggestion')! };
}

/** /admin/labels: CRUD with nesting through links.parent, plus attach/detach to suggestions. */
export function labelsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  for (const action of ['attach', 'detach'] as const) {
    router.post(`/labels/${action}`, async (ctx) => {
      const { label, suggestion } = attachment(ctx);
      await setLabel(emOf(ctx), label, suggestion, action === 'attach', authOf(ctx).userId);
      await respondWith(ctx, labels, [label], env);
    });
  }
  writeRoutes(router, labels, env, {
    save: (ctx, id, input) => saveLabel(emOf(ctx), id, input),
    remove: (ctx, id) => deleteLabel(emOf(ctx), id),
  });
  return router;
}

const labelAndSuggestion = fieldsBody(
  { links: { type: 'object', properties: { label: { type: 'integer' }, suggestion: { type: 'integer' } }, required: ['label', 'suggestion'] } },
  ['links'],
  'Form keys are dotted: `links.label=1&links.suggestion=2`.',
);

/** OpenAPI entries for the routes above that are not plain collection routes (src/openapi). */
export const labelsOperations: Operations = {
  'POST /api/v2/admin/labels/attach': fieldsOperation('labels', 'Attach a label to a suggestion', labelAndSuggestion, 'Answers with the label.'),
  'POST /api/v2/admin/labels/detach': fieldsOperation('labels', 'Detach a label from a suggestion', labelAndSuggestion, 'Answers with the label.'),
};

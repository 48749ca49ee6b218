import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppContext, type AppState } from '../http/state.ts';
import { suggestions } from '../resources/suggestions.ts';
import { mergeSuggestions, type MergeRequest } from '../services/merge.ts';
import { MAX_MERGE, mergeRequest } from '../schema/actions.ts';
import { fieldErrors } from '../schema/write.ts';
import { changeSuggestionState, createSuggestion, updateSuggestion, type SuggestionAction } from '../services/suggestions.ts';
import { pathId, readRoutes, respondWith } from './collection.ts';
import { PUBLIC_READ } from '../http/access.ts';
import { publicSuggestion } from '../services/public-suggestions.ts';
import { action, fieldsBody, fieldsOperation, type Operations } from '../openapi/spec.ts';

const ACTIONS: readonly SuggestionAction[] = ['approve', 'publish', 'spam', 'unremove'];

/** A body value by dotted path: nested (JSON, or a form parsed with allowDots) or a literal dotted key. */
function at(body: Record<string, unknown>, path: string): unknown {
  if (path in body) return body[path];
  let value: unknown = body;
  for (const key of path.split('.')) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The merge body through its schema (schema/actions.ts); one 422 naming every bad field. */
function mergeBody(ctx: AppContext): MergeRequest {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const result = mergeRequest.safeParse(Object.fromEntries(Object.keys(mergeRequest.shape).map((path) => [path, at(body, path)])));
  if (!result.success) throw new ValidationError(fieldErrors(result.error));
  return { sourceIds: result.data.include_ids, targetId: result.data['action.links.to_suggestion'] };
}

/** /admin/suggestions: list, get, create, update, (soft) delete and the moderation actions. */
export function suggestionsRouter({ env, clock }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  const now = () => new Date(clock());
  // Publishable keys read too, but only public suggestions of public forums.
  readRoutes(router, suggestions, env, {
    access: PUBLIC_READ,
    visible: (ctx, table) => (authOf(ctx).publishable ? publicSuggestion(table) : undefined),
  });
  router.post('/suggestions/bulk/merge', async (ctx) => {
    const id = await mergeSuggestions(emOf(ctx), mergeBody(ctx), authOf(ctx).userId);
    await respondWith(ctx, suggestions, [id], env);
  });
  router.post('/suggestions', async (ctx) => {
    const id = await createSuggestion(emOf(ctx), readInput(ctx, suggestions, 'create'), authOf(ctx).userId, now());
    await respondWith(ctx, suggestions, [id], env);
  });
  router.put('/suggestions/:id', async (ctx) => {
    const id = await updateSuggestion(emOf(ctx), pathId(ctx), readInput(ctx, suggestions, 'update'), now(), authOf(ctx).userId);
    await respondWith(ctx, suggestions, [id], env);
  });
  router.delete('/suggestions/:id', async (ctx) => {
    const id = await changeSuggestionState(emOf(ctx), pathId(ctx), 'delete', now(), authOf(ctx).userId);
    await respondWith(ctx, suggestions, [id], env);
  });
  for (const action of ACTIONS) {
    router.put(`/suggestions/:id/${action}`, async (ctx) => {
      const id = await changeSuggestionState(emOf(ctx), pathId(ctx), action, now(), authOf(ctx).userId);
      await respondWith(ctx, suggestions, [id], env);
    });
  }
  return router;
}

const idList = { anyOf: [{ type: 'string', description: 'A comma list' }, { type: 'array', items: { type: 'integer' } }] };

/** OpenAPI entries for the routes above that are not plain collection routes (src/openapi). */
export const suggestionsOperations: Operations = {
  'POST /api/v2/admin/suggestions/bulk/merge': fieldsOperation(
    'suggestions',
    'Merge suggestions into another',
    fieldsBody(
      {
        include_ids: { ...idList, description: `The suggestions to merge (at most ${MAX_MERGE})` },
        action: {
          type: 'object',
          properties: {
            links: { type: 'object', properties: { to_suggestion: { type: 'integer' } }, required: ['to_suggestion'] },
            notify_supporters: { type: 'boolean', description: 'Accepted; no mail is sent' },
            reply_to: { type: 'string', description: 'Accepted; no mail is sent' },
          },
          required: ['links'],
        },
      },
      ['include_ids', 'action'],
      'Form keys are dotted: `include_ids=1,2&action.links.to_suggestion=3`.',
    ),
    'Answers with the target suggestion.',
  ),
  'DELETE /api/v2/admin/suggestions/{id}': action('suggestions', 'Delete a suggestion', 'Marks it `deleted` and answers with it.'),
  ...Object.fromEntries(ACTIONS.map((name) => [`PUT /api/v2/admin/suggestions/{id}/${name}`, action('suggestions', `${name[0]!.toUpperCase()}${name.slice(1)} a suggestion`)])),
};

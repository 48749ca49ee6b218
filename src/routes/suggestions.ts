import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { readInput } from '../http/input.ts';
import { parseBool, parseId } from '../http/params.ts';
import { authOf, emOf, type AppContext, type AppState } from '../http/state.ts';
import { suggestions } from '../resources/suggestions.ts';
import { mergeSuggestions, type MergeRequest } from '../services/merge.ts';
import { changeSuggestionState, createSuggestion, updateSuggestion, type SuggestionAction } from '../services/suggestions.ts';
import { pathId, respondWith } from './collection.ts';
import { action, fieldsBody, fieldsOperation, type Operations } from '../openapi/spec.ts';

const ACTIONS: readonly SuggestionAction[] = ['approve', 'publish', 'spam', 'unremove'];
const MAX_MERGE = 100;

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

function ref(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isInteger(raw) && raw >= 1 && raw <= 2_147_483_647 ? raw : undefined;
  return typeof raw === 'string' ? parseId(raw.trim()) : undefined;
}

/**
 * `include_ids` (comma string, array, or indexed form keys) and `action.links.to_suggestion`;
 * `action.notify_supporters` and `action.reply_to` are accepted and checked, but no mail is sent.
 */
function mergeRequest(ctx: AppContext): MergeRequest {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const errors: Record<string, string[]> = {};
  const rawIds = at(body, 'include_ids');
  const parts = typeof rawIds === 'string' ? rawIds.split(',') : typeof rawIds === 'number' ? [rawIds] : Array.isArray(rawIds) ? rawIds : undefined;
  const sourceIds = (parts ?? []).map((part) => ref(typeof part === 'string' ? part.trim() : part));
  if (!parts || sourceIds.length === 0) errors.include_ids = ["can't be blank"];
  else if (sourceIds.length > MAX_MERGE) errors.include_ids = [`has more than ${MAX_MERGE} ids`];
  else if (sourceIds.some((id) => id === undefined)) errors.include_ids = ['is invalid'];
  const rawTarget = at(body, 'action.links.to_suggestion');
  const targetId = ref(rawTarget);
  if (targetId === undefined) errors['action.links.to_suggestion'] = [rawTarget === undefined || rawTarget === '' ? "can't be blank" : 'does not exist'];
  const notify = at(body, 'action.notify_supporters');
  if (notify !== undefined && typeof notify !== 'boolean' && (typeof notify !== 'string' || parseBool(notify) === undefined)) {
    errors['action.notify_supporters'] = ['is invalid'];
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { sourceIds: [...new Set(sourceIds as number[])], targetId: targetId! };
}

/** /admin/suggestions: list, get, create, update, (soft) delete and the moderation actions. */
export function suggestionsRouter({ env, clock }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  const now = () => new Date(clock());
  router.post('/suggestions/bulk/merge', async (ctx) => {
    const id = await mergeSuggestions(emOf(ctx), mergeRequest(ctx), authOf(ctx).userId);
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

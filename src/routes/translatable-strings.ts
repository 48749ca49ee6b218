import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import type { DB } from '../db/schema.ts';
import { emOf, type AppState } from '../http/state.ts';
import { rateLimitHeaders, type Operations } from '../openapi/spec.ts';

/**
 * GET /admin/translatable_strings: not a collection. Airbyte reads the whole body as one record:
 * `{plain: {"forum.<id>.name": …}, html: {"forum.<id>.welcome_message": …}}`, the texts an account shows
 * its users, keyed `<type>.<id>.<field>`. Ours: forums' name, prompt and example (plain) and welcome
 * message (html), statuses' and categories' names; empty texts are left out.
 */
export function translatableStringsRouter(_deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/translatable_strings', async (ctx) => {
    const db = emOf(ctx).getKysely<DB>();
    const plain: Record<string, string> = {};
    const html: Record<string, string> = {};
    const put = (into: Record<string, string>, key: string, text: string | null | undefined) => {
      if (text) into[key] = text;
    };
    for (const f of await db.selectFrom('forums').select(['id', 'name', 'prompt', 'example', 'welcome_message']).orderBy('id').execute()) {
      put(plain, `forum.${f.id}.name`, f.name);
      put(plain, `forum.${f.id}.prompt`, f.prompt);
      put(plain, `forum.${f.id}.example`, f.example);
      put(html, `forum.${f.id}.welcome_message`, f.welcome_message);
    }
    for (const s of await db.selectFrom('statuses').select(['id', 'name']).orderBy('id').execute()) put(plain, `status.${s.id}.name`, s.name);
    for (const c of await db.selectFrom('categories').select(['id', 'name']).orderBy('id').execute()) put(plain, `category.${c.id}.name`, c.name);
    ctx.body = { plain, html };
  });
  return router;
}

const texts = { type: 'object', additionalProperties: { type: 'string' }, description: 'Texts by `<type>.<id>.<field>`' };

/** OpenAPI entry of the route above (src/openapi). */
export const translatableStringsOperations: Operations = {
  'GET /api/v2/admin/translatable_strings': {
    summary: 'Texts shown to users, by key',
    description: 'Not a collection: one object, read whole (as Airbyte does).',
    tags: ['translatable_strings'],
    responses: {
      200: {
        description: 'The texts',
        headers: rateLimitHeaders(),
        content: { 'application/json': { schema: { type: 'object', properties: { plain: texts, html: texts }, required: ['plain', 'html'], additionalProperties: false } } },
      },
      401: { $ref: '#/components/responses/E401' },
      429: { $ref: '#/components/responses/E429' },
    },
  },
};

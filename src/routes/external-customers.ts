import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { emOf, type AppContext, type AppState } from '../http/state.ts';
import { externalAccounts } from '../resources/external-accounts.ts';
import { externalUsers } from '../resources/external-users.ts';
import { users } from '../resources/users.ts';
import { bodyObject } from '../services/external-input.ts';
import { bulkDelete, bulkDeleteTargets, bulkIdentify, importAccounts, importExternalUsers } from '../services/external-customers.ts';
import { respondWith } from './collection.ts';
import { fieldsBody, fieldsOperation, type Operations } from '../openapi/spec.ts';

const bodyOf = (ctx: AppContext) => bodyObject(ctx.request.body);

/**
 * /admin/external_users, /admin/external_accounts (also read as /admin/crm_accounts): lists, gets, batch
 * imports, bulk deletes by id or external id; and /admin/bulk_identify.
 */
export function externalCustomersRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/external_users/import', async (ctx) => {
    await respondWith(ctx, externalUsers, await importExternalUsers(emOf(ctx), bodyOf(ctx)), env);
  });
  router.post('/external_accounts/import', async (ctx) => {
    await respondWith(ctx, externalAccounts, await importAccounts(emOf(ctx), bodyOf(ctx)), env);
  });
  // UserVoice answers nothing here (the 2018 SDK's BulkIdentify returns void); we answer the users identified.
  router.post('/bulk_identify', async (ctx) => {
    await respondWith(ctx, users, await bulkIdentify(emOf(ctx), bodyOf(ctx)), env);
  });
  for (const def of [externalUsers, externalAccounts]) {
    const table = def.type as 'external_users' | 'external_accounts';
    for (const [path, key] of [['bulk_delete', 'ids'], ['bulk_delete_by_external_id', 'external_ids']] as const) {
      // Answers the records as they were, as DELETE of one record does.
      router.delete(`/${def.type}/${path}`, async (ctx) => {
        const ids = await bulkDeleteTargets(emOf(ctx), table, key, bodyOf(ctx), ctx.query);
        await respondWith(ctx, def, ids, env);
        const body = ctx.body;
        await bulkDelete(emOf(ctx), table, ids);
        ctx.body = body;
      });
    }
  }
  return router;
}

const records = (name: string, what: string) =>
  fieldsBody({ [name]: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'object' }, description: what } }, [name], 'All or nothing: one invalid record refuses the batch (422 names it by index).');
const idsBody = (key: string) =>
  fieldsBody({ [key]: { anyOf: [{ type: 'string', description: 'A comma list' }, { type: 'array', items: { type: key === 'ids' ? 'integer' : 'string' } }] } }, [key], `Also accepted as the \`${key}\` query parameter.`);

/** OpenAPI entries for the routes above that are not plain collection routes (src/openapi). */
export const externalCustomersOperations: Operations = {
  'POST /api/v2/admin/external_users/import': fieldsOperation('external_users', 'Import external users (upsert by external_id)', records('users', 'External users')),
  'POST /api/v2/admin/external_accounts/import': fieldsOperation('external_accounts', 'Import external accounts (upsert by external_id)', records('accounts', 'External accounts')),
  'POST /api/v2/admin/bulk_identify': fieldsOperation('users', 'Identify users with their external user and account', records('identities', 'Identities'), 'Answers with the users identified.', 'external_users'),
  ...Object.fromEntries(
    ['external_users', 'external_accounts'].flatMap((type) => [
      [`DELETE /api/v2/admin/${type}/bulk_delete`, fieldsOperation(type, `Delete ${type} by id`, idsBody('ids'), 'Answers with the records as they were.')],
      [`DELETE /api/v2/admin/${type}/bulk_delete_by_external_id`, fieldsOperation(type, `Delete ${type} by external id`, idsBody('external_ids'), 'Answers with the records as they were.')],
    ]),
  ),
};

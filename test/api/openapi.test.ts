import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnsOf } from '../../src/openapi/columns.ts';
import { buildOpenApi } from '../../src/openapi/document.ts';
import { exampleBody } from '../../src/openapi/examples.ts';
import { registry } from '../../src/resources/registry.ts';
import { seedDemo } from '../../src/seed.ts';
import { localStore } from '../../src/storage/local.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { request, type Reply, type RequestOptions } from '../helpers/http.ts';
import { checkAgainstOpenApi } from '../helpers/openapi.ts';

/**
 * The OpenAPI document (GET /api/v2/openapi.json) against the server it describes: a representative set
 * of calls — every list on the demo data with every side-load, gets, a create for every collection that
 * has one (its body generated from the declaration), actions, and the error shapes — each checked against the document with Ajv (draft 2020-12).
 * `OPENAPI_VALIDATE=1 npm test` applies the same check to every request of the API suite.
 */
let app: TestApp;
let a: Api;
let doc: any;

beforeAll(async () => {
  app = await startTestApp();
  await seedDemo(app.server.db.orm.em.fork(), localStore(app.config.uploadsDir));
  a = await api(app);
  doc = (await request(app.url, 'GET', '/api/v2/openapi.json')).body;
});
afterAll(() => app?.close());

/** A request whose reply must match the document (whatever its status). */
async function checked(method: string, path: string, options: RequestOptions & { auth?: boolean } = {}): Promise<Reply> {
  const token = options.auth === false ? undefined : (options.token ?? (await tokenOnce()));
  const reply = await request(app.url, method, path, { ...options, token });
  await checkAgainstOpenApi(app.url, method, path, reply);
  return reply;
}
let token: string | undefined;
const tokenOnce = async () => (token ??= await app.token());

const first = async (type: string): Promise<number> => {
  const reply = await a.get(`/${type}?per_page=1&sort=id`);
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body[type].length, `demo data has ${type}`).toBeGreaterThan(0);
  return reply.body[type][0].id;
};

describe('the document', () => {
  it('is OpenAPI 3.1 with the OAuth scheme, rate-limit headers and the error envelope', async () => {
    const reply = await request(app.url, 'GET', '/api/v2/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(doc.openapi).toBe('3.1.0');
    const scopes = { read: expect.any(String), write: expect.any(String), admin: expect.any(String) };
    expect(doc.components.securitySchemes.oauth.flows).toEqual({
      clientCredentials: { tokenUrl: `${app.config.publicUrl}/api/v2/oauth/token`, scopes },
      password: { tokenUrl: `${app.config.publicUrl}/api/v2/oauth/token`, scopes },
    });
    expect(Object.keys(doc.components.headers)).toEqual(['X-Rate-Limit-Limit', 'X-Rate-Limit-Remaining', 'X-Rate-Limit-Reset']);
    const list = doc.paths['/api/v2/admin/suggestions'].get;
    expect(list.responses['200'].headers['X-Rate-Limit-Remaining']).toEqual({ $ref: '#/components/headers/X-Rate-Limit-Remaining' });
    expect(list.parameters.map((p: any) => p.name ?? p.$ref)).toEqual([
      'page', 'per_page', 'cursor', 'page_token', 'sort', 'includes', 'updated_after', 'updated_before',
      ...Object.keys(registry.get('suggestions')!.filters ?? {}),
      '#/components/parameters/IfNoneMatch',
    ]);
    // Past the per-client limiter, errors and 304s carry its headers too (their `L…` variants); a 401 comes before it.
    expect(list.responses['304']).toEqual({ $ref: '#/components/responses/L304' });
    expect(list.responses['404']).toEqual({ $ref: '#/components/responses/L404' });
    expect(list.responses['401']).toEqual({ $ref: '#/components/responses/E401' });
    expect(doc.components.responses.L429.headers).toEqual({
      'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
      'X-Rate-Limit-Limit': { $ref: '#/components/headers/X-Rate-Limit-Limit' },
      'X-Rate-Limit-Remaining': { $ref: '#/components/headers/X-Rate-Limit-Remaining' },
      'X-Rate-Limit-Reset': { $ref: '#/components/headers/X-Rate-Limit-Reset' },
    });
    expect(doc.components.headers['X-Rate-Limit-Remaining']).toEqual({ description: 'Requests left in this window', required: true, schema: { type: 'integer' } });
    expect(doc.paths['/health'].get.responses['304']).toEqual({ $ref: '#/components/responses/N304' });
    // The record schema follows the declaration field by field.
    const record = doc.components.schemas.suggestions;
    expect(Object.keys(record.properties)).toEqual(['id', ...registry.get('suggestions')!.fields.map((f) => f.name), 'links']);
    // Null only where it can appear: the entity's nullable columns, and derived values declared `nullable`.
    expect(record.properties.title).toEqual({ type: 'string' });
    expect(record.properties.body).toEqual({ type: ['string', 'null'] });
    expect(record.properties.comments_count).toEqual({ type: 'integer' });
    expect(record.properties.closed_at).toEqual({ type: ['string', 'null'], pattern: expect.any(String), description: 'UTC, whole seconds' });
    expect(record.properties.created_at).toEqual({ type: 'string', pattern: expect.any(String), description: 'UTC, whole seconds' });
    expect(record.properties.portal_url).toEqual({ type: 'string' });
    expect(record.properties.importance_score_average).toEqual({ type: ['string', 'null'] });
    expect(record.properties.links.properties.forum).toEqual({ type: 'integer', description: 'A `forums` id' });
    expect(record.properties.links.properties.category).toEqual({ type: ['integer', 'null'], description: 'A `categories` id' });
    expect(record.properties.links.properties.ticket).toEqual({ type: 'null', description: 'A `tickets` id (not held here: always null)' });
    // Writes: JSON (flat or wrapped) and form-encoded, from `writable`.
    const create = doc.paths['/api/v2/admin/suggestions'].post.requestBody.content;
    expect(Object.keys(create)).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    expect(create['application/x-www-form-urlencoded'].schema.required).toEqual(['title', 'links.forum']);
    // Each field's schema is the zod schema writes are validated with (schema/write.ts), as z.toJSONSchema
    // writes its input side: JSON numbers are accepted as text, ids as digits; blank clears nullable fields.
    const fields = create['application/json'].schema.anyOf[0].properties;
    expect(fields.title).toEqual({ type: ['string', 'number'], description: 'At most 255 characters' });
    expect(fields.body).toEqual({ type: ['string', 'number', 'null'], description: 'At most 65535 characters' });
    expect(fields.links.properties.category).toEqual({
      anyOf: [{ type: 'integer', minimum: 1, maximum: 2147483647 }, { type: 'string', pattern: '^\\d{1,10}$' }, { type: 'null' }],
      description: 'A record id',
    });
    // The example create body is generated from the same rules: the required ones.
    expect(create['application/json'].example).toEqual({ title: 'example_title', links: { forum: 1 } });
    expect(doc.paths['/api/v2/admin/suggestions/{id}/approve'].put.summary).toBe('Approve a suggestion');
    expect(doc.paths['/health'].get.security).toEqual([]);
    // Each admin operation names the scope it needs; publishable keys' operations are marked.
    expect(doc.paths['/api/v2/admin/suggestions'].get.security).toEqual([{ oauth: ['read'] }]);
    expect(doc.paths['/api/v2/admin/suggestions'].get['x-publishable']).toBe(true);
    expect(doc.paths['/api/v2/admin/suggestions'].post.security).toEqual([{ oauth: ['write'] }]);
    expect(doc.paths['/api/v2/admin/suggestions'].post['x-publishable']).toBeUndefined();
    expect(doc.paths['/api/v2/admin/feedback'].post['x-publishable']).toBe(true);
    expect(doc.paths['/api/v2/admin/audit_events'].get.security).toEqual([{ oauth: ['admin'] }]);
    expect(doc.paths['/api/v2/admin/permissions'].post.security).toEqual([{ oauth: ['admin'] }]);
  });
});

describe('nullability', () => {
  it('every stored field and link column of every declaration is a column of its entity (none falls back to nullable)', () => {
    const columns = columnsOf(app.server.db.orm.getMetadata());
    const unknown: string[] = [];
    for (const def of registry.values()) {
      const table = columns.get(def.table);
      const stored = [
        ...def.fields.filter((f) => !f.value).map((f) => f.column ?? f.name),
        ...def.links.filter((l) => l.column).map((l) => l.column!),
      ].filter((column) => !def.computed?.[column]);
      for (const column of stored) if (!table?.has(column)) unknown.push(`${def.type}: ${def.table}.${column}`);
    }
    expect(unknown).toEqual([]);
  });
});

describe('the generator', () => {
  it('refuses a route without a description, and a description without a route', () => {
    const router = new Router();
    router.get('/api/v2/admin/suggestions', () => {});
    router.get('/api/v2/admin/suggestions/:id/history', () => {});
    const operations = { 'PUT /api/v2/admin/nothing': { summary: 'stale', responses: {} } };
    expect(() => buildOpenApi({ router, operations, publicUrl: 'http://x', version: '0', columns: new Map() })).toThrow(
      'OpenAPI: routes without an operation: GET /api/v2/admin/suggestions/{id}/history; operations without a route: PUT /api/v2/admin/nothing',
    );
  });
});

describe('responses match the document', () => {
  // One request per list and side-load: 31 collections since issue 19, past 30 s on a loaded machine.
  it('every list on the demo data, with every side-load, and a get of its first record', { timeout: 120_000 }, async () => {
    const lists = Object.keys(doc.paths).filter((p) => /^\/api\/v2\/admin\/\w+$/.test(p) && doc.paths[p].get && registry.has(p.split('/').pop()!));
    expect(lists.length).toBeGreaterThanOrEqual(registry.size);
    for (const path of lists) {
      const type = path.split('/').pop()!;
      const includes = doc.components.schemas[`${type}_envelope`].properties;
      const names = Object.keys(includes).filter((k) => !['links', 'list_meta', 'pagination', type].includes(k));
      const reply = await checked('GET', `${path}?per_page=3&includes=${names.join(',')}`);
      expect(reply.status, `${path}: ${reply.text}`).toBe(200);
      for (const header of Object.keys(doc.paths[path].get.responses['200'].headers)) expect(reply.headers.get(header), header).toMatch(/^\d+$/);
      // Demo records are optional for a new collection (contracts.test asks them of the ones real clients read).
      if (reply.body[type].length === 0) continue;
      const id = reply.body[type][0].id;
      const one = await checked('GET', `${path}/${id}?includes=${names.join(',')}`);
      expect(one.status, one.text).toBe(200);
    }
  });

  it('a create for every collection that has one', { timeout: 120_000 }, async () => {
    // Bodies generated from each declaration's writable rules (src/openapi/examples.ts), linking to the
    // first record of each linked type: no collection needs a body written here.
    const ids = new Map<string, number>();
    for (const def of registry.values()) {
      for (const [name, rule] of Object.entries(def.writable ?? {})) {
        const type = rule.type === 'ref' ? (rule.to ?? def.links.find((l) => `links.${l.name}` === name)?.type) : undefined;
        if (type && !ids.has(type)) ids.set(type, await first(type));
      }
    }
    const idOf = (type: string) => ids.get(type) ?? expect.fail(`no ${type} to link to`);
    const creatable = Object.keys(doc.paths).filter((p) => /^\/api\/v2\/admin\/\w+$/.test(p) && doc.paths[p].post && registry.has(p.split('/').pop()!));
    const problems: string[] = [];
    for (const path of creatable) {
      const type = path.split('/').pop()!;
      if (type === 'attachments') {
        const form = new FormData();
        form.append('file', new Blob(['hello']), 'hello.txt');
        const response = await fetch(`${app.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${await tokenOnce()}` }, body: form });
        const reply = { status: response.status, headers: response.headers, body: await response.json() };
        await checkAgainstOpenApi(app.url, 'POST', path, reply);
        if (reply.status !== 200) problems.push(`${type}: ${reply.status} ${JSON.stringify(reply.body)}`);
        continue;
      }
      const body = exampleBody(registry.get(type)!, idOf, randomUUID().slice(0, 8));
      const reply = await checked('POST', path, { json: body });
      if (reply.status !== 200) problems.push(`${type}: ${reply.status} ${reply.text} for ${JSON.stringify(body)}`);
    }
    expect(problems).toEqual([]);
  });

  it('the change feed: a page, the next page by cursor, and a bad cursor', async () => {
    const reply = await checked('GET', '/api/v2/admin/events?per_page=2');
    expect(reply.status, reply.text).toBe(200);
    const next = await checked('GET', `/api/v2/admin/events?cursor=${reply.body.pagination.cursor}`);
    expect(next.status, next.text).toBe(200);
    expect((await checked('GET', '/api/v2/admin/events?cursor=nope')).status).toBe(400);
  });

  it('actions, bulk routes and the token endpoint', async () => {
    const suggestion = await first('suggestions');
    const label = await first('labels');
    expect((await checked('PUT', `/api/v2/admin/suggestions/${suggestion}/approve`)).status).toBe(200);
    expect((await checked('GET', '/api/v2/admin/users/current')).status).toBe(200);
    expect((await checked('POST', '/api/v2/admin/labels/attach', { json: { links: { label, suggestion } } })).status).toBe(200);
    expect((await checked('POST', '/api/v2/admin/external_users/import', { json: { users: [{ external_id: `x-${randomUUID()}`, email: 'x@example.com' }] } })).status).toBe(200);
    expect((await checked('GET', '/health', { auth: false })).status).toBe(200);
    const client = await app.createClient();
    const grant = await checked('POST', '/api/v2/oauth/token', { auth: false, form: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${client.client_secret}` });
    expect(grant.status).toBe(200);
    expect((await checked('POST', '/api/v2/oauth/token', { auth: false, form: 'grant_type=client_credentials&client_id=nope&client_secret=nope' })).status).toBe(401);
  });

  it('the error shapes: 400, 401, 404, 422', async () => {
    expect((await checked('GET', '/api/v2/admin/suggestions?per_page=abc')).body).toEqual({ errors: { error: 'bad_request', message: expect.any(String) } });
    expect((await checked('GET', '/api/v2/admin/suggestions', { auth: false })).body).toEqual({ errors: { error: 'not_authorized' } });
    expect((await checked('GET', '/api/v2/admin/suggestions/999999')).body).toEqual({ errors: { error: 'record_not_found' } });
    expect((await checked('GET', '/api/v2/admin/nope')).body).toEqual({ errors: { error: 'not_found' } });
    const invalid = await checked('POST', '/api/v2/admin/suggestions', { json: {} });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors.title).toEqual(["can't be blank"]);
  });

  it('a reply that breaks the document is caught (the check is not vacuous)', async () => {
    const reply = await a.get('/suggestions?per_page=1');
    reply.body.suggestions[0].title = 42;
    await expect(checkAgainstOpenApi(app.url, 'GET', '/api/v2/admin/suggestions', reply)).rejects.toThrow(/title must be string/);
    reply.body.suggestions[0].title = 'ok';
    reply.body.unexpected = [];
    await expect(checkAgainstOpenApi(app.url, 'GET', '/api/v2/admin/suggestions', reply)).rejects.toThrow(/must NOT have additional properties/);
    delete reply.body.unexpected;
    const headers = new Headers(reply.headers);
    headers.delete('X-Rate-Limit-Reset');
    await expect(checkAgainstOpenApi(app.url, 'GET', '/api/v2/admin/suggestions', { ...reply, headers })).rejects.toThrow('X-Rate-Limit-Reset is missing');
  });
});

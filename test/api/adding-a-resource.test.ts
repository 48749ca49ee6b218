import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/resources/registry.ts';
import { createTestDatabase, testEnv, type TestDatabase } from '../helpers/app.ts';
import { request, type Reply, type RequestOptions } from '../helpers/http.ts';
import { checkAgainstOpenApi } from '../helpers/openapi.ts';

/**
 * README "Adding a resource", run: its files (each ```ts block headed `// src/…`) are written into a copy
 * of `src/`, the generator (src/db/generate-indexes.ts, as `npm run generate` runs it) lists them, and the
 * copy's server — over a database migrated up to now, so only the new migration runs — serves the new
 * collection through the registry: list, get, create, update, delete, and the OpenAPI document.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The section's files by path: its entity, declaration and migration (other blocks are excerpts). */
function exampleFiles(): Map<string, string> {
  const start = README.indexOf('### Adding a resource');
  const section = README.slice(start, README.indexOf('\n## ', start));
  return new Map([...section.matchAll(/```ts\n\/\/ (src\/(?:entities|resources|migrations)\/\S+)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!]));
}

type Server = typeof import('../../src/server.ts');
type Clients = typeof import('../../src/auth/clients.ts');
type ConfigModule = typeof import('../../src/config.ts');
type Log = typeof import('../../src/log.ts');

let copy: string;
let uploads: string;
let database: TestDatabase;
let server: Awaited<ReturnType<Server['startServer']>>;
let token: string;
let generated: ReturnType<typeof spawnSync>;

beforeAll(async () => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-widgets-'));
  uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-widgets-uploads-'));
  for (const entry of ['src', 'mikro-orm.config.ts', 'package.json']) fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  for (const [file, text] of exampleFiles()) fs.writeFileSync(path.join(copy, file), text);
  generated = spawnSync(process.execPath, [path.join(copy, 'src/db/generate-indexes.ts')], { cwd: copy, encoding: 'utf8' });

  const load = <T>(file: string) => import(pathToFileURL(path.join(copy, file)).href) as Promise<T>;
  const { startServer } = await load<Server>('src/server.ts');
  const { loadConfig } = await load<ConfigModule>('src/config.ts');
  const { createLogger } = await load<Log>('src/log.ts');
  const { createClient } = await load<Clients>('src/auth/clients.ts');
  database = await createTestDatabase();
  const config = loadConfig(testEnv(database, uploads));
  server = await startServer(config, { log: createLogger('silent'), orm: { pglite: database.pglite } });
  const client = await createClient(server.db.orm.em.fork(), 'widgets', config.ownerEmail);
  const grant = await request(server.url, 'POST', '/api/v2/oauth/token', {
    form: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${client.client_secret}`,
  });
  token = grant.body.access_token;
}, 180_000);

afterAll(async () => {
  await server?.shutdown();
  await database?.drop();
  for (const dir of [copy, uploads]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A request to the copy's server, its reply checked against the copy's OpenAPI document. */
async function call(method: string, url: string, options: RequestOptions = {}): Promise<Reply> {
  const reply = await request(server.url, method, `/api/v2/admin${url}`, { token, ...options });
  await checkAgainstOpenApi(server.url, method, `/api/v2/admin${url}`, reply);
  return reply;
}

const timestamp = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

describe('a resource from README "Adding a resource"', () => {
  it('is the entity, the declaration and the migration; the generator lists them', () => {
    expect([...exampleFiles().keys()]).toEqual(['src/entities/widget.ts', 'src/resources/widgets.ts', 'src/migrations/Migration20990101000000_widgets.ts']);
    expect(generated.stderr).toBe('');
    expect(generated.stdout).toBe('wrote src/entities/index.ts\nwrote src/migrations/index.ts\nwrote src/resources/index.ts\n');
    // The real tree is untouched: widgets exist in the copy only.
    expect(registry.has('widgets')).toBe(false);
  });

  it('gets create, list, get with side-loads, update and delete over HTTP', async () => {
    const forum = (await call('POST', '/forums', { json: { name: 'Widget forum' } })).body.forums[0].id;
    const created = await call('POST', '/widgets', { json: { name: 'First', links: { forum } } });
    expect(created.status, created.text).toBe(200);
    const id = created.body.widgets[0].id;
    const record = { id, name: 'First', created_at: timestamp, updated_at: timestamp, links: { forum } };
    expect(created.body).toEqual({ widgets: [record], links: { 'widgets.forum': { type: 'forums' } } });

    const list = await call('GET', '/widgets');
    expect(list.body).toEqual({
      widgets: [record],
      links: { 'widgets.forum': { type: 'forums' } },
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 1 },
    });

    const one = await call('GET', `/widgets/${id}?includes=forums`);
    expect(one.body.widgets).toEqual([record]);
    expect(one.body.forums.map((f: { id: number }) => f.id)).toEqual([forum]);

    const updated = await call('PUT', `/widgets/${id}`, { form: 'name=Renamed&links.forum=' });
    expect(updated.body).toEqual({ widgets: [{ ...record, name: 'Renamed', links: { forum: null } }], links: { 'widgets.forum': { type: 'forums' } } });

    const invalid = await call('POST', '/widgets', { json: { links: { forum: 999_999 } } });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({ errors: { name: ["can't be blank"], 'links.forum': ['does not exist'] } });

    const deleted = await call('DELETE', `/widgets/${id}`);
    expect(deleted.body).toEqual({ widgets: [{ ...record, name: 'Renamed', links: { forum: null } }], links: { 'widgets.forum': { type: 'forums' } } });
    expect((await call('GET', `/widgets/${id}`)).body).toEqual({ errors: { error: 'record_not_found' } });
  });

  it('is in the OpenAPI document, its record typed from the entity', async () => {
    const doc = (await request(server.url, 'GET', '/api/v2/openapi.json')).body;
    const methods = (p: string) => Object.keys(doc.paths[p] ?? {}).sort();
    expect(methods('/api/v2/admin/widgets')).toEqual(['get', 'post']);
    expect(methods('/api/v2/admin/widgets/{ids}')).toEqual(['get']);
    expect(methods('/api/v2/admin/widgets/{id}')).toEqual(['delete', 'put']);
    expect(doc.components.schemas.widgets).toEqual({
      type: 'object',
      properties: {
        id: { type: 'integer' },
        name: { type: 'string' },
        created_at: { type: 'string', pattern: expect.any(String), description: 'UTC, whole seconds' },
        updated_at: { type: 'string', pattern: expect.any(String), description: 'UTC, whole seconds' },
        links: {
          type: 'object',
          properties: { forum: { type: ['integer', 'null'], description: 'A `forums` id' } },
          required: ['forum'],
          additionalProperties: false,
        },
      },
      required: ['id', 'name', 'created_at', 'updated_at', 'links'],
      additionalProperties: false,
    });
    expect(doc.paths['/api/v2/admin/widgets'].post.requestBody.content['application/json'].example).toEqual({ name: 'example_name' });
  });
});

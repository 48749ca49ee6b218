import { describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { useTestApp } from '../helpers/factories.ts';
import { checkUpdatedWindow, listIds, walkCursor } from '../helpers/list-checks.ts';
import { NOT_FOUND } from '../helpers/wire.ts';

const { app, a } = useTestApp();

const LOG_LINKS = { 'service_hook_logs.service_hook': { type: 'service_hooks' } };
const db = (): Kysely<DB> => app.server.db.orm.em.fork().getKysely<DB>();

describe('GET /admin/service_hook_logs', () => {
  it('is an empty list while no webhook was delivered; read-only', async () => {
    const reply = await a.get('/service_hook_logs');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ service_hook_logs: [], links: LOG_LINKS, list_meta: null, pagination: { page: 1, per_page: 20, total_pages: 0, total_records: 0 } });
    expect((await a.get('/service_hook_logs/1')).body).toEqual(NOT_FOUND);
    expect((await a.post('/service_hook_logs', {})).status).toBe(405);
  });

  it('serves delivery rows once they exist: whole records, cursor walk, updated_after, event filter', async () => {
    const at = new Date('2025-02-03T04:05:06Z');
    const rows = await db()
      .insertInto('service_hook_logs')
      .values(
        Array.from({ length: 11 }, (_, i) => ({
          url: `https://hooks.example.com/${i}`,
          event: i % 2 ? 'new_suggestion' : 'new_comment',
          object_id: 100 + i,
          http_status: i === 3 ? null : 200,
          exception: i === 3 ? 'connection refused' : null,
          created_at: at,
          updated_at: at,
        })),
      )
      .returning('id')
      .execute();
    const ids = rows.map((r) => r.id);
    expect((await a.get(`/service_hook_logs/${ids[3]}`)).body).toEqual({
      service_hook_logs: [
        {
          id: ids[3],
          url: 'https://hooks.example.com/3',
          event: 'new_suggestion',
          object_id: 103,
          http_status: null,
          exception: 'connection refused',
          event_id: null,
          attempt: null,
          duration_ms: null,
          response_excerpt: null,
          created_at: '2025-02-03T04:05:06Z',
          updated_at: '2025-02-03T04:05:06Z',
          links: { service_hook: null },
        },
      ],
      links: LOG_LINKS,
    });
    expect(await walkCursor(a, '/service_hook_logs?per_page=4&sort=id')).toEqual(ids);
    expect(await listIds(a, '/service_hook_logs?per_page=100&event=new_suggestion')).toEqual(ids.filter((_, i) => i % 2).reverse());
    await checkUpdatedWindow(app, a, 'service_hook_logs', [ids[0]!, ids[1]!, ids[2]!]);
  });
});

describe('GET /admin/translatable_strings', () => {
  it('answers one object of texts by key: forums (plain and html), statuses, categories; no envelope', async () => {
    const forum = await a.forum({ name: 'Ideas', prompt: 'I suggest you…', welcome_message: '<p>Hello</p>' });
    const category = await a.category(forum.id, { name: 'Reports' });
    const status = await a.status({ name: 'planned' });
    const reply = await a.get('/translatable_strings');
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['plain', 'html']);
    expect(reply.body.plain).toMatchObject({
      [`forum.${forum.id}.name`]: 'Ideas',
      [`forum.${forum.id}.prompt`]: 'I suggest you…',
      [`status.${status.id}.name`]: 'planned',
      [`category.${category.id}.name`]: 'Reports',
    });
    expect(reply.body.plain).not.toHaveProperty(`forum.${forum.id}.example`);
    expect(reply.body.html).toEqual({ [`forum.${forum.id}.welcome_message`]: '<p>Hello</p>' });
    const unauthorised = await fetch(`${app.url}/api/v2/admin/translatable_strings`);
    expect(unauthorised.status).toBe(401);
  });
});

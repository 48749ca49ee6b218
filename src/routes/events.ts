import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { BadRequestError } from '../errors.ts';
import { DEFAULT_PER_PAGE, positiveInt, single, type QueryValue } from '../http/params.ts';
import { MAX_PER_PAGE } from '../resources/list.ts';
import { emOf, type AppState } from '../http/state.ts';
import { isoSeconds } from '../resources/define.ts';
import { jsonValue } from '../resources/service-hooks.ts';
import { readEvents, sequenceEvents } from '../services/event-feed.ts';
import type { Operations, Schema } from '../openapi/spec.ts';
import { envelopeResponses } from '../openapi/spec.ts';

const encodeCursor = (position: number) => Buffer.from(JSON.stringify(['events', position])).toString('base64url');

function decodeCursor(text: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value[0] === 'events' && Number.isSafeInteger(value[1]) && value[1] >= 0) return value[1] as number;
  } catch {
    // Falls through to the error below.
  }
  throw new BadRequestError('The cursor is not valid');
}

/**
 * GET /admin/events: the change feed, every event in commit order (services/event-feed.ts). Unlike the
 * other lists, `pagination.cursor` is on every page, the last one too: it is where to resume, now or
 * later, and `has_more` says whether to ask again at once.
 */
export function eventsRouter(_deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/events', async (ctx) => {
    const query = ctx.query as Record<string, QueryValue>;
    const perPage = Math.min(positiveInt(query, 'per_page', DEFAULT_PER_PAGE), MAX_PER_PAGE);
    const cursorText = single(query, 'cursor') || single(query, 'page_token');
    const after = cursorText ? decodeCursor(cursorText) : 0;
    const em = emOf(ctx);
    await sequenceEvents(em);
    const rows = await readEvents(em, after, perPage + 1);
    const page = rows.slice(0, perPage);
    const last = page.at(-1)?.position ?? after;
    ctx.body = {
      events: page.map((row) => ({ id: row.id, type: row.type, created_at: isoSeconds(row.created_at), data: jsonValue(row.data), links: {} })),
      links: {},
      list_meta: null,
      pagination: { per_page: perPage, cursor: encodeCursor(last), has_more: rows.length > perPage },
    };
  });
  return router;
}

const eventSchema: Schema = {
  type: 'object',
  properties: {
    id: { type: 'integer', description: 'Unique per event: receivers of webhooks deduplicate by it' },
    type: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    data: { type: 'object', description: 'Ids of the records concerned (`suggestion`, `comment`, `actor`, …) and `changes` as `{from, to}` pairs' },
    links: { type: 'object', additionalProperties: false },
  },
  required: ['id', 'type', 'created_at', 'data', 'links'],
  additionalProperties: false,
};

/** OpenAPI entry of the feed (its pagination differs from the other lists'). */
export const eventsOperations: Operations = {
  'GET /api/v2/admin/events': {
    summary: 'The change feed: every event in commit order, resumable by cursor',
    tags: ['events'],
    parameters: [
      { name: 'cursor', in: 'query', required: false, schema: { type: 'string' }, description: 'The last page\'s `pagination.cursor`; none: from the first event' },
      { name: 'page_token', in: 'query', required: false, schema: { type: 'string' }, description: 'The same as `cursor`' },
      { name: 'per_page', in: 'query', required: false, schema: { type: 'integer', minimum: 1 }, description: 'Default 20, at most 100' },
    ],
    responses: {
      ...envelopeResponses('events'),
      200: {
        description: 'A page of events',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                events: { type: 'array', items: eventSchema },
                links: { type: 'object' },
                list_meta: { type: 'null' },
                pagination: {
                  type: 'object',
                  properties: { per_page: { type: 'integer' }, cursor: { type: 'string' }, has_more: { type: 'boolean' } },
                  required: ['per_page', 'cursor', 'has_more'],
                  additionalProperties: false,
                },
              },
              required: ['events', 'links', 'list_meta', 'pagination'],
              additionalProperties: false,
            },
          },
        },
      },
    },
  },
};

import type Router from '@koa/router';
import { sql, type RawBuilder } from 'kysely';
import { jsonBody } from '../cache/responses.ts';
import { RecordNotFoundError } from '../errors.ts';
import { access, type Access } from '../http/access.ts';
import { readInput } from '../http/input.ts';
import type { WriteInput } from '../schema/write.ts';
import { parseId, parseIncludes, parseListParams } from '../http/params.ts';
import { authOf, emOf, type AppContext, type AppState } from '../http/state.ts';
import type { PresentEnv, ResourceDef, Row } from '../resources/define.ts';
import { buildDocument, renderDocument } from '../resources/document.ts';
import { renderedByIds, RS, type Batch } from '../resources/render.ts';
import { listRendered, listRows } from '../resources/list.ts';
import { rowsByIds, type AnyDb } from '../resources/rows.ts';
import { crud, type CrudRules } from '../services/crud.ts';

const MAX_IDS = 100;

/** `1,2,3` from the path; anything that is not a list of ids cannot name a record. */
export function pathIds(text: string): number[] {
  const parts = text.split(',');
  if (parts.length > MAX_IDS) throw new RecordNotFoundError();
  return parts.map((part) => {
    const id = parseId(part.trim());
    if (id === undefined) throw new RecordNotFoundError();
    return id;
  });
}

export function pathId(ctx: AppContext): number {
  const ids = pathIds(String(ctx.params.id ?? ''));
  if (ids.length !== 1) throw new RecordNotFoundError();
  return ids[0]!;
}

/** The envelope for the given records, in the given order; 404 if any is missing. */
export async function respondWith(ctx: AppContext, def: ResourceDef, ids: number[], env: PresentEnv): Promise<void> {
  const db = emOf(ctx).getKysely();
  const unique = [...new Set(ids)];
  const found = new Map((await rowsByIds(db, def, unique)).map((row) => [Number(row.id), row]));
  if (found.size !== unique.length) throw new RecordNotFoundError();
  const rows = unique.map((id) => found.get(id) as Row);
  ctx.body = await buildDocument(db, def, rows, env, { includes: parseIncludes(ctx) });
}

/** Reads the current rows first: DELETE answers with the record as it was. */
export async function snapshot(ctx: AppContext, def: ResourceDef, id: number, env: PresentEnv): Promise<Row> {
  await respondWith(ctx, def, [id], env);
  return ctx.body as Row;
}

/** Access rules of writeRoutes: `create` for POST, `change` for PUT and DELETE. */
export interface WriteAccess {
  create?: Access;
  change?: Access;
}

export interface WriteHandlers<D extends ResourceDef = ResourceDef> {
  /** Creates (id undefined) or updates a record from validated input; returns its id. */
  save(ctx: AppContext, id: number | undefined, input: WriteInput<D>): Promise<number>;
  remove(ctx: AppContext, id: number): Promise<void>;
}

/**
 * POST /admin/<type>, PUT /admin/<type>/<id>, DELETE /admin/<type>/<id> for a resource whose writes are
 * plain create/update/delete: each answers with the envelope (DELETE with the record as it was).
 * `rules` override who may create, and who may update or delete (http/access.ts; default: the write scope).
 */
export function writeRoutes<D extends ResourceDef>(router: Router<AppState>, def: D, env: PresentEnv, handlers: WriteHandlers<D>, rules: WriteAccess = {}): void {
  const create = rules.create ? [access(rules.create)] : [];
  const change = rules.change ? [access(rules.change)] : [];
  router.post(`/${def.type}`, ...create, async (ctx) => {
    const id = await handlers.save(ctx, undefined, readInput(ctx, def, 'create'));
    await respondWith(ctx, def, [id], env);
  });
  router.put(`/${def.type}/:id`, ...change, async (ctx) => {
    const id = await handlers.save(ctx, pathId(ctx), readInput(ctx, def, 'update'));
    await respondWith(ctx, def, [id], env);
  });
  router.delete(`/${def.type}/:id`, ...change, async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, def, id, env);
    await handlers.remove(ctx, id);
    ctx.body = body;
  });
}

export interface ReadOptions {
  /** Who may read (http/access.ts); default: the read scope. */
  access?: Access;
  /**
   * Rows this request may see, as a condition on `table` (undefined: all). Lists are filtered by it; a
   * get that names a row outside it is a 404, as if the row did not exist.
   */
  visible?: (ctx: AppContext, table: string) => RawBuilder<boolean> | undefined;
}

/** 404 unless every id names a row the condition lets the request see. */
async function checkVisible(ctx: AppContext, def: ResourceDef, ids: number[], where: RawBuilder<boolean>): Promise<void> {
  const unique = [...new Set(ids)];
  const seen = await (emOf(ctx).getKysely() as AnyDb)
    .selectFrom(def.table)
    .select(sql<string>`count(*)`.as('n'))
    .where(sql<boolean>`${sql.ref(`${def.table}.id`)} = any(${unique})`)
    .where(where)
    .executeTakeFirst();
  if (Number(seen?.n ?? 0) !== unique.length) throw new RecordNotFoundError();
}

/** A JSON document already serialised (resources/document.ts renderDocument) as bytes. */
function sendJson(ctx: AppContext, bytes: Buffer): void {
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = jsonBody(bytes);
}

/** The batch's records in the order the path named them (a batch comes in id order). */
function inOrder(batch: Batch, ids: number[]): Batch {
  if (ids.every((id, i) => batch.ids[i] === id)) return batch;
  const given = batch.records();
  const byId = new Map(batch.ids.map((id, i) => [id, given[i]!]));
  const records = () => ids.map((id) => byId.get(id)!);
  return { ...batch, ids, records, joined: () => [records().join(RS)] };
}

/**
 * GET /admin/<type> (list) and GET /admin/<type>/<id,id,…> for any registered resource. Records are
 * rendered by PostgreSQL (resources/render.ts); `ctx.state.render === 'js'` (the bench's copy of
 * today's path) builds the same bytes from objects instead.
 */
export function readRoutes(router: Router<AppState>, def: ResourceDef, env: PresentEnv, options: ReadOptions = {}): void {
  const rule = options.access ? [access(options.access)] : [];
  router.get(`/${def.type}`, ...rule, async (ctx) => {
    const db = emOf(ctx).getKysely();
    const params = parseListParams(ctx, def);
    params.where = options.visible?.(ctx, def.table);
    const includes = parseIncludes(ctx);
    if (ctx.state.render === 'js') {
      const { rows, pagination } = await listRows(db, def, params);
      ctx.body = await buildDocument(db, def, rows, env, { includes, pagination });
      return;
    }
    const { batch, pagination } = await listRendered(db, def, params, env);
    sendJson(ctx, await renderDocument(db, def, batch, env, { includes, pagination }));
  });
  router.get(`/${def.type}/:ids`, ...rule, async (ctx) => {
    const ids = pathIds(ctx.params.ids ?? '');
    const where = options.visible?.(ctx, def.table);
    if (where) await checkVisible(ctx, def, ids, where);
    if (ctx.state.render === 'js') {
      await respondWith(ctx, def, ids, env);
      return;
    }
    const db = emOf(ctx).getKysely();
    const unique = [...new Set(ids)];
    const batch = await renderedByIds(db, def, unique, env);
    if (batch.ids.length !== unique.length) throw new RecordNotFoundError();
    sendJson(ctx, await renderDocument(db, def, inOrder(batch, unique), env, { includes: parseIncludes(ctx) }));
  });
}

/** POST, PUT, DELETE through the generic CRUD service (services/crud.ts), with the resource's own rules if any. */
export function crudRoutes<D extends ResourceDef>(router: Router<AppState>, def: D, env: PresentEnv, rules?: CrudRules<D>): void {
  const service = crud(def, rules);
  writeRoutes(router, def, env, {
    save: (ctx, id, input) => service.save(emOf(ctx), id, input, { userId: authOf(ctx).userId }),
    remove: (ctx, id) => service.remove(emOf(ctx), id),
  });
}

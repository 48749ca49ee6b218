import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { encodeCursor, type Cursor } from './cursor.ts';
import type { Pagination } from './document.ts';
import type { FilterDef, PresentEnv, ResourceDef, Row, SortDef } from './define.ts';
import { pageStatement, renderedPage, type Batch } from './render.ts';
import { selectRows, type AnyDb, type AnySelect } from './rows.ts';

const SQL_TYPE = { integer: 'bigint', timestamp: 'timestamptz', string: 'text' } as const;

export interface Sort {
  field: string;
  def: SortDef;
  desc: boolean;
}

type Kind<K extends FilterDef['kind']> = Extract<FilterDef, { kind: K }>;

/** A filter the request uses: its declaration with the parameter's checked value (http/params.ts). */
export type FilterInput =
  | (Kind<'ids' | 'via' | 'pivot' | 'idsWhere' | 'unserved'> & { ids: number[] })
  | (Kind<'none' | 'present' | 'bool' | 'boolWhere'> & { bool: boolean })
  | (Kind<'values'> & { include: string[]; exclude: string[] })
  | (Kind<'search'> & { text: string })
  | (Kind<'period'> & { at: Date; wholeDay: boolean })
  | (Kind<'timeWhere'> & { at: Date });

/** What a list request asks for, checked (http/params.ts reads it from the query string). */
export interface ListParams {
  page: number;
  perPage: number;
  sort: Sort;
  cursor?: Cursor;
  updatedAfter?: Date;
  updatedBefore?: Date;
  /** Filters the request uses, in the declaration's order. */
  filters: FilterInput[];
  /** A condition the route imposes whatever the query says (what a publishable key may see). */
  where?: RawBuilder<boolean>;
}

const col = (def: ResourceDef, column: string) => sql.ref(`${def.table}.${column}`);

/** SQL condition for one filter's parsed value (http/params.ts parses and checks the values). */
function condition(def: ResourceDef, filter: FilterInput): RawBuilder<boolean> | undefined {
  switch (filter.kind) {
    case 'ids':
      return filter.ids.length === 0 ? sql<boolean>`false` : sql<boolean>`${col(def, filter.column)} in (${sql.join(filter.ids)})`;
    case 'none':
      return filter.bool ? sql<boolean>`${col(def, filter.column)} is null` : sql<boolean>`${col(def, filter.column)} is not null`;
    case 'present':
      return filter.bool ? sql<boolean>`${col(def, filter.column)} is not null` : sql<boolean>`${col(def, filter.column)} is null`;
    case 'bool':
      return sql<boolean>`${col(def, filter.column)} = ${filter.bool}`;
    case 'via':
      if (filter.ids.length === 0) return sql<boolean>`false`;
      return sql<boolean>`${col(def, filter.column)} in (select v.id from ${sql.table(filter.table)} v where v.${sql.ref(filter.target)} in (${sql.join(filter.ids)}))`;
    case 'pivot':
      if (filter.ids.length === 0) return sql<boolean>`false`;
      return sql<boolean>`exists (select 1 from ${sql.table(filter.table)} p where p.${sql.ref(filter.owner)} = ${col(def, 'id')} and p.${sql.ref(filter.target)} in (${sql.join(filter.ids)}))`;
    case 'values': {
      const target = filter.caseInsensitive ? sql`lower(${col(def, filter.column)})` : col(def, filter.column);
      const parts: RawBuilder<boolean>[] = [];
      if (filter.include.length > 0) parts.push(sql<boolean>`${target} in (${sql.join(filter.include)})`);
      if (filter.exclude.length > 0) parts.push(sql<boolean>`${target} not in (${sql.join(filter.exclude)})`);
      return parts.length === 0 ? undefined : sql<boolean>`(${sql.join(parts, sql` and `)})`;
    }
    case 'idsWhere':
      return filter.ids.length === 0 ? sql<boolean>`false` : filter.where(def.table, filter.ids);
    case 'boolWhere':
      return filter.where(def.table, filter.bool);
    case 'timeWhere':
      return filter.where(def.table, filter.at);
    case 'search': {
      const pattern = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const parts = filter.columns.map((c) => sql<boolean>`${col(def, c)} ilike ${pattern}`);
      return sql<boolean>`(${sql.join(parts, sql` or `)})`;
    }
    case 'period':
      if (filter.bound === 'start') return sql<boolean>`${col(def, filter.column)} >= ${filter.at}`;
      // `period_end=2024-03-31` means through that day.
      if (filter.wholeDay) return sql<boolean>`${col(def, filter.column)} < ${new Date(filter.at.getTime() + 86_400_000)}`;
      return sql<boolean>`${col(def, filter.column)} <= ${filter.at}`;
    case 'unserved':
      return sql<boolean>`false`;
  }
}

/** Every condition the request's filters impose (shared by the page query and the count). */
function conditions(def: ResourceDef, params: ListParams): RawBuilder<boolean>[] {
  const out: RawBuilder<boolean>[] = params.where ? [params.where] : [];
  if (params.updatedAfter) out.push(sql<boolean>`${col(def, 'updated_at')} > ${params.updatedAfter}`);
  if (params.updatedBefore) out.push(sql<boolean>`${col(def, 'updated_at')} < ${params.updatedBefore}`);
  for (const filter of params.filters) {
    const c = condition(def, filter);
    if (c) out.push(c);
  }
  return out;
}

function applyWhere(query: AnySelect, where: RawBuilder<boolean>[]): AnySelect {
  return where.reduce((q, c) => q.where(c), query);
}

export interface ListResult {
  rows: Row[];
  pagination: Pagination;
}

const SORT_VALUE = '__sort_value';

/** The largest page a list answers (http/params.ts clamps `per_page` to it). */
export const MAX_PER_PAGE = 100;

/**
 * The page size as SQL text, for a page in id order with no condition (`idOrder`): a prepared statement
 * whose plan PostgreSQL may keep (src/db/prepared.ts), but only if its generic plan is costed like the
 * custom ones, and with LIMIT or OFFSET as a parameter it is costed for a tenth of the table, so it was
 * planned anew on every request (~1.6 ms of PostgreSQL's time for a page of suggestions). The size is
 * the one value written into the text: an integer from 1 to MAX_PER_PAGE (http/params.ts clamps it),
 * checked again here; a page of each size is its own statement, within prepared.ts's 200 per session.
 */
function pageSize(perPage: number): RawBuilder<number> {
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) throw new Error(`page size ${perPage} is not an integer from 1 to ${MAX_PER_PAGE}`);
  return sql<number>`${sql.lit(perPage)}`;
}

/**
 * The page's select (filters, keyset or offset, order, limit), the conditions the count shares, and
 * whether the page is in id order with no condition (`idOrder`: prepared, src/db/prepared.ts).
 */
function pageQuery(db: AnyDb, def: ResourceDef, params: ListParams): { query: AnySelect; where: RawBuilder<boolean>[]; byId: boolean; idOrder: boolean } {
  const where = conditions(def, params);
  const { sort, perPage, page, cursor } = params;
  const dir = sort.desc ? sql`desc` : sql`asc`;
  const sortCol = col(def, sort.def.column);
  const byId = sort.def.column === 'id';
  const idOrder = byId && where.length === 0;

  let query = applyWhere(selectRows(db, def), where);
  if (!byId) query = query.select(sql<string>`cast(${sortCol} as text)`.as(SORT_VALUE));
  if (cursor) {
    const op = sort.desc ? sql`<` : sql`>`;
    query = byId
      ? query.where(sql<boolean>`${col(def, 'id')} ${op} ${cursor.id}`)
      : query.where(
          sql<boolean>`(${sortCol}, ${col(def, 'id')}) ${op} (cast(${cursor.value} as ${sql.raw(SQL_TYPE[sort.def.type])}), ${cursor.id})`,
        );
  } else if (page > 1 || !idOrder) {
    // The first page in id order has no OFFSET: as a parameter it, too, would cost the generic plan out.
    query = query.offset((page - 1) * perPage);
  }
  query = byId
    ? query.orderBy(sql`${col(def, 'id')} ${dir}`)
    : query.orderBy(sql`${sortCol} ${dir}`).orderBy(sql`${col(def, 'id')} ${dir}`);
  return { query: query.limit(idOrder ? pageSize(perPage) : perPage), where, byId, idOrder };
}

/** The filtered count and the pagination block; `last` is the page's last row (id, sort value). */
async function paginate(
  db: AnyDb,
  def: ResourceDef,
  params: ListParams,
  where: RawBuilder<boolean>[],
  last: { id: number; value: string | null } | undefined,
): Promise<Pagination> {
  const counted = await countQuery(db, def, params, where).executeTakeFirst();
  return pagination(params, Number(counted?.n ?? 0), last);
}

/**
 * `select … as n`: the number of records the list's conditions match. Unfiltered, it is read from
 * `row_counts` where triggers keep one for the table (migration list_indexes_counts): the base count
 * plus the deltas src/db/row-counts.ts has not folded yet, so its cost does not grow with the table;
 * COALESCE only counts when the table has no such row. Filtered by a `counted` filter alone, it is read
 * the same way from `pivot_counts` (migrations pivot_counts, forum_counts): the targets' base counts
 * (none yet: zero) plus their unfolded deltas — for a pivot filter with one id only, since several
 * overlap (a suggestion with two of the labels counts once); an `ids` column holds one value per row,
 * so several ids add up.
 */
function countQuery(db: AnyDb, def: ResourceDef, params: ListParams, where: RawBuilder<boolean>[]): AnySelect {
  const only = onlyFilter(params);
  if (only?.kind === 'ids' && only.counted && only.ids.length > 0) return keptCount(db, def.table, only.column, only.ids);
  if (only?.kind === 'pivot' && only.counted && only.ids.length === 1) return keptCount(db, only.table, only.target, only.ids);
  if (only?.kind === 'pivot' && only.ids.length > 0) {
    return db
      .selectFrom(sql.table(only.table).as('p') as never)
      .select(sql<string>`count(distinct p.${sql.ref(only.owner)})`.as('n'))
      .where(sql<boolean>`p.${sql.ref(only.target)} in (${sql.join(only.ids)})`) as AnySelect;
  }
  if (where.length === 0) {
    return db.selectNoFrom(
      sql<string>`coalesce((select rc.n + coalesce((select sum(d.n) from row_count_deltas d where d.table_name = rc.table_name), 0) from row_counts rc where rc.table_name = ${def.table}), (select count(*) from ${sql.table(def.table)}))`.as('n'),
    );
  }
  return applyWhere(db.selectFrom(def.table).select(sql<string>`count(*)`.as('n')), where);
}

/** The rows of `table` whose `column` is one of the ids, as `pivot_counts` keeps them (each id once). */
function keptCount(db: AnyDb, table: string, column: string, ids: readonly number[]): AnySelect {
  const key = (t: string) =>
    sql<boolean>`${sql.ref(`${t}.table_name`)} = ${table} and ${sql.ref(`${t}.column_name`)} = ${column} and ${sql.ref(`${t}.target_id`)} in (${sql.join(ids)})`;
  return db.selectNoFrom(
    sql<string>`coalesce((select sum(pc.n) from pivot_counts pc where ${key('pc')}), 0) + coalesce((select sum(d.n) from pivot_count_deltas d where ${key('d')}), 0)`.as('n'),
  );
}

/**
 * The request's one filter when nothing else narrows the list (no route condition, no updated window),
 * so its count can skip the list's table. A pivot filter's is read in the pivot table alone — the
 * distinct owners of the matching pivot rows, one index range — rather than by joining every match back
 * to the owner's table: the pivot's owner column references the owner table with ON DELETE CASCADE
 * (every pivot table a declaration names, migrations), so each distinct owner is a record of the list,
 * and the two counts are equal. At a million suggestions, `label=…` matching 40,000 of them counts in
 * ~5 ms instead of ~37. A `counted` filter's is already kept (countQuery).
 */
function onlyFilter(params: ListParams): FilterInput | undefined {
  if (params.where || params.updatedAfter || params.updatedBefore || params.filters.length !== 1) return undefined;
  return params.filters[0];
}

function pagination(params: ListParams, total: number, last: { id: number; value: string | null } | undefined): Pagination {
  const { sort, perPage, page } = params;
  const totalPages = Math.ceil(total / perPage);
  const pagination: Pagination = { page, per_page: perPage, total_pages: totalPages, total_records: total };
  if (last && page < totalPages) {
    pagination.cursor = encodeCursor({ sort: `${sort.desc ? '-' : ''}${sort.field}`, value: last.value, id: last.id, page: page + 1 });
    // The 2018 SDK reads the next page's token from `page_token`; later clients from `cursor`.
    pagination.page_token = pagination.cursor;
  }
  return pagination;
}

/**
 * One page of a collection as rows: two statements (the page and the filtered count). Order is the
 * requested sort then id; a cursor continues strictly after the last row of the previous page (keyset),
 * so rows with equal sort values are neither skipped nor repeated.
 */
export async function listRows(db: AnyDb, def: ResourceDef, params: ListParams): Promise<ListResult> {
  const { query, where, byId } = pageQuery(db, def, params);
  const rows = (await query.execute()) as Row[];
  const last = rows.at(-1);
  const pagination = await paginate(db, def, params, where, last && { id: Number(last.id), value: byId ? null : (last[SORT_VALUE] as string) });
  return { rows, pagination };
}

/** listRows() as a batch of resources/render.ts (records rendered by PostgreSQL); page and count in one statement. */
export async function listRendered(db: AnyDb, def: ResourceDef, params: ListParams, env: PresentEnv): Promise<{ batch: Batch; pagination: Pagination }> {
  const { query, where, byId, idOrder } = pageQuery(db, def, params);
  const { batch, total } = await renderedPage(db, def, query, env, byId ? undefined : SORT_VALUE, countQuery(db, def, params, where), idOrder);
  const lastId = batch.ids.at(-1);
  const last = lastId === undefined ? undefined : { id: lastId, value: byId ? null : (batch.lastSortValue ?? null) };
  return { batch, pagination: pagination(params, total, last) };
}

/**
 * The statement a rendered list request runs (page and count) for a declaration rendered entirely in
 * SQL; test/api/list-plans.test.ts EXPLAINs it.
 */
export function listStatement(db: AnyDb, def: ResourceDef, params: ListParams, env: PresentEnv): CompiledQuery {
  const { query, where, byId, idOrder } = pageQuery(db, def, params);
  return pageStatement(db, def, env, byId ? undefined : SORT_VALUE, query.compile(), countQuery(db, def, params, where).compile(), idOrder);
}

import { sql, type RawBuilder } from 'kysely';
import { encodeCursor, type Cursor } from './cursor.ts';
import type { Pagination } from './document.ts';
import type { FilterDef, ResourceDef, Row, SortDef } from './define.ts';
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

/**
 * One page of a collection: two statements (the page and the filtered count). Order is the requested
 * sort then id; a cursor continues strictly after the last row of the previous page (keyset), so rows
 * with equal sort values are neither skipped nor repeated.
 */
export async function listRows(db: AnyDb, def: ResourceDef, params: ListParams): Promise<ListResult> {
  const where = conditions(def, params);
  const { sort, perPage, page, cursor } = params;
  const dir = sort.desc ? sql`desc` : sql`asc`;
  const sortCol = col(def, sort.def.column);
  const byId = sort.def.column === 'id';

  let query = applyWhere(selectRows(db, def), where);
  if (!byId) query = query.select(sql<string>`cast(${sortCol} as text)`.as(SORT_VALUE));
  if (cursor) {
    const op = sort.desc ? sql`<` : sql`>`;
    query = byId
      ? query.where(sql<boolean>`${col(def, 'id')} ${op} ${cursor.id}`)
      : query.where(
          sql<boolean>`(${sortCol}, ${col(def, 'id')}) ${op} (cast(${cursor.value} as ${sql.raw(SQL_TYPE[sort.def.type])}), ${cursor.id})`,
        );
  } else {
    query = query.offset((page - 1) * perPage);
  }
  query = byId
    ? query.orderBy(sql`${col(def, 'id')} ${dir}`)
    : query.orderBy(sql`${sortCol} ${dir}`).orderBy(sql`${col(def, 'id')} ${dir}`);
  const rows = (await query.limit(perPage).execute()) as Row[];

  const counted = await applyWhere(db.selectFrom(def.table).select(sql<string>`count(*)`.as('n')), where).executeTakeFirst();
  const total = Number(counted?.n ?? 0);
  const totalPages = Math.ceil(total / perPage);
  const pagination: Pagination = { page, per_page: perPage, total_pages: totalPages, total_records: total };
  const last = rows.at(-1);
  if (last && page < totalPages) {
    pagination.cursor = encodeCursor({
      sort: `${sort.desc ? '-' : ''}${sort.field}`,
      value: byId ? null : (last[SORT_VALUE] as string),
      id: Number(last.id),
      page: page + 1,
    });
    // The 2018 SDK reads the next page's token from `page_token`; later clients from `cursor`.
    pagination.page_token = pagination.cursor;
  }
  return { rows, pagination };
}

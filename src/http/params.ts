import type { Cursor } from '../resources/cursor.ts';
import type { FilterDef, ResourceDef, SortDef } from '../resources/define.ts';
import { MAX_PER_PAGE, type FilterInput, type ListParams, type Sort } from '../resources/list.ts';
import { BadRequestError } from '../errors.ts';
import type { AppContext } from './state.ts';
import { parseBool, parseId, parseTimestamp } from '../values.ts';

export { parseBool, parseId, parseTimestamp };

const MAX_INCLUDES = 50;
const MAX_LIST_ITEMS = 1000;
const MAX_PAGE = 2_147_483_647;
export const DEFAULT_PER_PAGE = 20;

export type QueryValue = string | string[] | undefined;

/**
 * `includes` as a comma list, repeated keys, or (in bodies) a JSON array. Unknown names are kept here and
 * ignored by the document builder: real clients send names we may not serve. Publishable keys get none.
 */
export function parseIncludes(ctx: AppContext): Set<string> {
  // A publishable key sees the records it may read and nothing they link to (users, notes, …).
  if (ctx.state.auth?.publishable) return new Set();
  const raw: unknown[] = [];
  const add = (value: unknown) => (Array.isArray(value) ? raw.push(...value) : raw.push(value));
  add(ctx.query.includes);
  const body = ctx.request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) add(body.includes);
  const names = new Set<string>();
  for (const value of raw) {
    if (typeof value !== 'string') continue;
    for (const name of value.split(',')) {
      const trimmed = name.trim();
      if (trimmed && names.size < MAX_INCLUDES) names.add(trimmed);
    }
  }
  return names;
}

/** A parameter that may appear once. */
export function single(query: Record<string, QueryValue>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new BadRequestError(`The parameter ${name} is given more than once`);
  return value;
}

/** Comma lists and repeated keys, flattened; empty items dropped. */
export function list(query: Record<string, QueryValue>, name: string): string[] | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (items.length > MAX_LIST_ITEMS) throw new BadRequestError(`The parameter ${name} has more than ${MAX_LIST_ITEMS} values`);
  return items;
}

export function idList(query: Record<string, QueryValue>, name: string): number[] | undefined {
  const items = list(query, name);
  if (!items) return undefined;
  return items.map((item) => {
    const id = parseId(item);
    if (id === undefined) throw new BadRequestError(`The parameter ${name} must be a list of ids`);
    return id;
  });
}

export function boolParam(query: Record<string, QueryValue>, name: string): boolean | undefined {
  const raw = single(query, name);
  if (raw === undefined || raw === '') return undefined;
  const value = parseBool(raw);
  if (value === undefined) throw new BadRequestError(`The parameter ${name} must be true or false`);
  return value;
}

function timestampParam(query: Record<string, QueryValue>, name: string): Date | undefined {
  const raw = single(query, name);
  if (raw === undefined || raw === '') return undefined;
  const date = parseTimestamp(raw);
  if (!date) throw new BadRequestError(`The parameter ${name} must be an ISO-8601 timestamp`);
  return date;
}

export function positiveInt(query: Record<string, QueryValue>, name: string, fallback: number): number {
  const raw = single(query, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new BadRequestError(`The parameter ${name} must be a positive whole number`);
  const value = Number(raw.trim());
  if (value < 1 || value > MAX_PAGE) throw new BadRequestError(`The parameter ${name} must be between 1 and ${MAX_PAGE}`);
  return value;
}

const ID_SORT: SortDef = { column: 'id', type: 'integer' };

export function parseSort(query: Record<string, QueryValue>, def: ResourceDef): Sort {
  const raw = single(query, 'sort')?.trim() || def.defaultSort || '-id';
  const desc = raw.startsWith('-');
  const field = desc ? raw.slice(1) : raw.replace(/^\+/, '');
  // Own keys only: `sort=constructor` or `__proto__` must not find Object.prototype's members.
  const sortDef = field === 'id' ? ID_SORT : def.sorts && Object.hasOwn(def.sorts, field) ? def.sorts[field] : undefined;
  if (!sortDef) throw new BadRequestError(`Cannot sort ${def.type} by "${field}"`);
  return { field, def: sortDef, desc };
}

function decodeCursor(text: string): Cursor {
  try {
    const [sort, value, id, page] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof sort === 'string' &&
      (value === null || typeof value === 'string') &&
      Number.isSafeInteger(id) &&
      Number.isSafeInteger(page) &&
      (page as number) >= 1
    ) {
      return { sort, value, id: id as number, page: page as number };
    }
  } catch {
    // fall through
  }
  throw new BadRequestError('The cursor is not valid');
}

/** Cursors are opaque but not signed: check the position value can be cast to the sort column's type. */
function cursorValueFits(value: string | null, sort: Sort): boolean {
  if (sort.def.column === 'id') return value === null;
  if (value === null) return false;
  switch (sort.def.type) {
    case 'integer':
      return /^-?\d{1,18}$/.test(value);
    case 'timestamp':
      return parseTimestamp(value) !== undefined;
    case 'string':
      return !value.includes('\u0000');
  }
}

const MAX_SEARCH_LENGTH = 255;

/** One filter parameter checked against its declaration; undefined when the request does not use it. */
function parseFilter(query: Record<string, QueryValue>, name: string, filter: FilterDef): FilterInput | undefined {
  switch (filter.kind) {
    case 'ids':
    case 'via':
    case 'pivot':
    case 'idsWhere':
    case 'unserved': {
      const ids = idList(query, name);
      return ids && { ...filter, ids };
    }
    case 'none':
    case 'present':
    case 'bool':
    case 'boolWhere': {
      const bool = boolParam(query, name);
      return bool === undefined ? undefined : { ...filter, bool };
    }
    case 'values': {
      const values = list(query, name);
      if (!values) return undefined;
      const include: string[] = [];
      const exclude: string[] = [];
      for (const raw of values) {
        const negated = filter.negatable === true && raw.startsWith('-');
        const value = filter.caseInsensitive ? (negated ? raw.slice(1) : raw).toLowerCase() : negated ? raw.slice(1) : raw;
        if (filter.values && !filter.values.includes(value)) {
          throw new BadRequestError(`The parameter ${name} accepts ${filter.values.join(', ')}`);
        }
        (negated ? exclude : include).push(value);
      }
      return { ...filter, include, exclude };
    }
    case 'search': {
      const text = single(query, name)?.trim();
      if (!text) return undefined;
      if (text.length > MAX_SEARCH_LENGTH) throw new BadRequestError(`The parameter ${name} is longer than ${MAX_SEARCH_LENGTH} characters`);
      return { ...filter, text };
    }
    case 'period': {
      const text = single(query, name)?.trim();
      if (!text) return undefined;
      const at = parseTimestamp(text);
      if (!at) throw new BadRequestError(`The parameter ${name} must be an ISO-8601 date or timestamp`);
      return { ...filter, at, wholeDay: /^\d{4}-\d{2}-\d{2}$/.test(text) };
    }
    case 'timeWhere': {
      const text = single(query, name)?.trim();
      if (!text) return undefined;
      const at = parseTimestamp(text);
      if (!at) throw new BadRequestError(`The parameter ${name} must be an ISO-8601 date or timestamp`);
      return { ...filter, at };
    }
  }
}

/** The declared filters the query uses, in declaration order (the first bad one answers the 400). */
function parseFilters(query: Record<string, QueryValue>, def: ResourceDef): FilterInput[] {
  const out: FilterInput[] = [];
  for (const [name, filter] of Object.entries(def.filters ?? {})) {
    const parsed = parseFilter(query, name, filter);
    if (parsed) out.push(parsed);
  }
  return out;
}

const BRACKETED = /^filter\[([a-z_]{1,64})\]$/;
const ID_FILTERS = new Set(['ids', 'via', 'pivot']);

/** The filter a `filter[name]` parameter stands for, or undefined when the resource has none by that name. */
function bracketTarget(def: ResourceDef, name: string): string | undefined {
  const filters = def.filters ?? {};
  if (name === 'updated_after' || name === 'updated_before' || Object.hasOwn(filters, name)) return name;
  // `filter[suggestion_id]` (and `_ids`) for the id filter UserVoice documents as `suggestion`.
  const stem = name.replace(/_ids?$/, '');
  if (stem !== name && Object.hasOwn(filters, stem) && ID_FILTERS.has(filters[stem]!.kind)) return stem;
  return undefined;
}

/**
 * The query with `filter[name]=` parameters (as some clients send them, e.g. `filter[suggestion_id]` on
 * supporters) added under the unbracketed filter they stand for; values of both forms add up like
 * repeated keys. Unknown bracketed names are ignored, like unknown parameters.
 */
export function withBracketFilters(query: Record<string, QueryValue>, def: ResourceDef): Record<string, QueryValue> {
  let out: Record<string, QueryValue> | undefined;
  for (const key of Object.keys(query)) {
    const match = BRACKETED.exec(key);
    const target = match && bracketTarget(def, match[1]!);
    const value = query[key];
    if (!target || value === undefined) continue;
    out ??= Object.assign(Object.create(null) as Record<string, QueryValue>, query);
    const before = out[target];
    out[target] = before === undefined ? value : [before, value].flat();
  }
  return out ?? query;
}

/** page/per_page (per_page above 100 is clamped), cursor or page_token, sort, updated_after/before. */
export function parseListParams(ctx: AppContext, def: ResourceDef): ListParams {
  const raw = ctx.query as Record<string, QueryValue>;
  // PostgreSQL refuses NUL in text: a filter value carrying one would fail in the database, not here.
  for (const [name, value] of Object.entries(raw)) {
    if ((Array.isArray(value) ? value : [value]).some((v) => v?.includes('\u0000'))) {
      throw new BadRequestError(`The parameter ${name} must not contain NUL bytes`);
    }
  }
  const query = withBracketFilters(raw, def);
  const sort = parseSort(query, def);
  const perPage = Math.min(positiveInt(query, 'per_page', DEFAULT_PER_PAGE), MAX_PER_PAGE);
  const cursorText = single(query, 'cursor') || single(query, 'page_token');
  let cursor: Cursor | undefined;
  let page = positiveInt(query, 'page', 1);
  if (cursorText) {
    cursor = decodeCursor(cursorText);
    const sortKey = `${sort.desc ? '-' : ''}${sort.field}`;
    if (cursor.sort !== sortKey) throw new BadRequestError('The cursor belongs to another sort order');
    if (!cursorValueFits(cursor.value, sort)) throw new BadRequestError('The cursor is not valid');
    page = cursor.page;
  }
  return {
    page,
    perPage,
    sort,
    cursor,
    updatedAfter: timestampParam(query, 'updated_after'),
    updatedBefore: timestampParam(query, 'updated_before'),
    filters: parseFilters(query, def),
  };
}

/**
 * A resource type is declared once, as data: its table, wire fields, links, filters, sorts and
 * writable fields. Everything generic (rows → wire records, side-loading, the envelope, lists)
 * reads these declarations and never names a resource.
 */

export type Row = Record<string, unknown>;

/** What presentation may depend on besides the row. */
export interface PresentEnv {
  publicUrl: string;
}

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'object';

export interface FieldDef {
  /** Wire name. */
  name: string;
  type: FieldType;
  /** Column the value comes from (default: the wire name). Ignored when `value` is given. */
  column?: string;
  /** Derived value (e.g. URLs), or a constant for data we do not hold. */
  value?: (row: Row, env: PresentEnv) => unknown;
}

export interface LinkDef {
  /** Association name on the wire (`links.forum`). */
  name: string;
  /** Target collection (`forums`). */
  type: string;
  /** To-one: the foreign-key column. */
  column?: string;
  /** To-many through a pivot table: `select target from table where owner = row.id`. */
  many?: { table: string; owner: string; target: string };
  /** Neither column nor many: a link we hold no data for, always null (or [] when `list`). */
  list?: boolean;
}

export interface ResourceDef {
  /** Collection key on the wire, also the name used in `includes` and the top-level links map. */
  type: string;
  table: string;
  fields: FieldDef[];
  links: LinkDef[];
}

export function defineResource(def: ResourceDef): ResourceDef {
  return def;
}


/** UserVoice's timestamp form: UTC, whole seconds, `Z`. */
export function isoSeconds(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) return null;
  return `${date.toISOString().slice(0, 19)}Z`;
}

function convert(type: FieldType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'timestamp':
      return isoSeconds(value);
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : Number(value);
    case 'boolean':
      return Boolean(value);
    case 'string':
      return String(value);
    default:
      return value;
  }
}

/** Columns a list or side-load must select for this resource (excluding to-many links). */
export function selectedColumns(def: ResourceDef): string[] {
  const columns = new Set<string>(['id']);
  for (const field of def.fields) if (!field.value) columns.add(field.column ?? field.name);
  for (const link of def.links) if (link.column) columns.add(link.column);
  return [...columns];
}

/** Row alias under which a to-many link's ids are selected. */
export const manyAlias = (link: LinkDef) => `__${link.name}_ids`;

/** One wire record: `id`, the declared fields in order, then `links`. */
export function present(def: ResourceDef, row: Row, env: PresentEnv): Row {
  const record: Row = { id: Number(row.id) };
  for (const field of def.fields) {
    const raw = field.value ? field.value(row, env) : row[field.column ?? field.name];
    record[field.name] = convert(field.type, raw);
  }
  const links: Row = {};
  for (const link of def.links) {
    if (link.column) {
      const id = row[link.column];
      links[link.name] = id === null || id === undefined ? null : Number(id);
    } else if (link.many) {
      const ids = row[manyAlias(link)];
      links[link.name] = Array.isArray(ids) ? ids.map(Number) : [];
    } else {
      links[link.name] = link.list ? [] : null;
    }
  }
  record.links = links;
  return record;
}

import type { Step } from './plan.ts';
import type { ColumnInfo, TableInfo } from './schema.ts';

export type Record_ = Record<string, unknown>;

/** One source record as our rows: the table row, its pivot rows, links to set later, dropped links. */
export interface Mapped {
  id: number;
  row: Record<string, unknown>;
  pivots: { table: string; owner: string; target: string; targetTable: string; ids: number[] }[];
  /** Foreign keys to check (column → referenced table and id). */
  /**
   * Foreign keys to check before writing. A missing target of a `deferrable` one (same collection or a later
   * step) is set after the walk; of a nullable one, dropped and reported; otherwise the record is skipped.
   */
  references: { column: string; table: string; id: number; deferrable: boolean; nullable: boolean }[];
  updatedAt: string | null;
  /** Attachments: where the file is downloaded from. */
  url?: string;
  /** The row exists and lacks columns an insert needs (an attachment's stored file): update only. */
  updateOnly?: boolean;
}

export class InvalidRecord extends Error {}

const INTEGER = new Set(['integer', 'bigint', 'smallint']);
const TEXT = new Set(['character varying', 'text', 'character']);

/** A wire value as a column value, or InvalidRecord naming the wire field and why. */
function convert(column: ColumnInfo, wire: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (INTEGER.has(column.type)) {
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new InvalidRecord(`${wire} is not an integer`);
    return n;
  }
  if (column.type === 'numeric' || column.type === 'double precision' || column.type === 'real') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidRecord(`${wire} is not a number`);
    return value;
  }
  if (column.type === 'boolean') {
    if (typeof value !== 'boolean') throw new InvalidRecord(`${wire} is not a boolean`);
    return value;
  }
  if (column.type.startsWith('timestamp')) {
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time)) throw new InvalidRecord(`${wire} is not a timestamp`);
    return new Date(time).toISOString();
  }
  if (column.type === 'json' || column.type === 'jsonb') return JSON.stringify(value);
  if (TEXT.has(column.type)) {
    if (typeof value === 'object') throw new InvalidRecord(`${wire} is not a string`);
    const text = String(value);
    if (column.maxLength !== null && [...text].length > column.maxLength) throw new InvalidRecord(`${wire} is longer than ${column.maxLength} characters`);
    return text;
  }
  throw new InvalidRecord(`${wire}: unsupported column type ${column.type}`);
}

/**
 * Maps a wire record onto the step's table through its resource declaration (the inverse of present()):
 * stored fields by their column, to-one links by their foreign key, owned to-many links as pivot rows.
 * Checks types, lengths and required columns against the real schema; throws InvalidRecord.
 */
export function mapRecord(step: Step, record: Record_, tables: Map<string, TableInfo>, later: ReadonlySet<string>): Mapped {
  const def = step.def;
  const table = tables.get(def.table)!;
  const id = record.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new InvalidRecord('id is not a positive integer');
  const row: Record<string, unknown> = { id };
  const set = (column: string, wire: string, value: unknown) => {
    const info = table.columns.get(column);
    if (!info || column === 'id' || step.skip.includes(column)) return;
    row[column] = convert(info, wire, value);
  };
  for (const field of def.fields) {
    const column = field.column ?? field.name;
    // A derived field stored under its own name (body_mime_type: '' on the wire when there is no body).
    const stored = !field.value || field.uses?.includes(column);
    if (!stored || !(field.name in record)) continue;
    const value = record[field.name];
    if (field.value && (value === '' || value === null)) continue;
    set(column, field.name, value);
  }
  for (const [column, infer] of Object.entries(step.inferred)) {
    if (!(column in record)) set(column, column, infer(record));
  }
  const links = (record.links ?? {}) as Record<string, unknown>;
  const pivots: Mapped['pivots'] = [];
  for (const link of def.links) {
    if (!(link.name in links)) continue;
    const value = links[link.name];
    if (link.column && !link.list && !link.column.startsWith('__')) set(link.column, `links.${link.name}`, value);
    if (link.many && step.pivots.includes(link.many.table)) {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isSafeInteger(v))) throw new InvalidRecord(`links.${link.name} is not a list of ids`);
      const targetTable = tables.get(link.many.table)?.references.get(link.many.target);
      if (!targetTable) throw new Error(`no foreign key for ${link.many.table}.${link.many.target}`);
      pivots.push({ table: link.many.table, owner: link.many.owner, target: link.many.target, targetTable, ids: [...new Set(value as number[])].sort((a, b) => a - b) });
    }
  }
  for (const [column, info] of table.columns) {
    if (column === 'id' || step.skip.includes(column) || info.nullable) continue;
    if (row[column] !== null && row[column] !== undefined) continue;
    // An absent or null value of a column with a default keeps the default (insert) or the stored value (update).
    if (!info.hasDefault) throw new InvalidRecord(`${wireName(step, column)} is missing`);
    delete row[column];
  }
  const references: Mapped['references'] = [];
  for (const [column, target] of table.references) {
    const value = row[column];
    if (typeof value !== 'number') continue;
    references.push({ column, table: target, id: value, deferrable: target === def.table || later.has(target), nullable: table.columns.get(column)!.nullable });
  }
  const updatedAt = typeof row.updated_at === 'string' ? row.updated_at : null;
  return { id, row, pivots, references, updatedAt, url: typeof record.url === 'string' ? record.url : undefined };
}

/** The wire name of a column, for messages (`links.forum` for forum_id). */
export function wireName(step: Step, column: string): string {
  const link = step.def.links.find((l) => l.column === column && !l.list);
  if (link) return `links.${link.name}`;
  return step.def.fields.find((f) => (f.column ?? f.name) === column)?.name ?? column;
}

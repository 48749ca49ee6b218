import { sql } from 'kysely';
import type { AnyDb } from '../resources/rows.ts';

export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  maxLength: number | null;
}

export interface TableInfo {
  columns: Map<string, ColumnInfo>;
  /** Foreign-key column → the table it references (by id). */
  references: Map<string, string>;
}

/**
 * The target's tables as the database describes them, so records are checked against the real column
 * types, lengths, nullability and foreign keys (one source of truth: the migrations).
 */
export async function readSchema(db: AnyDb, tables: readonly string[]): Promise<Map<string, TableInfo>> {
  const columns = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; character_maximum_length: number | null }>`
    select table_name, column_name, data_type, is_nullable, column_default, character_maximum_length
    from information_schema.columns where table_schema = current_schema() and table_name in (${sql.join(tables)})`.execute(db);
  const keys = await sql<{ table_name: string; column_name: string; ref_table: string }>`
    select kcu.table_name, kcu.column_name, ccu.table_name as ref_table
    from information_schema.table_constraints tc
    join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
    join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.table_schema = tc.table_schema
    where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = current_schema() and kcu.table_name in (${sql.join(tables)})`.execute(db);
  const result = new Map<string, TableInfo>();
  for (const table of tables) result.set(table, { columns: new Map(), references: new Map() });
  for (const c of columns.rows) {
    result.get(c.table_name)!.columns.set(c.column_name, {
      name: c.column_name,
      type: c.data_type,
      nullable: c.is_nullable === 'YES',
      hasDefault: c.column_default !== null,
      maxLength: c.character_maximum_length === null ? null : Number(c.character_maximum_length),
    });
  }
  for (const k of keys.rows) result.get(k.table_name)!.references.set(k.column_name, k.ref_table);
  return result;
}

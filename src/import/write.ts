import { sql } from 'kysely';
import type { AnyDb } from '../resources/rows.ts';
import type { Mapped } from './records.ts';
import type { TableInfo } from './schema.ts';

export type Outcome = 'created' | 'updated' | 'unchanged';

const ref = (table: string, column: string) => sql.ref(`${table}.${column}`);

/**
 * Inserts the row under its source id, or updates it only where a value differs (`is distinct from`), so a
 * rerun over unchanged data writes nothing. Parameterized; table and column names come from the schema.
 */
export async function upsert(db: AnyDb, table: string, info: TableInfo, m: Mapped): Promise<Outcome> {
  const columns = Object.keys(m.row);
  const others = columns.filter((c) => c !== 'id');
  // json has no equality operator; jsonb compares by value.
  const cmp = (t: string, c: string) => (info.columns.get(c)?.type === 'json' ? sql`${ref(t, c)}::jsonb` : ref(t, c));
  const update =
    others.length === 0
      ? sql`do nothing`
      : sql`do update set ${sql.join(others.map((c) => sql`${sql.ref(c)} = ${ref('excluded', c)}`))}
          where (${sql.join(others.map((c) => cmp(table, c)))}) is distinct from (${sql.join(others.map((c) => cmp('excluded', c)))})`;
  const result = m.updateOnly
    ? others.length === 0
      ? { rows: [] }
      : await sql<{ inserted: boolean }>`update ${sql.table(table)} set ${sql.join(others.map((c) => sql`${sql.ref(c)} = ${m.row[c]}`))}
          where id = ${m.id} and (${sql.join(others.map((c) => cmp(table, c)))}) is distinct from (${sql.join(others.map((c) => sql`${m.row[c]}`))})
          returning false as inserted`.execute(db)
    : await sql<{ inserted: boolean }>`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
      values (${sql.join(columns.map((c) => m.row[c]))})
      on conflict (id) ${update}
      returning (xmax = 0) as inserted`.execute(db);
  let outcome: Outcome = result.rows.length === 0 ? 'unchanged' : result.rows[0]!.inserted ? 'created' : 'updated';
  for (const pivot of m.pivots) {
    const current = await sql<{ id: number }>`select ${sql.ref(pivot.target)} as id from ${sql.table(pivot.table)} where ${sql.ref(pivot.owner)} = ${m.id} order by 1`.execute(db);
    const have = current.rows.map((r) => Number(r.id));
    if (have.length === pivot.ids.length && have.every((id, i) => id === pivot.ids[i])) continue;
    await sql`delete from ${sql.table(pivot.table)} where ${sql.ref(pivot.owner)} = ${m.id}`.execute(db);
    if (pivot.ids.length > 0) {
      await sql`insert into ${sql.table(pivot.table)} (${sql.ref(pivot.owner)}, ${sql.ref(pivot.target)})
        values ${sql.join(pivot.ids.map((id) => sql`(${m.id}, ${id})`))}`.execute(db);
    }
    if (outcome === 'unchanged') outcome = 'updated';
  }
  return outcome;
}

/**
 * upsert() for a page in a few statements: one multi-row insert per set of columns, one read of the
 * pages' pivot rows, one delete and one insert for the pivots that changed. Same outcomes as upsert().
 */
export async function upsertMany(db: AnyDb, table: string, info: TableInfo, ms: readonly Mapped[]): Promise<Outcome[]> {
  const outcomes = new Map<number, Outcome>();
  const groups = new Map<string, Mapped[]>();
  for (const m of ms) {
    if (m.updateOnly) {
      outcomes.set(m.id, await upsert(db, table, info, { ...m, pivots: [] }));
      continue;
    }
    const key = Object.keys(m.row).join(',');
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const cmp = (t: string, c: string) => (info.columns.get(c)?.type === 'json' ? sql`${ref(t, c)}::jsonb` : ref(t, c));
  for (const group of groups.values()) {
    const columns = Object.keys(group[0]!.row);
    const others = columns.filter((c) => c !== 'id');
    const update =
      others.length === 0
        ? sql`do nothing`
        : sql`do update set ${sql.join(others.map((c) => sql`${sql.ref(c)} = ${ref('excluded', c)}`))}
            where (${sql.join(others.map((c) => cmp(table, c)))}) is distinct from (${sql.join(others.map((c) => cmp('excluded', c)))})`;
    const result = await sql<{ id: number; inserted: boolean }>`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
        values ${sql.join(group.map((m) => sql`(${sql.join(columns.map((c) => m.row[c]))})`))}
        on conflict (id) ${update}
        returning id, (xmax = 0) as inserted`.execute(db);
    for (const m of group) outcomes.set(m.id, 'unchanged');
    for (const r of result.rows) outcomes.set(Number(r.id), r.inserted ? 'created' : 'updated');
  }
  const pivotTables = new Map<string, { owner: string; target: string; wanted: Map<number, number[]> }>();
  for (const m of ms) {
    for (const p of m.pivots) {
      const entry = pivotTables.get(p.table) ?? { owner: p.owner, target: p.target, wanted: new Map() };
      entry.wanted.set(m.id, p.ids);
      pivotTables.set(p.table, entry);
    }
  }
  for (const [pivot, { owner, target, wanted }] of pivotTables) {
    const owners = [...wanted.keys()];
    const current = await sql<{ o: number; t: number }>`select ${sql.ref(owner)} as o, ${sql.ref(target)} as t from ${sql.table(pivot)}
      where ${sql.ref(owner)} = any(${owners}) order by 1, 2`.execute(db);
    const have = new Map<number, number[]>();
    for (const r of current.rows) have.set(Number(r.o), [...(have.get(Number(r.o)) ?? []), Number(r.t)]);
    const changed = owners.filter((o) => {
      const a = have.get(o) ?? [];
      const b = wanted.get(o)!;
      return a.length !== b.length || a.some((x, i) => x !== b[i]);
    });
    if (changed.length === 0) continue;
    await sql`delete from ${sql.table(pivot)} where ${sql.ref(owner)} = any(${changed})`.execute(db);
    const rows = changed.flatMap((o) => wanted.get(o)!.map((t) => sql`(${o}, ${t})`));
    if (rows.length > 0) await sql`insert into ${sql.table(pivot)} (${sql.ref(owner)}, ${sql.ref(target)}) values ${sql.join(rows)}`.execute(db);
    for (const o of changed) if (outcomes.get(o) === 'unchanged') outcomes.set(o, 'updated');
  }
  return ms.map((m) => outcomes.get(m.id)!);
}

/** Which of these ids exist in the table. */
export async function existing(db: AnyDb, table: string, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const result = await sql<{ id: number }>`select id from ${sql.table(table)} where id = any(${[...new Set(ids)]})`.execute(db);
  return new Set(result.rows.map((r) => Number(r.id)));
}

export async function defer(db: AnyDb, table: string, rowId: number, column: string, value: number): Promise<void> {
  await sql`insert into import_deferred (table_name, row_id, column_name, value) values (${table}, ${rowId}, ${column}, ${value})
    on conflict (table_name, row_id, column_name) do update set value = excluded.value`.execute(db);
}

/**
 * Sets the deferred links whose targets now exist; returns the ones whose target never arrived (left
 * unset and reported). Clears the list either way.
 */
export async function applyDeferred(db: AnyDb, tables: Map<string, TableInfo>): Promise<{ table: string; id: number; column: string; value: number }[]> {
  const groups = await sql<{ table_name: string; column_name: string }>`select distinct table_name, column_name from import_deferred`.execute(db);
  const missing: { table: string; id: number; column: string; value: number }[] = [];
  for (const { table_name: table, column_name: column } of groups.rows) {
    const target = tables.get(table)?.references.get(column);
    if (!target) continue;
    await sql`update ${sql.table(table)} t set ${sql.ref(column)} = d.value from import_deferred d
      where d.table_name = ${table} and d.column_name = ${column} and d.row_id = t.id
        and exists (select 1 from ${sql.table(target)} x where x.id = d.value)
        and ${sql.ref(`t.${column}`)} is distinct from d.value`.execute(db);
    const left = await sql<{ row_id: number; value: number }>`select d.row_id, d.value from import_deferred d
      where d.table_name = ${table} and d.column_name = ${column} and not exists (select 1 from ${sql.table(target)} x where x.id = d.value)`.execute(db);
    for (const r of left.rows) missing.push({ table, id: Number(r.row_id), column, value: Number(r.value) });
  }
  await sql`delete from import_deferred`.execute(db);
  return missing;
}

/** Moves each table's id sequence past its highest id, so our own creates never collide with imported ids. */
export async function advanceSequences(db: AnyDb, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), m) from (select max(id) as m from ${sql.table(table)}) x where m is not null`.execute(db);
  }
}

/**
 * Statements as MikroORM's migration generator writes them, from one line per table: committed
 * migrations list their foreign keys and drops through these instead of a line per statement. The
 * text must stay exactly what the generator wrote (applied migrations are never re-run, but a fresh
 * database runs them all): `node_modules/.bin/node` over src/migrations/index.ts can print every
 * migration's statements to compare.
 */

/** `{ table: { column: 'referenced_table [on update cascade] [on delete cascade|set null]' } }` → `alter table … add constraint "table_column_foreign" …`. */
export function foreignKeys(tables: Record<string, Record<string, string>>): string[] {
  return Object.entries(tables).flatMap(([table, columns]) =>
    Object.entries(columns).map(([column, target]) => {
      const [referenced, ...rule] = target.split(' ');
      return `alter table "${table}" add constraint "${table}_${column}_foreign" foreign key ("${column}") references "${referenced}" ("id")${rule.length ? ` ${rule.join(' ')}` : ''};`;
    }),
  );
}

/** `'table.column'` → `alter table "table" drop constraint "table_column_foreign";`, in the order given. */
export function droppedForeignKeys(...keys: string[]): string[] {
  return keys.map((key) => {
    const [table, column] = key.split('.');
    return `alter table "${table}" drop constraint "${table}_${column}_foreign";`;
  });
}

/** `drop table if exists "table" cascade;` for each, in the order given. */
export function droppedTables(...tables: string[]): string[] {
  return tables.map((table) => `drop table if exists "${table}" cascade;`);
}

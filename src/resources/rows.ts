import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { manyAlias, selectedColumns, type ResourceDef, type Row } from './define.ts';

// Tables vary by resource, so the generic read path works on an untyped Kysely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySelect = SelectQueryBuilder<any, any, any>;

/**
 * `select <columns>, <to-many id arrays> from <table>`: one statement for rows and their to-many links
 * (each as a correlated array_agg), so link rendering never costs a query per row.
 */
export function selectRows(db: AnyDb, def: ResourceDef): AnySelect {
  const t = def.table;
  let query: AnySelect = db.selectFrom(t).select(selectedColumns(def).map((c) => `${t}.${c}`));
  for (const link of def.links) {
    if (!link.many) continue;
    const { table, owner, target } = link.many;
    query = query.select(
      sql<number[]>`(select coalesce(array_agg(${sql.ref(`${table}.${target}`)} order by ${sql.ref(`${table}.${target}`)}), '{}') from ${sql.table(table)} where ${sql.ref(`${table}.${owner}`)} = ${sql.ref(`${t}.id`)})`.as(
        manyAlias(link),
      ),
    );
  }
  return query;
}

/** Rows with the given ids, in no particular order. */
export async function rowsByIds(db: AnyDb, def: ResourceDef, ids: readonly number[]): Promise<Row[]> {
  if (ids.length === 0) return [];
  return (await selectRows(db, def).where(`${def.table}.id`, 'in', ids).execute()) as Row[];
}

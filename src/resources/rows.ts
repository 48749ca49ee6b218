import { CompiledQuery, sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { joinAlias, manyAlias, selectedColumns, type ResourceDef, type Row } from './define.ts';

// Tables vary by resource, so the generic read path works on an untyped Kysely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySelect = SelectQueryBuilder<any, any, any>;

/**
 * `select <columns>, <to-many id arrays>, <joined rows> from <table>`: one statement for rows, their
 * to-many links (each as a correlated array_agg) and joined rows (each as a correlated JSON object), so
 * rendering never costs a query per row.
 */
export function selectRows(db: AnyDb, def: ResourceDef): AnySelect {
  const t = def.table;
  let query: AnySelect = db.selectFrom(t).select(selectedColumns(def).map((c) => `${t}.${c}`));
  for (const [alias, expression] of Object.entries(def.computed ?? {})) query = query.select(expression(t).as(alias));
  for (const link of def.links) {
    if (!link.many) continue;
    const { table, owner, target } = link.many;
    query = query.select(
      sql<number[]>`(select coalesce(array_agg(${sql.ref(`${table}.${target}`)} order by ${sql.ref(`${table}.${target}`)}), '{}') from ${sql.table(table)} where ${sql.ref(`${table}.${owner}`)} = ${sql.ref(`${t}.id`)})`.as(
        manyAlias(link),
      ),
    );
  }
  for (const field of def.fields) {
    if (!field.join) continue;
    const { table, owner, columns } = field.join;
    const pairs = columns.flatMap((c) => [sql.lit(c), sql.ref(`j.${c}`)]);
    query = query.select(
      sql<Row | null>`(select json_build_object(${sql.join(pairs)}) from ${sql.table(table)} j where ${sql.ref(`j.${owner}`)} = ${sql.ref(`${t}.id`)} limit 1)`.as(joinAlias(field)),
    );
  }
  return query;
}

/**
 * `select … where id = any($1)` per declaration, compiled once: the statement text never depends on
 * how many ids there are, so it is built by Kysely on first use and reused (profiled: building the
 * select list of a wide resource cost more per call than running the query).
 */
const byIdsSql = new WeakMap<ResourceDef, string>();

/** Rows with the given ids, in no particular order. */
export async function rowsByIds(db: AnyDb, def: ResourceDef, ids: readonly number[]): Promise<Row[]> {
  if (ids.length === 0) return [];
  let text = byIdsSql.get(def);
  if (text === undefined) {
    const compiled = selectRows(db, def).where(sql<boolean>`${sql.ref(`${def.table}.id`)} = any(${[] as number[]})`).compile();
    if (compiled.parameters.length !== 1) throw new Error(`rowsByIds(${def.type}): expected one parameter, got ${compiled.parameters.length}`);
    text = compiled.sql;
    byIdsSql.set(def, text);
  }
  return (await db.executeQuery(CompiledQuery.raw(text, [ids]))).rows as Row[];
}

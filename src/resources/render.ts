import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import { convert, joinAlias, manyAlias, selectedColumns, type FieldDef, type LinkDef, type PresentEnv, type ResourceDef, type Row } from './define.ts';
import { selectRows, type AnyDb, type AnySelect } from './rows.ts';

/**
 * Records rendered by PostgreSQL: the read path's answer to "the driver's row parsing and the JS
 * objects it builds are the cost" (issue 15). The select of resources/rows.ts becomes a subquery `q`;
 * the outer select returns, per row, the record's JSON text in a few pieces (`__r0`, `__r1`, …) built
 * from the declaration — `{"id":…,"title":…,…,"links":{…}}` — plus only the raw columns JS still needs:
 * link ids (for side-loading) and the inputs of derived fields that have no `sql` form. Node then
 * concatenates strings; no record object is built and nothing is stringified twice.
 *
 * The pieces must equal `JSON.stringify(present(def, row, env))` byte for byte (checked per resource in
 * test/api/render-identity.test.ts, and by the bench against the hand-written floor). Field types whose
 * PostgreSQL text form differs from JS's (`number`, `object` columns) are rendered in JS.
 */

/** The outer query's alias for the declaration's own select. */
const Q = 'q';
const ref = (column: string) => sql.ref(`${Q}.${column}`);
const lit = (text: string) => sql<string>`${sql.lit(text)}`;

/** JSON text of a plain column of this wire type, or undefined when PostgreSQL's text would differ. */
function columnJson(type: FieldDef['type'], column: string): RawBuilder<string> | undefined {
  const c = ref(column);
  switch (type) {
    case 'string':
      return sql<string>`coalesce(to_json(${c}::text)::text, 'null')`;
    case 'integer':
      return sql<string>`coalesce(${c}::text, 'null')`;
    case 'boolean':
      return sql<string>`(case when ${c} is null then 'null' when ${c} then 'true' else 'false' end)`;
    case 'timestamp':
      // isoSeconds(): UTC, whole seconds (truncated), `Z`.
      return sql<string>`coalesce('"' || to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '"', 'null')`;
    default:
      return undefined;
  }
}

function linkJson(link: LinkDef): RawBuilder<string> {
  if (link.column) {
    const c = ref(link.column);
    return link.list
      ? sql<string>`(case when ${c} is null then '[]' else '[' || ${c}::text || ']' end)`
      : sql<string>`coalesce(${c}::text, 'null')`;
  }
  if (link.many) return sql<string>`('[' || array_to_string(${ref(manyAlias(link))}, ',') || ']')`;
  return lit(link.list ? '[]' : 'null');
}

interface RenderPlan {
  /** Columns of `q` the outer select passes through raw. */
  raw: string[];
  /** The outer select's JSON pieces, in order (`__r0`, `__r1`, …). */
  pieces: Array<(env: { publicUrl: RawBuilder<string> }) => RawBuilder<string>>;
  /** Row (raw columns and pieces) → the record's JSON text. */
  render: (row: Row, env: PresentEnv) => string;
}

const pieceAlias = (i: number) => `__r${i}`;
const plans = new WeakMap<ResourceDef, RenderPlan>();

function planOf(def: ResourceDef): RenderPlan {
  let plan = plans.get(def);
  if (!plan) plans.set(def, (plan = compilePlan(def)));
  return plan;
}

function compilePlan(def: ResourceDef): RenderPlan {
  const raw = new Set<string>(['id']);
  for (const link of def.links) {
    if (link.column) raw.add(link.column);
    if (link.many) raw.add(manyAlias(link));
  }
  type Segment = (env: { publicUrl: RawBuilder<string> }) => RawBuilder<string>;
  const pieces: Segment[] = [];
  /** The JS expression of the whole record: piece reads and JS-rendered values, joined by `+`. */
  const js: string[] = [];
  let current: Segment[] = [() => sql<string>`'{"id":' || ${ref('id')}::text`];
  const closePiece = () => {
    if (current.length === 0) return;
    const segments = current;
    pieces.push((env) => sql<string>`(${sql.join(segments.map((s) => s(env)), sql` || `)})`);
    js.push(`row[${JSON.stringify(pieceAlias(pieces.length - 1))}]`);
    current = [];
  };
  // What a derived field that does not say what it reads may read: everything rows.ts selects.
  const everything = [
    ...selectedColumns(def),
    ...Object.keys(def.computed ?? {}),
    ...def.fields.filter((f) => f.join).map(joinAlias),
    ...def.links.filter((l) => l.many).map(manyAlias),
  ];
  def.fields.forEach((field, i) => {
    const key = lit(`,${JSON.stringify(field.name)}:`);
    const inSql = field.sql
      ? (env: { publicUrl: RawBuilder<string> }) => field.sql!(ref, env)
      : field.value
        ? undefined
        : columnJson(field.type, field.column ?? field.name);
    current.push(() => key);
    if (inSql) {
      current.push(typeof inSql === 'function' ? inSql : () => inSql);
      return;
    }
    // Rendered in JS from raw columns: the ones it declares it reads (all of them when it declares none).
    closePiece();
    if (!field.value) raw.add(field.column ?? field.name);
    else if (field.uses) for (const column of field.uses) raw.add(column);
    else for (const column of everything) raw.add(column);
    if (field.join) raw.add(joinAlias(field));
    js.push(`J(C(${JSON.stringify(field.type)}, ${field.value ? `F[${i}].value(row, env)` : `row[${JSON.stringify(field.column ?? field.name)}]`}))`);
  });
  current.push(() => lit(',"links":{'));
  def.links.forEach((link, i) => {
    current.push(() => lit(`${i === 0 ? '' : ','}${JSON.stringify(link.name)}:`));
    current.push(() => linkJson(link));
  });
  current.push(() => lit('}}'));
  closePiece();
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- built from declarations, never from input
  const make = new Function('F', 'C', 'J', `return function render(row, env) { return ${js.join(' + ')}; };`);
  return { raw: [...raw], pieces, render: make(def.fields, convert, JSON.stringify) as RenderPlan['render'] };
}

/**
 * The rendering select over `inner` (a select of resources/rows.ts with its filters, order and limit):
 * raw columns, `extra` columns of `inner` passed through, and the JSON pieces. PostgreSQL keeps the
 * subquery's order (a subquery scan under a plain projection does not reorder).
 */
export function renderSelect(db: AnyDb, def: ResourceDef, inner: AnySelect, env: PresentEnv, extra: readonly string[] = []): AnySelect {
  const plan = planOf(def);
  const sqlEnv = { publicUrl: sql<string>`${env.publicUrl}::text` };
  return db
    .selectFrom(inner.as(Q))
    .select([...plan.raw, ...extra].map((c) => `${Q}.${c}`))
    .select(plan.pieces.map((piece, i) => piece(sqlEnv).as(pieceAlias(i))));
}

/** The record's JSON text from a row of renderSelect(). */
export function renderRecord(def: ResourceDef, row: Row, env: PresentEnv): string {
  return planOf(def).render(row, env);
}

/** renderSelect() by ids, compiled once per declaration and public URL (the text never depends on the ids). */
const byIds = new WeakMap<ResourceDef, Map<string, { text: string; parameters: readonly unknown[]; idsAt: number }>>();

/** Rendering rows with the given ids, in no particular order. */
export async function renderedByIds(db: AnyDb, def: ResourceDef, ids: readonly number[], env: PresentEnv): Promise<Row[]> {
  if (ids.length === 0) return [];
  let perUrl = byIds.get(def);
  if (!perUrl) byIds.set(def, (perUrl = new Map()));
  let compiled = perUrl.get(env.publicUrl);
  if (!compiled) {
    const marker: number[] = [];
    const query = renderSelect(db, def, selectRows(db, def).where(sql<boolean>`${sql.ref(`${def.table}.id`)} = any(${marker})`), env).compile();
    const idsAt = query.parameters.indexOf(marker);
    if (idsAt < 0) throw new Error(`renderedByIds(${def.type}): the ids parameter is missing`);
    compiled = { text: query.sql, parameters: query.parameters, idsAt };
    perUrl.set(env.publicUrl, compiled);
  }
  const parameters = [...compiled.parameters];
  parameters[compiled.idsAt] = ids;
  return (await db.executeQuery(CompiledQuery.raw(compiled.text, parameters))).rows as Row[];
}

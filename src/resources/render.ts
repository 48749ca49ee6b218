import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import { convert, joinAlias, manyAlias, selectedColumns, type FieldDef, type LinkDef, type PresentEnv, type ResourceDef, type Row } from './define.ts';
import { selectRows, type AnyDb, type AnySelect } from './rows.ts';
import { BY_ID, ID_ORDER } from '../db/prepared.ts';

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
      // isoSeconds(): UTC, whole seconds (truncated), `Z`. JSON's timestamp text is ISO 8601 whatever the
      // session's DateStyle, so only the `Z` is added; to_char costs several times more on PGlite (WASM).
      return sql<string>`coalesce(rtrim(to_json(date_trunc('second', ${c} at time zone 'UTC'))::text, '"') || 'Z"', 'null')`;
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
  /** Every field renders in SQL: the record is piece 0 alone, and batches can be aggregated in SQL. */
  whole: boolean;
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
  // Built from declarations, never from input.
  const make = new Function('F', 'C', 'J', `return function render(row, env) { return ${js.join(' + ')}; };`);
  return { raw: [...raw], pieces, render: make(def.fields, convert, JSON.stringify) as RenderPlan['render'], whole: js.length === 1 };
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

/**
 * Records of one type fetched together: their ids and JSON texts in the same order, and the ids each
 * link references (duplicates allowed), for side-loading.
 */
export interface Batch {
  ids: number[];
  records(): string[];
  /** The records joined by RS, in chunks (an aggregate's texts as PostgreSQL sent them, not split). */
  joined(): string[];
  refs(link: LinkDef): number[];
  /** Cursor value of the last row (lists sorted by another column than id). */
  lastSortValue?: string;
}

/** Records are joined by ASCII RS inside an aggregate: JSON text never holds it raw (it escapes controls). */
export const RS = '\x1e';
const splitIds = (text: unknown) => (typeof text === 'string' && text !== '' ? text.split(',').map(Number) : []);

/** A batch from rows of renderSelect(). */
export function batchOfRows(def: ResourceDef, rows: Row[], env: PresentEnv, sortValue?: string): Batch {
  const plan = planOf(def);
  return {
    ids: rows.map((row) => Number(row.id)),
    records: () => rows.map((row) => plan.render(row, env)),
    joined: () => [rows.map((row) => plan.render(row, env)).join(RS)],
    refs: (link) => {
      const out: number[] = [];
      for (const row of rows) {
        const value = link.column ? row[link.column] : link.many ? row[manyAlias(link)] : undefined;
        if (Array.isArray(value)) for (const id of value) out.push(Number(id));
        else if (value !== null && value !== undefined) out.push(Number(value));
      }
      return out;
    },
    lastSortValue: sortValue && rows.length > 0 ? (rows.at(-1)![sortValue] as string) : undefined,
  };
}

/** Records per aggregate row: a chunk's text stays well under V8's large-object size (128 KB). */
export const CHUNK_ROWS = 16;
const CHUNK = '__chunk';
const RN = '__rn';

/**
 * The rows of `inner`, numbered in its order (as `q`), and one all-null row when it has none: aggregates
 * over this grouped by chunk give one row per CHUNK_ROWS records, and one (empty) row for an empty
 * input, so a page's total and a side-load's type always come back. PostgreSQL keeps the subquery's
 * order (a window without ORDER BY numbers rows as the subquery scan delivers them).
 */
function numbered(db: AnyDb, inner: AnySelect) {
  const rows = db.selectFrom(inner.as('__i')).selectAll().select(sql<number>`row_number() over () - 1`.as(RN));
  return db.selectFrom(sql`(select 1)`.as('__one')).leftJoin(rows.as(Q), (join) => join.onTrue());
}

/**
 * Rows for a whole batch (declarations rendered entirely in SQL), one per chunk of CHUNK_ROWS records
 * in order: the type, the chunk's number, its records joined by RS, their ids, and per link the
 * referenced ids as comma lists (`__refs`, in the declaration's link order). Every type has the same
 * columns, so a round of side-loads is one UNION ALL. Node then gets a few strings instead of a row per
 * record, and none of them so large that V8 allocates it in large-object space: those are promoted to
 * the old generation whenever a scavenge finds them alive (a request waiting on its side-loads), and
 * drove a mark-compact every ~50 list_100 requests when a page came back as one string.
 */
function aggregateSelect(db: AnyDb, def: ResourceDef, inner: AnySelect, env: PresentEnv, sortValue?: string): AnySelect {
  const plan = planOf(def);
  const sqlEnv = { publicUrl: sql<string>`${env.publicUrl}::text` };
  const inOrder = sql.raw(`order by ${Q}.${RN}`);
  const refs = def.links.map((link) =>
    link.column
      ? sql`coalesce(string_agg(${ref(link.column)}::text, ','), '')`
      : link.many
        ? sql`coalesce(string_agg(nullif(array_to_string(${ref(manyAlias(link))}, ','), ''), ','), '')`
        : sql`''`,
  );
  let query = numbered(db, inner)
    .select(sql<string>`${sql.lit(def.type)}::text`.as('__type'))
    .select(sql<number>`${sql.ref(`${Q}.${RN}`)} / ${sql.lit(CHUNK_ROWS)}`.as(CHUNK))
    .select(sql<string>`coalesce(string_agg(${plan.pieces[0]!(sqlEnv)}, ${RS} ${inOrder}), '')`.as('__records'))
    .select(sql<string>`coalesce(string_agg(${ref('id')}::text, ',' ${inOrder}), '')`.as('__ids'))
    .select(sql<string[]>`array[${refs.length > 0 ? sql.join(refs) : sql``}]::text[]`.as('__refs'))
    .groupBy(sql.ref(CHUNK))
    .orderBy(sql.ref(CHUNK));
  if (sortValue) query = query.select(sql<string>`(array_agg(${ref(sortValue)} ${inOrder}))[count(*)]`.as(sortValue));
  return query as unknown as AnySelect;
}

function batchOfAggregate(def: ResourceDef, chunks: Row[], sortValue?: string): Batch {
  // Chunks come in order; sorted again so a plan that reorders a UNION ALL cannot reorder records.
  const rows = chunks.length > 1 ? [...chunks].sort((a, b) => Number(a[CHUNK]) - Number(b[CHUNK])) : chunks;
  const texts = rows.map((row) => (row.__records as string | undefined) ?? '').filter((text) => text !== '');
  const ids = rows.flatMap((row) => splitIds(row.__ids));
  const refs = new Map<LinkDef, number[]>(def.links.map((link) => [link, []]));
  for (const row of rows) {
    const lists = (row.__refs as string[] | undefined) ?? [];
    def.links.forEach((link, i) => refs.get(link)!.push(...splitIds(lists[i])));
  }
  const last = rows.at(-1);
  return {
    ids,
    records: () => texts.flatMap((text) => text.split(RS)),
    joined: () => texts,
    refs: (link) => refs.get(link) ?? [],
    lastSortValue: sortValue ? ((last?.[sortValue] as string | null) ?? undefined) : undefined,
  };
}

/**
 * A page of rows selected by `inner` (a select of resources/rows.ts with its filters, order and limit) as
 * a batch, in the inner query's order; `sortValue` names a column of `inner` whose last value the
 * cursor needs. `count`, when given, is selected in the same statement (as `total`) for declarations
 * rendered entirely in SQL; otherwise it is run on its own. `idOrder`: the page has no condition and
 * follows the primary key (pageStatement).
 */
export async function renderedPage(
  db: AnyDb,
  def: ResourceDef,
  inner: AnySelect,
  env: PresentEnv,
  sortValue: string | undefined,
  count: AnySelect,
  idOrder = false,
): Promise<{ batch: Batch; total: number }> {
  if (planOf(def).whole) {
    const rows = (await db.executeQuery(pageStatement(db, def, env, sortValue, inner.compile(), count.compile(), idOrder))).rows as Row[];
    return { batch: batchOfAggregate(def, rows, sortValue), total: Number(rows[0]?.__total ?? 0) };
  }
  const rows = (await renderSelect(db, def, inner, env, sortValue ? [sortValue] : []).execute()) as Row[];
  const counted = (await count.executeTakeFirst()) as Row | undefined;
  return { batch: batchOfRows(def, rows, env, sortValue), total: Number(counted?.n ?? 0) };
}

/** Compiled SQL split around its `$n` placeholders, which must be $1…$n in order (checked, not assumed). */
function splitPlaceholders(text: string, parameters: readonly unknown[], what: string): string[] {
  const numbers = [...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  if (numbers.length !== parameters.length || numbers.some((n, i) => n !== i + 1)) throw new Error(`${what}: unexpected placeholders in the compiled query`);
  return text.split(/\$\d+/);
}

/** Pieces around placeholders, renumbered from `offset + 1`. */
function renumber(pieces: string[], offset: number): string {
  let text = pieces[0]!;
  for (let i = 1; i < pieces.length; i++) text += `$${offset + i}${pieces[i]}`;
  return text;
}

/** A page's aggregate select list and the rest of its statement around the inner select, compiled once. */
const pageHeads = new WeakMap<ResourceDef, Map<string, { pieces: string[]; parameters: readonly unknown[]; before: string; after: string }>>();
const INNER = '__inner__';
const INNER_SQL = `(select * from "${INNER}")`;
const FROM = ' from (select 1) as "__one"';

/**
 * `select <aggregates>, (<count>) as "__total" from … (<inner>) … group by "__chunk"` from the compiled
 * inner select and count: the aggregate list (hundreds of nodes for a wide resource) is compiled once
 * per declaration, public URL and cursor column rather than on every request. With `idOrder` (a page
 * with no condition, in primary-key order) the statement ends with ID_ORDER, and is prepared
 * (src/db/prepared.ts).
 */
export function pageStatement(
  db: AnyDb,
  def: ResourceDef,
  env: PresentEnv,
  sortValue: string | undefined,
  inner: CompiledQuery,
  count: CompiledQuery,
  idOrder = false,
): CompiledQuery {
  let perKey = pageHeads.get(def);
  if (!perKey) pageHeads.set(def, (perKey = new Map()));
  const key = `${sortValue ?? ''} ${env.publicUrl}`;
  let head = perKey.get(key);
  if (!head) {
    const compiled = aggregateSelect(db, def, db.selectFrom(INNER).selectAll(), env, sortValue).compile();
    const at = compiled.sql.indexOf(FROM);
    const rest = compiled.sql.slice(at);
    const [before, after, ...more] = rest.split(INNER_SQL);
    if (at < 0 || more.length > 0 || after === undefined || /\$\d/.test(rest)) throw new Error(`renderedPage(${def.type}): unexpected shape ${compiled.sql.slice(at, at + 120)}`);
    head = { pieces: splitPlaceholders(compiled.sql.slice(0, at), compiled.parameters, `renderedPage(${def.type})`), parameters: compiled.parameters, before: before!, after };
    perKey.set(key, head);
  }
  const countText = renumber(splitPlaceholders(count.sql, count.parameters, 'count'), inner.parameters.length);
  const headText = renumber(head.pieces, inner.parameters.length + count.parameters.length);
  return CompiledQuery.raw(`${headText}, (${countText}) as "__total"${head.before}(${inner.sql})${head.after}${idOrder ? ID_ORDER : ''}`, [
    ...inner.parameters,
    ...count.parameters,
    ...head.parameters,
  ]);
}

interface ByIdsQuery {
  /** SQL text with `$n` placeholders, split around them (one more piece than placeholders). */
  pieces: string[];
  /** Which parameter each placeholder is: 'ids' or a fixed value. */
  parameters: Array<{ ids: true } | { value: unknown }>;
}

/** The by-ids query per declaration and public URL, compiled once (the text never depends on the ids). */
const byIds = new WeakMap<ResourceDef, Map<string, ByIdsQuery>>();

function byIdsQuery(db: AnyDb, def: ResourceDef, env: PresentEnv): ByIdsQuery {
  let perUrl = byIds.get(def);
  if (!perUrl) byIds.set(def, (perUrl = new Map()));
  let compiled = perUrl.get(env.publicUrl);
  if (!compiled) {
    const marker: number[] = [];
    const inner = selectRows(db, def)
      .where(sql<boolean>`${sql.ref(`${def.table}.id`)} = any(${marker})`)
      .orderBy(sql.ref(`${def.table}.id`));
    const query = (planOf(def).whole ? aggregateSelect(db, def, inner, env) : renderSelect(db, def, inner, env)).compile();
    const pieces = splitPlaceholders(query.sql, query.parameters, `renderedByIds(${def.type})`);
    if (!query.parameters.includes(marker)) throw new Error(`renderedByIds(${def.type}): the ids parameter is missing`);
    compiled = { pieces, parameters: query.parameters.map((value) => (value === marker ? { ids: true as const } : { value })) };
    perUrl.set(env.publicUrl, compiled);
  }
  return compiled;
}

/** `compiled` with its placeholders numbered from `offset + 1`, and its parameters for these ids. */
function bind(compiled: ByIdsQuery, ids: readonly number[], offset: number): { text: string; parameters: unknown[] } {
  return { text: renumber(compiled.pieces, offset), parameters: compiled.parameters.map((p) => ('ids' in p ? ids : p.value)) };
}

/**
 * One round of side-loads: the records with these ids, per declaration, in id order. Declarations
 * rendered entirely in SQL share one statement (a UNION ALL of their aggregate rows); the others take
 * one statement each, run together.
 */
export async function renderedRound(db: AnyDb, requests: Array<[ResourceDef, readonly number[]]>, env: PresentEnv): Promise<Batch[]> {
  const out: Batch[] = new Array(requests.length);
  const whole: Array<[number, ResourceDef, readonly number[]]> = [];
  const single: Array<Promise<void>> = [];
  requests.forEach(([def, ids], i) => {
    if (planOf(def).whole) whole.push([i, def, ids]);
    else {
      const { text, parameters } = bind(byIdsQuery(db, def, env), ids, 0);
      single.push(db.executeQuery(CompiledQuery.raw(text + BY_ID, parameters)).then((result) => void (out[i] = batchOfRows(def, result.rows as Row[], env))));
    }
  });
  if (whole.length > 0) {
    const texts: string[] = [];
    const parameters: unknown[] = [];
    for (const [, def, ids] of whole) {
      const bound = bind(byIdsQuery(db, def, env), ids, parameters.length);
      texts.push(`(${bound.text})`);
      parameters.push(...bound.parameters);
    }
    single.push(
      db.executeQuery(CompiledQuery.raw(texts.join(' union all ') + BY_ID, parameters)).then((result) => {
        const rows = new Map<string, Row[]>();
        for (const row of result.rows as Row[]) {
          const list = rows.get(row.__type as string);
          if (list) list.push(row);
          else rows.set(row.__type as string, [row]);
        }
        for (const [i, def] of whole) out[i] = batchOfAggregate(def, rows.get(def.type) ?? []);
      }),
    );
  }
  await Promise.all(single);
  return out;
}

/** The records with these ids, in id order (one statement). */
export async function renderedByIds(db: AnyDb, def: ResourceDef, ids: readonly number[], env: PresentEnv): Promise<Batch> {
  if (ids.length === 0) return planOf(def).whole ? batchOfAggregate(def, []) : batchOfRows(def, [], env);
  return (await renderedRound(db, [[def, ids]], env))[0]!;
}

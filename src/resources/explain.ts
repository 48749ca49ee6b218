import { CompiledQuery, sql } from 'kysely';
import { parseListParams } from '../http/params.ts';
import type { PresentEnv, ResourceDef } from './define.ts';
import { listStatement } from './list.ts';
import type { AnyDb } from './rows.ts';

/** The tables that grow with the account: a sequential scan of one costs in proportion to its size. */
export const BIG_TABLES: ReadonlySet<string> = new Set(['suggestions', 'suggestion_labels', 'supporters', 'feature_suggestions']);

/**
 * Below this many rows (the planner's own estimate, pg_class.reltuples after ANALYZE) a sequential scan
 * reads a page or two and is the right plan: an empty feature_suggestions in a data set without features.
 * A table never analysed (reltuples -1) counts as big.
 */
const SMALL_TABLE_ROWS = 1_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function collect(node: PlanNode, out: string[]): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && BIG_TABLES.has(node['Relation Name'])) out.push(node['Relation Name']);
  for (const child of node.Plans ?? []) collect(child, out);
  return out;
}

/**
 * The big tables the planner would scan sequentially for a list request with these query parameters:
 * the statement the route sends (page and count, resources/list.ts listStatement), EXPLAINed (not run);
 * tables the planner knows to be small are left out.
 * test/api/list-plans.test.ts and the bench's `scale` scenario require none.
 */
export async function listSeqScans(db: AnyDb, def: ResourceDef, query: Record<string, string>, env: PresentEnv): Promise<string[]> {
  const statement = listStatement(db, def, parseListParams({ query } as never, def), env);
  const result = await db.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (format json) ${statement.sql}`, [...statement.parameters]));
  const raw = result.rows[0]!['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  const scanned = [...new Set(collect(parsed[0]!.Plan, []))];
  if (scanned.length === 0) return [];
  const sizes = await sql<{ name: string; rows: number }>`select relname as name, reltuples::float8 as rows from pg_class
    where relname in (${sql.join(scanned)}) and relnamespace = current_schema()::regnamespace`.execute(db);
  const small = new Set(sizes.rows.filter((r) => Number(r.rows) >= 0 && Number(r.rows) < SMALL_TABLE_ROWS).map((r) => r.name));
  return scanned.filter((table) => !small.has(table));
}

import { CompiledQuery } from 'kysely';
import { parseListParams } from '../http/params.ts';
import type { PresentEnv, ResourceDef } from './define.ts';
import { listStatement } from './list.ts';
import type { AnyDb } from './rows.ts';

/** The tables that grow with the account: a sequential scan of one costs in proportion to its size. */
export const BIG_TABLES: ReadonlySet<string> = new Set(['suggestions', 'suggestion_labels', 'supporters', 'feature_suggestions']);

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
 * the statement the route sends (page and count, resources/list.ts listStatement), EXPLAINed (not run).
 * test/api/list-plans.test.ts and the bench's `scale` scenario require none.
 */
export async function listSeqScans(db: AnyDb, def: ResourceDef, query: Record<string, string>, env: PresentEnv): Promise<string[]> {
  const statement = listStatement(db, def, parseListParams({ query } as never, def), env);
  const result = await db.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (format json) ${statement.sql}`, [...statement.parameters]));
  const raw = result.rows[0]!['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  return collect(parsed[0]!.Plan, []);
}

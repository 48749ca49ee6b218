import { sql } from 'kysely';
import type { AnyDb } from '../resources/rows.ts';
import { sqlNow } from '../db/clock.ts';

export interface SkippedRecord {
  id: unknown;
  reason: string;
}

/** One resource's row of import_progress (entities/import-progress.ts). */
export interface Progress {
  resource: string;
  sourceUrl: string;
  since: string;
  cursor: string | null;
  done: boolean;
  lastUpdatedAt: string | null;
  total: number;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: SkippedRecord[];
  skippedCount: number;
  /** Highest id walked in this pass (null before the first page). */
  lastId: number | null;
  /** Target ids a full pass did not find at the source (the first SKIPPED_KEPT), and how many. */
  missing: number[];
  missingCount: number;
}

/** Reasons (and missing ids) kept per resource; the count goes on. */
export const SKIPPED_KEPT = 200;

export function freshProgress(resource: string, sourceUrl: string, since: string): Progress {
  return { resource, sourceUrl, since, cursor: null, done: false, lastUpdatedAt: null, total: 0, fetched: 0, created: 0, updated: 0, unchanged: 0, skipped: [], skippedCount: 0, lastId: null, missing: [], missingCount: 0 };
}

export async function loadProgress(db: AnyDb): Promise<Map<string, Progress>> {
  const rows = await sql<Record<string, unknown>>`select * from import_progress`.execute(db);
  const result = new Map<string, Progress>();
  for (const r of rows.rows) {
    const skipped = typeof r.skipped === 'string' ? (JSON.parse(r.skipped) as SkippedRecord[]) : ((r.skipped as SkippedRecord[]) ?? []);
    result.set(String(r.resource), {
      resource: String(r.resource),
      sourceUrl: String(r.source_url),
      since: String(r.since),
      cursor: (r.cursor as string | null) ?? null,
      done: Boolean(r.done),
      lastUpdatedAt: r.last_updated_at === null ? null : new Date(String(r.last_updated_at).replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString(),
      total: Number(r.total),
      fetched: Number(r.fetched),
      created: Number(r.created),
      updated: Number(r.updated),
      unchanged: Number(r.unchanged),
      skipped,
      skippedCount: Number(r.skipped_count),
      lastId: r.last_id === null || r.last_id === undefined ? null : Number(r.last_id),
      missing: typeof r.missing === 'string' ? (JSON.parse(r.missing) as number[]) : ((r.missing as number[]) ?? []),
      missingCount: Number(r.missing_count ?? 0),
    });
  }
  return result;
}

export async function saveProgress(db: AnyDb, p: Progress): Promise<void> {
  await sql`insert into import_progress (resource, source_url, since, cursor, done, last_updated_at, total, fetched, created, updated, unchanged, skipped, skipped_count, last_id, missing, missing_count, updated_at)
    values (${p.resource}, ${p.sourceUrl}, ${p.since}, ${p.cursor}, ${p.done}, ${p.lastUpdatedAt}, ${p.total}, ${p.fetched}, ${p.created}, ${p.updated}, ${p.unchanged},
            ${JSON.stringify(p.skipped.slice(0, SKIPPED_KEPT))}, ${p.skippedCount}, ${p.lastId},
            ${JSON.stringify(p.missing.slice(0, SKIPPED_KEPT))}, ${p.missingCount}, ${sqlNow})
    on conflict (resource) do update set source_url = excluded.source_url, since = excluded.since, cursor = excluded.cursor, done = excluded.done,
      last_updated_at = excluded.last_updated_at, total = excluded.total, fetched = excluded.fetched, created = excluded.created,
      updated = excluded.updated, unchanged = excluded.unchanged, skipped = excluded.skipped, skipped_count = excluded.skipped_count,
      last_id = excluded.last_id, missing = excluded.missing, missing_count = excluded.missing_count, updated_at = ${sqlNow}`.execute(db);
}

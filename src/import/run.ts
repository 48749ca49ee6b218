import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/core';
import type { AnyDb } from '../resources/rows.ts';
import { recountAll } from '../services/counters.ts';
import type { BlobStore } from '../storage/index.ts';
import { PLAN, type Step } from './plan.ts';
import type { Reporter } from './progress.ts';
import { InvalidRecord, mapRecord, wireName, type Mapped } from './records.ts';
import { readSchema, type TableInfo } from './schema.ts';
import { Source } from './source.ts';
import { freshProgress, loadProgress, saveProgress, SKIPPED_KEPT, type Progress } from './state.ts';
import { advanceSequences, applyDeferred, defer, existing, upsert, upsertMany } from './write.ts';

export interface ImportOptions {
  source: Source;
  em: EntityManager;
  store: BlobStore;
  steps: Step[];
  /** `updated_after` for an incremental pass (ISO date or timestamp). */
  since?: string;
  dryRun: boolean;
  perPage: number;
  /** Stop (as if interrupted) after this many pages: for testing resumption. */
  stopAfterPages?: number;
  reporter: Reporter;
  /** Checked between pages: Ctrl-C finishes the page in hand, then stops. */
  stopRequested: () => boolean;
}

export interface ImportSummary {
  complete: boolean;
  dryRun: boolean;
  resources: Omit<Progress, 'sourceUrl' | 'cursor' | 'lastId'>[];
  /** Deferred links whose target never arrived. */
  unresolved: { table: string; id: number; column: string; value: number }[];
  /** The `--since` for the next incremental pass: the oldest of the newest `updated_at` per resource. */
  nextSince: string | null;
  requests: number;
  retries: number;
}

const kysely = (em: EntityManager) => (em as unknown as { getKysely(): AnyDb }).getKysely();

function skip(progress: Progress, id: unknown, reason: string): void {
  progress.skippedCount += 1;
  if (progress.skipped.length < SKIPPED_KEPT) progress.skipped.push({ id, reason });
}

/**
 * Walks the steps in order, page by page (`sort=id`, keyset cursor), writing each page and its progress
 * row in one transaction: after a crash the next run resumes at the first uncommitted page.
 */
export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const { source, em, steps, reporter } = options;
  const allTables = [...new Set([...PLAN.map((s) => s.def.table), ...PLAN.flatMap((s) => s.pivots)])];
  const tables = await readSchema(kysely(em), allTables);
  const since = options.since ?? '';
  const stored = options.dryRun ? new Map<string, Progress>() : await loadProgress(kysely(em));
  // A finished run (every step done, same source and --since) is followed by a fresh pass; otherwise resume.
  const same = (p: Progress | undefined) => p !== undefined && p.sourceUrl === source.base && p.since === since;
  const finished = steps.every((s) => same(stored.get(s.type)) && stored.get(s.type)!.done);
  const progress = new Map<string, Progress>();
  for (const s of steps) {
    const p = stored.get(s.type);
    progress.set(s.type, !finished && same(p) ? p! : freshProgress(s.type, source.base, since));
  }
  // Dry run: ids that would have been written, so references between them check out.
  const seen = new Map<string, Set<number>>();
  let pages = 0;
  let complete = true;

  outer: for (const s of steps) {
    const p = progress.get(s.type)!;
    if (p.done) {
      reporter.line(`${s.type}: already imported (${p.fetched} records)`);
      continue;
    }
    const later = new Set(PLAN.slice(PLAN.indexOf(s) + 1).map((x) => x.def.table));
    reporter.begin(s.type, p.fetched);
    for (;;) {
      if (options.stopRequested() || (options.stopAfterPages !== undefined && pages >= options.stopAfterPages)) {
        complete = false;
        break outer;
      }
      const page = await source.list(s.type, { per_page: options.perPage, sort: 'id', cursor: p.cursor ?? undefined, updated_after: options.since });
      pages += 1;
      const mapped: Mapped[] = [];
      for (const record of page.records) {
        try {
          mapped.push(mapRecord(s, record, tables, later));
        } catch (error) {
          if (!(error instanceof InvalidRecord)) throw error;
          skip(p, record.id ?? null, error.message);
        }
      }
      if (s.type === 'attachments' && !options.dryRun) await storeFiles(options, mapped, p);
      // Only a full pass sees every record; an incremental one cannot tell a deleted record from an unchanged one.
      if (!options.since) await findMissing(kysely(em), s.def.table, page.records, page.cursor === undefined, p);
      p.fetched += page.records.length;
      p.total = Math.max(page.total ?? 0, p.fetched);
      for (const m of mapped) if (m.updatedAt && (!p.lastUpdatedAt || m.updatedAt > p.lastUpdatedAt)) p.lastUpdatedAt = m.updatedAt;
      p.cursor = page.cursor ?? null;
      p.done = page.cursor === undefined || page.records.length === 0;
      if (options.dryRun) await checkDry(kysely(em), s, tables, mapped, p, seen);
      else await writePage(em, s, tables, mapped, p, options.store);
      reporter.page(s.type, p.fetched, p.total);
      if (p.done) break;
    }
  }

  let unresolved: ImportSummary['unresolved'] = [];
  if (complete && !options.dryRun) {
    await em.transactional(async (tx) => {
      const db = kysely(tx);
      unresolved = await applyDeferred(db, tables);
      await recountAll(db);
      await advanceSequences(db, PLAN.map((s) => s.def.table));
    });
  }
  const list = steps.map((s) => progress.get(s.type)!);
  const times = list.map((p) => p.lastUpdatedAt).filter((t): t is string => t !== null);
  return {
    complete,
    dryRun: options.dryRun,
    resources: list.map(({ sourceUrl: _u, cursor: _c, lastId: _l, ...rest }) => rest),
    unresolved,
    nextSince: times.length === list.length && times.length > 0 ? times.sort()[0]! : null,
    requests: source.requests,
    retries: source.retried,
  };
}

/**
 * Checks references, then writes the page in one transaction. When that fails (a constraint the checks did
 * not foresee), each record is retried in its own transaction, so one bad record is skipped whole and the
 * others are kept: never half a record.
 */
async function writePage(em: EntityManager, s: Step, tables: Map<string, TableInfo>, mapped: Mapped[], p: Progress, store: BlobStore): Promise<void> {
  const info = tables.get(s.def.table)!;
  const tally = { created: 0, updated: 0, unchanged: 0 };
  /** Resolves a record's links against what the target holds (deferring, dropping or refusing). */
  const prepare = async (db: AnyDb, m: Mapped, found: Map<string, Set<number>>, notes: string[]) => {
    for (const r of m.references) {
      if (found.get(r.table)!.has(r.id)) continue;
      if (r.deferrable && r.nullable) {
        m.row[r.column] = null;
        await defer(db, s.def.table, m.id, r.column, r.id);
      } else if (r.nullable) {
        m.row[r.column] = null;
        notes.push(`imported without ${wireName(s, r.column)} (${r.table} ${r.id} is not in the target)`);
      } else {
        throw new InvalidRecord(`${wireName(s, r.column)} points at ${r.table} ${r.id}, which is not in the target`);
      }
    }
    for (const pivot of m.pivots) {
      const there = found.get(pivot.targetTable)!;
      const gone = pivot.ids.filter((id) => !there.has(id));
      if (gone.length > 0) notes.push(`imported without ${pivot.targetTable} ${gone.join(',')} (not in the target)`);
      pivot.ids = pivot.ids.filter((id) => there.has(id));
    }
  };
  const writeOne = async (db: AnyDb, m: Mapped, found: Map<string, Set<number>>, notes: string[]) => {
    await prepare(db, m, found, notes);
    tally[await upsert(db, s.def.table, info, m)] += 1;
  };
  const lookups = async (db: AnyDb, batch: Mapped[]) => {
    const wanted = new Map<string, number[]>();
    const want = (table: string, id: number) => {
      const ids = wanted.get(table) ?? [];
      ids.push(id);
      wanted.set(table, ids);
    };
    for (const m of batch) {
      for (const r of m.references) want(r.table, r.id);
      for (const pivot of m.pivots) for (const id of pivot.ids) want(pivot.targetTable, id);
    }
    const found = new Map<string, Set<number>>();
    for (const [table, ids] of wanted) found.set(table, await existing(db, table, ids));
    return found;
  };
  const before = { ...tally };
  let committed: Progress | undefined;
  try {
    const notes: { id: number; reason: string }[] = [];
    await em.transactional(async (tx) => {
      const db = kysely(tx);
      const found = await lookups(db, mapped);
      const ready: Mapped[] = [];
      for (const m of mapped) {
        const mine: string[] = [];
        const copy = structuredClone(m);
        await prepare(db, copy, found, mine);
        ready.push(copy);
        for (const reason of mine) notes.push({ id: m.id, reason });
      }
      for (const outcome of await upsertMany(db, s.def.table, info, ready)) tally[outcome] += 1;
      // The progress row commits with the page it describes: a crash never counts a page twice or skips one.
      const next = structuredClone(p);
      for (const n of notes) skip(next, n.id, n.reason);
      addTally(next, tally);
      await saveProgress(db, next);
      committed = next;
    });
    Object.assign(p, committed!);
    return;
  } catch {
    Object.assign(tally, before);
    for (const m of mapped) {
      const mine: string[] = [];
      try {
        await em.transactional(async (tx) => {
          const db = kysely(tx);
          await writeOne(db, structuredClone(m), await lookups(db, [m]), mine);
        });
        for (const reason of mine) skip(p, m.id, reason);
      } catch (error) {
        skip(p, m.id, error instanceof InvalidRecord ? error.message : `rejected by the database: ${(error as Error).message.split('\n')[0]!.slice(0, 200)}`);
        const key = m.row.storage_key;
        if (typeof key === 'string') await store.delete(key);
      }
    }
  }
  addTally(p, tally);
  await em.transactional(async (tx) => saveProgress(kysely(tx), p));
}

function addTally(p: Progress, tally: { created: number; updated: number; unchanged: number }): void {
  p.created += tally.created;
  p.updated += tally.updated;
  p.unchanged += tally.unchanged;
}

/**
 * Records of the target that this page shows are gone at the source: the walk is in id order, so the
 * target's ids between the previous page's last id and this page's last (or above it, on the last page)
 * that the page lacks were deleted at the source (or created in the target). They are reported, not deleted.
 */
async function findMissing(db: AnyDb, table: string, records: Record<string, unknown>[], last: boolean, p: Progress): Promise<void> {
  const ids = records.map((r) => r.id).filter((id): id is number => typeof id === 'number' && Number.isSafeInteger(id));
  const high = last ? null : ids.length > 0 ? Math.max(...ids) : null;
  if (!last && high === null) return;
  const low = p.lastId ?? 0;
  const gone = await sql<{ id: number }>`select id from ${sql.table(table)} where id > ${low} ${high === null ? sql`` : sql`and id <= ${high}`}
    and id <> all(${ids}) order by id`.execute(db);
  for (const r of gone.rows) {
    p.missingCount += 1;
    if (p.missing.length < SKIPPED_KEPT) p.missing.push(Number(r.id));
  }
  if (high !== null) p.lastId = Math.max(low, high);
}

/** Dry run: the same checks, against the target plus what this run would have written. */
async function checkDry(db: AnyDb, s: Step, tables: Map<string, TableInfo>, mapped: Mapped[], p: Progress, seen: Map<string, Set<number>>): Promise<void> {
  const mine = seen.get(s.def.table) ?? new Set<number>();
  seen.set(s.def.table, mine);
  for (const m of mapped) {
    let bad: string | undefined;
    for (const r of m.references) {
      if (r.nullable || seen.get(r.table)?.has(r.id)) continue;
      if ((await existing(db, r.table, [r.id])).size === 0) bad = `${wireName(s, r.column)} points at ${r.table} ${r.id}, which is not in the target`;
    }
    if (bad) skip(p, m.id, bad);
    else {
      mine.add(m.id);
      p.created += 1;
    }
  }
  void tables;
}

/**
 * Attachments not in the target yet: the file is streamed from its `url` into the blob store (never held
 * whole in memory) before the row is written; a failed download skips the record.
 */
async function storeFiles(options: ImportOptions, mapped: Mapped[], p: Progress): Promise<void> {
  const have = await existing(kysely(options.em), 'attachments', mapped.map((m) => m.id));
  for (let i = mapped.length - 1; i >= 0; i -= 1) {
    const m = mapped[i]!;
    if (have.has(m.id)) {
      m.updateOnly = true;
      continue;
    }
    const url = m.url;
    try {
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new InvalidRecord('url is missing');
      const key = randomBytes(16).toString('hex');
      const blob = await options.store.put(key, await options.source.download(url));
      m.row.storage_key = key;
      m.row.sha256 = blob.sha256;
      m.row.size_in_bytes = blob.size;
    } catch (error) {
      skip(p, m.id, `file not imported: ${(error as Error).message}`);
      mapped.splice(i, 1);
    }
  }
}

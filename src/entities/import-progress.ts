import { defineEntity, p } from '@mikro-orm/core';
import { nowOf } from '../db/clock.ts';

/**
 * Where an import (`cli import uservoice`) stands, one row per source resource: the cursor of the next page,
 * the newest `updated_at` seen (the `--since` for the next incremental pass), the tallies so far and the
 * records skipped with their reasons. Written in the same transaction as the page it describes, so a crash
 * resumes exactly after the last committed page.
 */
export const ImportProgressSchema = defineEntity({
  name: 'ImportProgress',
  tableName: 'import_progress',
  properties: {
    resource: p.string().length(64).primary(),
    sourceUrl: p.text(),
    /** `--since` of the pass this row belongs to ('' for a full pass): another value restarts the resource. */
    since: p.string().length(64),
    cursor: p.text().nullable(),
    done: p.boolean().default(false),
    lastUpdatedAt: p.datetime().nullable(),
    total: p.integer().default(0),
    fetched: p.integer().default(0),
    created: p.integer().default(0),
    updated: p.integer().default(0),
    unchanged: p.integer().default(0),
    /** `[{ id, reason }]`, the first few hundred. */
    skipped: p.json<{ id: unknown; reason: string }[]>(),
    skippedCount: p.integer().default(0),
    /** Highest id walked so far in this pass: the next page's records start above it. */
    lastId: p.integer().nullable(),
    /**
     * `[id, …]`, the first few hundred: records in the target that a full pass did not find at the
     * source (deleted there since the last import, or created here). Reported, never deleted.
     */
    missing: p.json<number[]>().default('[]'),
    missingCount: p.integer().default(0),
    updatedAt: p.datetime().onCreate((_, em) => nowOf(em)).onUpdate((_, em) => nowOf(em)),
  },
});

export class ImportProgress extends ImportProgressSchema.class {}
ImportProgressSchema.setClass(ImportProgress);

/**
 * A link that pointed at a record not imported yet when its owner was written (a suggestion merged into a
 * newer one, a label's parent): set once every resource has been walked.
 */
export const ImportDeferredSchema = defineEntity({
  name: 'ImportDeferred',
  tableName: 'import_deferred',
  properties: {
    tableName: p.string().length(64).primary(),
    rowId: p.integer().primary(),
    columnName: p.string().length(64).primary(),
    value: p.integer(),
  },
});

export class ImportDeferred extends ImportDeferredSchema.class {}
ImportDeferredSchema.setClass(ImportDeferred);

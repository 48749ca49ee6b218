import type { EntityManager } from '@mikro-orm/sql';
import { Label, Suggestion } from '../entities/index.ts';
import { RecordNotFoundError, ValidationError } from '../errors.ts';
import type { labels } from '../resources/labels.ts';
import type { WriteInput } from '../schema/write.ts';
import type { DB } from '../db/schema.ts';
import { withSuggestionLocked } from './suggestions.ts';
import { writeTransaction } from '../db/transaction.ts';
import { recordActivity } from './activity.ts';
import { sqlNow } from '../db/clock.ts';

const SEPARATOR = ' / ';
const MAX_DEPTH = 10;

/**
 * Recomputes `full_name` and `level` for every label from its parent chain. Labels are a small table,
 * so one read and targeted writes beat a recursive query on every rename or move.
 */
async function refreshPaths(tx: EntityManager): Promise<void> {
  const db = tx.getKysely<DB>();
  const rows = await db.selectFrom('labels').select(['id', 'name', 'parent_id', 'full_name', 'level']).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const path = (id: number): { fullName: string; level: number } => {
    const names: string[] = [];
    let current = byId.get(id);
    while (current) {
      names.unshift(current.name);
      current = current.parent_id == null ? undefined : byId.get(current.parent_id);
    }
    return { fullName: names.join(SEPARATOR), level: names.length };
  };
  for (const row of rows) {
    const { fullName, level } = path(row.id);
    if (fullName !== row.full_name || level !== row.level) {
      await db.updateTable('labels').set({ full_name: fullName, level, updated_at: sqlNow }).where('id', '=', row.id).execute();
    }
  }
}

export async function saveLabel(em: EntityManager, id: number | undefined, input: WriteInput<typeof labels>): Promise<number> {
  return writeTransaction(em, async (tx) => {
    // Look everything up before creating anything: a query auto-flushes pending entities.
    const label = id === undefined ? undefined : await tx.findOne(Label, id);
    if (id !== undefined && !label) throw new RecordNotFoundError();
    let parent: Label | null | undefined;
    const errors: Record<string, string[]> = {};
    if (input.has('links.parent')) {
      const parentId = input.get('links.parent')!;
      parent = parentId === null ? null : await tx.findOne(Label, parentId);
      if (parentId !== null && !parent) errors['links.parent'] = ['does not exist'];
      for (let p = parent ?? null, depth = 1; p && !errors['links.parent']; p = p.parent ? await tx.findOne(Label, p.parent.id) : null, depth++) {
        if (id !== undefined && p.id === id) errors['links.parent'] = ['would make the label its own ancestor'];
        else if (depth >= MAX_DEPTH) errors['links.parent'] = [`nests deeper than ${MAX_DEPTH} levels`];
      }
    }
    input.check(errors);
    const target = label ?? tx.create(Label, { name: input.get('name')!, fullName: '' });
    if (input.has('name')) target.name = input.get('name')!;
    if (parent !== undefined) target.parent = parent;
    await tx.flush();
    await refreshPaths(tx);
    return target.id;
  });
}

/** Deleting a label deletes its sub-labels too (and their links to suggestions). */
export async function deleteLabel(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const label = await tx.findOne(Label, id);
    if (!label) throw new RecordNotFoundError();
    await tx.getKysely<DB>().deleteFrom('labels').where('id', '=', id).execute();
  });
}

/** POST /admin/labels/attach|detach: idempotent; keeps the label's open_suggestions_count exact. */
export async function setLabel(em: EntityManager, labelId: number, suggestionId: number, attached: boolean, actorId?: number): Promise<void> {
  const errors: Record<string, string[]> = {};
  if ((await em.count(Label, { id: labelId })) === 0) errors['links.label'] = ['does not exist'];
  if ((await em.count(Suggestion, { id: suggestionId })) === 0) errors['links.suggestion'] = ['does not exist'];
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  await withSuggestionLocked(
    em,
    suggestionId,
    async (tx, suggestion) => {
      const label = await tx.findOne(Label, labelId);
      // Deleted since the check above.
      if (!label) throw new ValidationError({ 'links.label': ['does not exist'] });
      const had = suggestion.labels.contains(label);
      if (attached) suggestion.labels.add(label);
      else suggestion.labels.remove(label);
      if (had !== attached) {
        await recordActivity(tx.getKysely<DB>(), [{ kind: attached ? 'label_added' : 'label_removed', suggestionId, actorId, labelId }]);
      }
    },
    () => new ValidationError({ 'links.suggestion': ['does not exist'] }),
  );
}

import type { EntityManager } from '@mikro-orm/sql';
import { Category, Forum, Status, Suggestion } from '../entities/index.ts';
import type { DB } from '../db/schema.ts';
import { RecordNotFoundError } from '../errors.ts';
import type { suggestions } from '../resources/suggestions.ts';
import type { WriteInput } from '../schema/write.ts';

type SuggestionInput = WriteInput<typeof suggestions>;
import { claimAttachments, linkAttachments } from './attachments.ts';
import { applyContribution, applyContributions, contribution, type Contribution } from './counters.ts';
import { writeTransaction } from '../db/transaction.ts';
import { recordActivity, type Activity } from './activity.ts';
import { nowOf } from '../db/clock.ts';

export type SuggestionAction = 'approve' | 'publish' | 'spam' | 'unremove';

function currentContribution(s: Suggestion): Contribution {
  return contribution({
    forumId: s.forum.id,
    categoryId: s.category?.id ?? null,
    labelIds: s.labels.getItems().map((l) => l.id),
    state: s.state,
    merged: s.parentSuggestion != null,
    statusOpen: s.status ? s.status.isOpen : null,
  });
}

/**
 * Runs a change to some suggestions in one transaction with their rows locked, then moves the stored
 * listing counters by the difference the change made. Every suggestion write goes through here:
 * concurrent writers to one suggestion compute counter deltas and recounts from a stable "before".
 *
 * Lock order (the same in every write, so two writers never wait on each other crosswise): existing
 * suggestions first (by id); then the attachments claimed and the statuses read (each by id); counter
 * rows last: forums, categories, labels (each by id, see counters.applyContribution), users (by id).
 * (A create claims its attachments first: the suggestion it inserts is one nobody else can wait for.)
 * Only rows that are written are locked for writing: the suggestions here `FOR NO KEY UPDATE` (which
 * still lets other writers insert rows referring to them). Their statuses are locked `FOR SHARE`, which
 * writers of other suggestions share, because whether a status is open decides the counter deltas: a
 * status flipped meanwhile (catalog.saveStatus, which recounts) would otherwise make them wrong.
 * Categories and labels are read without a lock.
 */
export async function lockSuggestions<T>(
  em: EntityManager,
  ids: readonly number[],
  change: (tx: EntityManager, locked: Map<number, Suggestion>) => Promise<T>,
  missing: (ids: number[]) => Error = () => new RecordNotFoundError(),
): Promise<T> {
  return writeTransaction(em, async (tx) => {
    const unique = [...new Set(ids)].sort((a, b) => a - b);
    const db = tx.getKysely<DB>();
    const lockedRows = await db.selectFrom('suggestions').select(['id', 'status_id']).where('id', 'in', unique).orderBy('id').forNoKeyUpdate().execute();
    await shareStatuses(tx, lockedRows.map((r) => r.status_id));
    // Read after the lock is granted, so the rows are the latest committed ones.
    const rows = await tx.find(Suggestion, { id: { $in: unique } }, {
      populate: ['labels', 'status', 'category'],
      orderBy: { id: 'asc' },
      refresh: true,
    });
    const locked = new Map(rows.map((s) => [s.id, s]));
    const absent = unique.filter((id) => !locked.has(id));
    if (absent.length > 0) throw missing(absent);
    const before = new Map(rows.map((s) => [s.id, currentContribution(s)]));
    const result = await change(tx, locked);
    // Link-only changes (labels) do not touch a scalar column, so stamp the change explicitly.
    for (const s of rows) s.updatedAt = nowOf(tx);
    await tx.flush();
    await applyContributions(tx.getKysely(), rows.map((s) => [before.get(s.id)!, currentContribution(s)] as const));
    return result;
  });
}

/** Locks statuses whose `is_open` a write's counter deltas depend on (FOR SHARE, in id order). */
export async function shareStatuses(tx: EntityManager, ids: ReadonlyArray<number | null | undefined>): Promise<void> {
  const unique = [...new Set(ids.filter((id): id is number => typeof id === 'number'))].sort((a, b) => a - b);
  if (unique.length === 0) return;
  await tx.getKysely<DB>().selectFrom('statuses').select('id').where('id', 'in', unique).orderBy('id').forShare().execute();
}

/** lockSuggestions for one suggestion; answers its id. */
export async function withSuggestionLocked(
  em: EntityManager,
  id: number,
  change: (tx: EntityManager, s: Suggestion) => Promise<void>,
  missing?: () => Error,
): Promise<number> {
  return lockSuggestions(
    em,
    [id],
    async (tx, locked) => {
      await change(tx, locked.get(id)!);
      return id;
    },
    missing,
  );
}

interface Links {
  /** `category_required` is read only when the write names the forum: a kept forum is not re-checked. */
  forum: { id: number; category_required?: boolean };
  category: { id: number; forum_id: number } | null;
  status: { id: number; is_open: boolean } | null;
  attachmentIds: number[];
}

/**
 * Resolves and checks forum, category, status and attachment tokens of a create (no `current`) or an
 * update; one 422 naming every bad field. Plain rows: create is the busiest write (an ORM lookup cost
 * ~0.5–1 ms of CPU against ~0.1 ms for the query; `npm run bench -- create`). Attachments are claimed
 * (row-locked) here and linked once the suggestion has its id.
 */
async function resolveLinks(tx: EntityManager, input: SuggestionInput, current?: Suggestion): Promise<Links> {
  const db = tx.getKysely<DB>();
  const claim = await claimAttachments(tx, input.get('attachment_tokens') ?? [], current && { suggestionId: current.id });
  const errors: Record<string, string[]> = { ...claim.errors };
  let forum: Links['forum'] | undefined = current && { id: current.forum.id };
  if (input.has('links.forum')) {
    forum = await db.selectFrom('forums').select(['id', 'category_required']).where('id', '=', input.get('links.forum')!).executeTakeFirst();
    if (!forum) errors['links.forum'] = ['does not exist'];
  }
  let category: Links['category'] = current?.category ? { id: current.category.id, forum_id: current.category.forum.id } : null;
  if (input.has('links.category')) {
    const id = input.get('links.category')!;
    category = id === null ? null : ((await db.selectFrom('categories').select(['id', 'forum_id']).where('id', '=', id).executeTakeFirst()) ?? null);
    if (id !== null && !category) errors['links.category'] = ['does not exist'];
  } else if (category && forum && category.forum_id !== forum.id) {
    // Moved to another forum without a category: the old forum's category no longer applies.
    category = null;
  }
  if (category && forum && category.forum_id !== forum.id) errors['links.category'] = ['does not belong to the forum'];
  let status: Links['status'] = current?.status ? { id: current.status.id, is_open: current.status.isOpen } : null;
  if (input.has('links.status')) {
    const id = input.get('links.status')!;
    // FOR SHARE: its is_open decides the counter deltas (see lockSuggestions).
    status = id === null ? null : ((await db.selectFrom('statuses').select(['id', 'is_open']).where('id', '=', id).forShare().executeTakeFirst()) ?? null);
    if (id !== null && !status) errors['links.status'] = ['does not exist'];
  }
  if (forum?.category_required && !category && !errors['links.category']) errors['links.category'] = ["can't be blank"];
  input.check(errors);
  return { forum: forum!, category, status, attachmentIds: claim.ids };
}

function applyScalars(s: Suggestion, input: SuggestionInput): void {
  if (input.has('title')) s.title = input.get('title')!;
  if (input.has('body')) s.body = input.get('body') ?? null;
  if (input.has('body_mime_type')) s.bodyMimeType = input.get('body_mime_type')!;
  if (input.has('created_at')) s.createdAt = input.get('created_at')!;
}

/** Status changes stamp closed_at: set when a closed status is applied, cleared when reopened. */
export function applyStatus(s: Suggestion, status: Status | null, now: Date): void {
  s.status = status;
  s.closedAt = status && !status.isOpen ? (s.closedAt ?? now) : null;
}

export async function createSuggestion(em: EntityManager, input: SuggestionInput, creatorId: number, now: Date): Promise<number> {
  return writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    const { forum, category, status, attachmentIds } = await resolveLinks(tx, input);
    const stamp = nowOf(tx);
    const inserted = await db
      .insertInto('suggestions')
      .values({
        title: input.get('title')!,
        body: input.get('body') ?? null,
        body_mime_type: input.get('body_mime_type') ?? 'text/plain',
        state: 'approved',
        approved_at: now,
        closed_at: status && !status.is_open ? now : null,
        forum_id: forum.id,
        category_id: category?.id ?? null,
        status_id: status?.id ?? null,
        created_by_id: creatorId,
        created_at: input.get('created_at') ?? stamp,
        updated_at: stamp,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await linkAttachments(tx, attachmentIds, { suggestionId: inserted.id });
    const after = contribution({
      forumId: forum.id,
      categoryId: category?.id ?? null,
      labelIds: [],
      state: 'approved',
      merged: false,
      statusOpen: status ? status.is_open : null,
    });
    await applyContribution(db, null, after);
    await recordActivity(db, [
      {
        kind: 'suggestion_created',
        suggestionId: inserted.id,
        actorId: creatorId,
        newTitle: input.get('title')!,
        newBody: input.get('body') ?? null,
        newState: 'approved',
        newForumId: forum.id,
        newCategoryId: category?.id ?? null,
        newStatusId: status?.id ?? null,
      },
    ]);
    return inserted.id;
  });
}

export async function updateSuggestion(em: EntityManager, id: number, input: SuggestionInput, now: Date, actorId?: number): Promise<number> {
  return withSuggestionLocked(em, id, async (tx, s) => {
    const { forum, category, status, attachmentIds } = await resolveLinks(tx, input, s);
    await linkAttachments(tx, attachmentIds, { suggestionId: s.id });
    const before = { title: s.title, body: s.body ?? null, forumId: s.forum.id, categoryId: s.category?.id ?? null, statusId: s.status?.id ?? null };
    applyScalars(s, input);
    s.forum = tx.getReference(Forum, forum.id);
    s.category = category && tx.getReference(Category, category.id);
    // The entity, refreshed: its is_open decides the counters lockSuggestions moves afterwards.
    if (input.has('links.status')) applyStatus(s, status && (await tx.findOneOrFail(Status, status.id, { refresh: true })), now);
    await recordActivity(tx.getKysely<DB>(), updateActivity(s, before, actorId));
  });
}

/** `suggestion_updated` naming what changed (the rest stays null), and `status_changed`. */
function updateActivity(
  s: Suggestion,
  before: { title: string; body: string | null; forumId: number; categoryId: number | null; statusId: number | null },
  actorId: number | undefined,
): Activity[] {
  const entries: Activity[] = [];
  const categoryId = s.category?.id ?? null;
  const changes: Partial<Activity> = {
    ...(s.title !== before.title ? { oldTitle: before.title, newTitle: s.title } : {}),
    ...((s.body ?? null) !== before.body ? { oldBody: before.body, newBody: s.body ?? null } : {}),
    ...(s.forum.id !== before.forumId ? { oldForumId: before.forumId, newForumId: s.forum.id } : {}),
    ...(categoryId !== before.categoryId ? { oldCategoryId: before.categoryId, newCategoryId: categoryId } : {}),
  };
  if (Object.keys(changes).length > 0) entries.push({ kind: 'suggestion_updated', suggestionId: s.id, actorId, ...changes });
  const statusId = s.status?.id ?? null;
  if (statusId !== before.statusId) entries.push({ kind: 'status_changed', suggestionId: s.id, actorId, oldStatusId: before.statusId, newStatusId: statusId });
  return entries;
}

/** DELETE marks the suggestion deleted (UserVoice's `unremove` brings it back). */
export async function changeSuggestionState(
  em: EntityManager,
  id: number,
  action: SuggestionAction | 'delete',
  now: Date,
  actorId?: number,
): Promise<number> {
  return withSuggestionLocked(em, id, async (tx, s) => {
    const oldState = s.state;
    switch (action) {
      case 'approve':
      case 'publish':
        s.state = action === 'approve' ? 'approved' : 'published';
        s.approvedAt ??= now;
        break;
      case 'spam':
        s.state = 'spam';
        break;
      case 'delete':
        s.state = 'deleted';
        break;
      case 'unremove':
        if (s.state === 'deleted' || s.state === 'spam') s.state = 'approved';
        break;
    }
    if (s.state !== oldState) await recordActivity(tx.getKysely<DB>(), [{ kind: 'state_changed', suggestionId: s.id, actorId, oldState, newState: s.state }]);
  });
}

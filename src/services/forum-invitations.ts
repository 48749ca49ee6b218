import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { writeTransaction } from '../db/transaction.ts';
import { RecordNotFoundError } from '../errors.ts';
import type { forumInvitations } from '../resources/forum-invitations.ts';
import type { WriteInput } from '../schema/write.ts';
import { nowOf } from '../db/clock.ts';

/** One invitation per address in `email`, all or none; answers their ids in the order given. */
export async function createForumInvitations(em: EntityManager, input: WriteInput<typeof forumInvitations>, actorId: number): Promise<number[]> {
  return writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    const forumId = input.get('links.forum');
    const exists = typeof forumId === 'number' && (await db.selectFrom('forums').select('id').where('id', '=', forumId).executeTakeFirst());
    input.check(typeof forumId === 'number' && !exists ? { 'links.forum': ['does not exist'] } : {});
    const at = nowOf(tx);
    const rows = await db
      .insertInto('forum_invitations')
      .values(
        input.get('email')!.map((email) => ({
          email,
          // What an invitation link would carry: unguessable, unique.
          code: randomBytes(16).toString('hex'),
          subject: input.get('subject') ?? null,
          text: input.get('message') ?? null,
          reply_to: input.get('reply_to') ?? null,
          forum_id: forumId!,
          invited_by_id: actorId,
          created_at: at,
          updated_at: at,
        })),
      )
      .returning('id')
      .execute();
    return rows.map((r) => r.id).sort((a, b) => a - b);
  });
}

export async function deleteForumInvitation(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const deleted = await tx.getKysely<DB>().deleteFrom('forum_invitations').where('id', '=', id).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) throw new RecordNotFoundError();
  });
}

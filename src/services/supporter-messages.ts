import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { writeTransaction } from '../db/transaction.ts';
import type { supporterMessages } from '../resources/supporter-messages.ts';
import type { WriteInput } from '../schema/write.ts';
import { recordActivity } from './activity.ts';
import { nowOf } from '../db/clock.ts';

/**
 * A message to a suggestion's supporters, with its `message_sent` activity entry. Nothing is mailed
 * (there is no mail transport), and the suggestion's counters do not depend on messages, so it is not locked.
 */
export async function createSupporterMessage(em: EntityManager, input: WriteInput<typeof supporterMessages>, actorId: number): Promise<number> {
  return writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    const suggestionId = input.get('links.suggestion');
    const exists = typeof suggestionId === 'number' && (await db.selectFrom('suggestions').select('id').where('id', '=', suggestionId).executeTakeFirst());
    input.check(typeof suggestionId === 'number' && !exists ? { 'links.suggestion': ['does not exist'] } : {});
    const at = nowOf(tx);
    const row = await db
      .insertInto('supporter_messages')
      .values({
        body: input.get('body')!,
        body_mime_type: input.get('body_mime_type') ?? 'text/plain',
        notification_email_address: input.get('notification_email_address') ?? null,
        suggestion_id: suggestionId!,
        created_by_id: actorId,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordActivity(db, [{ kind: 'message_sent', suggestionId: suggestionId!, actorId, messageId: row.id, newBody: input.get('body')! }]);
    return row.id;
  });
}

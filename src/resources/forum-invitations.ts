import { EMAIL } from '../values.ts';
import { baseSorts, timestamps } from './common.ts';
import { defineResource, type Parsed, type WritableDef } from './define.ts';

const MAX_EMAILS = 100;

/** The SDK's `email` list: a JSON array, a comma string or indexed form keys; each a valid address. */
function emailList(): WritableDef<string[]> {
  return {
    type: 'custom',
    required: true,
    example: ['invitee@example.com'],
    parse(raw): Parsed<string[]> {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
      if (!items) return { error: 'is invalid' };
      const emails: string[] = [];
      for (const item of items) {
        if (typeof item !== 'string') return { error: 'is invalid' };
        const email = item.trim().toLowerCase();
        if (email === '') continue;
        if (email.length > 320 || !EMAIL.test(email)) return { error: `contains an invalid address: ${item.trim().slice(0, 100)}` };
        if (!emails.includes(email)) emails.push(email);
      }
      if (emails.length === 0) return { error: "can't be blank" };
      if (emails.length > MAX_EMAILS) return { error: `has more than ${MAX_EMAILS} addresses` };
      return { value: emails };
    },
  };
}

/**
 * Invitations to a forum (SDK: list with `forum` and `claimed`, get, create, delete). No mail is sent and
 * nobody claims an invitation here, so `claimed_at` and `links.claimed_by` stay null.
 */
export const forumInvitations = defineResource({
  type: 'forum_invitations',
  singular: 'forum_invitation',
  table: 'forum_invitations',
  fields: [
    { name: 'email', type: 'string' },
    { name: 'code', type: 'string' },
    { name: 'subject', type: 'string' },
    { name: 'text', type: 'string' },
    { name: 'reply_to', type: 'string' },
    // Where a claimed invitation would send the user: the forum's page.
    { name: 'return_to', type: 'string', value: (row, env) => `${env.publicUrl}/forums/${row.forum_id}`, uses: ['forum_id'] },
    { name: 'action', type: 'string', value: () => 'invite' },
    { name: 'claimed_at', type: 'timestamp' },
    // Airbyte lists both; we hold neither for an invitee.
    { name: 'satisfaction_score', type: 'string', value: () => null, nullable: true },
    { name: 'avatar_url', type: 'string', value: () => null, nullable: true },
    ...timestamps,
  ],
  links: [
    { name: 'forum', type: 'forums', column: 'forum_id' },
    { name: 'invited_by', type: 'users', column: 'invited_by_id' },
    { name: 'claimed_by', type: 'users', column: 'claimed_by_id' },
  ],
  filters: {
    forum: { kind: 'ids', column: 'forum_id' },
    claimed: { kind: 'present', column: 'claimed_at' },
  },
  sorts: baseSorts,
  writable: {
    email: emailList(),
    'links.forum': { type: 'ref', required: true },
    subject: { type: 'string', max: 255, nullable: true },
    // The SDK's `message`, stored and sent back as `text`.
    message: { type: 'text', max: 65_535, nullable: true },
    reply_to: { type: 'email', nullable: true },
  },
});

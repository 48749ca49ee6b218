import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/sql';
import { Category, Comment, Feedback, Forum, Label, Status, Suggestion, Supporter, User } from './entities/index.ts';
import { createClient, type IssuedCredentials } from './auth/clients.ts';
import { recountAll } from './services/counters.ts';
import type { DB } from './db/schema.ts';

const DEMO_FILE = path.resolve(import.meta.dirname, '../fixtures/demo.json');

interface DemoData {
  users: Array<{ ref: string; name: string; email_address: string; job_title?: string; country?: string; city?: string; is_admin?: boolean; is_owner?: boolean }>;
  forums: Array<{ ref: string; name: string; welcome_message?: string; prompt?: string; example?: string; updated_by?: string }>;
  categories: Array<{ ref: string; name: string; forum: string }>;
  statuses: Array<{ ref: string; name: string; hex_color: string; position: number; is_open: boolean; allow_comments?: boolean }>;
  labels: Array<{ ref: string; name: string }>;
  suggestions: Array<{
    title: string;
    body: string;
    forum: string;
    category?: string;
    status?: string;
    created_by: string;
    labels?: string[];
    /** Users who gave feedback (and so support it). */
    supporters?: string[];
    comments?: Array<{ by: string; body: string }>;
  }>;
}

/** An empty database has no users and no API clients. */
export async function isEmpty(em: EntityManager): Promise<boolean> {
  return (await em.count(User, {})) === 0;
}

function pick<T>(map: Map<string, T>, ref: string | undefined): T | undefined {
  if (ref === undefined) return undefined;
  const value = map.get(ref);
  if (!value) throw new Error(`fixtures/demo.json: unknown reference "${ref}"`);
  return value;
}

/** Loads fixtures/demo.json and creates the "Demo" API client; returns its credentials (shown once). */
export async function seedDemo(em: EntityManager): Promise<IssuedCredentials> {
  const data = JSON.parse(fs.readFileSync(DEMO_FILE, 'utf8')) as DemoData;
  await em.transactional(async (tx) => {
    const users = new Map(
      data.users.map((u) => [
        u.ref,
        tx.create(User, {
          name: u.name,
          emailAddress: u.email_address,
          jobTitle: u.job_title ?? null,
          country: u.country ?? null,
          city: u.city ?? null,
          isAdmin: u.is_admin ?? false,
          isOwner: u.is_owner ?? false,
          emailConfirmed: true,
        }),
      ]),
    );
    const forums = new Map(
      data.forums.map((f) => [
        f.ref,
        tx.create(Forum, {
          name: f.name,
          welcomeMessage: f.welcome_message ?? null,
          prompt: f.prompt ?? null,
          example: f.example ?? null,
          updatedBy: pick(users, f.updated_by) ?? null,
        }),
      ]),
    );
    const categories = new Map(data.categories.map((c) => [c.ref, tx.create(Category, { name: c.name, forum: pick(forums, c.forum)! })]));
    const statuses = new Map(
      data.statuses.map((s) => [
        s.ref,
        tx.create(Status, { name: s.name, hexColor: s.hex_color, position: s.position, isOpen: s.is_open, allowComments: s.allow_comments ?? true }),
      ]),
    );
    const labels = new Map(data.labels.map((l) => [l.ref, tx.create(Label, { name: l.name, fullName: l.name })]));
    const now = new Date();
    for (const s of data.suggestions) {
      const suggestion = tx.create(Suggestion, {
        title: s.title,
        body: s.body,
        forum: pick(forums, s.forum)!,
        category: pick(categories, s.category) ?? null,
        status: pick(statuses, s.status) ?? null,
        createdBy: pick(users, s.created_by)!,
        state: 'approved',
        approvedAt: now,
      });
      for (const ref of s.labels ?? []) suggestion.labels.add(pick(labels, ref)!);
      for (const ref of s.supporters ?? []) {
        const user = pick(users, ref)!;
        const supporter = tx.create(Supporter, { suggestion, user, createdBy: user, updatedBy: user });
        tx.create(Feedback, { body: `${user.name} wants this`, suggestion, user, supporter, createdBy: user, updatedBy: user });
      }
      for (const c of s.comments ?? []) {
        const author = pick(users, c.by)!;
        tx.create(Comment, { body: c.body, suggestion, createdBy: author, isAdminComment: author.isAdmin });
      }
    }
    await tx.flush();
    await recountAll(tx.getKysely());
  });
  const credentials = await createClient(em, 'Demo');
  // Cleared once the banner has shown the secret (demoCredentialsShown); a start that fails in
  // between leaves it, and the next start tells how to create a client instead.
  await em.getKysely<DB>().insertInto('settings').values({ key: UNSHOWN_SETTING, value: credentials.client_id, created_at: new Date() }).execute();
  return credentials;
}

const UNSHOWN_SETTING = 'demo_credentials_unshown';

export async function demoCredentialsShown(em: EntityManager): Promise<void> {
  await em.getKysely<DB>().deleteFrom('settings').where('key', '=', UNSHOWN_SETTING).execute();
}

/** The client_id of a demo client whose secret no banner showed (a start that seeded, then failed). */
export async function unshownDemoClient(em: EntityManager): Promise<string | undefined> {
  const row = await em.getKysely<DB>().selectFrom('settings').select('value').where('key', '=', UNSHOWN_SETTING).executeTakeFirst();
  return row?.value;
}

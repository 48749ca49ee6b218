import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/sql';
import {
  Attachment,
  Category,
  Feature,
  FeatureStatus,
  FeatureSuggestion,
  ImportanceResponse,
  ImportanceScore,
  InternalFlag,
  InternalStatus,
  InternalStatusUpdate,
  ProductArea,
  Comment,
  CustomField,
  ExternalAccount,
  ExternalUser,
  Feedback,
  Forum,
  ForumInvitation,
  Label,
  Note,
  Permission,
  Segment,
  SegmentedValue,
  Status,
  StatusUpdate,
  Suggestion,
  Supporter,
  SupporterMessage,
  Team,
  TeamMember,
  User,
} from './entities/index.ts';
import type { BlobStore, StoredBlob } from './storage/index.ts';
import { createClient, type IssuedCredentials } from './auth/clients.ts';
import { recountAll } from './services/counters.ts';
import { recordSeededHistory } from './services/activity.ts';
import { recordRating } from './services/nps-ratings.ts';
import { FULL_ACCESS, ownerPermission } from './services/permissions.ts';
import { keyOf } from './services/segments.ts';
import { expressionRule } from './resources/writable.ts';
import { IMPORTANCE_LABELS } from './resources/importance.ts';
import type { DB } from './db/schema.ts';
import { nowOf } from './db/clock.ts';

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
  /** Records on a suggestion, named by its title. */
  notes?: Array<{ suggestion: string; by: string; body: string }>;
  status_updates?: Array<{ suggestion: string; by: string; status: string; body: string }>;
  supporter_messages?: Array<{ suggestion: string; by: string; body: string }>;
  forum_invitations?: Array<{ forum: string; by: string; email: string; subject?: string; message?: string }>;
  attachments?: Array<{ suggestion: string; by: string; file_name: string; content_type: string; content: string }>;
  nps_ratings?: Array<{ user: string; rating: number; days_ago: number; prompt?: string; body?: string }>;
  /** Admins made the way POST /admin/permissions makes them (the user is created from the email). */
  permissions?: Array<{
    ref: string;
    email: string;
    name: string;
    job_title?: string;
    license_type: string;
    feedback?: string;
    features?: string;
    knowledgebase?: string;
    settings?: string;
    tickets?: string;
    reply_to?: string;
  }>;
  teams?: Array<{ name: string; members: string[] }>;
  custom_fields?: Array<{ name: string; key: string; field_type: string; object_type: string }>;
  segments?: Array<{ ref: string; name: string; created_by: string; filters: unknown }>;
  segmented_values?: Array<{ name: string; segment: string; column_type: string; created_by: string }>;
  /** Customer data as an import would bring it (/admin/external_accounts/import, external_users/import). */
  external_accounts: Array<{ ref: string; external_id: string; name: string; plan?: string; mrr_cents?: number; ltv_cents?: number; external_created_at?: string }>;
  external_users: Array<{ external_id: string; user: string; account?: string; type?: string; ip?: string; external_created_at?: string }>;
  /** The roadmap: features name their status, product area and suggestions (by title). */
  product_areas?: Array<{ ref: string; name: string; created_by: string }>;
  feature_statuses?: Array<{ ref: string; name: string; hex_color: string; position: number; is_default?: boolean; created_by: string }>;
  features?: Array<{ name: string; description: string; status: string; product_area: string; suggestions: string[]; created_by: string }>;
  internal_statuses?: Array<{ ref: string; name: string; hex_color: string; position: number; is_default?: boolean }>;
  internal_status_updates?: Array<{ suggestion: string; status: string; by: string; days_ago: number }>;
  internal_flags?: Array<{ suggestion: string; by: string; user?: string; reason: string }>;
  importance_scores?: Array<{ suggestion: string; user: string; value: number }>;
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

/** The records made from fixture entries, by each entry's `ref` (how other entries name them). */
function byRef<E extends { ref: string }, T>(entries: readonly E[] | undefined, create: (entry: E) => T): Map<string, T> {
  return new Map((entries ?? []).map((entry) => [entry.ref, create(entry)]));
}

/**
 * Loads fixtures/demo.json and creates the "Demo" API client; returns its credentials (shown once).
 * Attachment bytes go to `store` first (a failed seed leaves at most unreferenced blobs for the sweeper).
 */
export async function seedDemo(em: EntityManager, store?: BlobStore): Promise<IssuedCredentials> {
  const data = JSON.parse(fs.readFileSync(DEMO_FILE, 'utf8')) as DemoData;
  const blobs: Array<{ file: NonNullable<DemoData['attachments']>[number]; key: string; stored: StoredBlob }> = [];
  for (const file of store ? (data.attachments ?? []) : []) {
    const key = randomBytes(24).toString('base64url');
    blobs.push({ file, key, stored: await store!.put(key, Readable.from([Buffer.from(file.content)])) });
  }
  await em.transactional(async (tx) => {
    const users = byRef(data.users, (u) =>
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
    );
    // Every admin has a permission record: the owner's full one, other demo admins full access.
    for (const user of users.values()) {
      if (user.isOwner) ownerPermission(tx, user);
      else if (user.isAdmin) tx.create(Permission, { ...FULL_ACCESS, user });
    }
    for (const a of data.permissions ?? []) {
      const user = tx.create(User, { name: a.name, emailAddress: a.email, jobTitle: a.job_title ?? null, isAdmin: true, emailConfirmed: true });
      users.set(a.ref, user);
      tx.create(Permission, {
        user,
        licenseType: a.license_type,
        feedback: a.feedback ?? 'contribute',
        features: a.features ?? 'none',
        knowledgebase: a.knowledgebase ?? 'none',
        settings: a.settings ?? 'none',
        tickets: a.tickets ?? 'none',
        replyTo: a.reply_to ?? null,
      });
    }
    const forums = byRef(data.forums, (f) =>
      tx.create(Forum, {
        name: f.name,
        welcomeMessage: f.welcome_message ?? null,
        prompt: f.prompt ?? null,
        example: f.example ?? null,
        updatedBy: pick(users, f.updated_by) ?? null,
      }),
    );
    const categories = byRef(data.categories, (c) => tx.create(Category, { name: c.name, forum: pick(forums, c.forum)! }));
    const statuses = byRef(data.statuses, (s) =>
      tx.create(Status, { name: s.name, hexColor: s.hex_color, position: s.position, isOpen: s.is_open, allowComments: s.allow_comments ?? true }),
    );
    const labels = byRef(data.labels, (l) => tx.create(Label, { name: l.name, fullName: l.name }));
    const now = nowOf(tx);
    const byTitle = new Map<string, Suggestion>();
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
      byTitle.set(s.title, suggestion);
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
    for (const n of data.notes ?? []) tx.create(Note, { body: n.body, suggestion: pick(byTitle, n.suggestion)!, createdBy: pick(users, n.by)! });
    for (const u of data.status_updates ?? []) {
      tx.create(StatusUpdate, { body: u.body, suggestion: pick(byTitle, u.suggestion)!, user: pick(users, u.by)!, newStatus: pick(statuses, u.status)! });
    }
    for (const m of data.supporter_messages ?? []) {
      tx.create(SupporterMessage, { body: m.body, suggestion: pick(byTitle, m.suggestion)!, createdBy: pick(users, m.by)! });
    }
    for (const i of data.forum_invitations ?? []) {
      tx.create(ForumInvitation, {
        email: i.email,
        code: randomBytes(16).toString('hex'),
        subject: i.subject ?? null,
        text: i.message ?? null,
        forum: pick(forums, i.forum)!,
        invitedBy: pick(users, i.by)!,
      });
    }
    for (const { file, key, stored } of blobs) {
      tx.create(Attachment, {
        token: randomBytes(16).toString('hex'),
        fileName: file.file_name,
        contentType: file.content_type,
        sizeInBytes: stored.size,
        sha256: stored.sha256,
        storageKey: key,
        suggestion: pick(byTitle, file.suggestion)!,
        createdBy: pick(users, file.by)!,
      });
    }
    for (const t of data.teams ?? []) {
      const team = tx.create(Team, { name: t.name, membersCount: t.members.length });
      for (const ref of t.members) tx.create(TeamMember, { team, user: pick(users, ref)! });
    }
    for (const f of data.custom_fields ?? []) {
      tx.create(CustomField, { name: f.name, key: f.key, fieldType: f.field_type, objectType: f.object_type });
    }
    const segments = byRef(data.segments, (g) => {
      const filters = expressionRule().parse!(g.filters);
      if ('error' in filters) throw new Error(`fixtures/demo.json: segment "${g.ref}" filters ${filters.error}`);
      const author = pick(users, g.created_by)!;
      return tx.create(Segment, {
        name: g.name,
        key: keyOf(g.name),
        filters: filters.value as Record<string, unknown>,
        createdBy: author,
        updatedBy: author,
      });
    });
    for (const v of data.segmented_values ?? []) {
      const segment = pick(segments, v.segment)!;
      const author = pick(users, v.created_by)!;
      tx.create(SegmentedValue, { name: v.name, key: `${segment.key}.${v.column_type}`, columnType: v.column_type, segment, createdBy: author, updatedBy: author });
    }
    const accounts = byRef(data.external_accounts, (x) =>
      tx.create(ExternalAccount, {
        externalId: x.external_id,
        name: x.name,
        plan: x.plan ?? null,
        mrrCents: x.mrr_cents ?? null,
        ltvCents: x.ltv_cents ?? null,
        externalCreatedAt: x.external_created_at ? new Date(x.external_created_at) : null,
      }),
    );
    for (const x of data.external_users) {
      const user = pick(users, x.user)!;
      tx.create(ExternalUser, {
        externalId: x.external_id,
        email: user.emailAddress,
        name: user.name,
        type: x.type ?? null,
        ip: x.ip ?? null,
        externalCreatedAt: x.external_created_at ? new Date(x.external_created_at) : null,
        user,
        externalAccount: pick(accounts, x.account) ?? null,
      });
    }
    const areas = byRef(data.product_areas, (x) => {
      const by = pick(users, x.created_by)!;
      return tx.create(ProductArea, { name: x.name, createdBy: by, updatedBy: by });
    });
    const featureStatuses = byRef(data.feature_statuses, (x) => {
      const by = pick(users, x.created_by)!;
      return tx.create(FeatureStatus, { name: x.name, hexColor: x.hex_color, position: x.position, isDefault: x.is_default ?? false, createdBy: by, updatedBy: by });
    });
    (data.features ?? []).forEach((x, i) => {
      const by = pick(users, x.created_by)!;
      const feature = tx.create(Feature, {
        name: x.name,
        description: x.description,
        position: i + 1,
        featureStatus: pick(featureStatuses, x.status)!,
        productArea: pick(areas, x.product_area)!,
        createdBy: by,
        updatedBy: by,
      });
      for (const title of x.suggestions) tx.create(FeatureSuggestion, { feature, suggestion: pick(byTitle, title)! });
    });
    const internalStatuses = byRef(data.internal_statuses, (x) =>
      tx.create(InternalStatus, { name: x.name, hexColor: x.hex_color, position: x.position, isDefault: x.is_default ?? false }),
    );
    const lastInternal = new Map<Suggestion, InternalStatus>();
    for (const x of [...(data.internal_status_updates ?? [])].sort((p, q) => q.days_ago - p.days_ago)) {
      const suggestion = pick(byTitle, x.suggestion)!;
      const status = pick(internalStatuses, x.status)!;
      const at = new Date(now.getTime() - x.days_ago * 86_400_000);
      tx.create(InternalStatusUpdate, {
        suggestion,
        createdBy: pick(users, x.by)!,
        oldInternalStatus: lastInternal.get(suggestion) ?? null,
        newInternalStatus: status,
        name: status.name,
        hexColor: status.hexColor,
        createdAt: at,
        updatedAt: at,
      });
      lastInternal.set(suggestion, status);
    }
    for (const x of data.internal_flags ?? []) {
      tx.create(InternalFlag, { suggestion: pick(byTitle, x.suggestion)!, reason: x.reason, user: pick(users, x.user) ?? null, createdBy: pick(users, x.by)! });
    }
    for (const x of data.importance_scores ?? []) {
      const user = pick(users, x.user)!;
      const response = tx.create(ImportanceResponse, { value: x.value, label: IMPORTANCE_LABELS[x.value - 1]!, user });
      tx.create(ImportanceScore, { suggestion: pick(byTitle, x.suggestion)!, user, response });
    }
    await tx.flush();
    await recountAll(tx.getKysely());
    await recordSeededHistory(tx.getKysely());
    for (const r of data.nps_ratings ?? []) {
      await recordRating(tx.getKysely(), {
        userId: pick(users, r.user)!.id,
        rating: r.rating,
        body: r.body ?? null,
        prompt: r.prompt ?? null,
        date: new Date(now.getTime() - r.days_ago * 86_400_000),
      });
    }
  });
  const credentials = await createClient(em, 'Demo');
  // Cleared once the banner has shown the secret (demoCredentialsShown); a start that fails in
  // between leaves it, and the next start tells how to create a client instead.
  await em.getKysely<DB>().insertInto('settings').values({ key: UNSHOWN_SETTING, value: credentials.client_id, created_at: nowOf(em) }).execute();
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

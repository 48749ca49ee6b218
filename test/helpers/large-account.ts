/**
 * A "live UserVoice account" for the importer's tests: the demo data (seedDemo) enlarged to a few thousand
 * records across every resource the importer walks, inserted with set-based SQL in one transaction
 * (seconds, not minutes of POSTs). Every value is a function of the row number, so two loads are alike.
 *
 * Shapes the import must get right, on purpose:
 * - every nullable wire field is null on some rows and set on others; texts carry quotes, HTML and
 *   non-ASCII; timestamps carry milliseconds (the wire has whole seconds);
 * - a label's parent and a suggestion's merge target that come *later* in id order (deferred links);
 * - suggestions in every state, merged ones, closed statuses (the counters' rules), pairs of equal titles
 *   (suggested merges);
 * - the roadmap, internal statuses and flags, importance, supporter messages, forum invitations and the
 *   activity log of the generated records (ids and timestamps the import must keep);
 * - users with NPS ratings (users → nps_ratings links point forward in the import order);
 * - attachments with real bytes in the blob store (on suggestions and on notes), one over 64 KiB.
 * Stored counters are then recomputed the application's way (recountAll), as the server keeps them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { AnyDb } from '../../src/resources/rows.ts';
import { recountAll } from '../../src/services/counters.ts';
import type { BlobStore } from '../../src/storage/index.ts';

export interface LargeAccountOptions {
  /** Multiplies every count (1 ≈ 7,700 rows, pivot rows included; 0.5 ≈ 3,900). */
  scale?: number;
}

/** Rows added per table (tables of the importer's plan plus its pivots). */
export type LargeAccountCounts = Record<string, number>;

const EPOCH = '2023-03-04 05:06:07.891+00';

async function maxId(db: AnyDb, table: string): Promise<number> {
  const r = await sql<{ m: number | null }>`select max(id) as m from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0]?.m ?? 0);
}

/** The bytes of generated attachment `i` (deterministic; attachment 0 is 70,000 bytes). */
export function attachmentBytes(i: number): Buffer {
  const size = i === 0 ? 70_000 : 200 + ((i * 997) % 5_000);
  const line = Buffer.from(`attachment ${i}: lorem ipsum dolor sit amet, ünïcödé, "quotes" & <tags>\n`);
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; at += line.length) line.copy(out, at);
  return out;
}

/**
 * Adds the large data set to a database that holds the demo data (ids continue after the demo's) and
 * moves every sequence past the new ids. `store` receives the attachments' bytes.
 */
export async function enlargeDemo(db: AnyDb, store: BlobStore, options: LargeAccountOptions = {}): Promise<LargeAccountCounts> {
  const k = options.scale ?? 1;
  const n = {
    users: Math.round(400 * k),
    forums: Math.max(2, Math.round(6 * k)),
    categoriesPerForum: 4,
    statuses: 5,
    labels: Math.round(30 * k),
    externalAccounts: Math.round(50 * k),
    teams: Math.round(8 * k),
    customFields: Math.round(16 * k),
    segments: Math.round(12 * k),
    suggestions: Math.round(1000 * k),
    attachments: Math.round(30 * k),
    productAreas: Math.max(2, Math.round(10 * k)),
    features: Math.round(80 * k),
    invitations: Math.round(60 * k),
  };
  const base: Record<string, number> = {};
  const tables = ['users', 'forums', 'categories', 'statuses', 'labels', 'external_accounts', 'external_users', 'teams', 'permissions', 'custom_fields', 'segments', 'segmented_values', 'suggestions', 'status_updates', 'comments', 'notes', 'supporters', 'feedback', 'nps_ratings', 'attachments',
    'product_areas', 'feature_statuses', 'features', 'internal_statuses', 'internal_status_updates', 'internal_flags', 'importance_responses', 'importance_scores',
    'supporter_messages', 'forum_invitations', 'suggestion_activity_entries'];
  for (const table of tables) base[table] = await maxId(db, table);
  const before: Record<string, number> = {};
  const count = async (table: string) => Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
  for (const table of [...tables, 'suggestion_labels', 'team_members', 'feature_suggestions']) before[table] = await count(table);

  const U = base.users!;
  const F = base.forums!;
  const C = base.categories!;
  const ST = base.statuses!;
  const L = base.labels!;
  const S = base.suggestions!;
  const nCategories = n.forums * n.categoriesPerForum;
  // Users U+40, U+80, … are admins.
  const admins = Math.max(1, Math.floor(n.users / 40));

  // Files first: a failed load leaves at most unreferenced blobs (as the seed does).
  const files: { key: string; size: number; sha256: string }[] = [];
  for (let i = 0; i < n.attachments; i += 1) {
    const key = randomBytes(16).toString('hex');
    const stored = await store.put(key, Readable.from([attachmentBytes(i)]));
    if (stored.sha256 !== createHash('sha256').update(attachmentBytes(i)).digest('hex')) throw new Error('blob store changed the bytes');
    files.push({ key, size: stored.size, sha256: stored.sha256 });
  }

  await db.transaction().execute(async (tx) => {
    const run = (q: ReturnType<typeof sql>) => q.execute(tx);
    await run(sql`insert into users (id, created_at, updated_at, name, email_address, guid, job_title, avatar_url, last_ip, country, region, city,
        allowed_state, state, satisfaction_score, is_admin, is_owner, is_subscribed, email_confirmed, status_notifications, comment_notifications,
        last_login, support_created_at)
      select ${U} + i, ts, ts + (i % 9) * interval '1 day 3.5 seconds',
        case when i % 23 = 0 then null else 'Person ' || i || case when i % 11 = 0 then ' "the tester" O''Brien-Müller' else '' end end,
        case when i % 37 = 0 then null else 'person' || i || '@example.org' end,
        case when i % 5 = 0 then null else 'guid-' || lpad(i::text, 6, '0') end,
        case when i % 3 = 0 then null else (array['Engineer', 'Product Manager', 'Designer', 'Support Lead', 'CTO'])[1 + i % 5] end,
        case when i % 4 = 0 then null else 'https://avatars.example.com/u/' || i || '.png' end,
        '10.1.' || (i / 200) || '.' || (i % 200),
        (array['United States', 'Germany', 'France', 'Japan', 'Brazil'])[1 + i % 5],
        case when i % 6 = 0 then null else (array['California', 'Bavaria', 'Île-de-France', 'Tokyo', 'São Paulo'])[1 + i % 5] end,
        (array['San Francisco', 'Munich', 'Paris', 'Tokyo', 'São Paulo'])[1 + i % 5],
        case when i % 29 = 0 then 'blocked' else 'allowed' end, 'active',
        case when i % 4 = 0 then null else i % 11 end,
        i % 40 = 0, false, i % 2 = 0, i % 3 <> 0, i % 5 <> 0, i % 7 <> 0,
        case when i % 6 = 0 then null else ts + interval '30 days 1 hour 0.25 seconds' end,
        case when i % 8 = 0 then ts - interval '400 days' end
      from (select i, ${EPOCH}::timestamptz + i * interval '53 minutes 7.123 seconds' as ts from generate_series(1, ${n.users}) i) g`);

    await run(sql`insert into forums (id, created_at, updated_at, name, welcome_message, welcome_message_mime_type, prompt, example, is_public, is_private,
        classic_voting, category_required, is_open, importance_enabled, moderation_enabled, updated_by_id)
      select ${F} + i, ${EPOCH}::timestamptz + i * interval '1 day', ${EPOCH}::timestamptz + i * interval '3 days 0.5 seconds', 'Forum ' || i || ' — “ideas”',
        case when i % 3 = 0 then null else '<p>Welcome to forum ' || i || ' &amp; vote.</p>' end, case when i % 2 = 0 then 'text/plain' else 'text/html' end,
        case when i % 4 = 0 then null else 'What should we build next?' end, 'e.g. "Export reports as CSV"',
        i % 4 <> 0, i % 4 = 0, i % 5 = 0, i % 2 = 0, i % 6 <> 0, i % 3 = 0, i % 2 = 1,
        case when i % 3 = 0 then null else ${U} + 40 * (1 + i % ${admins}) end
      from generate_series(1, ${n.forums}) i`);

    await run(sql`insert into categories (id, created_at, updated_at, name, forum_id)
      select ${C} + i, ${EPOCH}::timestamptz + i * interval '5 hours', ${EPOCH}::timestamptz + i * interval '9 hours 0.1 seconds', 'Category ' || i, ${F} + 1 + (i - 1) / ${n.categoriesPerForum}
      from generate_series(1, ${nCategories}) i`);

    await run(sql`insert into statuses (id, created_at, updated_at, name, hex_color, position, is_open, allow_comments)
      select ${ST} + i, ${EPOCH}::timestamptz, ${EPOCH}::timestamptz + i * interval '1 hour',
        (array['accepted', 'in beta', 'rolled out', 'won''t do', 'parked'])[i], (array['#1d4ed8', '#f97316', '#16a34a', '#dc2626', '#71717a'])[i],
        10 + i, i in (1, 2), i <> 4
      from generate_series(1, ${n.statuses}) i`);

    // Areas first, then topics; every fifth topic's parent is an area created *after* it (a forward link).
    const areas = Math.max(2, Math.round(n.labels / 5));
    await run(sql`insert into labels (id, created_at, updated_at, name, full_name, level, parent_id)
      select ${L} + i, ${EPOCH}::timestamptz + i * interval '2 hours', ${EPOCH}::timestamptz + i * interval '4 hours',
        case when i <= ${areas} then 'Area ' || i else 'Topic ' || i end,
        case when i <= ${areas} then 'Area ' || i else 'Area ' || (1 + i % ${areas}) || ' / Topic ' || i end,
        case when i <= ${areas} then 1 else 2 end,
        case when i <= ${areas} then null else ${L} + 1 + i % ${areas} end
      from generate_series(1, ${n.labels}) i`);
    await run(sql`insert into labels (id, created_at, updated_at, name, full_name, level, parent_id)
      select ${L + n.labels + 1}::int, ${EPOCH}::timestamptz, ${EPOCH}::timestamptz, 'Late area', 'Late area', 1, null`);
    await run(sql`update labels set parent_id = ${L + n.labels + 1} where id between ${L + areas + 1} and ${L + n.labels} and id % 5 = 0`);

    await run(sql`insert into external_accounts (id, created_at, updated_at, external_id, name, plan, mrr_cents, ltv_cents, external_created_at, last_active_at)
      select ${base.external_accounts!} + i, ${EPOCH}::timestamptz + i * interval '7 hours', ${EPOCH}::timestamptz + i * interval '8 hours 0.3 seconds',
        'acct-' || lpad(i::text, 5, '0'), case when i % 9 = 0 then null else 'Account ' || i || ' GmbH & Co.' end,
        case when i % 4 = 0 then null else (array['free', 'team', 'business', 'enterprise'])[1 + i % 4] end,
        case when i % 5 = 0 then null else i * 1234 end, case when i % 6 = 0 then null else i::bigint * 98765 end,
        case when i % 3 = 0 then null else ${EPOCH}::timestamptz - i * interval '11 days' end,
        ${EPOCH}::timestamptz + i * interval '13 hours'
      from generate_series(1, ${n.externalAccounts}) i`);

    // Three users in four have an external user; most of them belong to an account.
    await run(sql`insert into external_users (id, created_at, updated_at, external_id, email, name, ip, type, external_created_at, last_seen_at, seen_days, user_id, external_account_id)
      select ${base.external_users!} + row_number() over (order by i), ${EPOCH}::timestamptz + i * interval '3 hours', ${EPOCH}::timestamptz + i * interval '4 hours',
        'ext-' || i, case when i % 10 = 0 then null else 'person' || i || '@example.org' end, 'Person ' || i,
        case when i % 3 = 0 then null else '192.0.2.' || (i % 250) end, case when i % 2 = 0 then 'customer' else 'trial' end,
        case when i % 5 = 0 then null else ${EPOCH}::timestamptz - i * interval '1 day' end,
        case when i % 4 = 0 then null else ${EPOCH}::timestamptz + i * interval '2 days' end, i % 30, ${U} + i,
        case when i % 7 = 0 then null else ${base.external_accounts!} + 1 + i % ${n.externalAccounts} end
      from generate_series(1, ${n.users}) i where i % 4 <> 0`);

    await run(sql`insert into teams (id, created_at, updated_at, name, members_count)
      select ${base.teams!} + i, ${EPOCH}::timestamptz + i * interval '1 day', ${EPOCH}::timestamptz + i * interval '2 days', 'Team ' || i, 0
      from generate_series(1, ${n.teams}) i`);
    await run(sql`insert into team_members (team_id, user_id)
      select ${base.teams!} + t, ${U} + 1 + ((t * 37 + m * 11) % ${n.users}) from generate_series(1, ${n.teams}) t, generate_series(0, 5) m where m < t % 6
      on conflict do nothing`);
    await run(sql`update teams t set members_count = (select count(*) from team_members m where m.team_id = t.id) where t.id > ${base.teams!}`);

    await run(sql`insert into permissions (id, created_at, updated_at, license_type, feedback, features, knowledgebase, settings, tickets, reply_to, state, user_id)
      select ${base.permissions!} + row_number() over (order by u.id), u.created_at, u.updated_at,
        (array['fullaccess_admin', 'contributor', 'viewer'])[1 + u.id % 3], (array['manage', 'contribute', 'view'])[1 + u.id % 3],
        (array['manage', 'none'])[1 + u.id % 2], 'none', (array['manage', 'none'])[1 + u.id % 2], 'none',
        case when u.id % 2 = 0 then 'replies+' || u.id || '@example.org' end, 'active', u.id
      from users u where u.id > ${U} and u.is_admin`);

    await run(sql`insert into custom_fields (id, created_at, updated_at, name, key, field_type, object_type)
      select ${base.custom_fields!} + i, ${EPOCH}::timestamptz + i * interval '1 hour', ${EPOCH}::timestamptz + i * interval '2 hours',
        'Field ' || i, 'field_' || i, (array['string', 'number', 'boolean', 'date'])[1 + i % 4], (array['suggestion', 'user', 'account'])[1 + i % 3]
      from generate_series(1, ${n.customFields}) i`);

    await run(sql`insert into segments (id, created_at, updated_at, name, key, filters, created_by_id, updated_by_id)
      select ${base.segments!} + i, ${EPOCH}::timestamptz + i * interval '6 hours', ${EPOCH}::timestamptz + i * interval '7 hours',
        'Segment ' || i, 'segment_' || i,
        case when i % 4 = 0 then null else json_build_object('all', json_build_array(json_build_object('field', 'plan', 'op', 'eq', 'value', 'plan ' || i))) end,
        ${U} + 40, case when i % 2 = 0 then null else ${U} + 40 * ${admins} end
      from generate_series(1, ${n.segments}) i`);
    await run(sql`insert into segmented_values (id, created_at, updated_at, name, key, column_type, segment_id, created_by_id, updated_by_id)
      select ${base.segmented_values!} + row_number() over (order by s, c), ${EPOCH}::timestamptz + s * interval '6 hours 1 minute', ${EPOCH}::timestamptz + s * interval '9 hours',
        'Value ' || s || '.' || c, 'segment_' || s || '.' || (array['supporters', 'mrr', 'revenue'])[c], (array['supporters', 'mrr', 'revenue'])[c], ${base.segments!} + s,
        ${U} + 40, case when c = 2 then ${U} + 40 * ${admins} end
      from generate_series(1, ${n.segments}) s, generate_series(1, 3) c where c <= 1 + s % 3`);

    // Suggestions: every state; some merged into a *later* suggestion (a deferred link on import).
    await run(sql`insert into suggestions (id, created_at, updated_at, title, body, body_mime_type, state, channel, approved_at, closed_at,
        inappropriate_flags_count, recent_engagement, creator_user_agent, creator_referrer, creator_browser, creator_browser_version, creator_os,
        creator_mobile, unmergeable, forum_id, category_id, status_id, created_by_id, parent_suggestion_id)
      select ${S} + i, ts, ts + (i % 30) * interval '1 day 7 minutes 0.4 seconds',
        -- A digest makes titles unalike (pg_trgm would pair thousands of "Idea 12: Dark mode"s); every
        -- twentieth repeats the one before it: a few dozen suggested merges, with or without pg_trgm.
        (array['Dark mode', 'Export as "CSV"', 'SSO with SAML', 'Faster search', 'Café-style kanban view'])[1 + (i - (i % 20 = 0)::int) % 5]
          || ' — ' || left(md5('idea ' || (i - (i % 20 = 0)::int)), 16),
        case when i % 9 = 0 then null else (array['We need this. ', '<p>Please &mdash; <b>important</b>.</p> ', 'Customers ask for it. '])[1 + i % 3] || repeat('Lorem ipsum dolor sit amet. ', 1 + i % 5) end,
        case when i % 3 = 1 then 'text/html' else 'text/plain' end,
        state, (array['web', 'api', 'widget', 'email'])[1 + i % 4],
        case when state in ('approved', 'published', 'closed') then ts + interval '1 hour 0.7 seconds' end,
        case when state = 'closed' then ts + interval '10 days' end,
        case when i % 13 = 0 then 2 else 0 end, i % 40,
        case when i % 5 = 0 then null else 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.' || (i % 10) end,
        case when i % 5 = 0 then null else 'https://example.com/page/' || (i % 100) || '?q=a&b=c' end,
        case when i % 5 = 0 then null when i % 2 = 0 then 'Firefox' else 'Chrome' end,
        case when i % 5 = 0 then null else '120.' || (i % 10) end,
        case when i % 5 = 0 then null else (array['Linux', 'macOS', 'Windows'])[1 + i % 3] end,
        case when i % 5 = 0 then null else i % 7 = 0 end,
        i % 97 = 0, forum,
        case when i % 10 = 0 then null else ${C} + (forum - ${F} - 1) * ${n.categoriesPerForum} + 1 + i % ${n.categoriesPerForum} end,
        case when i % 3 = 0 then null else ${ST} + 1 + i % ${n.statuses} end,
        ${U} + 1 + (i * 13) % ${n.users},
        case when i % 101 = 0 and i < ${n.suggestions} then ${S} + i + 1 end
      from (select i, ${EPOCH}::timestamptz + i * interval '41 minutes 3.21 seconds' as ts, ${F} + 1 + (i * 7) % ${n.forums} as forum,
                   case when i % 50 = 0 then 'new' when i % 17 = 0 then 'closed' when i % 29 = 0 then 'published' when i % 43 = 0 then 'spam'
                        when i % 47 = 0 then 'deleted' else 'approved' end as state
            from generate_series(1, ${n.suggestions}) i) g`);
    await run(sql`insert into suggestion_labels (suggestion_id, label_id)
      select ${S} + i, ${L} + 1 + (i * 5 + j * 7) % ${n.labels} from generate_series(1, ${n.suggestions}) i, generate_series(0, 2) j where j < i % 4
      on conflict do nothing`);

    await run(sql`insert into status_updates (id, created_at, updated_at, body, notification_email_address, notify_supporters, suggestion_id, user_id, old_status_id, new_status_id)
      select ${base.status_updates!} + row_number() over (order by i, j), s.created_at + (j + 1) * interval '2 days 0.9 seconds', s.created_at + (j + 1) * interval '2 days 0.9 seconds',
        'Status change ' || j || ' for idea ' || i || case when j = 1 then ' — “shipped”' else '' end,
        case when i % 3 = 0 then 'pm' || i || '@example.org' end, i % 2 = 0, ${S} + i, ${U} + 40 * (1 + i % ${admins}),
        case when j = 0 then null else ${ST} + 1 + (i + j - 1) % ${n.statuses} end, ${ST} + 1 + (i + j) % ${n.statuses}
      from generate_series(1, ${n.suggestions}) i, generate_series(0, 1) j join lateral (select created_at from suggestions where id = ${S} + i) s on true
      where i % 6 = 0 and j <= i % 2`);

    await run(sql`insert into comments (id, created_at, updated_at, body, body_mime_type, state, channel, inappropriate_flags_count, is_admin_comment, suggestion_id, created_by_id)
      select ${base.comments!} + row_number() over (order by i, j), s.created_at + (j + 2) * interval '1 hour 0.6 seconds', s.created_at + (j + 2) * interval '1 hour 0.6 seconds' + (i % 3) * interval '1 day',
        'Comment ' || (j + 1) || ' on idea ' || i || ': ' || repeat('+1, we need this too. ', 1 + j),
        case when j = 1 then 'text/html' else 'text/plain' end,
        case when i % 19 = 0 then 'spam' when i % 23 = 0 then 'deleted' else 'approved' end, (array['web', 'api', 'email'])[1 + i % 3],
        case when i % 19 = 0 then 1 else 0 end, (i + j) % 8 = 0, ${S} + i, case when i % 31 = 0 then null else ${U} + 1 + (i * 11 + j * 3) % ${n.users} end
      from generate_series(1, ${n.suggestions}) i, generate_series(0, 2) j join lateral (select created_at from suggestions where id = ${S} + i) s on true
      where j < i % 3`);

    await run(sql`insert into notes (id, created_at, updated_at, body, body_mime_type, suggestion_id, created_by_id)
      select ${base.notes!} + row_number() over (order by i), s.created_at + interval '5 hours', s.created_at + interval '6 hours 0.2 seconds',
        'Internal note on idea ' || i || ': call the customer back', case when i % 2 = 0 then 'text/html' else 'text/plain' end,
        ${S} + i, case when i % 9 = 0 then null else ${U} + 40 * (1 + i % ${admins}) end
      from generate_series(1, ${n.suggestions}) i join lateral (select created_at from suggestions where id = ${S} + i) s on true
      where i % 4 = 0`);

    await run(sql`insert into supporters (id, created_at, updated_at, how, channel, is_subscribed, suggestion_id, user_id, created_by_id, updated_by_id)
      select ${base.supporters!} + row_number() over (order by i, j), s.created_at + (j + 1) * interval '1 hour 0.3 seconds', s.created_at + (j + 1) * interval '1 hour 0.3 seconds',
        (array['feedback', 'vote', 'admin'])[1 + (i + j) % 3], (array['web', 'api', 'widget'])[1 + j % 3], (i + j) % 4 <> 0, ${S} + i,
        ${U} + 1 + (i * 31 + j * 17) % ${n.users}, case when j % 2 = 0 then ${U} + 1 + (i * 31 + j * 17) % ${n.users} end, null
      from generate_series(1, ${n.suggestions}) i, generate_series(0, 3) j join lateral (select created_at from suggestions where id = ${S} + i) s on true
      where j < i % 5`);

    // Feedback from a third of the supporters (linked to them), and some from users who do not support.
    await run(sql`insert into feedback (id, created_at, updated_at, body, body_mime_type, channel, source_url, source_type, source_guid, severity, sentiment, suggestion_id, user_id, supporter_id, created_by_id, updated_by_id)
      select ${base.feedback!} + row_number() over (order by sp.id), sp.created_at + interval '1 minute', sp.updated_at + interval '2 minutes 0.8 seconds',
        'Feedback from supporter ' || sp.id || ': ' || repeat('this blocks our rollout. ', 1 + sp.id % 3), 'text/plain',
        (array['web', 'email', 'api'])[1 + sp.id % 3], case when sp.id % 2 = 0 then 'https://support.example.com/tickets/' || sp.id end,
        case when sp.id % 2 = 0 then 'zendesk' end, case when sp.id % 2 = 0 then 'zd-' || sp.id end, case when sp.id % 5 = 0 then null else sp.id % 4 end,
        (array['positive', 'neutral', 'negative', null])[1 + sp.id % 4], sp.suggestion_id, sp.user_id, sp.id, sp.user_id, case when sp.id % 3 = 0 then ${U} + 40 * ${admins} end
      from supporters sp where sp.id > ${base.supporters!} and sp.id % 3 = 0`);

    // Two or three ratings for a quarter of the users; previous_rating chains them as recordRating does.
    await run(sql`insert into nps_ratings (id, created_at, updated_at, rating, previous_rating, body, prompt, user_id)
      select ${base.nps_ratings!} + row_number() over (order by u, r), ${EPOCH}::timestamptz + u * interval '1 hour' + r * interval '90 days 0.5 seconds',
        ${EPOCH}::timestamptz + u * interval '1 hour' + r * interval '90 days 0.5 seconds',
        (u * 3 + r * 5) % 11, case when r = 0 then null else (u * 3 + (r - 1) * 5) % 11 end,
        case when (u + r) % 3 = 0 then null else 'Rating ' || r || ' by user ' || u || ': ' || (array['love it', 'too slow', 'fine'])[1 + r % 3] end,
        case when r % 2 = 0 then 'How likely are you to recommend us?' end, ${U} + u
      from generate_series(1, ${n.users}) u, generate_series(0, 2) r where u % 4 = 1 and r <= u % 3`);
    await run(sql`update users x set current_nps_rating_id = l.ids[1], previous_nps_rating_id = l.ids[2]
      from (select user_id, array_agg(id order by created_at desc, id desc) as ids from nps_ratings where id > ${base.nps_ratings!} group by user_id) l
      where x.id = l.user_id`);

    const notes = (await sql<{ id: number }>`select id from notes where id > ${base.notes!} order by id`.execute(tx)).rows.map((r) => Number(r.id));
    for (const [i, file] of files.entries()) {
      const onNote = i % 3 === 2;
      await run(sql`insert into attachments (id, created_at, updated_at, token, file_name, content_type, size_in_bytes, sha256, storage_key, suggestion_id, note_id, created_by_id)
        values (${base.attachments! + i + 1}, ${EPOCH}::timestamptz + ${i}::int * interval '1 day 0.5 seconds', ${EPOCH}::timestamptz + ${i}::int * interval '1 day 0.5 seconds',
          ${randomBytes(16).toString('hex')}, ${`file ${i} “report”.${i % 2 === 0 ? 'txt' : 'csv'}`}, ${i % 2 === 0 ? 'text/plain' : 'text/csv'}, ${file.size}, ${file.sha256}, ${file.key},
          ${onNote ? null : S + 1 + ((i * 37) % n.suggestions)}, ${onNote ? notes[i % notes.length]! : null}, ${i % 4 === 0 ? null : U + 1 + i})`);
    }

    // The roadmap: areas, statuses (one the default), features holding a few suggestions each.
    const admin = (expr: string) => sql.raw(`${U} + 40 * (1 + (${expr}) % ${admins})`);
    await run(sql`insert into product_areas (id, created_at, updated_at, name, created_by_id, updated_by_id)
      select ${base.product_areas!} + i, ${EPOCH}::timestamptz + i * interval '2 days', ${EPOCH}::timestamptz + i * interval '3 days 0.4 seconds',
        'Area ' || i || case when i % 3 = 0 then ' — “platform” & <api>' else '' end, ${admin('i')}, case when i % 2 = 0 then null else ${admin('i + 1')} end
      from generate_series(1, ${n.productAreas}) i`);
    await run(sql`insert into feature_statuses (id, created_at, updated_at, name, hex_color, position, is_default, created_by_id, updated_by_id)
      select ${base.feature_statuses!} + i, ${EPOCH}::timestamptz + i * interval '1 hour', ${EPOCH}::timestamptz + i * interval '5 hours 0.2 seconds',
        (array['Planned', 'In progress', 'Shipped', 'Won''t ship'])[i], (array['#2563eb', '#f59e0b', '#10b981', '#6b7280'])[i], 100 + i, false,
        ${admin('i')}, case when i = 2 then null else ${admin('i')} end
      from generate_series(1, 4) i`);
    await run(sql`insert into features (id, created_at, updated_at, name, description, position, feature_status_id, product_area_id, created_by_id, updated_by_id)
      select ${base.features!} + i, ${EPOCH}::timestamptz + i * interval '17 hours', ${EPOCH}::timestamptz + i * interval '19 hours 0.6 seconds',
        'Feature ' || i, case when i % 4 = 0 then null else '<p>Ship “feature” ' || i || ' &amp; tell the supporters.</p>' end, i,
        case when i % 7 = 0 then null else ${base.feature_statuses!} + 1 + i % 4 end,
        case when i % 5 = 0 then null else ${base.product_areas!} + 1 + i % ${n.productAreas} end,
        ${admin('i')}, case when i % 3 = 0 then null else ${admin('i + 2')} end
      from generate_series(1, ${n.features}) i`);
    await run(sql`insert into feature_suggestions (feature_id, suggestion_id)
      select ${base.features!} + f, ${S} + 1 + (f * 37 + j * 101) % ${n.suggestions} from generate_series(1, ${n.features}) f, generate_series(0, 3) j where j < f % 5
      on conflict do nothing`);

    // Internal statuses and their history on every eighth suggestion (one or two steps); flags on every eleventh.
    await run(sql`insert into internal_statuses (id, created_at, updated_at, name, hex_color, position, is_default)
      select ${base.internal_statuses!} + i, ${EPOCH}::timestamptz + i * interval '1 hour', ${EPOCH}::timestamptz + i * interval '2 hours 0.3 seconds',
        (array['Triage', 'Needs spec', 'Ready', 'Blocked'])[i], (array['#a1a1aa', '#eab308', '#22c55e', '#ef4444'])[i], 100 + i, false
      from generate_series(1, 4) i`);
    await run(sql`insert into internal_status_updates (id, created_at, updated_at, name, hex_color, teams_notified, suggestion_id, created_by_id, old_internal_status_id, new_internal_status_id)
      select ${base.internal_status_updates!} + row_number() over (order by i, j), s.created_at + (j + 1) * interval '3 days 0.7 seconds', s.created_at + (j + 1) * interval '3 days 0.7 seconds',
        st.name, st.hex_color, (i + j) % 2 = 0, ${S} + i, case when i % 5 = 0 then null else ${admin('i')} end,
        case when j = 0 then null else ${base.internal_statuses!} + 1 + (i + j - 1) % 4 end, st.id
      from generate_series(1, ${n.suggestions}) i, generate_series(0, 1) j
        join lateral (select created_at from suggestions where id = ${S} + i) s on true
        join lateral (select id, name, hex_color from internal_statuses where id = ${base.internal_statuses!} + 1 + (i + j) % 4) st on true
      where i % 8 = 0 and j <= i % 2`);
    await run(sql`insert into internal_flags (id, created_at, updated_at, reason, suggestion_id, user_id, created_by_id)
      select ${base.internal_flags!} + row_number() over (order by i), s.created_at + interval '2 hours', s.created_at + interval '2 hours 0.5 seconds',
        case when i % 3 = 0 then null else 'Flagged: “legal” review & <escalation> for idea ' || i end, ${S} + i,
        case when i % 2 = 0 then null else ${U} + 1 + (i * 3) % ${n.users} end, ${admin('i')}
      from generate_series(1, ${n.suggestions}) i join lateral (select created_at from suggestions where id = ${S} + i) s on true
      where i % 11 = 0`);

    // Importance: one response per score (1–3 answers on every fifth suggestion, by distinct users).
    const importance = (table: 'importance_responses' | 'importance_scores') =>
      table === 'importance_responses'
        ? sql`insert into importance_responses (id, created_at, updated_at, value, label, user_id)
            select ${base.importance_responses!} + row_number() over (order by i, j), ts, ts, v, (array['Nice to have', 'Important', 'Critical'])[v], u from g`
        : sql`insert into importance_scores (id, created_at, updated_at, suggestion_id, user_id, response_id)
            select ${base.importance_scores!} + row_number() over (order by i, j), ts, ts, ${S} + i, u, ${base.importance_responses!} + row_number() over (order by i, j) from g`;
    for (const table of ['importance_responses', 'importance_scores'] as const) {
      await run(sql`with g as (select i, j, 1 + (i + j) % 3 as v, ${U} + 1 + (i * 7 + j * 13) % ${n.users} as u, s.created_at + (j + 1) * interval '4 hours 0.1 seconds' as ts
          from generate_series(1, ${n.suggestions}) i, generate_series(0, 2) j join lateral (select created_at from suggestions where id = ${S} + i) s on true
          where i % 5 = 0 and j <= i % 3) ${importance(table)}`);
    }

    // Messages to supporters on every ninth suggestion; forum invitations, some of them claimed.
    await run(sql`insert into supporter_messages (id, created_at, updated_at, body, body_mime_type, notification_email_address, suggestion_id, created_by_id)
      select ${base.supporter_messages!} + row_number() over (order by i), s.created_at + interval '7 days 0.4 seconds', s.created_at + interval '7 days 0.4 seconds',
        'Update for the supporters of idea ' || i || ': “it shipped” — see <b>notes</b> & reply.', case when i % 2 = 0 then 'text/html' else 'text/plain' end,
        case when i % 3 = 0 then null else 'pm' || i || '@example.org' end, ${S} + i, case when i % 4 = 0 then null else ${admin('i')} end
      from generate_series(1, ${n.suggestions}) i join lateral (select created_at from suggestions where id = ${S} + i) s on true
      where i % 9 = 0`);
    await run(sql`insert into forum_invitations (id, created_at, updated_at, email, code, subject, text, reply_to, claimed_at, forum_id, invited_by_id, claimed_by_id)
      select ${base.forum_invitations!} + i, ${EPOCH}::timestamptz + i * interval '6 hours', ${EPOCH}::timestamptz + i * interval '6 hours 0.9 seconds',
        'invitee' || i || '@example.org', 'code-' || md5('invitation ' || i), case when i % 3 = 0 then null else 'Join forum ' || i || ' — “beta”' end,
        case when i % 4 = 0 then null else 'Hi! We''d love your <input> on forum ' || i || '.' end, case when i % 2 = 0 then null else 'pm@example.org' end,
        case when i % 5 = 0 then ${EPOCH}::timestamptz + i * interval '6 hours' + interval '2 days' end, ${F} + 1 + i % ${n.forums},
        case when i % 6 = 0 then null else ${admin('i')} end, case when i % 5 = 0 then ${U} + 1 + (i * 19) % ${n.users} end
      from generate_series(1, ${n.invitations}) i`);

    // The activity log of the generated records (kinds and links as services/activity.ts writes them).
    const A = base.suggestion_activity_entries!;
    const activity = async (order: string, select: ReturnType<typeof sql>) => {
      const at = Math.max(await maxId(tx, 'suggestion_activity_entries'), A);
      await run(sql`insert into suggestion_activity_entries (id, created_at, updated_at, kind, old_title, new_title, old_body, new_body, old_state, new_state, suggestion_id,
          created_by_id, comment_id, note_id, feedback_id, status_update_id, message_id, label_id, old_forum_id, new_forum_id, old_category_id, new_category_id,
          old_status_id, new_status_id, merged_from_suggestion_id, merged_to_suggestion_id)
        select ${at}::int + row_number() over (order by ${sql.raw(order)}), ${select}`);
    };
    const none = sql.raw('null, null, null');
    await activity('created_at, id', sql`created_at, created_at, 'suggestion_created', null, title, null, body, null, state, id, created_by_id,
        null, null, null, null, null, null, null, forum_id, null, category_id, null, status_id, null, null
      from suggestions where id > ${S} and id % 3 = 0`);
    await activity('updated_at, id', sql`updated_at, updated_at, 'suggestion_updated', 'Old title of idea ' || id, title, null, null, null, null, id, created_by_id,
        null, null, null, null, null, null, ${F} + 1 + id % ${n.forums}, forum_id, null, category_id, null, null, null, null
      from suggestions where id > ${S} and id % 25 = 0`);
    await activity('created_at, id', sql`created_at, created_at, 'comment_created', ${none}, body, null, null, suggestion_id, created_by_id,
        id, null, null, null, null, null, null, null, null, null, null, null, null, null
      from comments where id > ${base.comments!} and id % 2 = 0`);
    await activity('created_at, id', sql`created_at, created_at, 'note_created', ${none}, body, null, null, suggestion_id, created_by_id,
        null, id, null, null, null, null, null, null, null, null, null, null, null, null
      from notes where id > ${base.notes!}`);
    await activity('created_at, id', sql`created_at, created_at, 'status_update_created', ${none}, body, null, null, suggestion_id, user_id,
        null, null, null, id, null, null, null, null, null, null, old_status_id, new_status_id, null, null
      from status_updates where id > ${base.status_updates!}`);
    await activity('created_at, id', sql`created_at, created_at, 'feedback_created', ${none}, body, null, null, suggestion_id, created_by_id,
        null, null, id, null, null, null, null, null, null, null, null, null, null, null
      from feedback where id > ${base.feedback!} and suggestion_id is not null and id % 2 = 0`);
    await activity('created_at, id', sql`created_at, created_at, 'message_sent', ${none}, body, null, null, suggestion_id, created_by_id,
        null, null, null, null, id, null, null, null, null, null, null, null, null, null
      from supporter_messages where id > ${base.supporter_messages!}`);
    await activity('s.id, sl.label_id', sql`s.created_at + interval '1 hour', s.created_at + interval '1 hour', 'label_added', ${none}, null, null, null, s.id, s.created_by_id,
        null, null, null, null, null, sl.label_id, null, null, null, null, null, null, null, null
      from suggestion_labels sl join suggestions s on s.id = sl.suggestion_id where s.id > ${S} and s.id % 7 = 0`);
    await activity('updated_at, id', sql`updated_at, updated_at, 'merged', ${none}, null, null, null, id, null,
        null, null, null, null, null, null, null, null, null, null, null, null, id, parent_suggestion_id
      from suggestions where id > ${S} and parent_suggestion_id is not null`);

    await recountAll(tx);
    for (const table of tables) await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(tx);
  });
  const added: LargeAccountCounts = {};
  for (const table of Object.keys(before)) added[table] = (await count(table)) - before[table]!;
  return added;
}

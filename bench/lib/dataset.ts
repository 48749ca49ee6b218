/**
 * The benchmark data set, loaded with plain SQL into a freshly migrated database before the server
 * starts: 20 forums (5 categories each), 200 users (users 1–5 are admins, user 1 the account owner),
 * 8 statuses, 30 labels (6 areas with 4 topics each), 10,000 suggestions with 0–3 labels each, and —
 * when those tables exist — ~30,000 supporters and ~15,000 comments. Every value is a function of the
 * row number, so two loads are identical, on PostgreSQL and on PGlite alike.
 *
 * Shapes that matter for the list scenarios: a suggestion's category belongs to its forum; forums are
 * updated by admins, who never create suggestions; suggestions carry topic labels only, never areas. So
 * `includes=forums,users,categories,statuses,labels` always needs a second round (forum editors and
 * parent labels) whatever the page size: the statement count per request is the same at per_page 10
 * and 100.
 */
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import { createClient } from '../../src/auth/clients.ts';
import * as counters from '../../src/services/counters.ts';
import type { AnyDb } from '../../src/resources/rows.ts';

export const DATASET = { forums: 20, categoriesPerForum: 5, users: 200, admins: 5, statuses: 8, labels: 30, suggestions: 10_000 } as const;

export interface LoadedDataset {
  clientId: string;
  clientSecret: string;
  counts: Record<string, number>;
  ms: number;
}

const BASE = `timestamptz '2024-01-02 03:04:05.678+00'`;

/** Statements in order; `${BASE}` is the data set's epoch. */
function statements(has: { supporters: boolean; comments: boolean; permissions?: boolean }, suggestionCount: number = DATASET.suggestions): string[] {
  // A larger set (bench `scale`) adds suggestions and their labels; supporters and comments stay on the
  // newest 10,000 suggestions (the first pages look the same as in the standard set).
  const engaged = `s.id > ${suggestionCount - DATASET.suggestions}`;
  const out = [
    `insert into users (id, created_at, updated_at, name, email_address, guid, job_title, avatar_url, last_ip, country, region, city,
        allowed_state, state, satisfaction_score, is_admin, is_owner, is_subscribed, email_confirmed, status_notifications,
        comment_notifications, last_login, support_created_at)
     select i, ts, ts + interval '17 days 3 hours', 'User ' || i || case when i % 7 = 0 then ' "the tester" Müller' else '' end,
        'user' || i || '@example.com', 'guid-' || lpad(i::text, 6, '0'),
        case when i % 3 = 0 then null else (array['Engineer', 'Product Manager', 'Designer', 'Support Lead', 'CTO'])[1 + i % 5] end,
        'https://avatars.example.com/u/' || i || '.png', '10.0.' || (i / 250) || '.' || (i % 250),
        (array['United States', 'Germany', 'France', 'Japan', 'Brazil'])[1 + i % 5],
        (array['California', 'Bavaria', 'Île-de-France', 'Tokyo', 'São Paulo'])[1 + i % 5],
        (array['San Francisco', 'Munich', 'Paris', 'Tokyo', 'São Paulo'])[1 + i % 5],
        'allowed', 'active', case when i % 4 = 0 then null else i % 11 end,
        i <= ${DATASET.admins}, i = 1, i % 2 = 0, true, true, i % 5 <> 0,
        case when i % 6 = 0 then null else ts + interval '30 days 1 hour' end, null
     from (select i, ${BASE} + i * interval '67 minutes 13.257 seconds' as ts from generate_series(1, ${DATASET.users}) i) g`,

    `insert into forums (id, created_at, updated_at, name, welcome_message, prompt, example, is_public, is_private, classic_voting,
        category_required, is_open, importance_enabled, moderation_enabled, updated_by_id)
     select i, ${BASE} + i * interval '1 day', ${BASE} + i * interval '3 days', 'Forum ' || i,
        '<p>Welcome to forum ' || i || '. Tell us what you need &amp; vote for ideas.</p>', 'What should we build next?',
        'e.g. "Export reports as CSV"', i % 4 <> 0, i % 4 = 0, i % 5 = 0, false, i % 10 <> 0, i % 3 = 0, i % 6 = 0,
        1 + (i - 1) % ${DATASET.admins}
     from generate_series(1, ${DATASET.forums}) i`,

    `insert into categories (id, created_at, updated_at, name, forum_id)
     select i, ${BASE} + i * interval '5 hours', ${BASE} + i * interval '9 hours', 'Category ' || i, 1 + (i - 1) / ${DATASET.categoriesPerForum}
     from generate_series(1, ${DATASET.forums * DATASET.categoriesPerForum}) i`,

    `insert into statuses (id, created_at, updated_at, name, hex_color, position, is_open, allow_comments)
     select i, ${BASE}, ${BASE} + i * interval '1 hour',
        (array['planned', 'started', 'under review', 'completed', 'needs info', 'shipped', 'declined', 'duplicate'])[i],
        (array['#3b82f6', '#f59e0b', '#8b5cf6', '#10b981', '#6b7280', '#059669', '#ef4444', '#9ca3af'])[i],
        i, i not in (4, 6, 7, 8), i % 2 = 1
     from generate_series(1, ${DATASET.statuses}) i`,

    `insert into labels (id, created_at, updated_at, name, full_name, level, parent_id)
     select i, ${BASE} + i * interval '2 hours', ${BASE} + i * interval '4 hours', name,
        case when parent is null then name else (array['Billing', 'Mobile', 'Integrations', 'Reporting', 'Security', 'Performance'])[parent] || ' / ' || name end,
        case when parent is null then 1 else 2 end, parent
     from (select i,
             case when i <= 6 then (array['Billing', 'Mobile', 'Integrations', 'Reporting', 'Security', 'Performance'])[i] else 'Topic ' || (i - 6) end as name,
             case when i <= 6 then null else 1 + (i - 7) % 6 end as parent
           from generate_series(1, ${DATASET.labels}) i) g`,

    `insert into suggestions (id, created_at, updated_at, title, body, body_mime_type, state, channel, approved_at, closed_at,
        supporting_accounts_count, inappropriate_flags_count, recent_engagement, creator_user_agent, creator_referrer, creator_browser,
        creator_browser_version, creator_os, creator_mobile, unmergeable, forum_id, category_id, status_id, created_by_id, parent_suggestion_id)
     select i, ts, ts + (i % 30) * interval '1 day 7 minutes',
        'Suggestion ' || i || ': ' || (array['Dark mode for the dashboard', 'Export reports as CSV', 'Single sign-on with "SAML"',
          'Faster search', 'Bulk edit of tickets', 'Mobile push notifications', 'Webhooks for status changes', 'Café-style kanban view',
          'Keyboard shortcuts', 'Audit log retention'])[1 + i % 10],
        case when i % 9 = 0 then null else
          (array['It would help our team a lot. ', 'We need this for compliance. ', 'Customers keep asking for it. ',
                 '<p>Please add this &mdash; it is <b>important</b>.</p> '])[1 + i % 4]
          || repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. ', 1 + i % 6) end,
        case when i % 4 = 3 then 'text/html' else 'text/plain' end,
        state, (array['web', 'api', 'widget'])[1 + i % 3],
        case when state in ('approved', 'published', 'closed') then ts + interval '1 hour' end,
        case when status in (4, 6, 7, 8) then ts + interval '10 days' end,
        i % 3, case when i % 13 = 0 then 1 else 0 end, i % 40,
        case when i % 5 = 0 then null else 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' end,
        case when i % 5 = 0 then null else 'https://example.com/page/' || (i % 100) end,
        case when i % 5 = 0 then null when i % 2 = 0 then 'Firefox' else 'Chrome' end,
        case when i % 5 = 0 then null else '120.0' end,
        case when i % 5 = 0 then null else (array['Linux', 'macOS', 'Windows'])[1 + i % 3] end,
        case when i % 5 = 0 then null else i % 7 = 0 end,
        i % 97 = 0, forum, case when i % 10 = 0 then null else (forum - 1) * ${DATASET.categoriesPerForum} + 1 + i % ${DATASET.categoriesPerForum} end,
        status, ${DATASET.admins + 1} + (i * 13) % ${DATASET.users - DATASET.admins}, case when i % 211 = 0 then i - 1 end
     from (select i, ${BASE} + i * interval '63 minutes 7.5 seconds' as ts, 1 + (i * 7) % ${DATASET.forums} as forum,
                  case when i % 3 = 0 then null else 1 + i % ${DATASET.statuses} end as status,
                  case when i % 50 = 0 then 'new' when i % 17 = 0 then 'closed' when i % 29 = 0 then 'published' else 'approved' end as state
           from generate_series(1, ${suggestionCount}) i) g`,

    // 0–3 topic labels (ids 7–30) per suggestion; never an area (ids 1–6).
    `insert into suggestion_labels (suggestion_id, label_id)
     select i, 7 + (i * 5 + k * 7) % 24 from generate_series(1, ${suggestionCount}) i, generate_series(0, 2) k where k < i % 4`,
  ];
  if (has.supporters) {
    out.push(`insert into supporters (created_at, updated_at, how, channel, suggestion_id, user_id)
      select s.created_at + (k + 1) * interval '1 hour', s.created_at + (k + 1) * interval '1 hour', 'feedback', 'web', s.id,
             ${DATASET.admins + 1} + (s.id * 31 + k * 17) % ${DATASET.users - DATASET.admins}
      from suggestions s, generate_series(0, 5) k where k < s.id % 7 and ${engaged} order by s.id, k`);
  }
  if (has.comments) {
    out.push(`insert into comments (created_at, updated_at, body, suggestion_id, created_by_id)
      select s.created_at + (k + 2) * interval '1 hour', s.created_at + (k + 2) * interval '1 hour',
             'Comment ' || (k + 1) || ' on suggestion ' || s.id || ': ' || repeat('+1, we need this too. ', 1 + k), s.id,
             ${DATASET.admins + 1} + (s.id * 11 + k * 3) % ${DATASET.users - DATASET.admins}
      from suggestions s, generate_series(0, 2) k where k < s.id % 4 and ${engaged} order by s.id, k`);
  }
  if (has.permissions) {
    // Every admin has a permission record (as the migration gives existing admins).
    out.push(`insert into permissions (created_at, updated_at, license_type, feedback, features, knowledgebase, settings, tickets, state, user_id)
      select created_at, updated_at, 'fullaccess_admin', 'manage', 'manage', 'manage', case when is_owner then 'manage_account' else 'manage' end,
        'manage', 'active', id
      from users where is_admin order by id`);
  }
  for (const table of ['users', 'forums', 'categories', 'statuses', 'labels', 'suggestions']) {
    out.push(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
  }
  return out;
}

/**
 * Migrates the database `env` names (DATABASE_URL, or DATA_DIR for PGlite), loads the data set, brings
 * the stored counters in line with the rows, and creates an API client. Runs in this process, before the
 * server starts (PGlite allows one process per directory).
 */
export async function loadDataset(env: Record<string, string>, { suggestions = DATASET.suggestions }: { suggestions?: number } = {}): Promise<LoadedDataset> {
  const started = performance.now();
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const database = await openDatabase(config);
  try {
    const db = database.orm.em.getKysely() as AnyDb;
    const present = await sql<{ table_name: string }>`select table_name from information_schema.tables
      where table_schema = current_schema() and table_name in ('supporters', 'comments', 'permissions')`.execute(db);
    const tables = new Set(present.rows.map((r) => r.table_name));
    await db.transaction().execute(async (tx) => {
      const has = { supporters: tables.has('supporters'), comments: tables.has('comments'), permissions: tables.has('permissions') };
      for (const statement of statements(has, suggestions)) {
        await sql.raw(statement).execute(tx);
      }
      // The counters as the application defines them (recountAll), or the listing counters where an
      // older schema has no engagement tables.
      if (tables.has('supporters') && tables.has('comments') && suggestions > DATASET.suggestions) {
        // A larger set (`scale`): only the newest 10,000 suggestions have supporters and comments, so
        // only theirs are recounted (recountAll's per-row subqueries over a million suggestions take
        // longer than the rest of the load); the older ones keep the counters they were inserted with.
        const engaged = Array.from({ length: DATASET.suggestions }, (_, i) => suggestions - DATASET.suggestions + 1 + i);
        await counters.recountListings(tx);
        await counters.recountEngagement(tx, engaged);
        await counters.recountInternal(tx, engaged);
        await counters.recountSupporters(tx, engaged);
        await sql`update users u set supported_suggestions_count = c.n, suggestion_votes = c.n
          from (select x.id, (select count(*) from supporters sp where sp.user_id = x.id) as n from users x) c where u.id = c.id`.execute(tx);
      } else if (tables.has('supporters') && tables.has('comments') && typeof counters.recountAll === 'function') await counters.recountAll(tx);
      else await counters.recountListings(tx);
    });
    const credentials = await createClient(database.orm.em.fork(), 'Bench');
    // What autovacuum does on a live database before long: statistics and the visibility map (so counts
    // can be index-only scans).
    await sql.raw('vacuum analyze').execute(db);
    const counts: Record<string, number> = {};
    for (const table of ['forums', 'categories', 'users', 'statuses', 'labels', 'suggestions', 'suggestion_labels', ...tables]) {
      const row = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
      counts[table] = Number(row.rows[0]!.n);
    }
    return { clientId: credentials.client_id, clientSecret: credentials.client_secret, counts, ms: performance.now() - started };
  } finally {
    await database.close();
  }
}

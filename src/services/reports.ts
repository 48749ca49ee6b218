import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from '../resources/rows.ts';

/**
 * Counts over a date range (GET /admin/reports/<name>), each computed by one parameterized SQL statement.
 * Days are UTC calendar days; a range covers `start` 00:00:00Z up to, not including, the day after `end`
 * (both dates inclusive). Suggestions that are spam or deleted count nowhere, nor do their votes and comments.
 */
export const REPORTS = ['suggestions', 'votes', 'comments', 'nps_ratings'] as const;
export type ReportName = (typeof REPORTS)[number];
export const GROUPS = ['forum', 'status', 'day'] as const;
export type Group = (typeof GROUPS)[number];

export interface ReportQuery {
  report: ReportName;
  /** `YYYY-MM-DD`, both inclusive, UTC. */
  start: string;
  end: string;
  group: Group | null;
}

export interface ReportRow {
  /** The UTC day (group `day`). */
  date?: string;
  /** The group's forum or status id (status: null for suggestions without one). */
  key?: number | null;
  count: number;
  /** nps_ratings: the mean rating, two decimals; null without ratings. */
  average?: number | null;
}

/** Which groupings a report supports: NPS ratings belong to users, not to suggestions. */
export const GROUPS_OF: Record<ReportName, readonly Group[]> = {
  suggestions: GROUPS,
  votes: GROUPS,
  comments: GROUPS,
  nps_ratings: ['day'],
};

const LIVE = sql`s.state not in ('spam', 'deleted')`;

/** The rows a report counts: `at` is the instant that dates a row, `s` the suggestion it belongs to. */
function source(report: ReportName): { from: RawBuilder<unknown>; at: string; where: RawBuilder<unknown> } {
  switch (report) {
    case 'suggestions':
      return { from: sql`suggestions s`, at: 's.created_at', where: LIVE };
    case 'votes':
      return { from: sql`supporters x join suggestions s on s.id = x.suggestion_id`, at: 'x.created_at', where: LIVE };
    case 'comments':
      return { from: sql`comments x join suggestions s on s.id = x.suggestion_id`, at: 'x.created_at', where: sql`x.state = 'approved' and ${LIVE}` };
    case 'nps_ratings':
      return { from: sql`nps_ratings x`, at: 'x.created_at', where: sql`true` };
  }
}

const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString();

export async function runReport(db: AnyDb, q: ReportQuery): Promise<ReportRow[]> {
  const { from, at, where } = source(q.report);
  const inRange = sql`${sql.ref(at)} >= ${`${q.start}T00:00:00Z`}::timestamptz and ${sql.ref(at)} < ${dayAfter(q.end)}::timestamptz and ${where}`;
  const measures = q.report === 'nps_ratings' ? sql`count(*) as n, round(avg(x.rating), 2) as average` : sql`count(*) as n`;
  const bucket = q.group === 'forum' ? sql.ref('s.forum_id') : q.group === 'status' ? sql.ref('s.status_id') : sql`(${sql.ref(at)} at time zone 'UTC')::date`;

  type Row = { day?: string; key?: number | null; n: string | number; average?: string | number | null };
  let rows: Row[];
  if (q.group === 'day') {
    // Every day of the range, with zero for days without rows.
    ({ rows } = await sql<Row>`with counts as (select ${bucket} as day, ${measures} from ${from} where ${inRange} group by 1)
      select to_char(d.day, 'YYYY-MM-DD') as day, coalesce(c.n, 0) as n ${q.report === 'nps_ratings' ? sql`, c.average` : sql``}
      from (select g::date as day from generate_series(${q.start}::timestamp, ${q.end}::timestamp, interval '1 day') g) d
      left join counts c on c.day = d.day order by d.day`.execute(db));
  } else if (q.group) {
    ({ rows } = await sql<Row>`select ${bucket} as key, ${measures} from ${from} where ${inRange} group by 1 order by 1 nulls first`.execute(db));
  } else {
    ({ rows } = await sql<Row>`select ${measures} from ${from} where ${inRange}`.execute(db));
  }
  return rows.map((r) => ({
    ...(r.day !== undefined ? { date: r.day } : {}),
    ...(r.key !== undefined ? { key: r.key === null ? null : Number(r.key) } : {}),
    count: Number(r.n),
    ...(q.report === 'nps_ratings' ? { average: r.average === null || r.average === undefined ? null : Number(r.average) } : {}),
  }));
}

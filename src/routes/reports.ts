import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { BadRequestError } from '../errors.ts';
import { single } from '../http/params.ts';
import { emOf, type AppState } from '../http/state.ts';
import { rateLimitHeaders, type Operations, type Schema } from '../openapi/spec.ts';
import { GROUPS_OF, REPORTS, runReport, type Group, type ReportName, type ReportQuery, type ReportRow } from '../services/reports.ts';

/** The longest range one request may ask for, in days (a year, leap day included): bounds the work and the day rows. */
export const MAX_REPORT_DAYS = 366;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` that names a real calendar day, as UTC midnight in ms; 400 otherwise. */
function parseDate(query: Record<string, string | string[] | undefined>, name: string): number {
  const text = single(query, name);
  if (text === undefined || text === '') throw new BadRequestError(`${name} is required (YYYY-MM-DD)`);
  const m = DATE.exec(text);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // Date.UTC rolls 2026-02-30 over to March: a real date reads back as written.
  if (!m || Number(m[1]) < 1970 || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new BadRequestError(`${name} must be a date written YYYY-MM-DD (UTC), from 1970 on`);
  }
  return ms;
}

export function parseReportQuery(report: ReportName, query: Record<string, string | string[] | undefined>): ReportQuery {
  const start = parseDate(query, 'start_date');
  const end = parseDate(query, 'end_date');
  if (end < start) throw new BadRequestError('end_date is before start_date');
  if ((end - start) / DAY_MS + 1 > MAX_REPORT_DAYS) throw new BadRequestError(`The range covers more than ${MAX_REPORT_DAYS} days`);
  const groupBy = single(query, 'group_by');
  const allowed = GROUPS_OF[report];
  if (groupBy !== undefined && groupBy !== '' && !(allowed as readonly string[]).includes(groupBy)) {
    throw new BadRequestError(`group_by must be one of ${allowed.join(', ')} for ${report}`);
  }
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { report, start: day(start), end: day(end), group: groupBy ? (groupBy as Group) : null };
}

const LINKED: Partial<Record<Group, string>> = { forum: 'forums', status: 'statuses' };

/** A result row on the wire: the envelope's per-record `links` carry the group's forum or status id. */
function present(q: ReportQuery, row: ReportRow): Record<string, unknown> {
  return {
    ...(row.date !== undefined ? { date: row.date } : {}),
    count: row.count,
    ...(q.report === 'nps_ratings' ? { average_rating: row.average ?? null } : {}),
    links: q.group && LINKED[q.group] ? { [q.group]: row.key ?? null } : {},
  };
}

/**
 * GET /admin/reports/<report>?start_date=&end_date=[&group_by=forum|status|day]: counts over a date range
 * (services/reports.ts says what each counts), in the envelope style under the key `reports`.
 */
export function reportsRouter(_deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  for (const report of REPORTS) {
    router.get(`/reports/${report}`, async (ctx) => {
      const q = parseReportQuery(report, ctx.query);
      const rows = await runReport(emOf(ctx).getKysely(), q);
      const target = q.group ? LINKED[q.group] : undefined;
      ctx.body = {
        reports: rows.map((row) => present(q, row)),
        links: target ? { [`reports.${q.group}`]: { type: target } } : {},
        report_meta: { report, start_date: q.start, end_date: q.end, group_by: q.group, time_zone: 'UTC' },
      };
    });
  }
  return router;
}

const SUMMARIES: Record<ReportName, string> = {
  suggestions: 'Suggestions created in the range (not spam or deleted)',
  votes: 'Votes (supporters) added in the range, on suggestions that are not spam or deleted',
  comments: 'Approved comments posted in the range, on suggestions that are not spam or deleted',
  nps_ratings: 'NPS ratings given in the range: their number and mean',
};

const dateParameter = (name: string, description: string): Schema => ({
  name,
  in: 'query',
  required: true,
  schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  description,
});

function reportSchema(report: ReportName): Schema {
  const groups = GROUPS_OF[report];
  const row: Schema = {
    type: 'object',
    properties: {
      date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'The UTC day (group_by=day)' },
      count: { type: 'integer', minimum: 0 },
      ...(report === 'nps_ratings' ? { average_rating: { type: ['number', 'null'], description: 'Mean rating (0–10), two decimals; null without ratings' } } : {}),
      links: {
        type: 'object',
        properties: { forum: { type: 'integer' }, status: { type: ['integer', 'null'] } },
        additionalProperties: false,
        description: 'The group (group_by=forum or status)',
      },
    },
    required: ['count', 'links', ...(report === 'nps_ratings' ? ['average_rating'] : [])],
    additionalProperties: false,
  };
  return {
    type: 'object',
    properties: {
      reports: { type: 'array', items: row },
      links: { type: 'object' },
      report_meta: {
        type: 'object',
        properties: {
          report: { type: 'string', enum: [report] },
          start_date: { type: 'string' },
          end_date: { type: 'string' },
          group_by: { type: ['string', 'null'], enum: [...groups, null] },
          time_zone: { type: 'string', enum: ['UTC'] },
        },
        required: ['report', 'start_date', 'end_date', 'group_by', 'time_zone'],
        additionalProperties: false,
      },
    },
    required: ['reports', 'links', 'report_meta'],
    additionalProperties: false,
  };
}

/** OpenAPI entries of the routes above (src/openapi). */
export const reportsOperations: Operations = Object.fromEntries(
  REPORTS.map((report) => [
    `GET /api/v2/admin/reports/${report}`,
    {
      summary: SUMMARIES[report],
      description: `Days are UTC; both dates are inclusive; at most ${MAX_REPORT_DAYS} days. group_by=day lists every day of the range (zero included).`,
      tags: ['reports'],
      parameters: [
        dateParameter('start_date', 'First day, YYYY-MM-DD (UTC), inclusive'),
        dateParameter('end_date', 'Last day, YYYY-MM-DD (UTC), inclusive'),
        { name: 'group_by', in: 'query', required: false, schema: { type: 'string', enum: GROUPS_OF[report] } },
      ],
      responses: {
        200: { description: 'The counts', headers: rateLimitHeaders(), content: { 'application/json': { schema: reportSchema(report) } } },
        400: { $ref: '#/components/responses/E400' },
        401: { $ref: '#/components/responses/E401' },
        429: { $ref: '#/components/responses/E429' },
      },
    },
  ]),
);

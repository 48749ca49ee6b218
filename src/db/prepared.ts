import { hash } from 'node:crypto';

/** Statements shorter than this are sent as they are: parsing them costs less than keeping them. */
const MIN_CHARS = 2_000;
/**
 * At most this many texts get a name per session, so each holds at most this many prepared statements:
 * texts past it (new filter and list-length combinations) are sent unnamed.
 */
const MAX_NAMED = 200;

/**
 * Ends the statements whose best plan does not depend on their parameters' values: records fetched by
 * primary key (`id = any($1)`, resources/render.ts: a get and every side-load). They are prepared, and
 * PostgreSQL may keep a generic plan for them (`plan_cache_mode = auto`, mikro-orm.config.ts: five
 * custom plans, then the generic one when it costs no more).
 */
export const BY_ID = ' /* uv:by-id */';

/**
 * Ends a list page with no condition, in primary-key order (resources/list.ts): a plain
 * `GET /admin/suggestions`, its offset pages and its cursor pages. Its best plan is the primary key's
 * index walked from one end, whatever the values. It is prepared, so PostgreSQL parses its text (~11 KB
 * for suggestions, ~1.2 ms) once per session, and its page size is written into the text (the first
 * page has no OFFSET), so that its generic plan is costed like its custom ones and PostgreSQL keeps it
 * (planning it took another ~1.6 ms per request). Offset pages past the first keep OFFSET as a
 * parameter and are planned for it. Other pages are sent unnamed: a generic plan of a filtered page
 * counted `forum`+`status` by the forum index alone, a cost that grows with the table (bench `scale`:
 * 1.88× at 200,000 rows), and naming one would let PostgreSQL settle on such a plan after five runs.
 */
export const ID_ORDER = ' /* uv:id-order */';

/**
 * A session's naming function (one per pooled connection, mikro-orm.config.ts: the cap bounds what that
 * session holds, and processes that open many pools, like the test runner's workers, share nothing): the
 * name a long statement runs under as a prepared statement (PostgreSQL's extended protocol: node-postgres
 * parses a named statement once per session, then sends only its parameters), or undefined to send it
 * unnamed. Statements qualify when they end with BY_ID or ID_ORDER and are long: a side-load round is
 * ~10 KB of SQL (resources/render.ts) whose text never changes, and sending it for PostgreSQL to parse and
 * plan on every request held the bench's get_one at 0.43 of its hand-written-SQL floor. The name is
 * the text's hash: the same text has the same name on every session, and two texts never share one. Sessions must
 * be the application's own (no PgBouncer in transaction mode; the change listener already needs a
 * session of its own).
 */
export function preparedNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    if (text.length < MIN_CHARS || !(text.endsWith(BY_ID) || text.endsWith(ID_ORDER))) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED) {
      name = `uv_${hash('sha1', text, 'base64url')}`;
      names.set(text, name);
    }
    return name;
  };
}

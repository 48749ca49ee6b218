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
 * primary key (`id = any($1)`, resources/render.ts: a get and every side-load). Only these are prepared,
 * and PostgreSQL may keep a generic plan for them (`plan_cache_mode = auto`, mikro-orm.config.ts: five
 * custom plans, then the generic one when it costs no more). A list page is sent unnamed and planned
 * for its parameters on every run: a generic plan of a filtered page counted `forum`+`status` by the
 * forum index alone, a cost that grows with the table (bench `scale`: 1.88× at 200,000 rows).
 */
export const BY_ID = ' /* uv:by-id */';

/**
 * A session's naming function (one per pooled connection, mikro-orm.config.ts: the cap bounds what that
 * session holds, and processes that open many pools, like the test runner's workers, share nothing): the
 * name a long statement runs under as a prepared statement (PostgreSQL's extended protocol: node-postgres
 * parses a named statement once per session, then sends only its parameters), or undefined to send it
 * unnamed. Statements qualify when they end with BY_ID and are long: a side-load round is ~10 KB of SQL
 * (resources/render.ts) whose text never changes, and sending it for PostgreSQL to parse and plan on
 * every request held the bench's get_one at 0.43 of its hand-written-SQL floor. The name is the text's
 * hash: the same text has the same name on every session, and two texts never share one. Sessions must
 * be the application's own (no PgBouncer in transaction mode; the change listener already needs a
 * session of its own).
 */
export function preparedNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    if (text.length < MIN_CHARS || !text.endsWith(BY_ID)) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED) {
      name = `uv_${hash('sha1', text, 'base64url')}`;
      names.set(text, name);
    }
    return name;
  };
}

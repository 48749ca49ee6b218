import { hash } from 'node:crypto';

/** Statements shorter than this are sent as they are: parsing them costs less than keeping them. */
const MIN_CHARS = 2_000;
/**
 * At most this many texts get a name per session, so each holds at most this many prepared statements:
 * texts past it (new filter and list-length combinations) are sent unnamed.
 */
const MAX_NAMED = 200;

/**
 * A session's naming function (one per pooled connection, mikro-orm.config.ts: the cap bounds what that
 * session holds, and processes that open many pools, like the test runner's workers, share nothing): the
 * name a long statement runs under as a prepared statement (PostgreSQL's extended protocol: node-postgres
 * parses a named statement once per session, then sends only its parameters), or undefined to send it
 * unnamed. The hot reads are long and their texts fixed — a rendered list page with its count is ~11 KB
 * of SQL (resources/render.ts), its side-loads ~10 KB more — and sending and PostgreSQL parsing that
 * text on every request held the bench's list_100 at 0.63 of its hand-written-SQL floor (0.75 named). The name is the text's hash: the same text has the same
 * name on every session, and two texts never share one. Plans: every run is planned for its parameters
 * (`plan_cache_mode = force_custom_plan` on the pool's sessions, mikro-orm.config.ts): PostgreSQL's
 * generic plans were faster still (list_100 0.92 of the floor, get_one 1.09) but counted forum + status
 * by the forum index alone, a cost that grows with the table (bench `scale`: 1.88× at 200,000 rows).
 * Sessions must be the application's own (no PgBouncer in transaction mode; the change listener already
 * needs a session of its own).
 */
export function preparedNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    if (text.length < MIN_CHARS) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED) {
      name = `uv_${hash('sha1', text, 'base64url')}`;
      names.set(text, name);
    }
    return name;
  };
}

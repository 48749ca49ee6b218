import type { AppContext, AppMiddleware } from '../http/state.ts';
import { etagOf, JSON_TYPE } from '../http/etag.ts';
import { ReadRecord, readRecorder, tablesRead } from './reads.ts';
import type { TableVersions, Versions } from './versions.ts';

interface Entry {
  body: Buffer;
  etag: string;
  epoch: number;
  tables: string[];
  versions: number[];
  /** Bytes held: the body plus a rough allowance for the key and bookkeeping. */
  size: number;
}

const OVERHEAD_BYTES = 256;

/** Bodies already serialised as a JSON document (read routes rendered by PostgreSQL): cacheable as they are. */
const jsonBodies = new WeakSet<Buffer>();

/** Marks `bytes` as a whole JSON document, so the response cache may keep it like an object body. */
export function jsonBody(bytes: Buffer): Buffer {
  jsonBodies.add(bytes);
  return bytes;
}

/**
 * Bounded by the bytes it holds; what goes first is the least recently used, approximately: the oldest
 * entry not read since it was last passed over (second chance, as in CLOCK). A read only marks its
 * entry. Moving it to the end of the Map (delete, then set) on every hit made V8 rebuild the Map's
 * table every few hits, and each replaced table keeps a pointer to its successor: once one of them
 * reached the old generation, every later one outlived the scavenges until the next full collection
 * (`--trace-gc-nvp` under `autocannon -c10` on a cached route; README, Benchmarks, issue 15 point 5).
 */
export class ResponseStore {
  private readonly entries = new Map<string, { entry: Entry; used: boolean }>();
  private held = 0;
  readonly maxBytes: number;
  /** One body may take at most this share of the budget (a huge list must not flush everything). */
  readonly maxEntryBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.maxEntryBytes = Math.floor(maxBytes / 8);
  }
  get bytes(): number {
    return this.held;
  }
  get size(): number {
    return this.entries.size;
  }
  get(key: string): Entry | undefined {
    const slot = this.entries.get(key);
    if (!slot) return undefined;
    slot.used = true;
    return slot.entry;
  }
  set(key: string, entry: Entry): void {
    if (entry.size > this.maxEntryBytes) return;
    this.delete(key);
    this.entries.set(key, { entry, used: false });
    this.held += entry.size;
    // Ends: each pass clears the marks it meets, and the new entry (unmarked, last) fits the budget alone.
    while (this.held > this.maxBytes) {
      const [oldest, slot] = this.entries.entries().next().value!;
      if (slot.used) {
        slot.used = false;
        this.entries.delete(oldest);
        this.entries.set(oldest, slot);
      } else this.delete(oldest);
    }
  }
  delete(key: string): void {
    const slot = this.entries.get(key);
    if (!slot) return;
    this.entries.delete(key);
    this.held -= slot.entry.size;
  }
}

function current(entry: Entry, versions: TableVersions): boolean {
  if (!versions.live || entry.epoch !== versions.epoch) return false;
  for (let i = 0; i < entry.tables.length; i++) if (versions.version(entry.tables[i]!) !== entry.versions[i]) return false;
  return true;
}

/**
 * The path and the query string with its parameters in a canonical order (by name; repeated names keep
 * their order, which can matter), plus the user the token acts for: everything a GET's body may depend on
 * besides the database (`/users/current` differs per user; nothing differs per client).
 */
function keyOf(ctx: AppContext): string {
  const query = ctx.querystring;
  const canonical = query ? query.split('&').filter(Boolean).map((pair, i) => [pair.split('=', 1)[0]!, i, pair] as const) : [];
  canonical.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  return `${ctx.state.auth?.userId ?? ''} ${ctx.path}?${canonical.map((c) => c[2]).join('&')}`;
}

/**
 * Whole rendered GET responses of the admin API, kept in memory and answered from there while nothing
 * they were read from has changed (src/cache/versions.ts). On a hit the versions are first brought up
 * to date (`sync`: on PostgreSQL a shared round trip on the listening session), so a write acknowledged
 * by any process before the request arrived is never answered with an older body. A miss records the
 * versions before it reads, and the tables its statements name; it stores the body only when
 * every one of those tables announces its changes, no statement wrote, and nothing in it expires on its
 * own (signed download URLs). A request's `Cache-Control: no-cache` changes nothing: what it asks for (a
 * response validated with the origin) is what every answer here is, and fetch() sends it with every
 * If-None-Match.
 */
export function responseCache(store: ResponseStore, versions: TableVersions): AppMiddleware {
  return async (ctx, next) => {
    // GET bodies are not read (http/body.ts), so a body cannot change the answer.
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const key = keyOf(ctx);
    const entry = store.get(key);
    // Brought up to date first: a hit must not miss a change acknowledged before this request, and a
    // miss stamps its body with versions that already count every change committed before it reads.
    const synced = await (ctx.state.synced ??= versions.sync());
    if (entry && synced && current(entry, versions)) {
      ctx.status = 200;
      ctx.type = JSON_TYPE;
      ctx.set('ETag', entry.etag);
      ctx.body = entry.body;
      return;
    }
    if (entry) store.delete(key);
    const before: Versions | undefined = synced ? versions.snapshot() : undefined;
    const record = new ReadRecord();
    await readRecorder.run(record, next);
    if (!before || record.volatile || ctx.status !== 200) return;
    const body = ctx.body;
    const rendered = Buffer.isBuffer(body) && jsonBodies.has(body);
    if (!rendered && (body === null || typeof body !== 'object' || Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function')) return;
    const tables = tablesRead(record.statements, versions.tables);
    if (!tables || [...tables].some((table) => !versions.announced.has(table))) return;
    const bytes = rendered ? (body as Buffer) : Buffer.from(JSON.stringify(body));
    const etag = etagOf(bytes);
    ctx.body = bytes;
    ctx.type = JSON_TYPE;
    ctx.set('ETag', etag);
    const names = [...tables];
    store.set(key, {
      body: bytes,
      etag,
      epoch: before.epoch,
      tables: names,
      versions: names.map((table) => before.of.get(table) ?? 0),
      size: retained(bytes) + key.length + OVERHEAD_BYTES,
    });
  };
}

/**
 * The memory an entry's body keeps alive: a rendered body is a view of a larger allocation (resources/
 * document.ts utf8Body leaves up to 1/32 unused); a small Buffer may share Node's 8 KB pool with others,
 * so only views of at least half the pool size (never pooled) count their whole allocation.
 */
function retained(bytes: Buffer): number {
  return bytes.byteLength >= Buffer.poolSize >>> 1 ? Math.max(bytes.byteLength, bytes.buffer.byteLength) : bytes.byteLength;
}

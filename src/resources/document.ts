import { manyAlias, present, type LinkDef, type PresentEnv, type ResourceDef, type Row } from './define.ts';
import { registry } from './registry.ts';
import { renderedRound, RS, type Batch } from './render.ts';
import { rowsByIds, type AnyDb } from './rows.ts';

export interface Pagination {
  page: number;
  per_page: number;
  total_pages: number;
  total_records: number;
  cursor?: string;
  /** The same value as `cursor`, under the 2018 SDK's name. */
  page_token?: string;
}

export interface DocumentOptions {
  /** Requested side-loads; names we do not serve are ignored. */
  includes: ReadonlySet<string>;
  /** Present on lists only: adds `list_meta: null` and `pagination`. */
  pagination?: Pagination;
}

/** How the resolver sees a set of fetched records of one type: their ids and the ids they link to. */
interface Fetched<B> {
  /** One round's fetches (one query per type, or fewer), results in the order asked. */
  round(requests: Array<[ResourceDef, readonly number[]]>): Promise<B[]>;
  ids(batch: B): number[];
  refs(def: ResourceDef, batch: B, link: LinkDef): Iterable<number>;
}

/**
 * Side-loads resolve transitively over the whole document: each round runs one query per included type
 * for the ids referenced but not yet loaded, until a round adds nothing. The statement count therefore
 * depends on the includes and link depth, never on the number of rows. Returns the batches per type
 * (in the order types were first fetched) and the collections the document's top-level `links` cover.
 */
async function resolveIncludes<B>(
  primary: ResourceDef,
  first: B,
  includes: ReadonlySet<string>,
  source: Fetched<B>,
): Promise<{ loaded: Map<string, B[]>; empty: ResourceDef[]; collections: ResourceDef[] }> {
  const loaded = new Map<string, B[]>();
  const have = new Map<string, Set<number>>();
  const wanted = [...includes].filter((type) => type !== primary.type && registry.has(type));
  const wantedSet = new Set(wanted);
  let frontier: Array<[ResourceDef, B]> = [[primary, first]];
  const referenced = new Map<string, Set<number>>();
  while (frontier.length > 0) {
    for (const [def, batch] of frontier) {
      for (const link of def.links) {
        if ((!link.column && !link.many) || !wantedSet.has(link.type)) continue;
        let set = referenced.get(link.type);
        for (const id of source.refs(def, batch, link)) {
          if (!set) referenced.set(link.type, (set = new Set()));
          set.add(id);
        }
      }
    }
    // The queries of one round do not depend on each other: they run together.
    const requests: Array<[ResourceDef, readonly number[]]> = [];
    for (const type of wanted) {
      const ids = referenced.get(type);
      if (!ids) continue;
      let seen = have.get(type);
      if (!seen) {
        have.set(type, (seen = new Set()));
        loaded.set(type, []);
      }
      const missing = [...ids].filter((id) => !seen.has(id));
      if (missing.length === 0) continue;
      for (const id of missing) seen.add(id);
      requests.push([registry.get(type)!, missing]);
    }
    const batches = requests.length > 0 ? await source.round(requests) : [];
    frontier = requests.map(([def], i) => [def, batches[i]!]);
    for (const [def, batch] of frontier) loaded.get(def.type)!.push(batch);
  }
  const collections: ResourceDef[] = [primary, ...[...loaded.keys()].map((type) => registry.get(type)!)];
  // A requested type that this document links to but no record references still gets its (empty) key.
  const empty: ResourceDef[] = [];
  for (const type of wanted) {
    if (!loaded.has(type) && collections.some((def) => def.links.some((link) => link.type === type))) {
      const def = registry.get(type)!;
      empty.push(def);
      collections.push(def);
    }
  }
  return { loaded, empty, collections };
}

/** The top-level `links` map: every association of every collection in the document. */
function linksOf(collections: ResourceDef[]): Row {
  const links: Row = {};
  for (const def of collections) {
    for (const link of def.links) links[`${def.type}.${link.name}`] = { type: link.type };
  }
  return links;
}

const rowSource = (db: AnyDb): Fetched<Row[]> => ({
  round: (requests) => Promise.all(requests.map(([def, ids]) => rowsByIds(db, def, ids))),
  ids: (rows) => rows.map((row) => Number(row.id)),
  refs: (_def, rows, link) => {
    const out: number[] = [];
    for (const row of rows) {
      const value = link.column ? row[link.column] : row[manyAlias(link)];
      if (Array.isArray(value)) for (const id of value) out.push(Number(id));
      else if (value !== null && value !== undefined) out.push(Number(value));
    }
    return out;
  },
});

/**
 * The UserVoice envelope as objects: `{ <primary>: [...], <included>: [...], links, list_meta?, pagination? }`
 * (writes answer with it; reads use renderDocument(), which sends the same bytes).
 */
export async function buildDocument(
  db: AnyDb,
  primary: ResourceDef,
  rows: Row[],
  env: PresentEnv,
  options: DocumentOptions,
): Promise<Row> {
  const { loaded, empty, collections } = await resolveIncludes(primary, rows, options.includes, rowSource(db));
  const doc: Row = { [primary.type]: rows.map((row) => present(primary, row, env)) };
  for (const [type, batches] of loaded) {
    const def = registry.get(type)!;
    doc[type] = batches
      .flat()
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((row) => present(def, row, env));
  }
  for (const def of empty) doc[def.type] = [];
  doc.links = linksOf(collections);
  if (options.pagination) {
    doc.list_meta = null;
    doc.pagination = options.pagination;
  }
  return doc;
}

/** Top-level `links` JSON per set of collections (the same few sets recur on every request). */
const linksText = new Map<string, string>();

/** Records of several batches of one type, in id order, joined by RS (in chunks). */
function joinedById(batches: Batch[]): string[] {
  if (batches.length === 1) return batches[0]!.joined();
  const all: Array<[number, string]> = [];
  for (const batch of batches) {
    const records = batch.records();
    batch.ids.forEach((id, i) => all.push([id, records[i]!]));
  }
  return [
    all
      .sort((a, b) => a[0] - b[0])
      .map(([, record]) => record)
      .join(RS),
  ];
}

/** Chunks of RS-joined records, as parts of one RS-joined list. */
function pushJoined(parts: string[], chunks: string[]): void {
  chunks.forEach((chunk, i) => (i === 0 ? parts.push(chunk) : parts.push(RS, chunk)));
}

const RS_BYTE = RS.charCodeAt(0);
const COMMA = ','.charCodeAt(0);

/**
 * `parts` written as UTF-8 into one Buffer, each RS byte made a comma. A page's records arrive as
 * RS-joined strings; encoding the pieces straight into the body, rather than splitting, joining and
 * concatenating strings first, saves copies of the whole body (list_100 CPU/req 3,329 → 3,000 µs, medians
 * of six alternating runs against the previous commit). JSON text never holds a raw RS (controls are
 * escaped), so every RS in the document is a record separator.
 *
 * One pass: the buffer is sized from the UTF-16 lengths plus headroom (ASCII text and a little more fit),
 * not from a Buffer.byteLength walk over every piece first, which cost ~5% of a list_100 request's CPU
 * (perf: V8's String::Utf8Length). A piece that may not have fit (`write` stops before a character that
 * does not, so fewer than 4 bytes are left) is written again into a buffer sized exactly for the rest.
 * The body is a view of the allocation: at most the headroom (1/32 + 64 bytes) is unused.
 */
export function utf8Body(parts: string[]): Buffer {
  let units = 0;
  for (const part of parts) units += part.length;
  let bytes = Buffer.allocUnsafeSlow(units + (units >>> 5) + 64);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    const start = offset;
    offset += bytes.write(parts[i]!, offset, 'utf8');
    if (bytes.length - offset >= 4) continue;
    let rest = 0;
    for (let j = i; j < parts.length; j++) rest += Buffer.byteLength(parts[j]!, 'utf8');
    const grown = Buffer.allocUnsafeSlow(start + rest);
    bytes.copy(grown, 0, 0, start);
    bytes = grown;
    offset = start;
    for (let j = i; j < parts.length; j++) offset += bytes.write(parts[j]!, offset, 'utf8');
    break;
  }
  const body = bytes.subarray(0, offset);
  for (let i = body.indexOf(RS_BYTE); i !== -1; i = body.indexOf(RS_BYTE, i + 1)) body[i] = COMMA;
  return body;
}

/**
 * buildDocument()'s bytes from a batch of resources/render.ts: records are PostgreSQL-rendered JSON
 * text, side-loads are fetched the same way, and Node only writes them out. `first` holds the primary
 * records in the document's order.
 */
export async function renderDocument(db: AnyDb, primary: ResourceDef, first: Batch, env: PresentEnv, options: DocumentOptions): Promise<Buffer> {
  const { loaded, empty, collections } = await resolveIncludes(primary, first, options.includes, {
    round: (requests) => renderedRound(db, requests, env),
    ids: (batch) => batch.ids,
    refs: (_def, batch, link) => batch.refs(link),
  });
  const parts = [`{${JSON.stringify(primary.type)}:[`];
  pushJoined(parts, first.joined());
  for (const [type, batches] of loaded) {
    parts.push(`],${JSON.stringify(type)}:[`);
    pushJoined(parts, joinedById(batches));
  }
  let tail = ']';
  for (const def of empty) tail += `,${JSON.stringify(def.type)}:[]`;
  const key = collections.map((def) => def.type).join(',');
  let links = linksText.get(key);
  if (links === undefined) {
    links = JSON.stringify(linksOf(collections));
    // Includes are the client's: keep the cache bounded.
    if (linksText.size < 256) linksText.set(key, links);
  }
  tail += `,"links":${links}`;
  if (options.pagination) tail += `,"list_meta":null,"pagination":${JSON.stringify(options.pagination)}`;
  parts.push(`${tail}}`);
  return utf8Body(parts);
}

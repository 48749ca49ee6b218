import { manyAlias, present, type PresentEnv, type ResourceDef, type Row } from './define.ts';
import { registry } from './registry.ts';
import { renderedByIds, renderRecord } from './render.ts';
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

/** Ids this row links to, per target type. */
function collectLinkIds(def: ResourceDef, rows: Row[], into: Map<string, Set<number>>): void {
  for (const link of def.links) {
    if (!link.column && !link.many) continue;
    let set = into.get(link.type);
    for (const row of rows) {
      const value = link.column ? row[link.column] : row[manyAlias(link)];
      const ids = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
      for (const id of ids) {
        if (!set) into.set(link.type, (set = new Set()));
        set.add(Number(id));
      }
    }
  }
}

type Fetch = (def: ResourceDef, ids: readonly number[]) => Promise<Row[]>;

/**
 * Side-loads resolve transitively over the whole document: each round runs one query per included type
 * for the ids referenced but not yet loaded, until a round adds nothing. The statement count therefore
 * depends on the includes and link depth, never on the number of rows. Returns the loaded rows per type
 * (in the order types were first fetched) and the collections the document's top-level `links` cover.
 */
async function resolveIncludes(
  primary: ResourceDef,
  rows: Row[],
  includes: ReadonlySet<string>,
  fetch: Fetch,
): Promise<{ loaded: Map<string, Map<number, Row>>; empty: ResourceDef[]; collections: ResourceDef[] }> {
  const loaded = new Map<string, Map<number, Row>>();
  const wanted = [...includes].filter((type) => type !== primary.type && registry.has(type));
  let frontier: Array<[ResourceDef, Row[]]> = [[primary, rows]];
  const referenced = new Map<string, Set<number>>();
  while (frontier.length > 0) {
    for (const [def, defRows] of frontier) collectLinkIds(def, defRows, referenced);
    // The queries of one round do not depend on each other: they run together.
    const fetches: Array<Promise<[ResourceDef, Row[]]>> = [];
    for (const type of wanted) {
      const ids = referenced.get(type);
      if (!ids) continue;
      let have = loaded.get(type);
      if (!have) loaded.set(type, (have = new Map()));
      const missing = [...ids].filter((id) => !have.has(id));
      if (missing.length === 0) continue;
      const def = registry.get(type)!;
      fetches.push(fetch(def, missing).then((fetched) => [def, fetched]));
    }
    frontier = await Promise.all(fetches);
    for (const [def, fetched] of frontier) {
      const have = loaded.get(def.type)!;
      for (const row of fetched) have.set(Number(row.id), row);
    }
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

const byId = (a: Row, b: Row) => Number(a.id) - Number(b.id);

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
  const { loaded, empty, collections } = await resolveIncludes(primary, rows, options.includes, (def, ids) => rowsByIds(db, def, ids));
  const doc: Row = { [primary.type]: rows.map((row) => present(primary, row, env)) };
  for (const [type, found] of loaded) {
    const def = registry.get(type)!;
    doc[type] = [...found.values()].sort(byId).map((row) => present(def, row, env));
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

/**
 * buildDocument()'s bytes, from rows of resources/render.ts (`rows` must come from renderSelect()):
 * records are PostgreSQL-rendered JSON text joined by Node, side-loads fetched the same way.
 */
export async function renderDocument(
  db: AnyDb,
  primary: ResourceDef,
  rows: Row[],
  env: PresentEnv,
  options: DocumentOptions,
): Promise<string> {
  const { loaded, empty, collections } = await resolveIncludes(primary, rows, options.includes, (def, ids) => renderedByIds(db, def, ids, env));
  const records = (def: ResourceDef, list: Row[]) => list.map((row) => renderRecord(def, row, env)).join(',');
  let text = `{${JSON.stringify(primary.type)}:[${records(primary, rows)}]`;
  for (const [type, found] of loaded) {
    text += `,${JSON.stringify(type)}:[${records(registry.get(type)!, [...found.values()].sort(byId))}]`;
  }
  for (const def of empty) text += `,${JSON.stringify(def.type)}:[]`;
  const key = collections.map((def) => def.type).join(',');
  let links = linksText.get(key);
  if (links === undefined) {
    links = JSON.stringify(linksOf(collections));
    // Includes are the client's: keep the cache bounded.
    if (linksText.size < 256) linksText.set(key, links);
  }
  text += `,"links":${links}`;
  if (options.pagination) text += `,"list_meta":null,"pagination":${JSON.stringify(options.pagination)}`;
  return `${text}}`;
}

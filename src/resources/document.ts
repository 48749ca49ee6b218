import { manyAlias, present, type PresentEnv, type ResourceDef, type Row } from './define.ts';
import { registry } from './registry.ts';
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

/**
 * The UserVoice envelope: `{ <primary>: [...], <included>: [...], links, list_meta?, pagination? }`.
 * Side-loads resolve transitively over the whole document: each round runs one query per included type
 * for the ids referenced but not yet loaded, until a round adds nothing. The statement count therefore
 * depends on the includes and link depth, never on the number of rows.
 */
export async function buildDocument(
  db: AnyDb,
  primary: ResourceDef,
  rows: Row[],
  env: PresentEnv,
  options: DocumentOptions,
): Promise<Row> {
  const loaded = new Map<string, Map<number, Row>>();
  const wanted = [...options.includes].filter((type) => type !== primary.type && registry.has(type));
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
      fetches.push(rowsByIds(db, def, missing).then((fetched) => [def, fetched]));
    }
    frontier = await Promise.all(fetches);
    for (const [def, fetched] of frontier) {
      const have = loaded.get(def.type)!;
      for (const row of fetched) have.set(Number(row.id), row);
    }
  }

  const doc: Row = { [primary.type]: rows.map((row) => present(primary, row, env)) };
  const collections: ResourceDef[] = [primary];
  for (const [type, byId] of loaded) {
    const def = registry.get(type)!;
    doc[type] = [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id)).map((row) => present(def, row, env));
    collections.push(def);
  }
  // A requested type that this document links to but no record references still gets its (empty) key.
  for (const type of wanted) {
    if (doc[type] === undefined && collections.some((def) => def.links.some((link) => link.type === type))) {
      doc[type] = [];
      collections.push(registry.get(type)!);
    }
  }
  const links: Row = {};
  for (const def of collections) {
    for (const link of def.links) links[`${def.type}.${link.name}`] = { type: link.type };
  }
  doc.links = links;
  if (options.pagination) {
    doc.list_meta = null;
    doc.pagination = options.pagination;
  }
  return doc;
}

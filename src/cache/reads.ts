import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a GET read while it rendered, for the response cache: the SQL text of every statement it sent
 * (the ORM's connections report them, mikro-orm.config.ts), and whether anything in the body depends on
 * more than the database (a signed, expiring download URL: `volatile`).
 */
export class ReadRecord {
  readonly statements: string[] = [];
  volatile = false;
}

export const readRecorder = new AsyncLocalStorage<ReadRecord>();

/** Called for every statement the ORM's connections send; records it for the request that sent it. */
export function seeStatement(sql: string): void {
  readRecorder.getStore()?.statements.push(sql);
}

/** Marks the current request's body as not cacheable (its bytes depend on the time, not only on data). */
export function markVolatile(): void {
  const record = readRecorder.getStore();
  if (record) record.volatile = true;
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/g;
const WRITE = /^\s*(insert|update|delete|merge|truncate|begin|start|savepoint|copy|lock|select\s+set_config)\b/i;

/**
 * The distinct words of statement texts seen before (null: a write). Values are bound parameters, so a
 * request shape's statement text is the same on every request, and matching WORD over a list page's
 * ~20 KB of SQL cost more per cache miss than the lookup (~200 µs for a list_100 miss's statements, an
 * ad-hoc micro-benchmark). Bounded by the characters of the texts kept; the oldest go first.
 */
const wordsByText = new Map<string, readonly string[] | null>();
let keptChars = 0;
const MAX_KEPT_CHARS = 4_000_000;

function wordsOf(sql: string): readonly string[] | null {
  let words = wordsByText.get(sql);
  if (words !== undefined) return words;
  words = WRITE.test(sql) ? null : [...new Set(sql.match(WORD) ?? [])];
  if (sql.length <= MAX_KEPT_CHARS) {
    for (const [text] of wordsByText) {
      if (keptChars + sql.length <= MAX_KEPT_CHARS) break;
      wordsByText.delete(text);
      keptChars -= text.length;
    }
    wordsByText.set(sql, words);
    keptChars += sql.length;
  }
  return words;
}

/**
 * The tables a set of statements read, or undefined when they cannot be trusted as a pure read: a write
 * among them. Every word of the SQL text that names a table counts (values are bound parameters, never in
 * the text), so a column or alias spelled like a table only adds a dependency — never hides one.
 */
export function tablesRead(statements: readonly string[], tables: ReadonlySet<string>): Set<string> | undefined {
  const read = new Set<string>();
  for (const sql of statements) {
    const words = wordsOf(sql);
    if (words === null) return undefined;
    for (const word of words) if (tables.has(word)) read.add(word);
  }
  return read;
}

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
 * The tables a set of statements read, or undefined when they cannot be trusted as a pure read: a write
 * among them. Every word of the SQL text that names a table counts (values are bound parameters, never in
 * the text), so a column or alias spelled like a table only adds a dependency — never hides one.
 */
export function tablesRead(statements: readonly string[], tables: ReadonlySet<string>): Set<string> | undefined {
  const read = new Set<string>();
  for (const sql of statements) {
    if (WRITE.test(sql)) return undefined;
    for (const word of sql.match(WORD) ?? []) if (tables.has(word)) read.add(word);
  }
  return read;
}

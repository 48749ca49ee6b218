// pg-cursor (the ORM's dependency, Kysely's streaming) ships no types; only what test/unit/pg-client.test.ts uses.
declare module 'pg-cursor' {
  import type { Submittable } from 'pg';
  export default class Cursor<Row = Record<string, unknown>> implements Submittable {
    constructor(text: string, values?: unknown[]);
    submit: Submittable['submit'];
    read(rows: number): Promise<Row[]>;
    close(): Promise<void>;
  }
}

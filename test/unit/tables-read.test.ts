import { describe, expect, it } from 'vitest';
import { tablesRead } from '../../src/cache/reads.ts';

const TABLES = new Set(['suggestions', 'forums', 'users', 'labels']);
const read = (statements: string[]) => {
  const tables = tablesRead(statements, TABLES);
  return tables && [...tables].sort();
};

describe('tablesRead (what a GET read, for the response cache)', () => {
  it('names every table word of the statements, the same when a text comes again (remembered)', () => {
    const page = () => ['select "suggestions"."id", (select count(*) from "labels" l) from "suggestions" where "forum_id" = $1', 'select * from users where id = any($1)'];
    expect(read(page())).toEqual(['labels', 'suggestions', 'users']);
    expect(read(page())).toEqual(['labels', 'suggestions', 'users']);
    // The remembered words are filtered by the tables given on each call.
    expect([...tablesRead(page(), new Set(['users']))!]).toEqual(['users']);
  });

  it('refuses statements that write, however often they come', () => {
    for (let i = 0; i < 3; i++) {
      expect(read(['select * from forums', '  UPDATE suggestions set title = $1'])).toBeUndefined();
      expect(read(['lock table forums', 'select 1'])).toBeUndefined();
    }
    expect(read(['select * from forums'])).toEqual(['forums']);
  });

  it('answers texts too long to keep, and keeps answering after the oldest are dropped', () => {
    const long = `select ${'x, '.repeat(2_100_000)}1 from forums`;
    expect(read([long])).toEqual(['forums']);
    expect(read([long])).toEqual(['forums']);
    // More distinct texts than the bound keeps (4,000,000 characters): each still answered exactly.
    const filler = 'y'.repeat(500_000);
    for (let i = 0; i < 12; i++) expect(read([`select '${filler}' as c${i} from ${i % 2 ? 'users' : 'labels'}`])).toEqual([i % 2 ? 'users' : 'labels']);
    expect(read(['select "suggestions"."id", (select count(*) from "labels" l) from "suggestions" where "forum_id" = $1'])).toEqual(['labels', 'suggestions']);
  });
});

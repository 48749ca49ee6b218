import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BY_ID, ID_ORDER, preparedNames } from '../../src/db/prepared.ts';

const long = (i: number) => `select ${i} as n, '${'x'.repeat(2_000)}' as filler${BY_ID}`;

describe('preparedNames (src/db/prepared.ts)', () => {
  it('names a long by-id statement by the hash of its text, leaves short and other ones unnamed, and names at most 200 texts', () => {
    const preparedName = preparedNames();
    expect(preparedName(`select 1${BY_ID}`)).toBeUndefined();
    // Long, but not by id (a list page with conditions): planned for its parameters on every run, so sent unnamed.
    expect(preparedName(long(0).slice(0, -BY_ID.length))).toBeUndefined();
    // A page with no condition in id order: named like the by-id statements.
    const page = `${long(0).slice(0, -BY_ID.length)}${ID_ORDER}`;
    expect(preparedName(page)).toBe(`uv_${hash('sha1', page, 'base64url')}`);
    expect(preparedName(`select 1${ID_ORDER}`)).toBeUndefined();
    expect(preparedName(long(0))).toBe(`uv_${hash('sha1', long(0), 'base64url')}`);
    expect(preparedName(long(0))).toBe(preparedName(long(0)));
    expect(preparedName(long(1))).not.toBe(preparedName(long(0)));
    for (let i = 2; i < 199; i++) expect(preparedName(long(i))).toMatch(/^uv_/);
    // The 201st text is sent unnamed; the named ones keep their names.
    expect(preparedName(long(200))).toBeUndefined();
    expect(preparedName(long(7))).toBe(`uv_${hash('sha1', long(7), 'base64url')}`);
    // Another session has its own 200.
    expect(preparedNames()(long(200))).toBe(`uv_${hash('sha1', long(200), 'base64url')}`);
  });
});

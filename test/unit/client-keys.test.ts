import { describe, expect, it } from 'vitest';
import { newClientKey } from '../../src/auth/secrets.ts';

describe('newClientKey', () => {
  // 10,000 draws: a base64url key (the earlier format) began with `-` once in 64, which `npm run cli --
  // clients revoke ID` took for an option; this many draws include such a key with near certainty.
  it('gives 20 letters and digits, never the same twice', () => {
    const keys = Array.from({ length: 10_000 }, newClientKey);
    expect(keys.filter((key) => !/^[A-Za-z0-9]{20}$/.test(key))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('uses the whole alphabet (each character about equally often)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 5_000; i++) for (const c of newClientKey()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 100,000 characters over 62: 1,613 ± 40 each, so these bounds are 5 standard deviations out;
    // `byte % 62` would give 8 characters ~1,950 each.
    for (const n of counts.values()) expect(n).toBeGreaterThan(1_410);
    for (const n of counts.values()) expect(n).toBeLessThan(1_815);
  });
});

import { describe, expect, it } from 'vitest';
import { ResponseStore } from '../../src/cache/responses.ts';

const entry = (size: number) => ({ body: Buffer.alloc(0), etag: '""', epoch: 0, tables: [], versions: [], size });

describe('ResponseStore', () => {
  it('holds at most its budget, dropping the least recently used first', () => {
    const store = new ResponseStore(8_000);
    store.set('a', entry(900));
    store.set('b', entry(900));
    store.get('a');
    for (const key of ['c', 'd', 'e', 'f', 'g', 'h', 'i']) store.set(key, entry(900));
    expect(store.bytes).toBeLessThanOrEqual(8_000);
    expect(store.get('a')).toBeDefined();
    expect(store.get('b')).toBeUndefined();
    expect(store.size).toBe(8);
  });

  it('refuses a body larger than an eighth of the budget, and replaces a key in place', () => {
    const store = new ResponseStore(8_000);
    store.set('big', entry(1_001));
    expect(store.get('big')).toBeUndefined();
    store.set('k', entry(500));
    store.set('k', entry(700));
    expect(store.bytes).toBe(700);
    store.delete('k');
    expect(store.bytes).toBe(0);
  });
});

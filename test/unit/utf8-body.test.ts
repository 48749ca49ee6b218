import { describe, expect, it } from 'vitest';
import { utf8Body } from '../../src/resources/document.ts';
import { RS } from '../../src/resources/render.ts';

/** What utf8Body must equal: the parts joined, encoded, each record separator a comma. */
const expected = (parts: string[]) => Buffer.from(parts.join('').replaceAll(RS, ','), 'utf8');

describe('utf8Body (a rendered document as one UTF-8 Buffer)', () => {
  it('writes ASCII pieces in one pass, record separators made commas', () => {
    const parts = ['{"suggestions":[', `{"id":1}${RS}{"id":2}`, RS, '{"id":3}', '],"links":{}}'];
    const body = utf8Body(parts);
    expect(body.toString('utf8')).toBe('{"suggestions":[{"id":1},{"id":2},{"id":3}],"links":{}}');
    expect(body.equals(expected(parts))).toBe(true);
  });

  it('re-sizes exactly when multi-byte text outgrows the headroom, wherever that happens', () => {
    const wide = 'é ü 中文 😀 \u2028'.repeat(40);
    const ascii = 'x'.repeat(300);
    const cases: string[][] = [
      [wide],
      [ascii, wide, ascii],
      [ascii, ascii, ascii, wide],
      Array.from({ length: 50 }, (_, i) => (i % 7 === 0 ? `${RS}${wide}` : `${ascii}${RS}`)),
      ['😀'.repeat(1000)],
      ['a'.repeat(63), '😀'],
      [''],
      [],
    ];
    for (const parts of cases) {
      const body = utf8Body(parts);
      expect(body.equals(expected(parts)), JSON.stringify(parts.map((p) => p.length))).toBe(true);
      expect(body.length).toBe(expected(parts).length);
    }
  });

  it('is exact at every boundary of the headroom (a piece ending 0 to 5 bytes before the end)', () => {
    // 1,000 ASCII units and k three-byte ones: the buffer holds 1,000 + k + (1,000 + k) / 32 + 64 bytes,
    // so the wide piece fits up to k ≈ 49 and overflows from there; with or without a piece after it.
    for (let k = 30; k <= 70; k++) {
      for (const parts of [['a'.repeat(1000), '中'.repeat(k)], ['a'.repeat(1000), '中'.repeat(k), 'z'], ['a'.repeat(999), '中'.repeat(k), '😀']]) {
        expect(utf8Body(parts).equals(expected(parts)), `k ${k}, ${parts.length} parts`).toBe(true);
      }
    }
  });
});

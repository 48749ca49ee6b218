import { describe, expect, it } from 'vitest';
import { sanitizeFileName } from '../../src/storage/uploaded.ts';

describe('sanitizeFileName', () => {
  it.each([
    ['a\u0000b.png', 'ab.png'],
    ['line\r\nX-Injected: 1.png', 'lineX-Injected: 1.png'],
    ['say "hi".txt', 'say hi.txt'],
    ['/abs/path/file.txt', 'file.txt'],
    ['...hidden', 'hidden'],
    ['', 'file'],
    ['e\u0301t\u00e9.txt', 'été.txt'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it('keeps at most 255 UTF-8 bytes, with the extension', () => {
    const name = sanitizeFileName(`${'é'.repeat(200)}.jpeg`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name.endsWith('.jpeg')).toBe(true);
  });
});

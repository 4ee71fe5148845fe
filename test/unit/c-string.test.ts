import { describe, expect, it } from 'vitest';
import { readCString } from '../../messages/attributes/scalars.js';
import { Random } from '../helpers/random-source.js';

const utf8 = new TextDecoder();

/** What readCString gives: the bytes up to the first NUL (or the end), as UTF-8. */
function reference(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  return utf8.decode(bytes.subarray(start, stop));
}

describe('readCString', () => {
  it('reads up to the NUL as UTF-8, short or long, ASCII or not, NUL or none', () => {
    const random = new Random(20261205);
    const sample = [0, 0x41, 0x7a, 0x7f, 0x80, 0xc3, 0xa9, 0xa0, 0xff, 0x20];
    for (let length = 0; length <= 140; length++) {
      for (let t = 0; t < 40; t++) {
        const bytes = Uint8Array.from({ length: length + 4 }, () => (random.next() < 0.9 ? 0x61 + Math.floor(random.next() * 26) : sample[Math.floor(random.next() * sample.length)]!));
        const start = t % 4;
        expect(readCString(bytes, start, start + length)).toBe(reference(bytes, start, start + length));
      }
    }
  });

  it('reads 63 ASCII characters, 64, and the same with a NUL after them', () => {
    for (const n of [62, 63, 64, 65]) {
      const text = 'x'.repeat(n);
      const bytes = new TextEncoder().encode(`${text}\0tail`);
      expect(readCString(bytes, 0, bytes.length)).toBe(text);
      expect(readCString(bytes, 0, n)).toBe(text);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ipv4Number } from '../../messages/attributes/ip-text.js';

/** What ipv4Number must return, written the plain way: four parts of 1-3 digits, no leading zero, each 0..255. */
function reference(text: string, start: number, end: number): number {
  const parts = text.slice(start, end).split('.');
  if (parts.length !== 4) return -1;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return -1;
    value = value * 256 + Number(part);
  }
  return value;
}

/** A small deterministic generator (xorshift32), so a failure names a case that can be run again. */
function generator(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

describe.each([['ipv4Number', ipv4Number]])('%s', (_name, parse) => {
  it('reads dotted quads and refuses everything else as the plain parser does', () => {
    const fixed = [
      '0.0.0.0', '255.255.255.255', '10.100.0.1', '1.2.3.4', '256.0.0.0', '1.2.3.256', '01.2.3.4', '1.2.3.04', '00.0.0.0',
      '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.a', '1.2.3.1000', '999.1.1.1', '',
      '1.2.3.4/24', '１.2.3.4', '1.2.3.-4', '+1.2.3.4', '1.2.3.4.', '123.123.123.123',
    ];
    for (const text of fixed) expect([text, parse(text)]).toEqual([text, reference(text, 0, text.length)]);
    const random = generator(0x5eed1234);
    const alphabet = '0123456789..../x';
    for (let n = 0; n < 20000; n++) {
      let text = '';
      const length = Math.floor(random() * 18);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      // Half of them a quad made of numbers near the limits, with or without a prefix length after it.
      if (n % 2 === 0) {
        const part = () => String([0, 1, 9, 10, 99, 100, 199, 249, 255, 256, 300][Math.floor(random() * 11)]);
        text = `${part()}.${part()}.${part()}.${part()}${random() < 0.5 ? '/24' : ''}`;
      }
      const start = random() < 0.8 ? 0 : Math.floor(random() * 3);
      const end = random() < 0.5 ? text.length : Math.max(start, text.indexOf('/') < 0 ? text.length : text.indexOf('/'));
      expect([text, start, end, parse(text, start, end)]).toEqual([text, start, end, reference(text, start, end)]);
    }
  });

  it('reads the quad before a prefix length, or between other text, when given its bounds', () => {
    expect(parse('10.100.3.255/30', 0, 12)).toBe(0x0a6403ff);
    expect(parse('x10.0.0.1y', 1, 9)).toBe(0x0a000001);
    expect(parse('10.0.0.1.5', 0, 8)).toBe(0x0a000001);
    expect(parse('10.0.0.1', 0, 7)).toBe(-1);
  });
});

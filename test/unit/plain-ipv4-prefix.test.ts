import { describe, expect, it } from 'vitest';
import { plainIPv4Address, plainIPv4Prefix } from '../../lib/rtnl/plain-ipv4-prefix.js';
import { parsePrefix } from '../../lib/validate.js';
import { ipv4Number } from '../../messages/attributes/ip-text.js';
import { Random } from '../helpers/random-source.js';

/** What the reader makes of `text`: [length, address], or -1 when it leaves the text to parsePrefix. */
function read(text: string, bare: boolean): number | [number, number] {
  const length = plainIPv4Prefix(text, bare);
  return length < 0 ? -1 : [length, plainIPv4Address];
}

/** What parsePrefix makes of `text`, in the reader's terms, or undefined when it refuses the text. */
function general(text: string, bare: boolean): [number, number] | 'ipv6' | undefined {
  try {
    const prefix = parsePrefix(text, 'address', { allowBare: bare });
    return prefix.family === 4 ? [prefix.prefixlen, ipv4Number(prefix.address)] : 'ipv6';
  } catch {
    return undefined;
  }
}

describe('plainIPv4Prefix', () => {
  it('reads the usual forms, a bare address only when asked to', () => {
    expect(read('10.0.0.2/24', false)).toEqual([24, 0x0a000002]);
    expect(read('0.0.0.0/0', true)).toEqual([0, 0]);
    expect(read('255.255.255.255/32', false)).toEqual([32, 0xffffffff]);
    expect(read('192.168.1.7', true)).toEqual([32, 0xc0a80107]);
    expect(read('192.168.1.7', false)).toBe(-1);
  });

  it('agrees with parsePrefix on every text it reads and leaves the rest to it', () => {
    const random = new Random(0x1b2c3d4e);
    const alphabet = '0123456789..../:x ';
    let read4 = 0;
    for (let n = 0; n < 20000; n++) {
      let text = '';
      if (n % 2 === 0) {
        const part = () => String([0, 1, 7, 10, 99, 100, 255, 256, 1000][Math.floor(random.next() * 9)]);
        const tail = ['', '/0', '/8', '/24', '/32', '/33', '/08', '/', '/100'][Math.floor(random.next() * 9)];
        text = `${part()}.${part()}.${part()}.${part()}${tail}`;
      } else {
        const length = Math.floor(random.next() * 20);
        for (let i = 0; i < length; i++) text += alphabet[Math.floor(random.next() * alphabet.length)];
      }
      for (const bare of [false, true]) {
        const mine = read(text, bare);
        if (mine === -1) continue;
        read4++;
        expect([text, bare, mine]).toEqual([text, bare, general(text, bare)]);
      }
    }
    // The generated plain texts must mostly be taken by the reader, or this test checks nothing.
    expect(read4).toBeGreaterThan(2000);
  });
});

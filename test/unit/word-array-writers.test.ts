import { describe, expect, it } from 'vitest';
import { checkAddress, writeAddress, writePlainAddress } from '../../lib/rtnl/address-request.js';
import { writeLinkFlags } from '../../lib/rtnl/link-request.js';
import { plainIPv4Address, plainIPv4Prefix } from '../../lib/rtnl/plain-ipv4-prefix.js';
import { checkRoute, ROUTE_WRITERS, writeRoute } from '../../lib/rtnl/route-request.js';
import type { RouteSpec } from '../../lib/rtnl/routes.js';
import { IFF_UP } from '../../messages/link/index.js';
import { Writer } from '../../messages/writer.js';

// The writers that set a whole frame word by word (a route, a plain address, a link's flags) reserve
// it themselves when it fits the writer's word array as it is, and through Writer.append and
// words() when it does not. Either way the bytes must be those of the general writers, and the
// writer's length and word array what append and words() leave.

/** Writers with `at` bytes written before the frame, in each state the word array can be in. */
const WAYS: Record<string, (at: number) => Writer> = {
  'no word array yet': (at) => {
    const w = new Writer(256);
    w.zeros(at);
    return w;
  },
  'a word array with room': (at) => {
    const w = new Writer(256);
    w.words();
    w.zeros(at);
    return w;
  },
  'a word array without room': (at) => {
    const w = new Writer(at + 24);
    w.words();
    w.zeros(at);
    return w;
  },
  'a word array of a buffer since outgrown': (at) => {
    const w = new Writer(16);
    w.words();
    w.zeros(at + 16);
    w.truncate(at);
    return w;
  },
};

/** `write` into a writer made each way, checked against `expected` (the general writer's bytes after `at` zeros). */
function expectEveryWay(label: unknown, at: number, write: (w: Writer) => void, expected: Uint8Array): void {
  for (const [way, make] of Object.entries(WAYS)) {
    const w = make(at);
    write(w);
    expect([label, at, way, w.since(0)]).toEqual([label, at, way, expected]);
    // wordBytes is what the word array covers, 0 while there is none.
    expect(w.wordBytes).toBe(w.wordArray === undefined ? 0 : w.wordArray.length << 2);
    // words() gives the array written into, as long as the buffer is.
    const words = w.words();
    expect(words.buffer).toBe(w.buffer.buffer);
    expect(words.length).toBe(w.buffer.length >>> 2);
    expect(w.wordBytes).toBe(words.length << 2);
  }
}

function general(at: number, write: (w: Writer) => void): Uint8Array {
  const w = new Writer(16);
  w.zeros(at);
  write(w);
  return w.since(0);
}

describe('writers that set a frame word by word', () => {
  it('write a route as checkRoute and writeRoute do, whatever the state of the word array', () => {
    const specs: RouteSpec[] = [
      { dst: '10.1.39.16/32', dev: 7 },
      { dst: '10.2.0.0/16', via: '10.0.0.254', src: '10.0.0.2', metric: 9, table: 300, dev: 3 },
      { dst: 'default', via: '10.0.0.1' },
    ];
    for (const kind of ['add', 'replace', 'append', 'delete'] as const) {
      for (const spec of specs) {
        for (const at of [0, 8, 96, 2]) {
          expectEveryWay([kind, spec], at, (w) => ROUTE_WRITERS[kind].write(w, spec), general(at, (w) => writeRoute(w, checkRoute(kind, spec))));
        }
      }
    }
  });

  it('write a plain address as checkAddress and writeAddress do, whatever the state of the word array', () => {
    for (const kind of ['add', 'delete'] as const) {
      for (const cidr of ['10.0.0.2/24', '192.168.200.255/32', '0.0.0.0/0']) {
        for (const at of [0, 8, 96, 2]) {
          const request = checkAddress(kind, 4, cidr);
          request.index = 4;
          const prefixlen = plainIPv4Prefix(cidr, false);
          const plain = { kind, cidr, dev: 4, index: 4, prefixlen, local: plainIPv4Address };
          expectEveryWay([kind, cidr], at, (w) => writePlainAddress(w, plain), general(at, (w) => writeAddress(w, request)));
        }
      }
    }
  });

  it("write a link's flags as on a writer that has no word array, whatever the state of the word array", () => {
    for (const [index, flags, change] of [[1, IFF_UP, IFF_UP], [0x7fffffff, 0, IFF_UP], [12, 0x100, 0x100]] as const) {
      for (const at of [0, 8, 96, 2]) {
        expectEveryWay([index, flags, change], at, (w) => writeLinkFlags(w, index, flags, change), general(at, (w) => writeLinkFlags(w, index, flags, change)));
      }
    }
  });
});

describe('Writer.wordBytes', () => {
  it('is the bytes the word array covers: 0 before words(), whole words of the buffer after, 0 again once append outgrows it', () => {
    // A buffer that is not whole words: the last two bytes are in no word.
    const w = new Writer(30);
    expect([w.wordArray, w.wordBytes]).toEqual([undefined, 0]);
    const words = w.words();
    expect([words.length, w.wordBytes]).toEqual([7, 28]);
    w.append(30);
    expect([w.wordArray, w.wordBytes]).toEqual([words, 28]);
    w.reset();
    w.append(31);
    expect([w.wordArray, w.wordBytes]).toEqual([undefined, 0]);
    expect(w.words().length << 2).toBe(w.wordBytes);
    expect(w.wordBytes).toBe(60);
  });

  it('a frame that would end past the covered bytes (though inside the buffer) is reserved by append', () => {
    // 30 bytes, 28 of them in words: a 32-byte link frame at 0 does not fit the words; it grows the buffer.
    const w = new Writer(30);
    w.words();
    writeLinkFlags(w, 3, IFF_UP, IFF_UP);
    expect(w.length).toBe(32);
    expect(w.buffer.length).toBe(60);
    expect(w.wordBytes).toBe(60);
  });
});

import { describe, expect, it } from 'vitest';
import { checkInput, makeCorpus, runDecodeFuzz, sameDecoded } from '../../tools/fuzz-decode.js';
import { runEncodeFuzz, sameAsGiven } from '../../tools/fuzz-encode.js';

// A short fixed-seed run of the fuzzer behind `npm run fuzz` (tools/fuzz*.ts). A failure prints the
// seed, the input index and the bytes; replay it with `npm run fuzz -- --seed 20240607 --replay INDEX`.
const SEED = 20240607;

describe('fuzz smoke run (fixed seed)', () => {
  const corpus = makeCorpus();

  it('has rtnetlink and nfnetlink seeds with length fields to edit', () => {
    expect(corpus.seeds.some((s) => s.family === 'rtnl')).toBe(true);
    expect(corpus.seeds.some((s) => s.family === 'nft')).toBe(true);
    // Frames from every producer: iproute2, Go's vishvananda/netlink and pyroute2.
    for (const producer of ['go/', 'pyroute2/', 'link/']) expect(corpus.seeds.some((s) => s.name.startsWith(producer)), producer).toBe(true);
    const whats = new Set(corpus.seeds.flatMap((s) => s.fields.map((f) => f.what)));
    expect([...whats].sort()).toEqual(['echoed nlmsg_len', 'nla_len', 'nlmsg_len', 'rtnh_len']);
  });

  it('20,000 decoder inputs: each decodes (and encodes back to the same messages) or throws NetlinkDecodeError', () => {
    // No timing limit here (slowMs: Infinity): a loaded CI machine must not fail this.
    const stats = runDecodeFuzz({ inputs: 20_000, seed: SEED, corpus, slowMs: Infinity, sampleEvery: 10_000 });
    const report = stats.failures.map((f) => `seed=${SEED} index=${f.index} ${f.decoder}: ${f.error}\n  ${f.how}\n  ${f.hex}`).join('\n');
    expect(stats.failureCount, report).toBe(0);
    expect(stats.decoded + stats.rejected).toBe(20_000);
    expect(stats.decoded).toBeGreaterThan(1_000);
    expect(stats.rejected).toBeGreaterThan(1_000);
    expect(stats.byDecoder.nft).toBeGreaterThan(500);
  });

  it('4,000 encoder inputs: bytes that decode back equal, or InvalidArgumentError naming the field', () => {
    const stats = runEncodeFuzz({ inputs: 4_000, seed: SEED, seeds: corpus.seeds });
    const report = stats.failures.map((f) => `seed=${SEED} index=${f.index}: ${f.base}: ${f.path} = ${f.value}: ${f.error}`).join('\n');
    expect(stats.failureCount, report).toBe(0);
    expect(stats.roundTripped).toBeGreaterThan(500);
    expect(stats.refusedNamingField).toBeGreaterThan(1_000);
  });
});

describe('what the encoder fuzzer counts as coming back as given', () => {
  const bytes = Uint8Array.of(0, 0, 0, 0);

  it("a note the decoder adds to bytes it kept (a trailer's or a raw attribute's reason) is not encoded", () => {
    expect(sameAsGiven({ trailer: { bytes } }, { trailer: { bytes, reason: 'not attributes' } })).toBe(true);
    expect(sameAsGiven({ trailer: { bytes, reason: null } }, { trailer: { bytes, reason: 'not attributes' } })).toBe(true);
    expect(sameAsGiven({ type: 9, data: bytes }, { type: 9, data: bytes, reason: 'width' })).toBe(true);
    // The bytes themselves still count.
    expect(sameAsGiven({ trailer: { bytes } }, { trailer: { bytes: Uint8Array.of(0, 0, 0, 1), reason: 'x' } })).toBe(false);
    // Elsewhere a reason is a field like any other.
    expect(sameAsGiven({ reason: null }, { reason: 'x' })).toBe(false);
  });

  it("a tc action's order left out comes back as its place in the list, and only as that", () => {
    expect(sameAsGiven({ actions: [{ kind: 'gact' }, {}] }, { actions: [{ kind: 'gact', order: 1 }, { order: 2 }] })).toBe(true);
    expect(sameAsGiven({ actions: [{}] }, { actions: [{ order: 2 }] })).toBe(false);
    expect(sameAsGiven({ actions: [{ order: 3 }] }, { actions: [{ order: 1 }] })).toBe(false);
    expect(sameAsGiven({ order: undefined }, { order: 1 })).toBe(false);
  });

  it("a nexthop group member's weight left out comes back as 1, and only as 1", () => {
    expect(sameAsGiven({ group: [{ id: 1 }] }, { group: [{ id: 1, weight: 1 }] })).toBe(true);
    expect(sameAsGiven({ group: [{ id: 1 }] }, { group: [{ id: 1, weight: 2 }] })).toBe(false);
    expect(sameAsGiven({ group: [{ id: 1, weight: 3 }] }, { group: [{ id: 1, weight: 1 }] })).toBe(false);
  });
});

describe('what the decoder fuzzer counts as decoding back to the same messages', () => {
  /** An nlmsghdr of `len` bytes. */
  const header = (len: number, type: number, flags: number): number[] => {
    const b = Buffer.alloc(16);
    b.writeUInt32LE(len, 0);
    b.writeUInt16LE(type, 4);
    b.writeUInt16LE(flags, 6);
    b.writeUInt32LE(1, 8);
    return [...b];
  };

  it("a raw attribute's note names its byte in the datagram, which moves when bytes before it are not kept", () => {
    // An NLMSG_ERROR with NLM_F_CAPPED (only the request's header is echoed) followed by 20 bytes the
    // decoder does not keep, then an RTM_NEWLINK whose IFLA_LINKMODE has 9 bytes (a u8: kept raw).
    const error = [...header(56, 2, 0x100), 0xfd, 0xff, 0xff, 0xff, ...header(36, 25, 5), ...new Array<number>(20).fill(0)];
    const link = [...header(48, 16, 0), ...new Array<number>(16).fill(0), 13, 0, 17, 0, ...new Array<number>(12).fill(0)];
    const result = checkInput({ bytes: Uint8Array.from([...error, ...link]), decoder: 'rtnl', how: 'test' }, true);
    expect(result).toEqual({ outcome: 'decoded', reencoded: 'ok' });
  });

  it('only the offset in a note may differ', () => {
    const raw = (reason: string, data = Uint8Array.of(0)) => [{ attrs: { unknown: [{ type: 17, data, reason }] } }];
    expect(sameDecoded(raw('IFLA_LINKMODE at byte 72: u8'), raw('IFLA_LINKMODE at byte 52: u8'))).toBe(true);
    expect(sameDecoded(raw('IFLA_LINKMODE at byte 72: u8'), raw('IFLA_MTU at byte 72: u8'))).toBe(false);
    expect(sameDecoded(raw('at byte 72', Uint8Array.of(0)), raw('at byte 52', Uint8Array.of(1)))).toBe(false);
  });
});

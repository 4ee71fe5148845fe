import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessages, type LinkMessage, type NetlinkMessage } from '../../messages/message.js';
import { InvalidArgumentError, NetlinkDecodeError } from '../../messages/errors.js';
import { loadFixtures } from '../helpers/fixtures.js';
import { Random, seedFor, toHex } from '../helpers/random-source.js';

// Property: any byte string either decodes or throws NetlinkDecodeError (with an offset inside the
// input and a reason), quickly; whatever decodes re-encodes or is refused with InvalidArgumentError,
// and what re-encodes decodes again. Replay a failure with
// PROPERTY_SEED=<seed> npx vitest run test/unit/property-bytes.test.ts

/** PROPERTY_SCALE=<n> multiplies the input counts for a longer hunt (the time bounds scale with it). */
const SCALE = Math.max(1, Number(process.env.PROPERTY_SCALE) || 1);
const RANDOM_INPUTS = 20_000 * SCALE;
const MUTATIONS_PER_FIXTURE = 30 * SCALE;
/** No single input may take longer than this to decode (a hang or quadratic walk shows up here). */
const SLOW_INPUT_MS = 100;

const fixtures = loadFixtures();

interface Outcome {
  decoded: NetlinkMessage[] | undefined;
  error: NetlinkDecodeError | undefined;
}

/**
 * Failures found, one per distinct signature (what went wrong + where it was thrown), keeping the
 * shortest input that shows it, so one bug does not hide the next and the report is minimal.
 */
class Failures {
  private readonly bySignature = new Map<string, { what: string; input: Uint8Array; detail: string; count: number }>();

  constructor(readonly seed: number) {}

  add(what: string, input: Uint8Array, cause?: unknown): void {
    const origin = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
    const where = origin instanceof Error ? (origin.stack ?? '').split('\n').find((l) => l.includes('/messages/')) ?? '' : '';
    // The reason without its numbers tells apart failures thrown from the same line.
    const reason = origin instanceof NetlinkDecodeError ? origin.reason.replace(/\d+/g, 'N') : '';
    const signature = `${what} | ${origin instanceof Error ? origin.name : typeof origin} | ${reason} | ${where.trim()}`;
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}\n${cause.stack ?? ''}` : String(cause ?? '');
    const seen = this.bySignature.get(signature);
    if (!seen) this.bySignature.set(signature, { what, input, detail, count: 1 });
    else {
      seen.count++;
      if (input.length < seen.input.length) Object.assign(seen, { input, detail });
    }
  }

  /** Fails the test with every distinct failure, shortest input first. */
  check(): void {
    if (this.bySignature.size === 0) return;
    const report = [...this.bySignature.values()]
      .sort((a, b) => a.input.length - b.input.length)
      .map((f) => `- ${f.what} (${f.count} inputs); shortest input (${f.input.length} bytes): ${toHex(f.input)}\n  ${f.detail.split('\n').slice(0, 6).join('\n  ')}`)
      .join('\n');
    throw new Error(`seed ${this.seed}: ${this.bySignature.size} distinct failure(s)\n${report}`);
  }
}

/** Checks that a NetlinkDecodeError is well formed for this input. */
function checkDecodeError(failures: Failures, input: Uint8Array, e: NetlinkDecodeError): void {
  if (!(typeof e.offset === 'number' && Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= input.length)) {
    failures.add(`NetlinkDecodeError offset outside [0, input length]`, input, e);
  }
  if (typeof e.reason !== 'string' || e.reason.length === 0) failures.add('NetlinkDecodeError without a reason', input, e);
  if (typeof e.path !== 'string') failures.add('NetlinkDecodeError path is not a string', input, e);
}

/** Decodes `input`; anything thrown but a well-formed NetlinkDecodeError is a failure. */
function decodeOrReject(failures: Failures, input: Uint8Array): Outcome {
  try {
    return { decoded: decodeMessages(input), error: undefined };
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) {
      failures.add('decodeMessages threw something other than NetlinkDecodeError', input, e);
      return { decoded: undefined, error: undefined };
    }
    checkDecodeError(failures, input, e);
    return { decoded: undefined, error: e };
  }
}

/**
 * Re-encodes what decoded: only InvalidArgumentError may refuse it (a decoded message can hold values
 * a strict encoder refuses, such as a 20-byte name); bytes that come out must decode again.
 * Returns whether the re-encoding was byte-identical to the input.
 */
function reencode(failures: Failures, input: Uint8Array, decoded: NetlinkMessage[]): 'identical' | 'different' | 'refused' | 'failed' {
  let bytes: Uint8Array;
  try {
    bytes = encodeMessages(decoded);
  } catch (e) {
    if (e instanceof InvalidArgumentError) return 'refused';
    failures.add('re-encoding a decoded message threw something other than InvalidArgumentError', input, e);
    return 'failed';
  }
  try {
    decodeMessages(bytes);
  } catch (e) {
    failures.add('decoding the re-encoded bytes threw', input, new Error(`${String(e)}; re-encoded: ${toHex(bytes)}`, { cause: e }));
    return 'failed';
  }
  return bytes.length === input.length && toHex(bytes) === toHex(input) ? 'identical' : 'different';
}

/** Milliseconds one decode of `input` takes (errors ignored). */
function timeDecode(input: Uint8Array): number {
  const t = performance.now();
  try {
    decodeMessages(input);
  } catch {
    // timing only
  }
  return performance.now() - t;
}

// ---------------------------------------------------------------- random inputs

const KNOWN_TYPES = [1, 2, 3, 4, 16, 17, 18, 19, 20, 21, 22, 24, 25, 26, 28, 29, 30, 88, 89, 90];

/** Random, but well-framed, attributes: right lengths, random types and flag bits, nesting. */
function randomTlvs(r: Random, budget: number, depth: number): number[] {
  const out: number[] = [];
  while (out.length + 4 <= budget && r.bool(0.85)) {
    const type = (r.bool(0.8) ? r.int(0, 40) : r.int(0, 0x3fff)) | (r.bool(0.2) ? 0x8000 : 0) | (r.bool(0.05) ? 0x4000 : 0);
    const room = budget - out.length - 4;
    let payload: number[];
    if (depth < 4 && room >= 4 && r.bool(0.35)) {
      // a nest, sometimes after a fixed header (ifinfomsg, rtnexthop...)
      const head = r.pick([0, 0, 8, 16]);
      payload = [...Array.from(r.bytes(Math.min(head, room))), ...randomTlvs(r, room - Math.min(head, room), depth + 1)];
    } else {
      payload = Array.from(r.bytes(Math.min(room, r.pick([0, 1, 2, 4, 4, 6, 8, 16, r.int(0, 40)]))));
    }
    const len = 4 + payload.length;
    out.push(len & 0xff, len >> 8, type & 0xff, type >> 8, ...payload);
    while (out.length % 4 && out.length < budget) out.push(0);
  }
  return out;
}

function randomInput(r: Random): Uint8Array {
  const length = r.int(0, 300);
  switch (r.int(0, 2)) {
    case 0:
      return r.bytes(length); // pure noise
    case 1: {
      // a plausible nlmsghdr (length = the rest, known type) over noise
      const b = r.bytes(Math.max(length, 16));
      new DataView(b.buffer).setUint32(0, b.length, true);
      new DataView(b.buffer).setUint16(4, r.pick(KNOWN_TYPES), true);
      return b;
    }
    default: {
      // header, fixed body header of random size, then well-framed random attributes
      const type = r.pick(KNOWN_TYPES);
      const head = Array.from(r.bytes(r.pick([4, 8, 12, 16, 20, 36])));
      const body = [...head, ...randomTlvs(r, Math.max(0, length - 16 - head.length), 0)];
      const b = new Uint8Array(16 + body.length);
      const v = new DataView(b.buffer);
      v.setUint32(0, b.length, true);
      v.setUint16(4, type, true);
      v.setUint16(6, r.u16(), true);
      b.set(body, 16);
      return b;
    }
  }
}

// ---------------------------------------------------------------- fixture mutations

/** Attribute starts found by walking [start, end) as TLVs; recurses into payloads that walk too. */
function tlvStarts(bytes: Uint8Array, start: number, end: number, out: Set<number>, depth: number): boolean {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: Array<[number, number]> = [];
  let off = start;
  while (off + 4 <= end) {
    const len = v.getUint16(off, true);
    if (len < 4 || off + len > end) return false;
    found.push([off, len]);
    off += (len + 3) & ~3;
  }
  if (off < end || found.length === 0) return false;
  for (const [at, len] of found) {
    out.add(at);
    if (depth < 6 && len >= 8) {
      // the payload itself, or after an rtnexthop (8 bytes) or an ifinfomsg (16 bytes)
      for (const skip of [0, 8, 16]) if (at + 4 + skip + 4 <= at + len && tlvStarts(bytes, at + 4 + skip, at + len, out, depth + 1)) break;
    }
  }
  return true;
}

interface Frame {
  bytes: Uint8Array;
  /** Offsets of nlmsghdr starts. */
  messages: number[];
  /** Offsets of plausible nla_len / rtnh_len fields. */
  attributes: number[];
}

function analyse(bytes: Uint8Array): Frame {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: number[] = [];
  const attrs = new Set<number>();
  let off = 0;
  while (off + 16 <= bytes.length) {
    const len = v.getUint32(off, true);
    if (len < 16 || off + len > bytes.length) break;
    messages.push(off);
    for (const head of [4, 8, 12, 16, 20, 36]) if (tlvStarts(bytes, off + 16 + head, off + len, attrs, 0)) break;
    // the extended ACK after an echoed request (NLMSG_ERROR): search from each aligned offset
    if (v.getUint16(off + 4, true) === 2) for (let at = off + 36; at < off + len; at += 4) if (tlvStarts(bytes, at, off + len, attrs, 0)) break;
    off += (len + 3) & ~3;
  }
  return { bytes, messages, attributes: [...attrs].sort((a, b) => a - b) };
}

const frames = fixtures.map((f) => ({ name: `${f.group}/${f.name}`, frame: analyse(f.bytes) }));

type Mutation = 'bitflip' | 'insert' | 'delete' | 'nlmsg_len' | 'nla_len' | 'splice' | 'truncate';
const MUTATIONS: readonly Mutation[] = ['bitflip', 'insert', 'delete', 'nlmsg_len', 'nla_len', 'nla_len', 'splice', 'truncate'];

/**
 * After inserting (delta > 0) or deleting (delta < 0) bytes in [from, to) of the original frame,
 * adjusts in `out` the nlmsg_len of the message and the nla_len of every walked attribute that
 * encloses the change (their headers sit before `from`, so they are at the same offsets in `out`).
 */
function fixLengths(frame: Frame, out: Uint8Array, from: number, to: number, delta: number): void {
  const orig = new DataView(frame.bytes.buffer, frame.bytes.byteOffset, frame.bytes.byteLength);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const m of frame.messages) {
    const len = orig.getUint32(m, true);
    if (m + 16 <= from && to <= m + len) v.setUint32(m, len + delta, true);
  }
  for (const a of frame.attributes) {
    const len = orig.getUint16(a, true);
    if (a + 4 <= from && to <= a + len && len + delta >= 0 && len + delta <= 0xffff) v.setUint16(a, len + delta, true);
  }
}

function mutate(r: Random, frame: Frame, mutation: Mutation): Uint8Array {
  const src = frame.bytes;
  const n = src.length;
  switch (mutation) {
    case 'bitflip': {
      const out = src.slice();
      for (let k = r.int(1, 3); k > 0 && n > 0; k--) out[r.int(0, n - 1)]! ^= 1 << r.int(0, 7);
      return out;
    }
    case 'insert': {
      const at = r.int(0, n);
      const extra = r.bytes(r.pick([1, 2, 3, 4, 4, 8, r.int(1, 16)]));
      const out = Uint8Array.from([...src.subarray(0, at), ...extra, ...src.subarray(at)]);
      // Half the time, grow the enclosing message and attributes so the framing still holds and
      // the change reaches the payload decoders.
      if (r.bool()) fixLengths(frame, out, at, at, extra.length);
      return out;
    }
    case 'delete': {
      const at = r.int(0, Math.max(0, n - 1));
      const count = Math.min(n - at, r.pick([1, 2, 3, 4, 4, 8, r.int(1, 16)]));
      const out = Uint8Array.from([...src.subarray(0, at), ...src.subarray(at + count)]);
      if (r.bool()) fixLengths(frame, out, at, at + count, -count);
      return out;
    }
    case 'truncate':
      return src.slice(0, r.int(0, n));
    case 'nlmsg_len': {
      const out = src.slice();
      const at = r.pick(frame.messages.length ? frame.messages : [0]);
      if (at + 4 > n) return out;
      const v = new DataView(out.buffer);
      const len = v.getUint32(at, true);
      v.setUint32(at, r.pick([0, 3, 4, 15, 16, 17, len - 1, len + 1, len + 4, n - at, n - at + 1, 0xffff, 0xffffffff, r.u32()]) >>> 0, true);
      return out;
    }
    case 'nla_len': {
      const out = src.slice();
      // a walked attribute start, or (sometimes) any even offset
      const at = frame.attributes.length && r.bool(0.85) ? r.pick(frame.attributes) : r.int(0, Math.max(0, n - 2)) & ~1;
      if (at + 2 > n) return out;
      const v = new DataView(out.buffer);
      const len = v.getUint16(at, true);
      v.setUint16(at, r.pick([0, 1, 3, 4, 5, 7, 8, len - 1, len + 1, len - 4, len + 4, 0xffff, r.u16()]) & 0xffff, true);
      return out;
    }
    case 'splice': {
      const other = r.pick(frames).frame.bytes;
      const from = r.int(0, other.length);
      const slice = other.subarray(from, Math.min(other.length, from + r.int(1, 64)));
      const at = r.int(0, n);
      // insert, or overwrite the same number of bytes
      const tail = r.bool() ? src.subarray(at) : src.subarray(Math.min(n, at + slice.length));
      return Uint8Array.from([...src.subarray(0, at), ...slice, ...tail]);
    }
  }
}

// ---------------------------------------------------------------- tests

describe('property: arbitrary bytes only ever throw NetlinkDecodeError', () => {
  it(`${RANDOM_INPUTS} random byte strings decode or throw NetlinkDecodeError`, () => {
    const seed = seedFor('bytes-random', 0x5eed0010);
    const r = new Random(seed);
    const failures = new Failures(seed);
    const inputs = Array.from({ length: RANDOM_INPUTS }, () => randomInput(r));
    let decoded = 0;
    let rejected = 0;
    let slowest = 0;
    let slowestInput: Uint8Array = new Uint8Array(0);
    const started = performance.now();
    for (const input of inputs) {
      const t = performance.now();
      const outcome = decodeOrReject(failures, input);
      const took = performance.now() - t;
      if (took > slowest) {
        slowest = took;
        slowestInput = input;
      }
      if (outcome.decoded) decoded++;
      else rejected++;
    }
    const total = performance.now() - started;
    // Re-encode what decoded (outside the timed loop).
    for (const input of inputs) {
      const { decoded: messages } = decodeOrReject(failures, input);
      if (messages) reencode(failures, input, messages);
    }
    // A GC pause can land on any input: time the slowest again and keep the best of three.
    slowest = Math.min(slowest, ...[0, 1, 2].map(() => timeDecode(slowestInput)));
    console.log(
      `property-bytes random: seed ${seed}, ${inputs.length} inputs, ${decoded} decoded, ${rejected} rejected, ` +
        `${total.toFixed(0)} ms total, slowest ${slowest.toFixed(2)} ms`,
    );
    failures.check();
    expect(decoded, `seed ${seed}: some random inputs should decode`).toBeGreaterThan(100);
    // Timings are reported, not asserted (a loaded machine would make them flaky); `npm run fuzz` bounds them.
    if (slowest > SLOW_INPUT_MS) console.warn(`seed ${seed}: slowest input ${toHex(slowestInput)} took ${slowest.toFixed(1)} ms`);
  });

  it(`${MUTATIONS_PER_FIXTURE} mutations of each of the ${fixtures.length} fixtures decode or throw NetlinkDecodeError; what decodes re-encodes`, () => {
    const seed = seedFor('bytes-mutations', 0x5eed0011);
    const r = new Random(seed);
    const failures = new Failures(seed);
    const tally: Record<string, number> = { decoded: 0, rejected: 0, identical: 0, different: 0, refused: 0, failed: 0 };
    const byMutation: Record<string, { decoded: number; rejected: number }> = {};
    let slowest = 0;
    for (const { name, frame } of frames) {
      expect(frame.messages.length, `${name}: the fixture frames as messages`).toBeGreaterThan(0);
      for (let i = 0; i < MUTATIONS_PER_FIXTURE; i++) {
        const mutation = MUTATIONS[i % MUTATIONS.length]!;
        const input = mutate(r, frame, mutation);
        const t = performance.now();
        const outcome = decodeOrReject(failures, input);
        const took = performance.now() - t;
        // A GC pause can land on any input: a slow one is timed again, best of three.
        if (took > slowest) slowest = Math.max(slowest, Math.min(took, ...[0, 1, 2].map(() => timeDecode(input))));
        const entry = (byMutation[mutation] ??= { decoded: 0, rejected: 0 });
        if (outcome.decoded) {
          tally.decoded!++;
          entry.decoded++;
          const result = reencode(failures, input, outcome.decoded);
          tally[result] = (tally[result] ?? 0) + 1;
        } else {
          tally.rejected!++;
          entry.rejected++;
        }
      }
    }
    console.log(`property-bytes mutations: seed ${seed}, ${JSON.stringify(tally)}, slowest ${slowest.toFixed(2)} ms, by mutation ${JSON.stringify(byMutation)}`);
    failures.check();
    expect(tally.decoded, `seed ${seed}`).toBeGreaterThan(0);
    expect(tally.rejected, `seed ${seed}`).toBeGreaterThan(0);
    if (slowest > SLOW_INPUT_MS) console.warn(`seed ${seed}: slowest mutated input took ${slowest.toFixed(1)} ms`);
  });

  it('minimal case found by the random run: an unaligned message ending in an unaligned nested attribute re-encodes to bytes that decode', () => {
    // RTM_NEWLINK, nlmsg_len 41: ifinfomsg, IFLA_AF_SPEC (nla_len 9) holding one unknown attribute
    // (nla_len 5, type 99, payload ab). It decodes; re-encoding pads the inner attribute, so the
    // outer nla_len becomes 12, yet nlmsg_len is cut back to the original 41: 32 + 12 > 41.
    const input = Uint8Array.from(Buffer.from(`29000000100000000000000000000000${'00'.repeat(16)}09001a0005006300ab`, 'hex'));
    const decoded = decodeMessages(input);
    const bytes = encodeMessages(decoded);
    expect(() => decodeMessages(bytes), `re-encoded: ${toHex(bytes)}`).not.toThrow();
  });

  it('finds attribute starts in the fixtures to aim nla_len edits at', () => {
    const withAttributes = frames.filter(({ frame }) => frame.attributes.length > 0);
    // Dump requests without attributes (and bare ACKs) have none; most fixtures do.
    expect(withAttributes.length).toBeGreaterThan(frames.length / 2);
  });

  it('every truncation and every length-field edit of every fixture decodes or throws NetlinkDecodeError', () => {
    // Exhaustive, deterministic companion of the random mutations: each nlmsg_len and each nla_len
    // found in every fixture set to each boundary value.
    const failures = new Failures(0);
    let inputs = 0;
    for (const { frame } of frames) {
      const n = frame.bytes.length;
      for (const at of frame.messages) {
        for (const value of [0, 15, 16, 17, n - at - 1, n - at + 1, 0xffffffff]) {
          const out = frame.bytes.slice();
          new DataView(out.buffer).setUint32(at, value >>> 0, true);
          const { decoded } = decodeOrReject(failures, out);
          if (decoded) reencode(failures, out, decoded);
          inputs++;
        }
      }
      for (const at of frame.attributes) {
        const len = new DataView(frame.bytes.buffer, frame.bytes.byteOffset).getUint16(at, true);
        for (const value of [0, 3, 4, 5, len - 1, len + 1, 0xffff]) {
          const out = frame.bytes.slice();
          new DataView(out.buffer).setUint16(at, value & 0xffff, true);
          const { decoded } = decodeOrReject(failures, out);
          if (decoded) reencode(failures, out, decoded);
          inputs++;
        }
      }
    }
    failures.check();
    expect(inputs).toBeGreaterThan(1000);
  });
});

describe('NetlinkDecodeError carries where and why', () => {
  const hdr = (len: number, type: number, flags = 0) => {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint32(0, len, true);
    v.setUint16(4, type, true);
    v.setUint16(6, flags, true);
    return [...b];
  };
  // RTM_NEWLINK with a 16-byte ifinfomsg, then attributes
  const link = (attrs: number[], lenDelta = 0) => Uint8Array.from([...hdr(32 + attrs.length + lenDelta, 16), ...new Array<number>(16).fill(0), ...attrs]);

  const cases: Array<[string, Uint8Array, number, RegExp]> = [
    ['a truncated header', Uint8Array.from([20, 0, 0, 0, 16, 0]), 0, /too short/],
    ['nlmsg_len below 16', Uint8Array.from(hdr(8, 16)), 0, /below/],
    ['nlmsg_len past the end', Uint8Array.from(hdr(64, 16)), 0, /past the end/],
    ['a second message truncated', Uint8Array.from([...hdr(16, 1), 0, 0]), 16, /too short/],
    ['a short ifinfomsg', Uint8Array.from([...hdr(20, 16), 0, 0, 0, 0]), 16, /ifinfomsg/],
    ['nla_len below 4', link([2, 0, 3, 0]), 32, /below/],
    ['nla_len past its parent', link([12, 0, 3, 0, 0x61, 0, 0, 0]), 32, /overruns/],
    ['trailing bytes after the last attribute', link([8, 0, 4, 0, 0, 0, 0, 0, 1, 2]), 40, /trailing/],
    // IFLA_LINKINFO { IFLA_INFO_KIND "veth", IFLA_INFO_DATA { VETH_INFO_PEER of 8 bytes (no room for ifinfomsg) } }
    [
      'a nested overrun (veth peer without its ifinfomsg)',
      link([28, 0, 18, 0, 8, 0, 1, 0, 0x76, 0x65, 0x74, 0x68, 16, 0, 2, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      52,
      /ifinfomsg/,
    ],
  ];

  it('a u32 of the wrong size is no error: kept as bytes in unknown with where and why', () => {
    const [m] = decodeMessages(link([6, 0, 4, 0, 1, 2, 0, 0])) as LinkMessage[];
    expect(m!.body.attrs.mtu).toBeUndefined();
    expect(m!.body.attrs.unknown).toEqual([{ type: 4, data: Uint8Array.of(1, 2), reason: 'RTM_NEWLINK > IFLA_MTU at byte 36: u32 needs 4 bytes, got 2; kept as bytes' }]);
  });

  it.each(cases)('%s', (_what, input, offset, reason) => {
    let error: unknown;
    try {
      decodeMessages(input);
    } catch (e) {
      error = e;
    }
    expect(error, toHex(input)).toBeInstanceOf(NetlinkDecodeError);
    const e = error as NetlinkDecodeError;
    expect(e.offset).toBe(offset);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(input.length);
    expect(e.reason).toMatch(reason);
    expect(e.reason.length).toBeGreaterThan(0);
    expect(e.message).toContain(e.reason);
  });

  it('names the attribute path of a nested failure', () => {
    const input = cases[cases.length - 1]![1];
    expect(() => decodeMessages(input)).toThrowError(/RTM_NEWLINK > IFLA_LINKINFO > IFLA_INFO_DATA\(veth\) > VETH_INFO_PEER/);
  });
});

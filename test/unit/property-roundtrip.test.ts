import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, encodeMessages, type NetlinkMessage } from '../../messages/message.js';
import { Random, seedFor, toHex } from '../helpers/random-source.js';
import { GENERATED_KINDS, canonicalIPv6, randomAnyMessage, randomMessage } from '../helpers/random-messages.js';
import { parseIPv6 } from '../../messages/attributes/ip-text.js';

// Property: every random valid message encodes, decodes back to an equal object (no field added or
// lost), and re-encoding the decoded message gives the same bytes. Replay a failure with
// PROPERTY_SEED=<seed> npx vitest run test/unit/property-roundtrip.test.ts

const PER_KIND = 2000;
const BATCHES = 300;

function describeFailure(seed: number, i: number, message: unknown, bytes?: Uint8Array): string {
  const json = JSON.stringify(message, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes:${toHex(v)}` : v,
  );
  return `seed ${seed}, case ${i}${bytes ? `, bytes ${toHex(bytes)}` : ''}: ${json}`;
}

/**
 * Strict structural equality: same own enumerable keys (an undefined-valued key counts), bigints and
 * numbers by value (so 0 and -0 are equal, as on the wire), Uint8Arrays by content.
 * Much cheaper than expect().toEqual, which only runs to show the difference.
 */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** expect(actual).toEqual(expected), but strict (an extra undefined-valued field fails) and fast when equal. */
function expectSame(actual: unknown, expected: unknown): void {
  if (deepEqual(actual, expected)) return;
  expect(actual).toEqual(expected);
  throw new Error('decoded value has fields the original did not set (undefined-valued keys or different array holes)');
}

/** Runs `check`; on failure rethrows with `context()` (built only then: it is costly) prepended. */
function withContext(check: () => void, context: () => string): void {
  try {
    check();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `${context()}\n${err.message}`;
    throw err;
  }
}

describe('property: random valid messages round-trip', () => {
  it('the generator formats IPv6 independently and canonically', () => {
    // A few fixed points of RFC 5952 for the generator's own formatter.
    const cases: Array<[string, string]> = [
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['0:0:0:0:0:ffff:a00:1', '::ffff:10.0.0.1'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ];
    for (const [input, canonical] of cases) expect(canonicalIPv6(parseIPv6(input)!), input).toBe(canonical);
  });

  describe.each(GENERATED_KINDS.map((k) => [k] as const))('%s', (kind) => {
    it(`${PER_KIND} random messages decode to what was encoded and re-encode byte for byte`, () => {
      const seed = seedFor(`roundtrip-${kind}`, 0x5eed0001);
      const r = new Random(seed);
      for (let i = 0; i < PER_KIND; i++) {
        const message = randomMessage(r, kind);
        let bytes: Uint8Array;
        try {
          bytes = encodeMessage(message);
        } catch (e) {
          throw new Error(`encode threw ${String(e)} for ${describeFailure(seed, i, message)}`);
        }
        let decoded: NetlinkMessage[];
        try {
          decoded = decodeMessages(bytes);
        } catch (e) {
          throw new Error(`decode threw ${String(e)} for ${describeFailure(seed, i, message, bytes)}`);
        }
        withContext(
          () => {
            if (decoded.length !== 1) expect(decoded).toHaveLength(1);
            expectSame(decoded[0], message);
            const again = encodeMessage(decoded[0]!);
            if (!deepEqual(again, bytes)) expect(toHex(again), 're-encoding the decoded message').toBe(toHex(bytes));
          },
          () => describeFailure(seed, i, message, bytes),
        );
      }
    });
  });

  it(`${BATCHES} random batches packed with encodeMessages decode to the same list`, () => {
    const seed = seedFor('roundtrip-batches', 0x5eed0002);
    const r = new Random(seed);
    for (let i = 0; i < BATCHES; i++) {
      const messages = Array.from({ length: r.int(0, 12) }, () => randomAnyMessage(r));
      const bytes = encodeMessages(messages);
      withContext(
        () => {
          expect(bytes.length % 4, 'datagram length').toBe(0);
          const decoded = decodeMessages(bytes);
          expectSame(decoded, messages);
          const again = encodeMessages(decoded);
          if (!deepEqual(again, bytes)) expect(toHex(again), 're-encoding the decoded batch').toBe(toHex(bytes));
        },
        () => describeFailure(seed, i, messages, bytes),
      );
      // each message alone is the same bytes as its slice of the batch (up to alignment padding)
      let off = 0;
      for (const m of messages) {
        const one = encodeMessage(m);
        if (!deepEqual(bytes.subarray(off, off + one.length), one)) {
          expect(toHex(bytes.subarray(off, off + one.length)), `seed ${seed}, batch ${i}: message at ${off}`).toBe(toHex(one));
        }
        off += (one.length + 3) & ~3;
      }
      expect(off, `seed ${seed}, batch ${i}`).toBe(bytes.length);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessages, type NetlinkMessage } from '../../messages/message.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { wireOf } from '../../messages/attributes/wire-order.js';
import { loadFixtures } from '../helpers/fixtures.js';
import { agreement } from '../helpers/iproute2-agreement.js';

const fixtures = loadFixtures();
const UNKNOWN_TYPE = 0x3ffe;

/** Every attribute set inside a decoded value (objects that remember their wire bytes), with its path. */
function attributeSets(value: unknown, path: string[] = [], out: Array<[string[], Record<string, unknown>]> = []) {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return out;
  // Attributes after a dump request's trailer of non-attributes cannot be read back: the kernel's
  // parser stops at the trailer too (messages/fixed-header.ts).
  if ('trailer' in value) return out;
  if (wireOf(value)) out.push([path, value as Record<string, unknown>]);
  for (const [key, child] of Object.entries(value)) attributeSets(child, [...path, key], out);
  return out;
}

function at(value: unknown, path: string[]): Record<string, unknown> {
  return path.reduce((v, key) => (v as Record<string, unknown>)[key], value) as Record<string, unknown>;
}

describe('the iproute2 agreement check', () => {
  const byName = (name: string) => fixtures.find((f) => f.name === name)!;

  it('fails a message that ip did not print (an empty listing)', () => {
    const fixture = { ...byName('address-new-v4-request'), ip: { command: 'ip -j addr show dev va', output: [] } };
    const { checks } = agreement(fixture, decodeMessages(fixture.bytes));
    expect(checks.some(([, ours, theirs]) => ours !== theirs)).toBe(true);
  });

  it('reports a message that gave nothing to compare instead of passing it', () => {
    const fixture = byName('nsid-new-request');
    const messages = decodeMessages(fixture.bytes) as Array<Extract<NetlinkMessage, { kind: 'nsid' }>>;
    delete messages[0]!.body.attrs.nsid;
    expect(agreement(fixture, messages).unchecked).toEqual(['message 0 (nsid, type 88) gave no check']);
  });
});

describe('captured fixtures', () => {
  it('has at least 40 fixtures from requests and replies', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    expect(new Set(fixtures.map((f) => f.direction))).toEqual(new Set(['sent', 'received']));
  });

  describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    it('decodes to what iproute2 printed', () => {
      const messages = decodeMessages(fixture.bytes);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((m) => m.kind !== 'unknown')).toBe(true);
      const { checks, unchecked } = agreement(fixture, messages);
      expect(unchecked, 'messages with nothing compared').toEqual([]);
      for (const [what, ours, theirs] of checks) expect(ours, what).toEqual(theirs);
    });

    it.runIf(fixture.expected !== undefined)('decodes to the expected message', () => {
      expect(decodeMessages(fixture.bytes)[0]).toMatchObject(fixture.expected as object);
    });

    it('re-encodes byte for byte', () => {
      const encoded = encodeMessages(decodeMessages(fixture.bytes));
      expect(Buffer.from(encoded).toString('hex')).toBe(Buffer.from(fixture.bytes).toString('hex'));
    });

    it('keeps an injected unknown attribute at every nesting level', () => {
      const messages = decodeMessages(fixture.bytes);
      for (const [path] of attributeSets(messages)) {
        const copy = decodeMessages(fixture.bytes) as NetlinkMessage[];
        const target = at(copy, path);
        const injected = { type: UNKNOWN_TYPE, data: Uint8Array.of(1, 2, 3, 4, 5) };
        target.unknown = [...((target.unknown as unknown[]) ?? []), injected];
        const again = decodeMessages(encodeMessages(copy));
        const unknown = at(again, path).unknown as Array<{ type: number; data: Uint8Array }>;
        expect(unknown, path.join('.')).toContainEqual(injected);
      }
    });

    it('decodes or throws NetlinkDecodeError at every truncation', () => {
      let threw = 0;
      let decoded = 0;
      for (let cut = 1; cut < fixture.bytes.length; cut++) {
        let messages: NetlinkMessage[];
        try {
          messages = decodeMessages(fixture.bytes.subarray(0, cut));
        } catch (error) {
          expect(error, `cut at ${cut}`).toBeInstanceOf(NetlinkDecodeError);
          threw++;
          continue;
        }
        // What decodes is whole messages: they encode again.
        expect(() => encodeMessages(messages), `cut at ${cut}`).not.toThrow();
        decoded++;
      }
      expect(threw + decoded).toBe(fixture.bytes.length - 1);
      // A cut inside the first nlmsghdr (bytes 1..15) can never be a message.
      expect(threw).toBeGreaterThanOrEqual(15);
    });
  });
});

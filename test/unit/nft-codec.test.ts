import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { wireOf } from '../../messages/attributes/wire-order.js';
import {
  commentOf,
  decodeNftMessages,
  encodeNftMessages,
  isExpression,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  nftMessageTypeName,
  type NftMessage,
} from '../../messages/nftables/index.js';
import { decodeNftMessages as fromPackageIndex, nftables } from '../../messages/index.js';

interface NftFixture {
  name: string;
  description: string;
  command: string;
  direction: 'sent' | 'received';
  bytes: Uint8Array;
}

const DIR = new URL('../fixtures/nftables/frames/', import.meta.url).pathname;
const fixtures: NftFixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const raw = JSON.parse(readFileSync(DIR + file, 'utf8')) as Omit<NftFixture, 'bytes'> & { hex: string[] };
    return { ...raw, bytes: Uint8Array.from(Buffer.from(raw.hex.join('').replace(/\s+/g, ''), 'hex')) };
  });
const byName = (name: string) => fixtures.find((f) => f.name === name)!;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const UNKNOWN_TYPE = 0x3ffe;

/** Every attribute set inside a decoded value (objects that remember their wire bytes), with its path. */
function attributeSets(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return out;
  if (wireOf(value)) out.push(path);
  for (const [key, child] of Object.entries(value)) attributeSets(child, [...path, key], out);
  return out;
}
const at = (value: unknown, path: string[]) => path.reduce((v, key) => (v as Record<string, unknown>)[key], value) as Record<string, unknown>;

describe('nftables fixtures captured from nft', () => {
  it('has the batches, the dumps and an error', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    for (const name of ['nft-batch-masquerade-v4', 'nft-batch-masquerade-v6', 'nft-dump-rules-reply-0', 'nft-dump-chains-reply-0', 'nft-dump-tables-reply-0', 'nft-error-enoent']) {
      expect(byName(name), name).toBeDefined();
    }
  });

  describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    it('decodes every message, none unknown', () => {
      const messages = decodeNftMessages(fixture.bytes);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((m) => m.kind !== 'unknown' && m.kind !== 'nfnl')).toBe(true);
    });

    it('re-encodes byte for byte', () => {
      expect(hex(encodeNftMessages(decodeNftMessages(fixture.bytes)))).toBe(hex(fixture.bytes));
    });

    it('keeps an injected unknown attribute at every nesting level', () => {
      for (const path of attributeSets(decodeNftMessages(fixture.bytes))) {
        const copy = decodeNftMessages(fixture.bytes);
        const target = at(copy, path);
        const injected = { type: UNKNOWN_TYPE, data: Uint8Array.of(1, 2, 3, 4, 5) };
        target.unknown = [...((target.unknown as unknown[]) ?? []), injected];
        const again = decodeNftMessages(encodeNftMessages(copy));
        expect(at(again, path).unknown, path.join('.')).toContainEqual(injected);
      }
    });

    it('decodes or throws NetlinkDecodeError at every truncation', () => {
      for (let cut = 0; cut < fixture.bytes.length; cut++) {
        try {
          decodeNftMessages(fixture.bytes.subarray(0, cut));
        } catch (error) {
          expect(error, `cut at ${cut}`).toBeInstanceOf(NetlinkDecodeError);
        }
      }
    });
  });

  it("decodes nft's batch for the issue's ruleset", () => {
    const [begin, table, chain, rule, end] = decodeNftMessages(byName('nft-batch-masquerade-v4').bytes) as NftMessage[];
    expect(begin).toMatchObject({ kind: 'batch', type: NFNL_MSG_BATCH_BEGIN, body: { family: 0, resourceId: 10 } });
    expect(end).toMatchObject({ kind: 'batch', type: NFNL_MSG_BATCH_END, body: { family: 0, resourceId: 10 } });
    expect(table).toMatchObject({ kind: 'table', body: { family: 2, attrs: { name: 'T', flags: 0 } } });
    expect(nftMessageTypeName(table!.type)).toBe('NFT_MSG_NEWTABLE');
    expect(chain).toMatchObject({ kind: 'chain', body: { family: 2, attrs: { table: 'T', name: 'postrouting', type: 'nat', hook: { hooknum: 4, priority: 100 } } } });
    expect(rule!.kind).toBe('rule');
    if (rule!.kind !== 'rule') return;
    expect(rule!.body.attrs).toMatchObject({ table: 'T', chain: 'postrouting' });
    expect(rule!.body.attrs.expressions).toEqual([
      { name: 'payload', data: { dreg: 1, base: 1, offset: 12, len: 3 } },
      { name: 'cmp', data: { sreg: 1, op: 0, data: { value: Uint8Array.of(10, 0, 0) } } },
      { name: 'payload', data: { dreg: 1, base: 1, offset: 16, len: 3 } },
      { name: 'cmp', data: { sreg: 1, op: 1, data: { value: Uint8Array.of(10, 0, 0) } } },
      { name: 'meta', data: { key: 7, dreg: 1 } },
      { name: 'cmp', data: { sreg: 1, op: 1, data: { value: Uint8Array.of(0x62, 0x72, 0x30, ...new Array(13).fill(0)) } } },
      { name: 'counter', data: {} },
      { name: 'masq', data: {} },
    ]);
  });

  it('decodes rule dumps: handles, counters, bitwise prefixes, verdicts and comments', () => {
    const [masq, filter] = decodeNftMessages(byName('nft-dump-rules-reply-0').bytes);
    if (masq?.kind !== 'rule' || filter?.kind !== 'rule') throw new Error('expected two rules');
    expect(masq.body.attrs.handle).toBe(2n);
    const counter = masq.body.attrs.expressions!.find((e) => isExpression(e, 'counter'));
    expect(counter).toEqual({ name: 'counter', data: { bytes: 0n, packets: 0n } });
    const bitwise = filter.body.attrs.expressions!.find((e) => e.name === 'bitwise');
    expect(bitwise).toMatchObject({ data: { len: 4, op: 0, mask: { value: Uint8Array.of(0xff, 0xff, 0xf0, 0) }, xor: { value: Uint8Array.of(0, 0, 0, 0) } } });
    const immediate = filter.body.attrs.expressions!.find((e) => e.name === 'immediate');
    expect(immediate).toEqual({ name: 'immediate', data: { dreg: 0, data: { verdict: { code: 1 } } } });
    expect(commentOf(filter.body.attrs.userdata)).toBe('netns-rtnl test');
  });

  it('decodes chain and table dumps and the generation', () => {
    const chains = decodeNftMessages(byName('nft-dump-chains-reply-0').bytes);
    expect(chains.map((c) => (c.kind === 'chain' ? [c.body.family, c.body.attrs.table, c.body.attrs.name, c.body.attrs.policy, c.body.attrs.hook?.priority] : null))).toEqual([
      [2, 'T', 'postrouting', 1, 100],
      [10, 'T6', 'postrouting', 1, 100],
      [2, 'F', 'forward', 0, 0],
    ]);
    const tables = decodeNftMessages(byName('nft-dump-tables-reply-0').bytes);
    expect(tables.map((t) => (t.kind === 'table' ? [t.body.family, t.body.attrs.name, t.body.attrs.handle] : null))).toEqual([
      [2, 'T', 1n],
      [10, 'T6', 2n],
      [2, 'F', 3n],
    ]);
    const [gen] = decodeNftMessages(byName('nft-newgen-reply').bytes);
    expect(gen).toMatchObject({ kind: 'gen', body: { attrs: { procName: 'nft' } } });
    expect(decodeNftMessages(byName('nft-dump-tables-reply-1').bytes)[0]).toMatchObject({ kind: 'done', body: { error: 0 } });
  });

  it('decodes the error nft got, with the echoed NEWRULE and the extended-ACK offset', () => {
    const [error] = decodeNftMessages(byName('nft-error-enoent').bytes);
    if (error?.kind !== 'error') throw new Error('expected NLMSG_ERROR');
    expect(error.body.error).toBe(-2);
    expect(nftMessageTypeName(error.body.request.type)).toBe('NFT_MSG_NEWRULE');
    expect(error.body.ext?.offs).toBe(0x1c);
    // The echoed request decodes as the rule it was.
    const echoed = new Uint8Array(16 + error.body.requestPayload!.length);
    new DataView(echoed.buffer).setUint32(0, echoed.length, true);
    new DataView(echoed.buffer).setUint16(4, error.body.request.type, true);
    echoed.set(error.body.requestPayload!, 16);
    expect(decodeNftMessages(echoed)[0]).toMatchObject({ kind: 'rule', body: { attrs: { table: 'T', chain: 'nosuchchain' } } });
  });

  it('keeps an unknown expression as raw bytes and writes it back unchanged', () => {
    const bytes = byName('nft-batch-masquerade-v4').bytes;
    const messages = decodeNftMessages(bytes);
    const rule = messages[3]!;
    if (rule.kind !== 'rule') throw new Error('expected a rule');
    // Rename the masq expression (same length) so it is unknown to the codec.
    const patched = Uint8Array.from(bytes);
    const at = Buffer.from(patched).indexOf('masq\0');
    patched.set(new TextEncoder().encode('mzzz'), at);
    const again = decodeNftMessages(patched);
    const last = again[3]!.kind === 'rule' ? again[3]!.body.attrs.expressions!.at(-1) : undefined;
    expect(last).toEqual({ name: 'mzzz', data: new Uint8Array(0) });
    expect(hex(encodeNftMessages(again))).toBe(hex(patched));
  });

  it('builds a user expression list and reads it back', () => {
    const message: NftMessage = {
      kind: 'rule', type: 0x0a06, flags: 1, seq: 7, pid: 0,
      body: { family: 2, version: 0, resourceId: 0, attrs: { table: 't', chain: 'c', expressions: [{ name: 'counter', data: { packets: 5n, bytes: 600n } }, { name: 'xt', data: Uint8Array.of(1, 2, 3, 4) }] } },
    };
    const [back] = decodeNftMessages(encodeNftMessages([message]));
    expect(back).toEqual(message);
  });

  it('refuses bad values naming the field', () => {
    const message = (expressions: unknown): NftMessage => ({
      kind: 'rule', type: 0x0a06, flags: 1, seq: 0, pid: 0,
      body: { family: 2, version: 0, resourceId: 0, attrs: { table: 't', expressions: expressions as never } },
    });
    expect(() => encodeNftMessages([message([{ name: 'counter', data: { packets: 5 } }])])).toThrow(/packets: 5 is not a bigint/);
    expect(() => encodeNftMessages([message([{ name: 'nosuch', data: { x: 1 } }])])).toThrow(/give its data as a Uint8Array/);
    expect(() => encodeNftMessages([message('x')])).toThrow(/expressions: "x" is not an array/);
  });

  it('is exported from messages/index.ts', () => {
    expect(fromPackageIndex).toBe(decodeNftMessages);
    expect(nftables.NFNL_SUBSYS_NFTABLES).toBe(10);
  });
});

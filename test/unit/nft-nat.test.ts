import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { NetlinkError } from '../../lib/errors.js';
import { InvalidArgumentError } from '../../lib/validate.js';
import { Nat, type NatOptions } from '../../lib/nat/nat.js';
import { masqueradeChanges, normalizeSpec, tagOf } from '../../lib/nat/masquerade.js';
import { NFNETLINK_CODEC, Nftables } from '../../lib/nat/nftables.js';
import type { Transport } from '../../lib/transport.js';
import type { NetlinkMessage } from '../../messages/message.js';
import {
  batchBegin,
  batchEnd,
  commentUserdata,
  decodeNftMessages,
  encodeNftMessages,
  newTable,
  nftType,
  NFT_MSG_NEWRULE,
  type NftMessage,
} from '../../messages/nftables/index.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fixtureBytes = (name: string) => {
  const raw = JSON.parse(readFileSync(new URL(`../fixtures/nftables/frames/${name}.json`, import.meta.url), 'utf8')) as { hex: string[] };
  return Uint8Array.from(Buffer.from(raw.hex.join('').replace(/\s+/g, ''), 'hex'));
};

/** A fake NETLINK_NETFILTER kernel: the handler gets each request datagram's messages, answers with datagrams. */
function fakeNftKernel(handler: (messages: NftMessage[]) => NftMessage[][]) {
  let deliver: (d: Uint8Array) => void = () => {};
  const sent: Uint8Array[] = [];
  const transport: Transport & { sent: Uint8Array[] } = {
    sent,
    async send(datagram) {
      sent.push(datagram.slice());
      for (const answer of handler(decodeNftMessages(datagram))) setImmediate(() => deliver(encodeNftMessages(answer)));
    },
    onDatagram: (l) => (deliver = l),
    onError: () => {},
    ref: () => {},
    unref: () => {},
    close: () => {},
  };
  return transport;
}

function nftAck(request: NftMessage, error = 0): NftMessage {
  return ack(request as unknown as NetlinkMessage, error) as unknown as NftMessage;
}

describe('masquerade rule building', () => {
  it("encodes the issue's rule exactly as nft does (but for seq, NLM_F_ACK and our comment)", () => {
    const ours = masqueradeChanges(normalizeSpec({ source: '10.0.0.0/24', exceptDestination: '10.0.0.0/24', exceptOutInterface: 'br0' }), {
      table: 'T',
      tag: false,
    });
    const batch = [batchBegin(), ...ours, batchEnd()].map((m, seq) => ({ ...m, seq }));
    expect(hex(encodeNftMessages(batch))).toBe(hex(fixtureBytes('nft-batch-masquerade-v4')));
  });

  it('encodes the IPv6 twin as nft does', () => {
    const ours = masqueradeChanges(normalizeSpec({ source: 'fd00:1::/64', exceptDestination: 'fd00::/48', exceptOutInterface: 'br0' }), { table: 'T6', tag: false });
    const batch = [batchBegin(), ...ours, batchEnd()].map((m, seq) => ({ ...m, seq }));
    expect(hex(encodeNftMessages(batch))).toBe(hex(fixtureBytes('nft-batch-masquerade-v6')));
  });

  it('matches a prefix that is not byte-aligned with a bitwise mask, as nft does', () => {
    const [, , rule] = masqueradeChanges(normalizeSpec({ source: '10.0.16.0/20' }));
    if (rule!.kind !== 'rule') throw new Error('expected a rule');
    expect(rule!.body.attrs.expressions!.slice(0, 3)).toEqual([
      { name: 'payload', data: { dreg: 1, base: 1, offset: 12, len: 4 } },
      { name: 'bitwise', data: { sreg: 1, dreg: 1, len: 4, mask: { value: Uint8Array.of(255, 255, 240, 0) }, xor: { value: new Uint8Array(4) } } },
      { name: 'cmp', data: { sreg: 1, op: 0, data: { value: Uint8Array.of(10, 0, 16, 0) } } },
    ]);
  });

  it('normalizes and tags', () => {
    const spec = normalizeSpec({ source: '10.0.0.77/24', exceptDestination: '10.0.5.0/16', exceptOutInterface: 'br0' });
    expect(spec).toEqual({ family: 'ip', source: '10.0.0.0/24', exceptDestination: '10.0.0.0/16', exceptOutInterface: 'br0' });
    expect(tagOf(spec)).toBe('netns-rtnl 10.0.0.0/24 dst!=10.0.0.0/16 oif!=br0');
    // The longest possible tag still fits nft's 128-byte comment.
    const long = normalizeSpec({ source: '1111:2222:3333:4444:5555:6666:7777:8888/128', exceptDestination: '1111:2222:3333:4444:5555:6666:7777:8889/128', exceptOutInterface: 'abcdefghijklmno' });
    expect(() => commentUserdata(tagOf(long))).not.toThrow();
  });

  it.each([
    [{ source: '10.0.0.0/33' }, 'source'],
    [{ source: 'bogus/24' }, 'source'],
    [{ source: '10.0.0.0' }, 'source'],
    [{ source: '10.0.0.0/24', exceptDestination: '10.0.0.0/40' }, 'exceptDestination'],
    [{ source: '10.0.0.0/24', exceptDestination: 'fd00::/64' }, 'exceptDestination'],
    [{ source: 'fd00::/64', exceptDestination: '10.0.0.0/8' }, 'exceptDestination'],
    [{ source: '10.0.0.0/24', exceptOutInterface: 'sixteen-bytes-00' }, 'exceptOutInterface'],
    [{ source: '10.0.0.0/24', exceptOutInterface: '' }, 'exceptOutInterface'],
  ])('refuses %j naming %s', (spec, field) => {
    expect(() => normalizeSpec(spec)).toThrow(InvalidArgumentError);
    expect(() => normalizeSpec(spec)).toThrow(new RegExp(`^${field}:`));
  });
});

describe('Connection.transaction', () => {
  it('sends every message in one datagram and reports each result', async () => {
    const transport = fakeKernel((request) => (request.flags & 4 ? [ack(request)] : []));
    const connection = new Connection(transport, { timeoutMs: 1000 });
    const link = (flags: number): NetlinkMessage => ({ kind: 'link', type: 16, flags, seq: 0, pid: 0, body: { family: 0, type: 0, index: 0, flags: 0, change: 0, attrs: {} } });
    const results = await connection.transaction([link(1), link(5), link(5), link(1)]);
    expect(transport.sent).toHaveLength(1);
    expect(transport.requests.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    connection.close();
  });

  it('an error for an un-ACKed message (BEGIN) fails the whole transaction', async () => {
    const transport = fakeKernel((request) => (request.seq === 1 ? [ack(request, -1)] : []));
    const connection = new Connection(transport, { timeoutMs: 1000 });
    const link = (flags: number): NetlinkMessage => ({ kind: 'link', type: 16, flags, seq: 0, pid: 0, body: { family: 0, type: 0, index: 0, flags: 0, change: 0, attrs: {} } });
    const results = await connection.transaction([link(1), link(5), link(1)]);
    expect(results.every((r) => !r.ok && r.error instanceof NetlinkError && r.error.code === 'EPERM')).toBe(true);
    connection.close();
  });
});

describe('Nat over a fake nfnetlink kernel', () => {
  /** A tiny nf_tables: one generation counter, rules kept as NEWRULE messages; batches all-or-nothing. */
  function kernel(options: NatOptions = {}) {
    const state = { gen: 1, rules: [] as NftMessage[], tables: new Set<string>(), batches: 0 };
    const answer = (request: NftMessage): NftMessage[] => {
      if (request.kind === 'gen') return [{ kind: 'gen', type: 0x0a0f, flags: 0, seq: request.seq, pid: 0, body: { family: 0, version: 0, resourceId: 0, attrs: { id: state.gen } } }];
      const done: NftMessage = { kind: 'done', type: 3, flags: 2, seq: request.seq, pid: 0, body: { error: 0 } };
      if (request.kind === 'rule' && request.type === 0x0a07) {
        const family = request.body.family;
        const replies = state.rules
          .filter((r) => r.kind === 'rule' && r.body.family === family)
          .map((r) => ({ ...r, type: nftType(NFT_MSG_NEWRULE), flags: 2, seq: request.seq }));
        return [...replies, done];
      }
      return [done];
    };
    const transport = fakeNftKernel((messages) => {
      const [first] = messages;
      // Requests (not a batch): each answered in turn, as the kernel does within one sendmsg.
      if (first!.kind !== 'batch') return messages.map(answer);
      // A batch.
      state.batches++;
      const changes = messages.slice(1, -1);
      if (first!.kind === 'batch' && first!.body.attrs.genid !== undefined && first!.body.attrs.genid !== state.gen) return [[nftAck(first!, -85)]];
      // NLM_F_EXCL on a table that exists: EEXIST, and the batch changes nothing (an abort).
      const taken = changes.find((m) => m.kind === 'table' && m.type === 0x0a00 && m.flags & 0x200 && state.tables.has(`${m.body.family}`));
      if (taken) return [changes.map((m) => nftAck(m, m === taken ? -17 : 0))];
      const bad = changes.find((m) => m.kind === 'rule' && m.type === nftType(NFT_MSG_NEWRULE) && m.body.attrs.expressions?.some((e) => e.name === 'bad'));
      const echoes: NftMessage[] = [];
      if (bad) return [changes.map((m) => nftAck(m, m === bad ? -2 : 0))];
      for (const m of changes) {
        if (m.kind === 'table' && m.type === 0x0a00) state.tables.add(`${m.body.family}`);
        if (m.kind === 'table' && m.type === 0x0a02) {
          state.tables.delete(`${m.body.family}`);
          state.rules = state.rules.filter((r) => r.kind === 'rule' && r.body.family !== m.body.family);
        }
        if (m.kind === 'rule' && m.type === nftType(NFT_MSG_NEWRULE)) {
          const stored = { ...m, body: { ...m.body, attrs: { ...m.body.attrs, handle: BigInt(state.rules.length + 2) } } } as NftMessage;
          state.rules.push(stored);
          // NLM_F_ECHO: the kernel sends the rule as committed, with its handle, before the ACKs.
          if (m.flags & 8) echoes.push({ ...stored, flags: 0, seq: m.seq });
        }
        if (m.kind === 'rule' && m.type === 0x0a08) state.rules = state.rules.filter((r) => r.kind === 'rule' && r.body.attrs.handle !== m.body.attrs.handle);
      }
      state.gen++;
      return [...echoes.map((m) => [m]), changes.map((m) => nftAck(m))];
    });
    const nat = new Nat(new Nftables(new Connection(transport, { codec: NFNETLINK_CODEC, timeoutMs: 1000 })), options);
    return { state, transport, nat };
  }

  it('bad input is refused before anything is sent', async () => {
    const { transport, nat } = kernel();
    await expect(nat.masquerade({ source: '10.0.0.0/33' })).rejects.toThrow(/^source:/);
    await expect(nat.masquerade({ source: '10.0.0.0/24', exceptOutInterface: 'x'.repeat(16) })).rejects.toThrow(/^exceptOutInterface:/);
    await expect(nat.masquerade({ source: '10.0.0.0/24', exceptDestination: 'fd00::/8' })).rejects.toThrow(/^exceptDestination:/);
    await expect(nat.remove({ source: 'nope' })).rejects.toThrow(InvalidArgumentError);
    expect(transport.sent).toEqual([]);
    nat.close();
  });

  it('masquerade reads the generation and our rules in one datagram, then commits table, chain and rule in one batch checked against it; idempotent', async () => {
    const { state, transport, nat } = kernel();
    const rule = await nat.masquerade({ source: '10.0.0.0/24', exceptOutInterface: 'br0' });
    expect(rule).toMatchObject({ family: 'ip', source: '10.0.0.0/24', exceptOutInterface: 'br0', handle: 2n, packets: 0n });
    expect(transport.sent).toHaveLength(2);
    expect(decodeNftMessages(transport.sent[0]!).map((m) => m.kind)).toEqual(['gen', 'rule']);
    const batch = decodeNftMessages(transport.sent[1]!);
    expect(batch.map((m) => m.kind)).toEqual(['batch', 'table', 'chain', 'rule', 'batch']);
    expect(batch[0]).toMatchObject({ body: { attrs: { genid: 1 } } });
    // No NLM_F_EXCL: a table made earlier (by another process) is simply kept.
    expect(batch[1]!.flags & 0x200).toBe(0);
    expect(batch.slice(1, -1).every((m) => m.flags & 4)).toBe(true);
    // The rule comes back echoed (NLM_F_ECHO) with its handle: no dump after the batch.
    expect(batch[3]!.flags & 8).toBe(8);
    // The same rule again: the generation and a dump in one datagram find it; no batch.
    expect(await nat.masquerade({ source: '10.0.0.0/24', exceptOutInterface: 'br0' })).toEqual(rule);
    expect(state.batches).toBe(1);
    expect(decodeNftMessages(transport.sent.at(-1)!).map((m) => m.kind)).toEqual(['gen', 'rule']);
    // Another rule: a batch checked against the generation read with the dump.
    await nat.masquerade({ source: '10.1.0.0/24' });
    expect(decodeNftMessages(transport.sent.at(-1)!)[0]).toMatchObject({ body: { attrs: { genid: 2 } } });
    expect((await nat.rules()).map((r) => r.source)).toEqual(['10.0.0.0/24', '10.1.0.0/24']);
    nat.close();
  });

  it('a table made earlier (e.g. by an earlier process) costs no refused batch', async () => {
    const { state, nat } = kernel();
    state.tables.add('2');
    const rule = await nat.masquerade({ source: '10.0.0.0/24' });
    expect(rule).toMatchObject({ source: '10.0.0.0/24', handle: 2n });
    // A refused batch would be an abort, which waits for an RCU grace period in the kernel.
    expect(state.batches).toBe(1);
    expect(await nat.rules()).toEqual([rule]);
    nat.close();
  });

  it('retries when the ruleset changed in between (ERESTART)', async () => {
    const { state, nat } = kernel();
    let bumped = false;
    const generation = nat.nftables.generation.bind(nat.nftables);
    nat.nftables.generation = async () => {
      const id = await generation();
      if (!bumped) {
        bumped = true;
        state.gen++; // someone else committed right after we read the generation
      }
      return id;
    };
    await nat.masquerade({ source: '10.0.0.0/16' });
    expect(bumped).toBe(true);
    expect(state.batches).toBe(2); // the refused one (ERESTART), then the retry
    await nat.masquerade({ source: '10.1.0.0/16' });
    expect(state.batches).toBe(3);
    expect(await nat.rules()).toHaveLength(2);
    nat.close();
  });

  it('keeps retrying, with fresh state, while other writers keep winning (no fixed count)', async () => {
    const { state, nat } = kernel();
    let conflicts = 12; // more than any fixed count in step would survive
    const generation = nat.nftables.generation.bind(nat.nftables);
    nat.nftables.generation = async () => {
      const id = await generation();
      if (conflicts > 0) {
        conflicts--;
        state.gen++;
      }
      return id;
    };
    const rule = await nat.masquerade({ source: '10.0.0.0/16' });
    expect(conflicts).toBe(0);
    expect(state.batches).toBe(13);
    expect(await nat.rules()).toEqual([rule]);
    nat.close();
  });

  it('gives up with ERESTART once contentionTimeoutMs has passed', async () => {
    const { state, nat } = kernel({ contentionTimeoutMs: 30 });
    let reads = 0;
    const generation = nat.nftables.generation.bind(nat.nftables);
    nat.nftables.generation = async () => {
      const id = await generation();
      reads++;
      state.gen++;
      return id;
    };
    const error = await nat.masquerade({ source: '10.0.0.0/16' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as NetlinkError).code).toBe('ERESTART');
    expect(reads).toBeGreaterThan(1);
    expect(state.rules).toEqual([]);
    nat.close();
  });

  it('remove() deletes the table of ours; remove(spec) only the matching rule', async () => {
    const { state, transport, nat } = kernel();
    await nat.masquerade({ source: '10.0.0.0/24' });
    await nat.masquerade({ source: '10.1.0.0/24' });
    expect(await nat.remove({ source: '10.1.0.5/24' })).toBe(1);
    const last = decodeNftMessages(transport.sent.at(-1)!);
    expect(last.map((m) => m.type)).toEqual([0x10, 0x0a08, 0x11]);
    expect((await nat.rules()).map((r) => r.source)).toEqual(['10.0.0.0/24']);
    expect(await nat.remove()).toBe(1);
    expect(decodeNftMessages(transport.sent.at(-1)!).map((m) => m.type)).toEqual([0x10, 0x0a02, 0x11]);
    expect(state.rules).toEqual([]);
    expect(await nat.remove()).toBe(0);
    nat.close();
  });

  it('ignores rules that are not ours, and keeps the table for them', async () => {
    const { state, transport, nat } = kernel();
    await nat.masquerade({ source: '10.0.0.0/24' });
    state.rules.push({ ...(state.rules[0] as NftMessage), body: { family: 2, version: 0, resourceId: 0, attrs: { table: 'netns_rtnl_nat', chain: 'postrouting', handle: 99n, expressions: [], userdata: commentUserdata('someone else') } } } as NftMessage);
    expect(await nat.rules()).toHaveLength(1);
    expect(await nat.remove()).toBe(1);
    expect(decodeNftMessages(transport.sent.at(-1)!).map((m) => m.type)).toEqual([0x10, 0x0a08, 0x11]);
    nat.close();
  });

  it('a failing message fails the whole commit with its NetlinkError', async () => {
    const { state, nat } = kernel();
    const error = await nat.nftables
      .commit([newTable({ family: 2, name: 'x' }), { ...masqueradeChanges(normalizeSpec({ source: '10.0.0.0/8' }))[2]!, body: { family: 2, version: 0, resourceId: 0, attrs: { table: 'x', chain: 'c', expressions: [{ name: 'bad', data: new Uint8Array(0) }] } } } as NftMessage])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as NetlinkError).code).toBe('ENOENT');
    expect((error as NetlinkError).operation).toBe('NFT_MSG_NEWRULE');
    expect(state.tables.size).toBe(0);
    nat.close();
  });
});

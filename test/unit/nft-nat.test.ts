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
  commentOf,
  commentUserdata,
  decodeNftMessages,
  encodeNftMessages,
  newChain,
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
    port: 0,
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
  /**
   * A tiny nf_tables shared by any number of Nat objects (as one kernel serves many sockets): one
   * generation counter, tables per family (each with the chain postrouting), rules kept as NEWRULE
   * messages with handles from one counter; batches all-or-nothing, ENOENT for what is not there.
   */
  function kernel(options: NatOptions = {}) {
    const state = { gen: 1, rules: [] as NftMessage[], tables: new Set<number>(), batches: 0, nextHandle: 2n };
    const done = (seq: number): NftMessage => ({ kind: 'done', type: 3, flags: 2, seq, pid: 0, body: { error: 0 } });
    const answer = (request: NftMessage): NftMessage[] => {
      if (request.kind === 'gen') return [{ kind: 'gen', type: 0x0a0f, flags: 0, seq: request.seq, pid: 0, body: { family: 0, version: 0, resourceId: 0, attrs: { id: state.gen } } }];
      if (request.kind === 'rule' && request.type === 0x0a07) {
        const replies = state.rules
          .filter((r) => r.kind === 'rule' && r.body.family === request.body.family)
          .map((r) => ({ ...r, type: nftType(NFT_MSG_NEWRULE), flags: 2, seq: request.seq }));
        return [...replies, done(request.seq)];
      }
      if (request.kind === 'chain' && request.type === 0x0a04 && state.tables.has(request.body.family)) {
        const chain = { ...newChain({ family: request.body.family, table: 'netns_rtnl_nat', name: 'postrouting' }), flags: 2, seq: request.seq };
        return [chain, done(request.seq)];
      }
      return [done(request.seq)];
    };
    /** Applies one change; a number is the errno refusing it. */
    const apply = (m: NftMessage, echoes: NftMessage[]): number => {
      const family = m.kind === 'batch' || m.kind === 'gen' || m.kind === 'done' || m.kind === 'error' ? 0 : (m.body as { family: number }).family;
      if (m.kind === 'table' && m.type === 0x0a00) state.tables.add(family);
      if (m.kind === 'table' && m.type === 0x0a02) {
        if (!state.tables.delete(family)) return -2;
        state.rules = state.rules.filter((r) => r.kind === 'rule' && r.body.family !== family);
      }
      if (m.kind === 'chain' && m.type === 0x0a03 && !state.tables.has(family)) return -2;
      if (m.kind === 'rule' && m.type === nftType(NFT_MSG_NEWRULE)) {
        if (!state.tables.has(family)) return -2;
        if (m.body.attrs.expressions?.some((e) => e.name === 'bad')) return -2;
        const stored = { ...m, body: { ...m.body, attrs: { ...m.body.attrs, handle: state.nextHandle++ } } } as NftMessage;
        state.rules.push(stored);
        // NLM_F_ECHO: the kernel sends the rule as committed, with its handle, before the ACKs.
        if (m.flags & 8) echoes.push({ ...stored, flags: 0, seq: m.seq });
      }
      if (m.kind === 'rule' && m.type === 0x0a08) {
        const before = state.rules.length;
        state.rules = state.rules.filter((r) => !(r.kind === 'rule' && r.body.family === family && r.body.attrs.handle === m.body.attrs.handle));
        if (state.rules.length === before) return -2;
      }
      return 0;
    };
    const open = () => {
      const transport = fakeNftKernel((messages) => {
        const [first] = messages;
        // Requests (not a batch): each answered in turn, as the kernel does within one sendmsg.
        if (first!.kind !== 'batch') return messages.map(answer);
        state.batches++;
        const changes = messages.slice(1, -1);
        if (first!.body.attrs.genid !== undefined && first!.body.attrs.genid !== state.gen) return [[nftAck(first!, -85)]];
        // All or nothing: on a refusal, the state before the batch comes back.
        const saved = { rules: [...state.rules], tables: new Set(state.tables), nextHandle: state.nextHandle };
        const echoes: NftMessage[] = [];
        const errors = changes.map((m) => apply(m, echoes));
        if (errors.some((e) => e !== 0)) {
          Object.assign(state, saved);
          return [changes.map((m, i) => nftAck(m, errors[i]))];
        }
        state.gen++;
        return [...echoes.map((m) => [m]), changes.map((m) => nftAck(m))];
      });
      const nat = new Nat(new Nftables(new Connection(transport, { codec: NFNETLINK_CODEC, timeoutMs: 1000 })), options);
      transports.set(nat, transport);
      return nat;
    };
    const nat = open();
    return { state, nat, open, transport: sentOf(nat) };
  }
  /** The fake transport under each Nat the kernel() helper opened. */
  const transports = new WeakMap<Nat, { sent: Uint8Array[] }>();
  const sentOf = (nat: Nat) => transports.get(nat)!;
  const kinds = (datagram: Uint8Array) => decodeNftMessages(datagram).map((m) => m.kind);
  const batches = (transport: { sent: Uint8Array[] }) => transport.sent.map((d) => decodeNftMessages(d)).filter((m) => m[0]!.kind === 'batch');
  /** What another process does: deletes a rule of `source` and moves the generation. */
  const deleteBehindTheBack = (state: { gen: number; rules: NftMessage[] }, source: string) => {
    const i = state.rules.findIndex((r) => r.kind === 'rule' && commentOf(r.body.attrs.userdata)?.includes(` ${source}`));
    state.rules.splice(i, 1);
    state.gen++;
  };
  /** Runs `action` once, right after the next read of the generation by `nat` (another writer getting in first). */
  const afterNextRead = (nat: Nat, times: number, action: () => void) => {
    const generation = nat.nftables.generation.bind(nat.nftables);
    nat.nftables.generation = async () => {
      const id = await generation();
      if (times > 0) {
        times--;
        action();
      }
      return id;
    };
  };

  it('bad input is refused before anything is sent', async () => {
    const { transport, nat } = kernel();
    await expect(nat.masquerade({ source: '10.0.0.0/33' })).rejects.toThrow(/^source:/);
    await expect(nat.masquerade({ source: '10.0.0.0/24', exceptOutInterface: 'x'.repeat(16) })).rejects.toThrow(/^exceptOutInterface:/);
    await expect(nat.masquerade({ source: '10.0.0.0/24', exceptDestination: 'fd00::/8' })).rejects.toThrow(/^exceptDestination:/);
    await expect(nat.remove({ source: 'nope' })).rejects.toThrow(InvalidArgumentError);
    expect(transport.sent).toEqual([]);
    nat.close();
  });

  it('masquerade reads our rules, then commits table, chain and rule in one batch that cannot conflict; idempotent', async () => {
    const { state, transport, nat } = kernel();
    const rule = await nat.masquerade({ source: '10.0.0.0/24', exceptOutInterface: 'br0' });
    expect(rule).toMatchObject({ family: 'ip', source: '10.0.0.0/24', exceptOutInterface: 'br0', handle: 2, packets: 0, bytes: 0 });
    // Plain data: it goes through JSON as it is.
    expect(JSON.parse(JSON.stringify(rule))).toEqual(rule);
    // Read, batch, and the read that checks nobody added the same rule at the same moment.
    expect(transport.sent.map(kinds)).toEqual([
      ['gen', 'rule'],
      ['batch', 'table', 'chain', 'rule', 'batch'],
      ['gen', 'rule'],
    ]);
    const batch = decodeNftMessages(transport.sent[1]!);
    // No generation check: the batch makes its own table and chain, so it is right whatever others did.
    expect(batch[0]).toMatchObject({ body: { attrs: {} } });
    expect((batch[0] as { body: { attrs: { genid?: number } } }).body.attrs.genid).toBeUndefined();
    // No NLM_F_EXCL: a table made earlier (by another process) is simply kept.
    expect(batch[1]!.flags & 0x200).toBe(0);
    expect(batch.slice(1, -1).every((m) => m.flags & 4)).toBe(true);
    // The rule comes back echoed (NLM_F_ECHO) with its handle.
    expect(batch[3]!.flags & 8).toBe(8);
    // The same rule again: one read finds it; no batch.
    expect(await nat.masquerade({ source: '10.0.0.0/24', exceptOutInterface: 'br0' })).toEqual(rule);
    expect(state.batches).toBe(1);
    expect(kinds(transport.sent.at(-1)!)).toEqual(['gen', 'rule']);
    nat.close();
  });

  it('a writer that gets in between the read and the commit of an add costs nothing', async () => {
    const { state, nat, open } = kernel();
    const other = open();
    afterNextRead(nat, 1, () => void other.masquerade({ source: '10.9.0.0/16' }));
    await nat.masquerade({ source: '10.0.0.0/16' });
    await other.masquerade({ source: '10.9.0.0/16' });
    expect(state.batches).toBe(2);
    expect((await nat.rules()).map((r) => r.source).sort()).toEqual(['10.0.0.0/16', '10.9.0.0/16']);
    nat.close();
    other.close();
  });

  it('the same rule added by two writers at the same moment ends as one, the same for both', async () => {
    const { state, nat, open } = kernel();
    const writers = [nat, open(), open(), open()];
    const made = await Promise.all(writers.map((w) => w.masquerade({ source: '10.0.0.0/24' })));
    expect(state.batches).toBeGreaterThan(1); // they did race: more than one rule was committed
    expect(state.rules).toHaveLength(1);
    expect(new Set(made.map((r) => r.handle))).toEqual(new Set([Number((state.rules[0] as { body: { attrs: { handle: bigint } } }).body.attrs.handle)]));
    for (const w of writers) w.close();
  });

  it('remove(spec) deletes only that rule, by handle; the last rule goes with its table, checked against the generation', async () => {
    const { state, transport, nat } = kernel();
    await nat.masquerade({ source: '10.0.0.0/24' });
    await nat.masquerade({ source: '10.1.0.0/24' });
    const batchesBefore = state.batches;
    expect(await nat.remove({ source: '10.1.0.5/24' })).toBe(1);
    // One batch: the rule deleted by handle, with no generation check. (Then a read, to see that
    // others did not leave the table empty meanwhile.)
    expect(state.batches).toBe(batchesBefore + 1);
    const deletion = batches(transport).at(-1)!;
    expect(deletion.map((m) => m.type)).toEqual([0x10, 0x0a08, 0x11]);
    expect((deletion[0] as { body: { attrs: { genid?: number } } }).body.attrs.genid).toBeUndefined();
    expect((await nat.rules()).map((r) => r.source)).toEqual(['10.0.0.0/24']);
    expect(await nat.remove()).toBe(1);
    const last = batches(transport).at(-1)!;
    expect(last.map((m) => m.type)).toEqual([0x10, 0x0a02, 0x11]);
    expect(last[0]).toMatchObject({ body: { attrs: { genid: state.gen - 1 } } });
    expect(state.rules).toEqual([]);
    expect(state.tables.size).toBe(0);
    expect(await nat.remove()).toBe(0);
    nat.close();
  });

  it('a table left empty while a remove() ran is deleted by the one that reads it empty after its own deletion', async () => {
    const { state, nat, open } = kernel();
    const other = open();
    await nat.masquerade({ source: '10.0.0.0/24' });
    await other.masquerade({ source: '10.1.0.0/24' });
    // nat reads both rules, so it deletes only its own; the other's goes before nat looks again.
    afterNextRead(nat, 1, () => deleteBehindTheBack(state, '10.1.0.0/24'));
    expect(await nat.remove({ source: '10.0.0.0/24' })).toBe(1);
    expect(state.rules).toEqual([]);
    expect(state.tables.size).toBe(0);
    nat.close();
    other.close();
  });

  it('a rule someone else deleted first (ENOENT) is read again, not an error', async () => {
    const { state, nat } = kernel();
    await nat.masquerade({ source: '10.0.0.0/24' });
    await nat.masquerade({ source: '10.1.0.0/24' });
    afterNextRead(nat, 1, () => deleteBehindTheBack(state, '10.1.0.0/24'));
    expect(await nat.remove({ source: '10.1.0.0/24' })).toBe(0);
    expect((await nat.rules()).map((r) => r.source)).toEqual(['10.0.0.0/24']);
    expect(state.tables.size).toBe(1);
    nat.close();
  });

  it('retries a table deletion when the ruleset changed in between (ERESTART), with no fixed count', async () => {
    const { state, nat } = kernel();
    await nat.masquerade({ source: '10.0.0.0/16' });
    const before = state.batches;
    afterNextRead(nat, 12, () => state.gen++); // more conflicts than any fixed count in step survived
    expect(await nat.remove()).toBe(1);
    expect(state.batches - before).toBe(13); // 12 refused (ERESTART), then the one that went through
    expect(state.tables.size).toBe(0);
    nat.close();
  });

  it('gives up with ERESTART once contentionTimeoutMs has passed', async () => {
    const { state, nat } = kernel({ contentionTimeoutMs: 30 });
    await nat.masquerade({ source: '10.0.0.0/16' });
    afterNextRead(nat, Infinity, () => state.gen++);
    const error = await nat.remove().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as NetlinkError).code).toBe('ERESTART');
    expect(state.rules).toHaveLength(1);
    nat.close();
  });

  it('remove(test) removes the rules a function selects', async () => {
    const { nat } = kernel();
    for (const owner of ['a', 'b', 'c']) await nat.masquerade({ source: '10.0.0.0/24', owner });
    expect(await nat.remove((r) => r.owner !== 'b')).toBe(2);
    expect((await nat.rules()).map((r) => r.owner)).toEqual(['b']);
    nat.close();
  });

  it('ignores rules that are not ours, and keeps the table for them', async () => {
    const { state, transport, nat } = kernel();
    await nat.masquerade({ source: '10.0.0.0/24' });
    state.rules.push({ ...(state.rules[0] as NftMessage), body: { family: 2, version: 0, resourceId: 0, attrs: { table: 'netns_rtnl_nat', chain: 'postrouting', handle: 99n, expressions: [], userdata: commentUserdata('someone else') } } } as NftMessage);
    expect(await nat.rules()).toHaveLength(1);
    expect(await nat.remove()).toBe(1);
    expect(batches(transport).at(-1)!.map((m) => m.type)).toEqual([0x10, 0x0a08, 0x11]);
    expect(state.tables.size).toBe(1);
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

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/errors.js';
import { checkVeth, MAX_QUEUES, writeVeth, type VethPeerOptions, type VethQueueOptions } from '../../lib/rtnl/link-request.js';
import { vethRequest, type CommonLinkOptions } from '../../lib/rtnl/links.js';
import { NLM_F_ACK, NLM_F_ECHO, NLM_F_REQUEST } from '../../messages/constants.js';
import type { LinkAttrs } from '../../messages/link/index.js';
import { decodeMessages, encodeMessage } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';
import { fixtureBytes } from '../helpers/fixtures.js';

type PairOptions = CommonLinkOptions & VethQueueOptions;

/** A writer that counts the attributes begun one by one: the word-by-word path begins none. */
class CountingWriter extends Writer {
  attrsBegun = 0;
  override beginAttr(type: number): number {
    this.attrsBegun++;
    return super.beginAttr(type);
  }
}

function written(name: string, options: PairOptions, peer: VethPeerOptions, echo = false, w: Writer = new Writer(64)): Uint8Array {
  const request = checkVeth(name, options, peer);
  request.echo = echo;
  const start = w.length;
  writeVeth(w, request);
  return w.buffer.slice(start, w.length);
}

/** Sets IFLA_NUM_TX_QUEUES and IFLA_NUM_RX_QUEUES on attributes built without them. */
function withQueues(attrs: LinkAttrs, tx: number | undefined, rx: number | undefined): void {
  if (tx !== undefined) attrs.numTxQueues = tx;
  if (rx !== undefined) attrs.numRxQueues = rx;
}

/**
 * The same creation as a message object encoded by the generic codec: vethRequest's message without
 * the queue counts, given them here on each end (the peer's own, else the pair's).
 */
function generic(name: string, options: PairOptions, peer: VethPeerOptions): Uint8Array {
  const { numTxQueues, numRxQueues, ...rest } = options;
  const { numTxQueues: peerTx, numRxQueues: peerRx, ...peerRest } = peer;
  const message = vethRequest(name, { ...rest, peer: peerRest }).message;
  const attrs = message.body.attrs;
  const peerAttrs = (attrs.linkinfo as { data: { peer: { attrs: LinkAttrs } } }).data.peer.attrs;
  withQueues(attrs, numTxQueues, numRxQueues);
  withQueues(peerAttrs, peerTx ?? numTxQueues, peerRx ?? numRxQueues);
  return encodeMessage(message);
}

/** The (type, u32 value) of every 8-byte IFLA_NUM_*_QUEUES attribute in a frame, in order: top level first, the peer's inside. */
function queueAttrs(frame: Uint8Array): Array<[number, number]> {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const out: Array<[number, number]> = [];
  for (let off = 0; off + 8 <= frame.length; off += 4) {
    const type = v.getUint16(off + 2, true);
    if (v.getUint16(off, true) === 8 && (type === 31 || type === 32)) out.push([type, v.getUint32(off + 4, true)]);
  }
  return out;
}

const SHAPES: Array<[string, PairOptions, VethPeerOptions]> = [
  ['both ends 1', { numTxQueues: 1, numRxQueues: 1 }, { name: 'vb0' }],
  ['transmit only', { numTxQueues: 1 }, { name: 'vb0' }],
  ['receive only', { numRxQueues: 3 }, { name: 'vb0' }],
  ['the peer its own', { numTxQueues: 4, numRxQueues: 4 }, { name: 'vb0', numTxQueues: 2 }],
  ['the peer alone', {}, { name: 'vb0', numTxQueues: 4, numRxQueues: MAX_QUEUES }],
  ['with groups', { numTxQueues: 1, numRxQueues: 1, deviceGroup: 7 }, { name: 'vb0', deviceGroup: 0xffffffff }],
  ['the long way (mtu, mac, master)', { numTxQueues: 8, mtu: 1400, mac: '02:00:00:00:00:01', master: 9, up: true }, { name: 'vb0', txqlen: 5, numRxQueues: 2 }],
  ['a name past ASCII', { numTxQueues: 1, numRxQueues: 1 }, { name: 'vб0' }],
];

describe('veth queue counts (numTxQueues, numRxQueues)', () => {
  it.each(SHAPES)('%s: the bytes the generic codec writes for the same creation', (_, options, peer) => {
    expect(written('va0', options, peer)).toEqual(generic('va0', options, peer));
  });

  it('says what `ip link add va numtxqueues 1 numrxqueues 1 type veth peer name vb numtxqueues 1 numrxqueues 1` says (captured)', () => {
    const captured = fixtureBytes('link-new-veth-queues-request');
    const ours = written('va', { numTxQueues: 1, numRxQueues: 1 }, { name: 'vb' });
    const [theirs] = decodeMessages(captured);
    const [mine] = decodeMessages(ours);
    expect(mine!.type).toBe(theirs!.type);
    // NLM_F_REQUEST and NLM_F_ACK are the connection's to set.
    expect(mine!.flags | NLM_F_REQUEST | NLM_F_ACK).toBe(theirs!.flags);
    expect(mine!.body).toEqual(theirs!.body);
    // The same attributes, bytes and all, but in another order: iproute2 writes the counts before
    // each end's name, this library after it (the link table's order); the kernel reads either
    // into its table by type.
    expect(ours.length).toBe(captured.length);
    expect(queueAttrs(ours)).toEqual(queueAttrs(captured));
  });

  it("the pair's counts are the peer's too, unless the peer gives its own", () => {
    expect(queueAttrs(written('va0', { numTxQueues: 1, numRxQueues: 1 }, { name: 'vb0' }))).toEqual([[31, 1], [32, 1], [31, 1], [32, 1]]);
    expect(queueAttrs(written('va0', { numTxQueues: 4, numRxQueues: 5 }, { name: 'vb0', numRxQueues: 2 }))).toEqual([[31, 4], [32, 2], [31, 4], [32, 5]]);
    expect(queueAttrs(written('va0', {}, { name: 'vb0', numTxQueues: 3 }))).toEqual([[31, 3]]);
    expect(queueAttrs(written('va0', {}, { name: 'vb0' }))).toEqual([]);
  });

  it('writes them word by word with the usual pair: every name length, after other bytes, over stale ones', () => {
    for (let length = 1; length <= 15; length++) {
      const name = 'abcdefghijklmno'.slice(0, length);
      const peerName = 'ponmlkjihgfedcb'.slice(0, 16 - length);
      const shapes: Array<[PairOptions, VethPeerOptions]> = [
        [{ numTxQueues: 1, numRxQueues: 1 }, { name: peerName }],
        [{ numTxQueues: 1, deviceGroup: 77, up: true }, { name: peerName, numRxQueues: MAX_QUEUES }],
        [{ deviceGroup: 5, numRxQueues: 2, promisc: true }, { name: peerName, deviceGroup: 3, numTxQueues: 6 }],
      ];
      for (const [options, peer] of shapes) {
        const w = new CountingWriter(64);
        w.buffer.fill(0xee);
        w.zeros(20);
        const echo = length % 2 === 0;
        const bytes = written(name, options, peer, echo, w);
        expect(w.attrsBegun, `${name} ${JSON.stringify(options)}`).toBe(0);
        const expected = generic(name, options, peer);
        if (echo) expected[6]! |= NLM_F_ECHO;
        expect(bytes).toEqual(expected);
      }
    }
  });

  it('refuses a count that is not a whole number from 1 to 4096, naming the option, before anything is written', () => {
    for (const bad of [0, -1, MAX_QUEUES + 1, 1.5, Number.NaN, Infinity, '1', null, 1n]) {
      for (const [options, peer, field] of [
        [{ numTxQueues: bad }, { name: 'vb0' }, 'numTxQueues'],
        [{ numRxQueues: bad }, { name: 'vb0' }, 'numRxQueues'],
        [{}, { name: 'vb0', numTxQueues: bad }, 'peer.numTxQueues'],
        [{}, { name: 'vb0', numRxQueues: bad }, 'peer.numRxQueues'],
        // The pair's own count is checked even where the peer gives its own.
        [{ numTxQueues: bad }, { name: 'vb0', numTxQueues: 2 }, 'numTxQueues'],
        [{ numRxQueues: bad }, { name: 'vb0', numRxQueues: 2 }, 'numRxQueues'],
      ] as Array<[PairOptions, VethPeerOptions, string]>) {
        const w = new Writer(64);
        let error: unknown;
        try {
          written('va0', options, peer, false, w);
        } catch (caught) {
          error = caught;
        }
        expect(error, `${field} ${String(bad)}`).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).field).toBe(field);
        expect((error as Error).message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: .* is not a queue count: a whole number from 1 to 4096`));
        expect(w.length).toBe(0);
      }
    }
  });

  it("checks the peer's options first, as every other option, then the pair's", () => {
    expect(() => checkVeth('va0', { numTxQueues: 0 }, { name: 'vb0', numRxQueues: 0 })).toThrow(/^peer\.numRxQueues/);
    expect(() => checkVeth('va0', { numTxQueues: 0, mtu: 10 }, { name: 'vb0' })).toThrow(/^mtu/);
  });

  it('takes the bounds themselves', () => {
    expect(queueAttrs(written('va0', { numTxQueues: 1, numRxQueues: MAX_QUEUES }, { name: 'vb0' }))).toEqual([[31, 1], [32, 4096], [31, 1], [32, 4096]]);
  });
});

import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import { checkVeth, writeLinkLookup, writeVeth, type VethPeerOptions } from '../../lib/rtnl/link-request.js';
import { vethRequest, type CommonLinkOptions } from '../../lib/rtnl/links.js';
import { createVeth } from '../../lib/veth.js';
import { NLM_F_ECHO, RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import { encodeMessage } from '../../messages/message.js';
import { getLink } from '../../messages/requests.js';
import { Writer } from '../../messages/writer.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';
import { linkKernel } from '../helpers/link-kernel.js';

function written(name: string, options: CommonLinkOptions, peer: VethPeerOptions, peerNetnsFd?: number, echo = false): Uint8Array {
  const request = checkVeth(name, options, peer, peerNetnsFd);
  request.echo = echo;
  const w = new Writer(64);
  writeVeth(w, request);
  return w.buffer.slice(0, w.length);
}

/** The same creation built as a message object by vethRequest and encoded by the generic codec. */
function generic(name: string, options: CommonLinkOptions, peer: VethPeerOptions, peerNetnsFd?: number): Uint8Array {
  return encodeMessage(vethRequest(name, { ...options, peer: { ...peer, ...(peerNetnsFd !== undefined ? { netnsFd: peerNetnsFd } : {}) } }).message);
}

const SHAPES: Array<[string, CommonLinkOptions, VethPeerOptions, number?]> = [
  ['va0', {}, { name: 'vb0' }],
  ['va0', { deviceGroup: 77 }, { name: 'vb0' }],
  ['veth-long-name', { up: true, promisc: false, mtu: 1400, mac: '02:00:00:00:00:01', txqlen: 5, deviceGroup: 7, master: 9 }, { name: 'eth0', mtu: 1300, mac: '02:00:00:00:00:02', txqlen: 6, deviceGroup: 8 }, 13],
  ['va1', { promisc: true }, { name: 'vb1' }, 4],
  ['vé0', { mtu: 9000 }, { name: 'vб1x' }],
];

describe('veth creations written straight to bytes', () => {
  it.each(SHAPES)('%s: the bytes the generic codec writes for the same creation', (name, options, peer, fd) => {
    expect(written(name, options, peer, fd)).toEqual(generic(name, options, peer, fd));
  });

  it('writes the usual pair (ASCII names, device groups) word by word: every name length, after other bytes, over stale ones', () => {
    for (let length = 1; length <= 15; length++) {
      const name = 'abcdefghijklmno'.slice(0, length);
      const peer = 'ponmlkjihgfedcb'.slice(0, 16 - length);
      const shapes: Array<[CommonLinkOptions, VethPeerOptions]> = [
        [{}, { name: peer }],
        [{ deviceGroup: 77, up: true }, { name: peer }],
        [{ deviceGroup: 0xffffffff, promisc: true }, { name: peer, deviceGroup: 3 }],
      ];
      for (const [options, peerOptions] of shapes) {
        const request = checkVeth(name, options, peerOptions);
        request.echo = length % 2 === 0;
        // A writer that already holds a frame, its spare bytes not zero (append does not clear them).
        const w = new Writer(64);
        w.buffer.fill(0xee);
        w.zeros(20);
        writeVeth(w, request);
        const expected = generic(name, options, peerOptions);
        if (request.echo) expected[6]! |= NLM_F_ECHO;
        expect(w.buffer.slice(20, w.length)).toEqual(expected);
      }
    }
  });

  it('asks for the echo with NLM_F_ECHO and nothing else changed', () => {
    const plain = written('va0', {}, { name: 'vb0' });
    const echo = written('va0', {}, { name: 'vb0' }, undefined, true);
    expect(echo[6]).toBe(plain[6]! | NLM_F_ECHO);
    expect([...echo.subarray(7)]).toEqual([...plain.subarray(7)]);
  });

  it('refuses what vethRequest refuses, with the same words, in the same order', () => {
    const bad: Array<[CommonLinkOptions, VethPeerOptions]> = [
      [{}, { name: 'vb0', mtu: 10 }],
      [{ mtu: 10 }, { name: 'vb0', mac: 'nope' }],
      [{ promisc: 'yes' as never }, { name: 'vb0' }],
      [{ txqlen: -1 }, { name: 'vb0' }],
      [{}, { name: 'vb0', deviceGroup: 'x' as never }],
      [{ master: '' }, { name: 'vb0' }],
      [{ master: 0 }, { name: 'vb0' }],
      [{}, { name: 'b/ad' }],
    ];
    for (const [options, peer] of bad) {
      expect(() => written('va0', options, peer)).toThrow();
      let expected = '';
      try {
        generic('va0', options, peer);
      } catch (error) {
        expected = (error as Error).message;
      }
      expect(expected).not.toBe('');
      expect(() => written('va0', options, peer)).toThrow(expected);
    }
  });

  it('leaves a master given by name or Link to resolve, and takes an index as it is', () => {
    expect(checkVeth('va0', { master: 'br0' }, { name: 'vb0' }).devices.map((d) => d.name)).toEqual(['br0']);
    const byIndex = checkVeth('va0', { master: 3 }, { name: 'vb0' });
    expect([byIndex.master, byIndex.devices.length]).toEqual([3, 0]);
  });

  it('writes a name with a character past ASCII anywhere in it the long way, after other bytes, the dropped words leaving nothing behind', () => {
    // putName finds such a character as it sets the words: the frame begun is dropped and written again.
    const variants = (base: string): string[] => Array.from({ length: base.length + 1 }, (_, at) => `${base.slice(0, at)}é${base.slice(at)}`);
    const cases: Array<[string, string]> = [
      ...variants('abcdefghijkl').map((name): [string, string] => [name, 'peer0']),
      ...variants('ponmlkjihgfe').map((peer): [string, string] => ['va0', peer]),
    ];
    for (const [name, peer] of cases) {
      for (const options of [{}, { deviceGroup: 77 }]) {
        const request = checkVeth(name, options, { name: peer });
        const w = new Writer(64);
        w.buffer.fill(0xee);
        w.zeros(20);
        writeVeth(w, request);
        expect(w.buffer.slice(20, w.length)).toEqual(generic(name, options, { name: peer }));
      }
      const w = new Writer(16);
      w.buffer.fill(0xee);
      w.zeros(8);
      writeLinkLookup(w, name);
      expect(w.buffer.slice(8, w.length)).toEqual(encodeMessage({ ...getLink({ name }, { skipStats: true }), flags: 0 }));
    }
  });

  it('writes a link lookup as getLink does, by name and by index', () => {
    const lookup = (ref: string | number) => {
      const w = new Writer(16);
      writeLinkLookup(w, ref);
      return w.buffer.slice(0, w.length);
    };
    // NLM_F_REQUEST is the connection's to set.
    const generic = (selector: { name: string } | { index: number }) => encodeMessage({ ...getLink(selector, { skipStats: true }), flags: 0 });
    expect(lookup('eth0')).toEqual(generic({ name: 'eth0' }));
    expect(lookup('vé0')).toEqual(generic({ name: 'vé0' }));
    expect(lookup(7)).toEqual(generic({ index: 7 }));
    for (let length = 1; length <= 15; length++) {
      const name = 'abcdefghijklmno'.slice(0, length);
      const w = new Writer(16);
      w.buffer.fill(0xee);
      w.zeros(4);
      writeLinkLookup(w, name);
      expect(w.buffer.slice(4, w.length)).toEqual(generic({ name }));
    }
  });
});

describe('createVeth: the new link from the echo, or from a lookup', () => {
  it('takes the link from the kernel echo, with no lookup', async () => {
    const kernel = linkKernel('veth', true);
    const state = await createVeth(new Rtnl(new Connection(kernel)), checkVeth('va0', {}, { name: 'vb0' }));
    expect([state.name, state.index, state.parent, state.kind]).toEqual(['va0', 5, 6, 'veth']);
    expect(kernel.requests.map((r) => [r.type, r.flags & NLM_F_ECHO])).toEqual([[RTM_NEWLINK, NLM_F_ECHO]]);
  });

  it('looks the link up after the ACK when the kernel does not echo it (kernels before the echo)', async () => {
    const kernel = linkKernel('veth', false);
    const state = await createVeth(new Rtnl(new Connection(kernel)), checkVeth('va0', {}, { name: 'vb0' }));
    expect([state.name, state.index]).toEqual(['va0', 6]);
    expect(kernel.requests.map((r) => r.type)).toEqual([RTM_NEWLINK, RTM_GETLINK]);
  });

  it('looks the link up when the echo is of another link', async () => {
    const kernel = linkKernel('veth', true, 'other');
    const state = await createVeth(new Rtnl(new Connection(kernel)), checkVeth('va0', {}, { name: 'vb0' }));
    expect([state.name, state.index]).toEqual(['va0', 6]);
  });

  it('with a master, asks for no echo (the kernel echoes before attaching) and reads the link with a lookup sent with it', async () => {
    const kernel = linkKernel('veth', true);
    const state = await createVeth(new Rtnl(new Connection(kernel)), checkVeth('va0', { master: 3 }, { name: 'vb0' }));
    expect([state.name, state.index]).toEqual(['va0', 6]);
    expect(kernel.requests.map((r) => [r.type, r.flags & NLM_F_ECHO])).toEqual([[RTM_NEWLINK, 0], [RTM_GETLINK, 0]]);
  });

  it('rejects with the creation error, in the words of the creation', async () => {
    const kernel = fakeKernel((request) => [ack(request, request.type === RTM_NEWLINK ? -17 : 0)], { synchronous: true });
    const request = checkVeth('va0', {}, { name: 'vb0' });
    request.peerHome = { toString: () => 'netns far' };
    await expect(createVeth(new Rtnl(new Connection(kernel)), request)).rejects.toMatchObject({ code: 'EEXIST', message: expect.stringContaining('RTM_NEWLINK va0 type veth peer vb0 (peer in netns far)') });
  });
});

import { describe, expect, it } from 'vitest';
import { BRIDGE_WRITER, createPlainBridge, plainBridge } from '../../lib/bridge-request.js';
import { Connection } from '../../lib/connection.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import { bridgeMessage } from '../../lib/rtnl/links.js';
import { NLM_F_ECHO, RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import { encodeMessage } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';
import { linkKernel } from '../helpers/link-kernel.js';

describe('a plain bridge written straight to bytes', () => {
  it.each([
    ['br0', {}],
    ['br0', { up: true }],
    ['br0', { up: false }],
    ['bridge-long-nam', { up: true }],
    ['brü', { up: true }],
  ])('%s %j: the generic codec\'s bytes with NLM_F_ECHO, after another frame', (name, options) => {
    const plain = plainBridge({ name, ...options }, name)!;
    const w = new Writer(16);
    w.buffer.fill(0xee);
    w.zeros(20);
    BRIDGE_WRITER.write(w, plain);
    const expected = encodeMessage(bridgeMessage(name, options));
    expected[6]! |= NLM_F_ECHO;
    expect(w.buffer.slice(20, w.length)).toEqual(expected);
  });

  it('takes name, namespace and a boolean up only; anything else goes the general way', () => {
    expect(plainBridge({ name: 'br0' }, 'br0')).toEqual({ name: 'br0', up: false });
    expect(plainBridge({ name: 'br0', namespace: undefined, up: true }, 'br0')).toEqual({ name: 'br0', up: true });
    expect(plainBridge({ name: 'br0', up: undefined }, 'br0')).toEqual({ name: 'br0', up: false });
    expect(plainBridge({ name: 'br0', up: 1 }, 'br0')).toBeUndefined();
    expect(plainBridge({ name: 'br0', mtu: 1400 }, 'br0')).toBeUndefined();
    expect(plainBridge({ name: 'br0', stp: false }, 'br0')).toBeUndefined();
    expect(plainBridge(Object.create({ up: true }, { name: { value: 'br0', enumerable: true } }) as object, 'br0')).toBeUndefined();
  });

  it('describes itself as the general way does', () => {
    expect(BRIDGE_WRITER.describe!({ name: 'br0', up: true })).toBe('RTM_NEWLINK br0 type bridge');
  });
});

describe('createPlainBridge: the new bridge from the echo, or from a lookup', () => {
  it('takes the bridge from the kernel echo, with no lookup', async () => {
    const kernel = linkKernel('bridge', true);
    const state = await createPlainBridge({ rtnl: new Rtnl(new Connection(kernel)) }, { name: 'br0', up: true });
    expect([state.name, state.index, state.kind]).toEqual(['br0', 5, 'bridge']);
    expect(kernel.requests.map((r) => [r.type, r.flags & NLM_F_ECHO])).toEqual([[RTM_NEWLINK, NLM_F_ECHO]]);
  });

  it('looks the bridge up after the ACK when the kernel does not echo it, or echoes another link', async () => {
    for (const kernel of [linkKernel('bridge', false), linkKernel('bridge', true, 'other')]) {
      const state = await createPlainBridge({ rtnl: new Rtnl(new Connection(kernel)) }, { name: 'br0', up: false });
      expect([state.name, state.index]).toEqual(['br0', 6]);
      expect(kernel.requests.map((r) => r.type)).toEqual([RTM_NEWLINK, RTM_GETLINK]);
    }
  });

  it('rejects with the creation error, in the words of the general way', async () => {
    const kernel = fakeKernel((request) => [ack(request, request.type === RTM_NEWLINK ? -17 : 0)], { synchronous: true });
    await expect(createPlainBridge({ rtnl: new Rtnl(new Connection(kernel)) }, { name: 'br0', up: true })).rejects.toMatchObject({
      code: 'EEXIST',
      message: expect.stringContaining('RTM_NEWLINK br0 type bridge'),
    });
    expect(kernel.requests.map((r) => r.type)).toEqual([RTM_NEWLINK]);
  });
});

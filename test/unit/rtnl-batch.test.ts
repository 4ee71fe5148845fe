import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import type { Change } from '../../lib/rtnl/changes.js';
import { InvalidArgumentError } from '../../lib/validate.js';
import { NLM_F_ACK, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE } from '../../messages/constants.js';
import { decodeMessages, type AddressMessage, type LinkMessage, type NetlinkMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

/** Answers RTM_GETLINK for eth0 (index 7), refuses addresses of 10.9.0.0/16 with EEXIST, else acts like the kernel. */
function kernel() {
  return fakeKernel((req: NetlinkMessage) => {
    if (req.type === RTM_GETLINK) {
      const name = (req as LinkMessage).body.attrs.ifname;
      if (name !== 'eth0') return [ack(req, -19)];
      const reply: LinkMessage = { kind: 'link', type: RTM_NEWLINK, flags: 0, seq: req.seq, pid: 0, body: { family: 0, type: 1, index: 7, flags: 0, change: 0, attrs: { ifname: 'eth0' } } };
      return [reply];
    }
    const failing = req.type === RTM_NEWADDR && String((req as AddressMessage).body.attrs.local).startsWith('10.9.');
    if (failing) return [ack(req, -17)];
    return req.flags & NLM_F_ACK ? [ack(req)] : [];
  });
}

describe('Rtnl.batch and the route batches', () => {
  it('packs the changes into one datagram with one ACK, looks each device name up once, and reports by index', async () => {
    const k = kernel();
    const rtnl = new Rtnl(new Connection(k));
    const changes: Change[] = [
      ...Array.from({ length: 50 }, (_, i): Change => ({ do: 'address add', address: { dev: 'eth0', cidr: `10.${i % 10 === 3 ? 9 : 8}.0.${i}/24` } })),
      ...Array.from({ length: 50 }, (_, i): Change => ({ do: 'route add', route: { dst: `10.20.${i}.0/24`, dev: 'eth0' } })),
      { do: 'route add', route: { dst: '10.30.0.0/33', dev: 'eth0' } },
      { do: 'address add', address: { dev: 'wlan9', cidr: '10.40.0.1/24' } },
    ];
    const results = await rtnl.batch(changes);
    const lookups = k.requests.filter((r) => r.type === RTM_GETLINK);
    expect(lookups.map((r) => (r as LinkMessage).body.attrs.ifname).sort()).toEqual(['eth0', 'wlan9']);
    const withChanges = k.sent.filter((d) => decodeMessages(d).some((m) => m.type === RTM_NEWADDR || m.type === RTM_NEWROUTE));
    expect(withChanges).toHaveLength(1);
    const inDatagram = k.requests.filter((r) => r.type === RTM_NEWADDR || r.type === RTM_NEWROUTE);
    expect(inDatagram).toHaveLength(100);
    expect(inDatagram.filter((r) => r.flags & NLM_F_ACK)).toHaveLength(1);
    expect(inDatagram.every((r) => r.type !== RTM_NEWROUTE || (r as { body: { attrs: { oif?: number } } }).body.attrs.oif === 7)).toBe(true);
    const codes = results.map((e) => (e === undefined ? 'ok' : e instanceof InvalidArgumentError ? 'invalid' : (e as { code?: string }).code));
    expect(codes).toEqual([...changes.slice(0, 100).map((_, i) => (i < 50 && i % 10 === 3 ? 'EEXIST' : 'ok')), 'invalid', 'ENODEV']);
    rtnl.close();
  });

  it('refuses a change it does not know, by index, and sends the rest', async () => {
    const k = kernel();
    const rtnl = new Rtnl(new Connection(k));
    const results = await rtnl.batch([{ do: 'route flush' } as unknown as Change, { do: 'route add', route: { dst: '10.1.0.0/24', dev: 3 } }]);
    expect(results[0]).toBeInstanceOf(InvalidArgumentError);
    expect(results[1]).toBeUndefined();
    rtnl.close();
  });
});

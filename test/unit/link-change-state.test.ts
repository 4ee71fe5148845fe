import { describe, expect, it } from 'vitest';
import { Link } from '../../lib/link.js';
import { SILENT_LOGGER } from '../../lib/log.js';
import type { RequestWriter } from '../../lib/message-codec.js';
import type { Namespace } from '../../lib/namespace.js';
import { toLinkState } from '../../lib/rtnl/links.js';
import { IFF_PROMISC, IFF_UP, type LinkBody } from '../../messages/link/index.js';

/**
 * A namespace whose rtnl accepts every change: Link.change calls setLink before updating itself,
 * up(), down() and setPromiscuous() go straight to the connection's change(), which, as a change
 * that waits for its answer, settles with the writer's applied() for a caller that rethrows itself.
 */
function acceptingNamespace(): Namespace {
  const change = async (writer: RequestWriter<unknown>, subject: unknown, _options?: unknown, rethrows = true) =>
    rethrows || writer.applied === undefined ? undefined : writer.applied(subject);
  return { rtnl: { setLink: async () => undefined, connection: { logger: SILENT_LOGGER, change } } } as unknown as Namespace;
}

function downVeth(): Link {
  const raw: LinkBody = { family: 0, type: 1, index: 7, flags: 0, change: 0, attrs: { ifname: 've0', mtu: 1500, master: 3 } } as unknown as LinkBody;
  return new Link(acceptingNamespace(), toLinkState(raw));
}

describe('Link changes and its state', () => {
  it('a state handed out before a change stays as it was; the link and a later state show the change', async () => {
    const link = downVeth();
    const before = link.state;
    await link.up();
    expect([before.up, before.flags & IFF_UP, before.master]).toEqual([false, 0, 3]);
    expect([link.isUp, link.flags & IFF_UP, link.state.up]).toEqual([true, IFF_UP, true]);
    const afterUp = link.state;
    await link.setMaster(null);
    await link.setMtu(9000);
    expect([afterUp.master, afterUp.mtu, afterUp.up]).toEqual([3, 1500, true]);
    expect([link.master, link.mtu, link.isUp, 'master' in link.state]).toEqual([undefined, 9000, true, false]);
  });

  it('changes made one after another without reading the state all show', async () => {
    const link = downVeth();
    await link.up();
    await link.rename('ve9');
    await link.setMac('02:AA:00:00:00:01');
    await link.down();
    expect([link.isUp, link.name, link.mac, link.flags & IFF_UP]).toEqual([false, 've9', '02:aa:00:00:00:01', 0]);
    expect(link.state).toMatchObject({ name: 've9', mac: '02:aa:00:00:00:01', up: false, index: 7 });
  });

  it('promiscuous mode on and off shows in the flags, leaves up alone, and a state handed out before stays', async () => {
    const link = downVeth();
    await link.up();
    const before = link.state;
    await link.setPromiscuous(true);
    expect([link.isPromiscuous, link.flags, link.isUp]).toEqual([true, IFF_UP | IFF_PROMISC, true]);
    expect([before.flags, before.up]).toEqual([IFF_UP, true]);
    await link.setPromiscuous(false);
    await link.down();
    expect([link.isPromiscuous, link.flags, link.isUp, link.state.up]).toEqual([false, 0, false, false]);
  });
});

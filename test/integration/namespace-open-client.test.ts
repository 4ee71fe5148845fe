/**
 * A Namespace keeps the rtnl client its handles made, and that client's connection when it logs
 * nothing (rtnlMade, unloggedConnection), so that route changes and Link changes skip the `rtnl`
 * getters. Both must follow the handles exactly: set when the client is made, cleared when
 * releaseWhenIdle or close() lets it go, so that a closed connection is never used.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Namespace, NamespaceClosedError } from '../../lib/index.js';
import type { Logger } from '../../lib/log.js';
import { SILENT_LOGGER } from '../../lib/log.js';
import { NamespaceHandles } from '../../lib/namespace-handles.js';
import type { Rtnl } from '../../lib/rtnl/client.js';
import { openNetnsFd } from '../../lib/sys/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`namespace-open-client: ${integrationSkipReason}`);

const P = 'it-oc-';
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe.skipIf(!canRunIntegration)("A namespace's open rtnl client", () => {
  const made: Namespace[] = [];
  afterAll(async () => {
    for (const ns of made) if (!ns.closed) await ns.delete();
  });

  it('is kept once made, used by route and Link changes, and let go by close()', async () => {
    const ns = await Namespace.create(`${P}a`);
    made.push(ns);
    expect([ns.rtnlMade, ns.unloggedConnection]).toEqual([undefined, undefined]);
    const lo = await ns.link('lo');
    const rtnl = ns.rtnl;
    expect(ns.rtnlMade).toBe(rtnl);
    expect(ns.unloggedConnection).toBe(rtnl.connection);
    await lo.up();
    await lo.addAddress('10.77.0.1/24');
    await ns.addRoute({ dst: '10.78.0.0/24', dev: lo.index });
    await expect(ns.addRoute({ dst: '10.78.0.0/24', dev: lo.index })).rejects.toMatchObject({ code: 'EEXIST' });
    await ns.addRoute({ dst: '10.79.0.0/24', dev: 'lo' });
    const dsts = (await ns.routes()).map((r) => r.dst).filter((d) => d.startsWith('10.78.') || d.startsWith('10.79.'));
    expect(dsts.sort()).toEqual(['10.78.0.0/24', '10.79.0.0/24']);
    await ns.deleteRoute({ dst: '10.78.0.0/24', dev: lo.index });
    await expect(ns.deleteRoute({ dst: '10.78.0.0/24', dev: lo.index })).rejects.toMatchObject({ code: 'ESRCH' });
    await lo.deleteAddress('10.77.0.1/24');
    await lo.down();
    expect((await ns.link('lo')).isUp).toBe(false);
    expect(ns.rtnl).toBe(rtnl);

    ns.close();
    expect([ns.rtnlMade, ns.unloggedConnection]).toEqual([undefined, undefined]);
    expect(rtnl.connection.closed).toBe(true);
    // As before: the `rtnl` getter throws, from the call itself.
    expect(() => ns.addRoute({ dst: '10.78.0.0/24', dev: 1 })).toThrow(NamespaceClosedError);
    expect(() => ns.deleteRoute({ dst: '10.78.0.0/24', dev: 1 })).toThrow(NamespaceClosedError);
    await expect(lo.up()).rejects.toThrow(NamespaceClosedError);
  });

  it('keeps no connection for a namespace that logs: its changes are logged as before', async () => {
    const records: unknown[] = [];
    const logger: Logger = { ...SILENT_LOGGER, isLevelEnabled: (level) => level === 'debug', debug: (fields: object | string) => void records.push(fields), child: () => logger };
    const ns = await Namespace.create(`${P}b`, { logger });
    made.push(ns);
    const lo = await ns.link('lo');
    expect(ns.rtnlMade).toBe(ns.rtnl);
    expect(ns.unloggedConnection).toBeUndefined();
    await lo.up();
    await ns.addRoute({ dst: '10.78.0.0/24', dev: lo.index });
    await ns.deleteRoute({ dst: '10.78.0.0/24', dev: lo.index });
    expect(records.map((r) => (r as { op?: string }).op)).toEqual(['link.set', 'route.add', 'route.del']);
  });

  it('is let go with what releaseWhenIdle releases, and a new one made on the next use', async () => {
    const ns = await Namespace.create(`${P}c`);
    made.push(ns);
    const told: Array<Rtnl | undefined> = [];
    // The handles a Namespace opened with releaseWhenIdle holds, told as a Namespace is told.
    const handles = new NamespaceHandles(openNetnsFd(ns.path), {
      path: ns.path, shown: 'netns idle', releaseWhenIdle: true,
      socketOptions: () => ({ context: 'in netns idle' }), localPrefixOf: async () => undefined,
      owner: { rtnlChanged: (rtnl) => told.push(rtnl) },
    });
    try {
      const first = handles.rtnl;
      expect(told).toEqual([first]);
      await expect(first.deleteRoute({ dst: '10.78.0.0/24', dev: 1 })).rejects.toMatchObject({ code: 'ESRCH' });
      await turns(3);
      expect(told).toEqual([first, undefined]);
      expect(first.connection.closed).toBe(true);
      const second = handles.rtnl;
      expect(second).not.toBe(first);
      expect(told).toEqual([first, undefined, second]);
      await expect(second.deleteRoute({ dst: '10.78.0.0/24', dev: 1 })).rejects.toMatchObject({ code: 'ESRCH' });
    } finally {
      handles.close();
    }
    expect(told.length).toBe(4);
    expect(told[3]).toBeUndefined();

    // The same through a Namespace: the current one (this test's private namespace), nothing changed in it.
    const current = Namespace.current({ releaseWhenIdle: true });
    try {
      await expect(current.deleteRoute({ dst: '10.254.77.0/24', dev: 1 })).rejects.toMatchObject({ code: 'ESRCH' });
      const before = current.unloggedConnection;
      expect(before).toBe(current.rtnl.connection);
      await turns(3);
      expect([current.rtnlMade, current.unloggedConnection]).toEqual([undefined, undefined]);
      expect(before?.closed).toBe(true);
      await expect(current.deleteRoute({ dst: '10.254.77.0/24', dev: 1 })).rejects.toMatchObject({ code: 'ESRCH' });
      expect(current.unloggedConnection).toBe(current.rtnl.connection);
      expect(current.unloggedConnection).not.toBe(before);
    } finally {
      current.close();
    }
  });
});

/**
 * A namespace's end (issue 18, items 2 and 4): deleted on disposal when asked, and delete() able to
 * wait until the kernel has really removed the devices that go with it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { Namespace, NamespaceReplacedError, RequestTimeoutError, VethPair } from '../../lib/index.js';
import { NamespaceHandles } from '../../lib/namespace-handles.js';
import { openNetnsFd } from '../../lib/sys/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`namespace-lifecycle: ${integrationSkipReason}`);

const P = 'it-life-';

describe.skipIf(!canRunIntegration)('Namespace lifecycle', () => {
  const host = Namespace.current();
  afterAll(() => host.close());

  it('delete({ waitForDevices }): the host-side veth name is free at once, 20 times over (peer in the current namespace)', async () => {
    for (let i = 0; i < 20; i++) {
      const ns = await Namespace.create(`${P}wait`);
      await VethPair.create({ name: 'life-h0', namespace: host, peer: { name: 'eth0', namespace: ns } });
      await ns.delete({ waitForDevices: true });
      expect(await host.findLink('life-h0'), `cycle ${i}`).toBeUndefined();
    }
  });

  it('delete({ waitForDevices }) also waits for peers in other named namespaces', async () => {
    const other = await Namespace.create(`${P}other`);
    try {
      for (let i = 0; i < 10; i++) {
        const ns = await Namespace.create(`${P}wait2`);
        await VethPair.create({ name: 'life-o0', namespace: other, peer: { name: 'eth0', namespace: ns } });
        await VethPair.create({ name: 'life-h1', namespace: host, peer: { name: 'eth1', namespace: ns } });
        await ns.delete({ waitForDevices: true });
        expect(await other.findLink('life-o0'), `cycle ${i}`).toBeUndefined();
        expect(await host.findLink('life-h1'), `cycle ${i}`).toBeUndefined();
      }
    } finally {
      await other.delete();
    }
  });

  it('deleteOnDispose: leaving the `await using` block deletes the namespace and its veth peer', async () => {
    {
      await using ns = await Namespace.create(`${P}disposed`, { deleteOnDispose: true });
      await VethPair.create({ name: 'life-d0', namespace: host, peer: { name: 'eth0', namespace: ns } });
      expect(await host.findLink('life-d0')).toBeDefined();
    }
    expect(Namespace.list()).not.toContain(`${P}disposed`);
    expect(await host.findLink('life-d0')).toBeUndefined();
  });

  it('deleteOnDispose with existOk does not delete a namespace it only opened', async () => {
    const existing = await Namespace.create(`${P}kept`);
    {
      await using opened = await Namespace.create(`${P}kept`, { existOk: true, deleteOnDispose: true });
      expect(opened.inode).toBe(existing.inode);
    }
    expect(Namespace.list()).toContain(`${P}kept`);
    await existing.delete();
  });

  it('waitForDevices gives up after timeoutMs, saying what is left, when a process inside keeps the namespace alive', async () => {
    const ns = await Namespace.create(`${P}held`);
    await VethPair.create({ name: 'life-x0', namespace: host, peer: { name: 'eth0', namespace: ns } });
    const sleeper = ns.spawn('sleep', ['30']);
    try {
      const error = await ns.delete({ waitForDevices: true, timeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect((error as Error).message).toMatch(/devices of netns it-life-held .*process inside/);
      expect(Namespace.list()).not.toContain(`${P}held`);
    } finally {
      sleeper.kill('SIGKILL');
      await once(sleeper, 'close');
    }
    // With the process gone, the kernel takes the veth away.
    const deadline = Date.now() + 10_000;
    while ((await host.findLink('life-x0')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await host.findLink('life-x0')).toBeUndefined();
  });

  it('a namespace deleted explicitly is not deleted again on disposal', async () => {
    await using ns = await Namespace.create(`${P}twice`, { deleteOnDispose: true });
    await ns.delete();
    expect(ns.closed).toBe(true);
  });

  it('a handle released while idle refuses to open its path again when the path now leads to another namespace', async () => {
    const a = await Namespace.create(`${P}replaced-a`);
    const b = await Namespace.create(`${P}replaced-b`);
    try {
      // Made for a, but its path is b's: what a deleted and re-created name looks like on reopen.
      const handles = new NamespaceHandles(openNetnsFd(a.path), {
        path: b.path, shown: 'netns replaced', releaseWhenIdle: true,
        socketOptions: () => ({ context: 'in netns replaced' }), localPrefixOf: async () => undefined,
      });
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      let error: unknown;
      try {
        void handles.fd;
      } catch (e) {
        error = e;
      }
      handles.close();
      expect(error).toBeInstanceOf(NamespaceReplacedError);
      expect(error).toMatchObject({ code: 'ERR_NAMESPACE_REPLACED', path: b.path, expectedInode: a.inode, foundInode: b.inode });
    } finally {
      await a.delete();
      await b.delete();
    }
  });
});

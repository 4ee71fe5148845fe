import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Namespace, VethPair, type Link } from '../../lib/index.js';
import { ipLink, runIn } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`veth-queues: ${integrationSkipReason}`);

const P = 'it-queues-';

/**
 * The queues of `dev` in use (real_num_tx_queues, real_num_rx_queues), as sysfs lists them: read by
 * a child in `ns` with a mount namespace of its own, where a fresh sysfs shows `ns`'s devices.
 */
function queuesInUse(ns: Namespace, dev: string): { tx: number; rx: number } {
  const listing = runIn(ns, 'unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t sysfs sysfs /sys && ls /sys/class/net/${dev}/queues`]);
  const names = listing.split(/\s+/).filter((n) => n !== '');
  return { tx: names.filter((n) => n.startsWith('tx-')).length, rx: names.filter((n) => n.startsWith('rx-')).length };
}

/** What our decoder and the oracle (`ip -d link`, sysfs) say of one end. */
function queuesOf(ns: Namespace, link: Link) {
  const oracle = ipLink(ns, link.name);
  return {
    decoded: [link.numTxQueues, link.numRxQueues],
    ip: [oracle.num_tx_queues, oracle.num_rx_queues],
    inUse: queuesInUse(ns, link.name),
  };
}

/** One allocated queue of each kind a possible CPU: what a veth gets by default. */
function possibleCpus(): number {
  return readFileSync('/sys/devices/system/cpu/possible', 'utf8')
    .trim()
    .split(',')
    .reduce((n, range) => {
      const [low, high] = range.split('-').map(Number);
      return n + (high === undefined ? 1 : high - low! + 1);
    }, 0);
}

describe.skipIf(!canRunIntegration)('veth queue counts (numTxQueues, numRxQueues)', () => {
  let ns: Namespace;
  let far: Namespace;

  beforeAll(async () => {
    [ns, far] = await Promise.all([Namespace.create(`${P}a`), Namespace.create(`${P}b`)]);
  });

  afterAll(async () => {
    await Promise.all([ns?.delete(), far?.delete()]);
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('by default: one queue of each kind a possible CPU allocated, one in use, on both ends', async () => {
    const { link, peer } = await VethPair.create({ name: 'qd0', namespace: ns, peer: { name: 'qd1' } });
    const cpus = Math.min(possibleCpus(), 4096);
    for (const end of [link, peer]) expect(queuesOf(ns, end)).toEqual({ decoded: [cpus, cpus], ip: [cpus, cpus], inUse: { tx: 1, rx: 1 } });
  });

  it('with 1, both ends have one queue of each kind, allocated and in use', async () => {
    const { link, peer } = await VethPair.create({ name: 'q10', namespace: ns, numTxQueues: 1, numRxQueues: 1, peer: { name: 'q11' } });
    for (const end of [link, peer]) expect(queuesOf(ns, end)).toEqual({ decoded: [1, 1], ip: [1, 1], inUse: { tx: 1, rx: 1 } });
    // The state read back by a lookup says the same as the creation's echo.
    expect([(await ns.link('q11')).numTxQueues, (await ns.link('q10')).numRxQueues]).toEqual([1, 1]);
  });

  it('with 4, all four in use on both ends; the peer may give its own counts', async () => {
    const four = await VethPair.create({ name: 'q40', namespace: ns, numTxQueues: 4, numRxQueues: 4, peer: { name: 'q41' } });
    for (const end of [four.link, four.peer]) expect(queuesOf(ns, end)).toEqual({ decoded: [4, 4], ip: [4, 4], inUse: { tx: 4, rx: 4 } });
    const mixed = await VethPair.create({ name: 'qm0', namespace: ns, numTxQueues: 4, numRxQueues: 2, peer: { name: 'qm1', numTxQueues: 3 } });
    expect(queuesOf(ns, mixed.link)).toEqual({ decoded: [4, 2], ip: [4, 2], inUse: { tx: 4, rx: 2 } });
    expect(queuesOf(ns, mixed.peer)).toEqual({ decoded: [3, 2], ip: [3, 2], inUse: { tx: 3, rx: 2 } });
  });

  it('a count on the peer alone is allocated, but the kernel keeps one queue in use (it decides from the pair)', async () => {
    const { peer } = await VethPair.create({ name: 'qp0', namespace: ns, peer: { name: 'qp1', numTxQueues: 4, numRxQueues: 4 } });
    expect(queuesOf(ns, peer)).toEqual({ decoded: [4, 4], ip: [4, 4], inUse: { tx: 1, rx: 1 } });
  });

  it('the peer in another namespace, with other options beside (the attribute-by-attribute path)', async () => {
    const { link, peer } = await VethPair.create({ name: 'qn0', namespace: ns, mtu: 1400, numTxQueues: 2, numRxQueues: 1, peer: { name: 'qn1', namespace: far, mac: '02:00:00:00:00:42' } });
    expect(queuesOf(ns, link)).toEqual({ decoded: [2, 1], ip: [2, 1], inUse: { tx: 2, rx: 1 } });
    expect(queuesOf(far, peer)).toEqual({ decoded: [2, 1], ip: [2, 1], inUse: { tx: 2, rx: 1 } });
    expect(ipLink(far, 'qn1').address).toBe('02:00:00:00:00:42');
  });

  it('refuses a count outside 1 to 4096 before sending anything; the kernel takes 4096', async () => {
    for (const [options, field] of [
      [{ numTxQueues: 0 }, 'numTxQueues'],
      [{ numRxQueues: 4097 }, 'numRxQueues'],
      [{ peer: { name: 'qx1', numTxQueues: 1.5 } }, 'peer.numTxQueues'],
    ] as const) {
      const error = await VethPair.create({ name: 'qx0', namespace: ns, peer: { name: 'qx1' }, ...options }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe(field);
      expect(ipLink(ns, 'qx0')).toBeUndefined();
    }
    const { link, peer } = await VethPair.create({ name: 'qmax0', namespace: ns, numTxQueues: 4096, numRxQueues: 4096, peer: { name: 'qmax1' } });
    expect([link.numTxQueues, peer.numRxQueues, ipLink(ns, 'qmax1').num_tx_queues]).toEqual([4096, 4096, 4096]);
    await link.delete();
  });
});

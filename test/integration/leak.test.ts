import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair } from '../../lib/index.js';
import { ipLinkNames } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`leak: ${integrationSkipReason}`);

const P = 'it-leak-';
const CYCLES = Number(process.env.LEAK_CYCLES ?? 500);

interface Snapshot {
  fds: number;
  netns: string[];
  mounts: string[];
}

function snapshot(): Snapshot {
  return {
    fds: readdirSync('/proc/self/fd').length,
    // Only ours: other test files run in parallel and share /run/netns.
    netns: readdirSync('/run/netns').filter((n) => n.startsWith(P)).sort(),
    mounts: readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4] ?? '')
      .filter((mountPoint) => mountPoint === '/run/netns' || mountPoint.startsWith(`/run/netns/${P}`))
      .sort(),
  };
}

describe.skipIf(!canRunIntegration)('leak check', () => {
  let host: Namespace;

  beforeAll(async () => {
    host = await Namespace.create(`${P}host`);
  });

  afterAll(async () => {
    await host?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  async function cycle(i: number): Promise<void> {
    const ns = await Namespace.create(`${P}${i}`);
    try {
      // Addresses unique per cycle: the host ends of earlier cycles may still be in teardown.
      const net = `10.${i >> 8}.${i & 255}`;
      const pair = await VethPair.create({ name: `lk${i}`, namespace: host, up: true, peer: { name: 'eth0', namespace: ns, up: true } });
      await pair.peer.addAddress(`${net}.2/24`);
      await ns.addRoute({ dst: 'default', via: `${net}.1`, dev: 'eth0' });
      await pair.link.addAddress(`${net}.1/32`);
      await host.addRoute({ dst: `${net}.2`, dev: pair.link.index });
      pair.close();
    } finally {
      await ns.delete();
    }
  }

  it(`${CYCLES} cycles of namespace, veth into it, address, route, delete leave no fd, namespace or mount behind`, async () => {
    await cycle(CYCLES); // warm-up: loads everything lazy and opens host's socket
    const before = snapshot();
    const started = performance.now();
    for (let i = 0; i < CYCLES; i++) await cycle(i);
    const ms = performance.now() - started;
    const after = snapshot();
    console.log(
      `leak check: ${CYCLES} cycles in ${(ms / 1000).toFixed(1)} s (${(ms / CYCLES).toFixed(2)} ms each); ` +
        `fds ${before.fds} -> ${after.fds}; our /run/netns entries ${JSON.stringify(before.netns)} -> ${JSON.stringify(after.netns)}; ` +
        `mounts ${before.mounts.length} -> ${after.mounts.length}`,
    );
    expect(after).toEqual(before);
    expect(before.netns).toEqual([`${P}host`]);

    // The kernel tears dead namespaces down asynchronously; with them go the host ends.
    const deadline = Date.now() + 20_000;
    while (ipLinkNames(host).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ipLinkNames(host)).toEqual(['lo']);
    expect((await host.links()).map((l) => l.name)).toEqual(['lo']);
  });
});

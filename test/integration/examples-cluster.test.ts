import { describe, expect, it } from 'vitest';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import { Namespace } from '../../lib/index.js';
import { clusterNamespaces, INTERNET, NODES, runCluster } from '../../examples/cluster.js';

if (integrationSkipReason !== undefined) console.log(`examples-cluster: ${integrationSkipReason}`);

async function rootLinkNames(): Promise<string[]> {
  const here = Namespace.current();
  try {
    return (await here.links()).map((l) => l.name).sort();
  } finally {
    here.close();
  }
}

const containers = NODES.flatMap((node) => node.containers.map((c) => ({ ...c, node })));

describe.skipIf(!canRunIntegration)('example: the article cluster (npm run example:cluster / npm run demo)', () => {
  it('passes all 20 reachability checks, the internet server sees each node LAN address, and nothing is left', async () => {
    const prefix = `cl${process.pid}-`;
    const linksBefore = await rootLinkNames();
    const lines: string[] = [];
    const result = await runCluster({ prefix, log: (line) => lines.push(line) });
    const output = lines.join('\n');

    expect(result.error, output).toBeUndefined();
    expect(result.nat, output).toEqual({ ok: true });
    expect(result.checks).toHaveLength(20);
    expect(result.checks.filter((c) => c.kind === 'container')).toHaveLength(12);
    expect(result.checks.filter((c) => c.kind === 'internet')).toHaveLength(4);
    expect(result.checks.filter((c) => c.kind === 'gateway')).toHaveLength(4);

    // Every cell, with the source address the far end saw.
    for (const from of containers) {
      for (const to of containers) {
        if (to === from) continue;
        const check = result.checks.find((c) => c.kind === 'container' && c.from === from.name && c.to === to.name);
        expect(check, `${from.name} -> ${to.name}`).toBeDefined();
        expect(check!.ok, `${from.name} -> ${to.name}: ${check!.error}\n${output}`).toBe(true);
        expect(check!.address).toBe(to.ip);
        expect(check!.seen, 'no NAT between containers').toBe(from.ip);
      }
      const internet = result.checks.find((c) => c.kind === 'internet' && c.from === from.name)!;
      expect(internet.ok, `${from.name} -> internet: ${internet.error}\n${output}`).toBe(true);
      expect(internet.address).toBe(INTERNET.server);
      expect(internet.seen, 'masqueraded to the node LAN address').toBe(from.node.lanIp);
      const gateway = result.checks.find((c) => c.kind === 'gateway' && c.from === from.name)!;
      expect(gateway.ok, `${from.name} -> gateway: ${gateway.error}`).toBe(true);
      expect(gateway.address).toBe(from.node.gateway);
      expect(gateway.seen).toBe(from.ip);
    }
    expect(result.ok).toBe(true);
    expect(output).toContain('20/20 checks passed');

    expect(Namespace.list().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(clusterNamespaces(prefix).filter((n) => Namespace.list().includes(n))).toEqual([]);
    expect(await rootLinkNames()).toEqual(linksBefore);
  });

  it('starts clean after a run that died halfway: leftover namespaces are removed first', async () => {
    const prefix = `cm${process.pid}-`;
    // What a crashed run leaves: some of the namespaces, one with a link in it.
    const stale = await Namespace.create(`${prefix}node1`);
    await stale.addAddress('lo', '10.0.0.1/24');
    stale.close();
    (await Namespace.create(`${prefix}c3`)).close();

    const lines: string[] = [];
    const result = await runCluster({ prefix, log: (line) => lines.push(line) });
    expect(lines[0]).toContain(`removed what an earlier run left: ${prefix}node1, ${prefix}c3`);
    expect(result.ok, lines.join('\n')).toBe(true);
    expect(Namespace.list().filter((n) => n.startsWith(prefix))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import { Namespace } from '../../lib/index.js';
import { CONTAINERS, GATEWAY, main } from '../../examples/bridge.js';

if (integrationSkipReason !== undefined) console.log(`examples-bridge: ${integrationSkipReason}`);

async function rootLinkNames(): Promise<string[]> {
  const here = Namespace.current();
  try {
    return (await here.links()).map((l) => l.name).sort();
  } finally {
    here.close();
  }
}

describe.skipIf(!canRunIntegration)('example: one bridge, three containers (npm run example:bridge)', () => {
  it('every container reaches the other two and the gateway, then everything is removed', async () => {
    const prefix = `br${process.pid}-`;
    const linksBefore = await rootLinkNames();
    const lines: string[] = [];
    const result = await main({ prefix, log: (line) => lines.push(line) });
    const output = lines.join('\n');

    expect(result.error, output).toBeUndefined();
    expect(result.checks).toHaveLength(9);
    for (const check of result.checks) {
      expect(check.ok, `${check.from} -> ${check.to} ${check.address}: ${check.error}\n${output}`).toBe(true);
      // Same subnet, no NAT: the far end sees the container's own address.
      expect(check.seen).toBe(CONTAINERS.find((c) => c.name === check.from)!.ip);
    }
    expect(result.checks.filter((c) => c.address === GATEWAY)).toHaveLength(3);
    expect(result.ok).toBe(true);
    expect(output).toContain('master br0');

    expect(Namespace.list().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(await rootLinkNames()).toEqual(linksBefore);
  });
});

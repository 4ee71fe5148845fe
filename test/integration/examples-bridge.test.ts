import { describe, expect, it } from 'vitest';
import { canRunIntegration } from '../helpers/sandbox.js';
import { expectNothingLeft, reportSkip, rootLinkNames, runLogged } from '../helpers/examples-harness.js';
import { CONTAINERS, GATEWAY, main } from '../../examples/bridge.js';

reportSkip('examples-bridge');

describe.skipIf(!canRunIntegration)('example: one bridge, three containers (npm run example:bridge)', () => {
  it('every container reaches the other two and the gateway, then everything is removed', async () => {
    const prefix = `br${process.pid}-`;
    const linksBefore = await rootLinkNames();
    const { result, output } = await runLogged((log) => main({ prefix, log }));

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

    await expectNothingLeft(prefix, linksBefore);
  });
});

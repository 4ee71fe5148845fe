import { describe, expect, it } from 'vitest';
import { canRunIntegration } from '../helpers/sandbox.js';
import { expectNothingLeft, reportSkip, rootLinkNames, runLogged } from '../helpers/examples-harness.js';
import { CAPS, main } from '../../examples/bandwidth.js';

reportSkip('examples-bandwidth');

describe.skipIf(!canRunIntegration)('example: bandwidth caps measured (npm run example:bandwidth)', () => {
  it('c1 sends and receives within 20% of its caps, and everything is removed', async () => {
    const prefix = `bw${process.pid}-`;
    const linksBefore = await rootLinkNames();
    const { result, output } = await runLogged((log) => main({ prefix, log, seconds: 2 }));

    expect(result.error, output).toBeUndefined();
    expect(result.checks.map((c) => c.capBitsPerSecond)).toEqual([CAPS.sendBitsPerSecond, CAPS.receiveBitsPerSecond]);
    for (const check of result.checks) expect(check.ratio, `${check.direction}\n${output}`).toBeGreaterThan(0.8);
    for (const check of result.checks) expect(check.ratio, `${check.direction}\n${output}`).toBeLessThan(1.2);
    expect(result.ok).toBe(true);
    expect(output).toContain('achieved');
    await expectNothingLeft(prefix, linksBefore);
  }, 30_000);
});

import { describe, expect, it } from 'vitest';
import { canRunIntegration } from '../helpers/sandbox.js';
import { expectNothingLeft, reportSkip, rootLinkNames, runLogged } from '../helpers/examples-harness.js';
import { main, NODE1, NODE2 } from '../../examples/publish.js';

reportSkip('examples-publish');

describe.skipIf(!canRunIntegration)('example: a published port (npm run example:publish)', () => {
  it('closed before; reached from the other node, the node itself and by hairpin after; nothing left', async () => {
    const prefix = `pub${process.pid}-`;
    const linksBefore = await rootLinkNames();
    const { result, output } = await runLogged((log) => main({ prefix, log }));

    expect(result.error, output).toBeUndefined();
    expect(result.closedBefore).toBe(true);
    expect(result.checks.map((c) => [c.from, c.ok, c.seen])).toEqual([
      ['node2', true, NODE2.lanIp],
      ['node1 itself', true, NODE1.lanIp],
      ['client (same bridge)', true, NODE1.gateway],
    ]);
    expect(result.published).toMatchObject({ port: 8080, to: '10.0.1.2:80', hairpinSource: '10.0.1.0/24' });
    expect(result.ok).toBe(true);
    expect(output).toContain('dnat to 10.0.1.2:80');
    await expectNothingLeft(prefix, linksBefore);
  });
});

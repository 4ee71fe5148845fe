import { describe, expect, it } from 'vitest';
import { canRunIntegration } from '../helpers/sandbox.js';
import { expectNothingLeft, reportSkip, rootLinkNames, runLogged } from '../helpers/examples-harness.js';
import { CONTAINER_IP, main, VM_IP } from '../../examples/part1.js';

reportSkip('examples-part1');

describe.skipIf(!canRunIntegration)('example: the article part 1 (npm run example:part1)', () => {
  it('builds containerns + the VM namespace, serves HTTP inside, fetches it from the VM, and leaves nothing behind', async () => {
    const prefix = `p1${process.pid}-`;
    const linksBefore = await rootLinkNames();
    const { result, output } = await runLogged((log) => main({ prefix, log }));

    expect(result.error, output).toBeUndefined();
    expect(result.ok, output).toBe(true);
    expect(result.statusLine).toMatch(/^HTTP\/1\.[01] 200 OK$/);
    expect(result.body).toContain(`Hello from ${prefix}containerns`);
    expect(result.clientSeen).toBe(VM_IP);
    // The state printed the way the article shows it, from our own dumps.
    expect(output).toContain(`inet ${CONTAINER_IP}/24 scope global veth0`);
    expect(output).toContain(`${CONTAINER_IP} dev veth1 scope link`);
    expect(output).toContain('default dev veth0 scope link');

    await expectNothingLeft(prefix, linksBefore);
  });
});

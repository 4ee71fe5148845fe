import { describe, expect, it } from 'vitest';
import { canRunIntegration } from '../helpers/sandbox.js';
import { expectNothingLeft, reportSkip, rootLinkNames, runLogged } from '../helpers/examples-harness.js';
import { INTERNET, main, NODES, runCluster, type ClusterCheck } from '../../examples/cluster.js';
import { containerIp6, INTERNET6, NODES6 } from '../../examples/cluster-dual-stack.js';

reportSkip('examples-cluster-dual-stack');

/** The 40 checks: the 20 of IPv4 and their IPv6 twins, every one passed, each far end seeing the expected source. */
function expectDualStackMatrix(checks: readonly ClusterCheck[], output: string): void {
  expect(checks).toHaveLength(40);
  for (const family of [4, 6] as const) {
    const rows = checks.filter((c) => c.family === family);
    expect(rows.map((c) => c.kind).sort()).toEqual([...Array(12).fill('container'), ...Array(4).fill('gateway'), ...Array(4).fill('internet')].sort());
    for (const c of rows) expect(c.ok, `IPv${family} ${c.from} -> ${c.to} ${c.address}: ${c.error}\n${output}`).toBe(true);
  }
  for (const [i, node] of NODES.entries()) {
    for (const c of node.containers) {
      const v6 = checks.filter((x) => x.family === 6 && x.from === c.name);
      expect(v6.every((x) => x.fromIp === containerIp6(c.name))).toBe(true);
      // Inside the cluster nothing is translated; to the internet, the node's IPv6 LAN address.
      for (const x of v6.filter((x) => x.kind !== 'internet')) expect(x.seen).toBe(containerIp6(c.name));
      const internet = v6.find((x) => x.kind === 'internet')!;
      expect(internet.address).toBe(INTERNET6.server);
      expect(internet.seen).toBe(NODES6[i]!.lanIp);
      expect(v6.find((x) => x.kind === 'gateway')!.address).toBe(NODES6[i]!.gateway);
      const v4internet = checks.find((x) => x.family === 4 && x.kind === 'internet' && x.from === c.name)!;
      expect([v4internet.address, v4internet.seen]).toEqual([INTERNET.server, node.lanIp]);
    }
  }
}

describe.skipIf(!canRunIntegration)('example: the cluster in dual stack (npm run demo -- --dual-stack)', () => {
  it('routed: all 40 checks pass (IPv4 and IPv6), IPv6 to the internet masqueraded to the node, nothing left', async () => {
    const prefix = `ds${process.pid}-`;
    const linksBefore = await rootLinkNames();
    const { result, output } = await runLogged((log) => runCluster({ prefix, log, dualStack: true }));
    expect(result.error, output).toBeUndefined();
    expect(result.dualStack).toBe(true);
    expectDualStackMatrix(result.checks, output);
    expect(result.ok).toBe(true);
    expect(output).toContain('40/40 checks passed');
    await expectNothingLeft(prefix, linksBefore);
  });

  it('through the vxlan overlay: all 40 pass too', async () => {
    const prefix = `dv${process.pid}-`;
    const { result, output } = await runLogged((log) => runCluster({ prefix, log, dualStack: true, overlay: 'vxlan' }));
    expectDualStackMatrix(result.checks, output);
    expect(result.ok).toBe(true);
  });

  it('the program prints why IPv6 is masqueraded and the dual-stack build time beside the IPv4-only one', async () => {
    const prefix = `dp${process.pid}-`;
    const { result, output } = await runLogged((log) => main(['--dual-stack'], { prefix, log }));
    expect(result.ok, output).toBe(true);
    expect(output).toContain('IPv6 to the internet is masqueraded on the node');
    expect(output).toMatch(/build time: dual stack [\d.]+ ms beside IPv4 only [\d.]+ ms \([\d.]+×; the IPv4-only build just before, in this process, after a warm-up build of [\d.]+ ms\)/);
    // Both timed builds come after a warm-up (a first build also pays for V8 compiling the library).
    const times = result.dualStackBuild!;
    expect(times.dualStackMs).toBe(result.result!.timings.buildMs);
    for (const value of Object.values(times)) expect(value).toBeGreaterThan(0);
    expect(output).toContain('over IPv4 and over IPv6');
  });
});

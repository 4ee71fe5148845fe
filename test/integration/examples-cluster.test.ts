import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import { Namespace } from '../../lib/index.js';
import { clusterNamespaces, INTERNET, main, NODES, parseDemoArgs, runCluster } from '../../examples/cluster.js';

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
const root = fileURLToPath(new URL('../../', import.meta.url));
const onPath = (bin: string): boolean => (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, bin)));

describe('the demo flags', () => {
  it('parses --overlay, --compare, --keep, --down, --prefix and refuses anything else', () => {
    expect(parseDemoArgs(['--demo'])).toEqual({ mode: 'routes', keep: false, down: false, compare: false });
    expect(parseDemoArgs(['--demo', '--overlay', 'vxlan', '--compare'])).toMatchObject({ mode: 'vxlan', compare: true });
    expect(parseDemoArgs(['--overlay=vxlan', '--keep'])).toMatchObject({ mode: 'vxlan', keep: true });
    expect(parseDemoArgs(['--down', '--prefix', 'x-'])).toMatchObject({ down: true, prefix: 'x-' });
    expect(() => parseDemoArgs(['--overlay', 'geneve'])).toThrow(/unknown overlay "geneve"/);
    expect(() => parseDemoArgs(['--overlay'])).toThrow(/unknown overlay ""/);
    expect(() => parseDemoArgs(['--fast'])).toThrow(/unknown option --fast/);
  });
});

describe.skipIf(!canRunIntegration)('example: the article cluster (npm run example:cluster / npm run demo)', () => {
  it('passes all 20 reachability checks, the internet server sees each node LAN address, and nothing is left', async () => {
    const prefix = `cl${process.pid}-`;
    const linksBefore = await rootLinkNames();
    const lines: string[] = [];
    const result = await runCluster({ prefix, log: (line) => lines.push(line) });
    const output = lines.join('\n');

    expect(result.error, output).toBeUndefined();
    expect(result.mode).toBe('routes');
    expect(result.overlay).toBeUndefined();
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

  it('the program (npm run demo) prints the diagram first, then the build phases, the matrix, the teardown; no comparison unless asked', async () => {
    const prefix = `cp${process.pid}-`;
    const lines: string[] = [];
    const run = await main(['--demo'], { prefix, log: (line) => lines.push(line) });
    const output = lines.join('\n');
    expect(run.ok, output).toBe(true);
    expect(run.compare).toBeUndefined();
    expect(lines[0]).toMatch(/^# The article's cluster/);
    expect(output).toContain('# mode: routed');
    const at = (text: string): number => {
      const i = output.indexOf(text);
      expect(i, text).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [at('┌─ node1'), at('built in'), at('8 namespaces'), at('masquerade (nftables)'), at('container → container'), at('20/20 checks passed'), at('torn down in'), at('timings (routed)')];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(output).not.toContain('the library built it');
    expect(output).toContain('npm run demo -- --compare');
    expect(Namespace.list().filter((n) => n.startsWith(prefix))).toEqual([]);
  });

  it.skipIf(!onPath('ip') || !onPath('nft') || !onPath('bridge'))(
    '--compare builds the same cluster with bench/cluster-ip.sh in the same run and prints both build times and the ratio',
    async () => {
      const prefix = `cq${process.pid}-`;
      for (const mode of ['routes', 'vxlan'] as const) {
        const lines: string[] = [];
        const run = await main(['--demo', '--compare', ...(mode === 'vxlan' ? ['--overlay', 'vxlan'] : [])], { prefix, log: (line) => lines.push(line) });
        const output = lines.join('\n');
        expect(run.ok, output).toBe(true);
        expect(run.compare, output).toMatchObject({ mode });
        const compare = run.compare as { buildMs: number; teardownMs: number };
        expect(compare.buildMs).toBeGreaterThan(0);
        expect(output).toContain(`(bench/cluster-ip.sh ${mode}, run just now): build ${compare.buildMs} ms`);
        expect(output).toMatch(/library build [\d.]+ ms vs script build \d+ ms → the library built it [\d.]+× faster/);
        // The script cleaned up after itself too.
        expect(Namespace.list().filter((n) => n.startsWith(prefix))).toEqual([]);
      }
    },
    60_000,
  );

  // Issue 4's acceptance: the demo runs no nft, iptables (or ip, python...) behind the scenes.
  it.skipIf(!onPath('strace') || !existsSync(join(root, 'dist/examples/cluster.js')))(
    'the built demo program execs no other program (strace -f -e trace=execve)',
    async () => {
      const trace = join(tmpdir(), `demo-execve-${process.pid}.trace`);
      try {
        const { stdout } = await promisify(execFile)(
          'strace',
          ['-f', '-qq', '-e', 'trace=execve', '-o', trace, process.execPath, join(root, 'dist/examples/cluster.js'), '--demo', '--prefix', `cs${process.pid}-`],
          { cwd: root, timeout: 60_000, maxBuffer: 16 << 20 },
        );
        expect(stdout).toContain('20/20 checks passed');
        const execs = readFileSync(trace, 'utf8')
          .split('\n')
          .filter((line) => /execve\(/.test(line))
          .map((line) => /execve\("([^"]+)"/.exec(line)?.[1] ?? line);
        expect(execs, execs.join('\n')).toEqual([process.execPath]);
      } finally {
        rmSync(trace, { force: true });
      }
    },
    60_000,
  );
});

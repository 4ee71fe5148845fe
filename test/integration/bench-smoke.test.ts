/**
 * Smoke test of the benchmark scripts (bench/): `bench/run.js --quick` with tiny sizes, checking
 * that every workload still runs against every peer (the floor and Go included) and writes its
 * report, which calls itself a smoke run rather than judging targets. No timing is asserted.
 * Needs the build (dist/bench/run.js, made by `npm test`'s build step) and root.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChild } from '../helpers/run-child.js';
import { canRunIntegration } from '../helpers/sandbox.js';

const hasGoPeer = () => spawnSync('go', ['version']).status === 0 && existsSync('/usr/share/gocode/src/github.com/vishvananda/netlink');
const runner = fileURLToPath(new URL('../../dist/bench/run.js', import.meta.url));

describe.skipIf(!canRunIntegration || !existsSync(runner))('bench --quick', () => {
  it('runs every workload and writes the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    try {
      const out = join(dir, 'quick.md');
      const r = await runChild(process.execPath, [runner, '--quick', '--no-install', '--out', out], { timeoutMs: 150_000 });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const report = readFileSync(out, 'utf8');
      for (const heading of ['### W1', '### W2', '### W3', '### W4', '### Namespaces', '### Per-container', '### Start', '### CNI']) expect(report).toContain(heading);
      expect(report).toContain('ip -batch');
      expect(report).toContain('node `netlink` rt');
      expect(report).toContain('| floor, one at a time |');
      expect(report).toContain('| floor, 64 per send |');
      // W3's extra phase: the pairs made again with one queue each end, by ours (both modes), the floor and ip -batch.
      for (const tool of ['ours, one by one', 'ours, concurrent', 'floor, one at a time', 'ip -batch']) expect(report).toContain(`| one-queue create | ${tool} |`);
      expect(report).toContain('| W3 create with one queue each end, one at a time |');
      // The Go peer runs where Go and Debian's vishvananda/netlink sources are installed, and says so in one line where not.
      if (hasGoPeer()) {
        expect(report).toContain('| Go vishvananda/netlink |');
        expect(report).toContain('| one-queue create | Go vishvananda/netlink |');
      } else {
        expect(r.stderr).toContain('Go peer skipped:');
      }
      // A quick run leaves the Rust peer out (its first build takes about a minute) and says why.
      expect(report).toMatch(/^- Rust peer: skipped \(left out of a quick run/m);
      expect(report).toContain("| `await import('netns-rtnl')` |");
      expect(report).toContain('| ADD | cni-bridge |');
      expect(report).not.toMatch(/\bMET\b|MISSED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});

describe.skipIf(!existsSync(runner))('bench arguments', () => {
  it('prints its usage for --help and runs nothing', () => {
    const r = spawnSync(process.execPath, [runner, '--help'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run bench -- \[--quick\]/);
  });

  it('refuses an unknown argument or an option without its value before running anything', () => {
    for (const argv of [['--bogus'], ['--quick', '--ony', 'w1'], ['--only'], ['--out', '--quick']]) {
      const r = spawnSync(process.execPath, [runner, ...argv], { encoding: 'utf8', timeout: 10_000 });
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^bench: (unknown argument|--\w+ needs a value)/);
      expect(r.stderr).toContain('usage: npm run bench');
    }
  });
});

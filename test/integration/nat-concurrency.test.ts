/**
 * Concurrent NAT writers on one namespace, in one process and in several: every change must
 * succeed (a generation change makes the losers read again and retry), and removal leaves nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, NAT_TABLE } from '../../lib/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`nat-concurrency: ${integrationSkipReason}`);

const P = `it-natc-${process.pid}-`;
const DIST = fileURLToPath(new URL('../../dist/lib/index.js', import.meta.url));

/** Everything nft lists in the namespace: tables, chains and rules. */
function nftObjects(ns: Namespace): Record<string, unknown>[] {
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft -j list ruleset: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { nftables: Record<string, unknown>[] }).nftables.filter((o) => !('metainfo' in o));
}

/** A child process that masquerades `count` sources (10.<id>.<i>.0/24) at once, then removes them at once. */
function childScript(netns: string, id: number, count: number): string {
  return `
    const { Namespace } = await import(${JSON.stringify(DIST)});
    const ns = await Namespace.open(${JSON.stringify(netns)});
    const specs = Array.from({ length: ${count} }, (_, i) => ({ source: '10.${id}.' + i + '.0/24', owner: 'p${id}-' + i }));
    const failures = [];
    const added = await Promise.allSettled(specs.map((s) => ns.nat.masquerade(s)));
    for (const r of added) if (r.status === 'rejected') failures.push('add ' + (r.reason.code ?? '') + ' ' + r.reason.message);
    const removed = await Promise.allSettled(specs.map((s) => ns.nat.remove(s)));
    let count = 0;
    for (const r of removed) r.status === 'rejected' ? failures.push('remove ' + (r.reason.code ?? '') + ' ' + r.reason.message) : (count += r.value);
    ns.close();
    process.stdout.write(JSON.stringify({ failures, removed: count }));
  `;
}

function runChild(script: string): Promise<{ failures: string[]; removed: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (code !== 0) reject(new Error(`child exited ${code}: ${out}`));
      else resolve(JSON.parse(out) as { failures: string[]; removed: number });
    }),
  );
}

describe.skipIf(!canRunIntegration)('nat: concurrent writers on one namespace', () => {
  let node: Namespace;

  beforeAll(async () => {
    node = await Namespace.create(`${P}node`);
  });

  afterAll(async () => {
    await node?.delete();
  });

  it('50 handles masquerade at once: all succeed, and 50 removals at once leave nothing', async () => {
    const handles = await Promise.all(Array.from({ length: 50 }, () => Namespace.open(node.name!)));
    try {
      const specs = handles.map((_, i) => ({ source: `10.1.${i}.0/24`, exceptDestination: '10.0.0.0/8', owner: `h${i}` }));
      const added = await Promise.allSettled(handles.map((h, i) => h.nat.masquerade(specs[i]!)));
      expect(added.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      const rules = await node.nat.rules();
      expect(rules.map((r) => r.owner).sort()).toEqual(specs.map((s) => s.owner).sort());
      // The same spec again from every handle at once: idempotent, still one rule each.
      const again = await Promise.all(handles.map((h, i) => h.nat.masquerade(specs[i]!)));
      expect(again.map((r) => r.handle)).toEqual(added.map((r) => (r as PromiseFulfilledResult<{ handle: number }>).value.handle));
      expect(await node.nat.rules()).toHaveLength(50);

      const removed = await Promise.allSettled(handles.map((h, i) => h.nat.remove(specs[i]!)));
      expect(removed.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      expect(removed.map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(specs.map(() => 1));
      expect(nftObjects(node)).toEqual([]);
    } finally {
      for (const h of handles) h.close();
    }
  });

  it('the same rule from 20 handles at once is made once', async () => {
    const handles = await Promise.all(Array.from({ length: 20 }, () => Namespace.open(node.name!)));
    try {
      const made = await Promise.all(handles.map((h) => h.nat.masquerade({ source: '10.2.0.0/24' })));
      expect(new Set(made.map((r) => r.handle)).size).toBe(1);
      expect(await node.nat.rules()).toHaveLength(1);
      const removed = await Promise.all(handles.map((h) => h.nat.remove({ source: '10.2.0.0/24' })));
      expect(removed.reduce((a, b) => a + b, 0)).toBe(1);
      expect(nftObjects(node)).toEqual([]);
    } finally {
      for (const h of handles) h.close();
    }
  });

  it('4 processes of 15 concurrent writers each, beside 15 in this process: all succeed, nothing left', async () => {
    expect(existsSync(DIST), `${DIST} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const children = [11, 12, 13, 14].map((id) => runChild(childScript(node.name!, id, 15)));
    const handles = await Promise.all(Array.from({ length: 15 }, () => Namespace.open(node.name!)));
    try {
      const specs = handles.map((_, i) => ({ source: `10.3.${i}.0/24`, owner: `local-${i}` }));
      const local = await Promise.allSettled(handles.map((h, i) => h.nat.masquerade(specs[i]!).then(() => h.nat.remove(specs[i]!))));
      expect(local.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      expect(local.map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(specs.map(() => 1));
    } finally {
      for (const h of handles) h.close();
    }
    for (const result of await Promise.all(children)) {
      expect(result.failures).toEqual([]);
      expect(result.removed).toBe(15);
    }
    expect(nftObjects(node)).toEqual([]);
    expect(await node.nat.nftables.tables()).toEqual([]);
  }, 120_000);

  it('leaves no table of ours when a concurrent remove() of everything races an add', async () => {
    const [a, b] = await Promise.all([Namespace.open(node.name!), Namespace.open(node.name!)]);
    try {
      for (let round = 0; round < 10; round++) {
        const [rule] = await Promise.all([a.nat.masquerade({ source: `10.4.${round}.0/24` }), b.nat.remove()]);
        // Whichever went first, the rule a got back must be in the kernel unless b removed it after.
        const now = await node.nat.rules();
        expect(now.length === 0 || now[0]!.handle === rule.handle).toBe(true);
        await b.nat.remove();
      }
      expect(nftObjects(node).filter((o) => 'table' in o && (o.table as { name: string }).name === NAT_TABLE)).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });
});

/**
 * npm run soak [-- --cycles N]
 *
 * N cycles (default 2000) of: create a namespace, a veth pair into it, addresses on both ends,
 * routes on both sides, a masquerade rule (nftables, through ns.nat) for the container's subnet,
 * then delete it all. Every 500 cycles it prints open fds, RSS and its growth, /run/netns
 * entries, links in the sandbox's root namespace and nft tables; at the end it checks they are
 * back where they started (RSS growth under 20 MB) and exits 1 if not.
 *
 * V8's young generation is pinned at 2 MB semispaces (--min/--max-semi-space-size). Left to
 * itself, V8 doubles it up to 2 x 16 MB as a long-running process goes on (once the bytes that
 * survived scavenges since the last growth exceed its capacity, which in time they always do):
 * about 30 MB of RSS that a soak would otherwise report as growth, whatever the code under test
 * does. With it pinned, RSS growth is memory that is not given back. The figures show V8's new
 * and old space sizes beside RSS, so either kind of growth can be told apart.
 *
 * It runs only as root, and only inside a private network + mount namespace that it makes for
 * itself (re-executing under `unshare --net --mount --propagation private`), so the host's
 * links, routes, namespaces and nftables rules are never touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { Namespace, VethPair } from '../lib/index.js';

const SANDBOX_ENV = 'NETNS_RTNL_SOAK_SANDBOX';
const MB = 1024 * 1024;
const RSS_LIMIT = 20 * MB;
const REPORT_EVERY = 500;
const PREFIX = 'soak-';
/** See the top of this file. */
const YOUNG_GENERATION = ['--min-semi-space-size=2', '--max-semi-space-size=2'];

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function isolate(): void {
  if (process.getuid?.() !== 0) {
    console.error('npm run soak must run as root: it creates network namespaces, links and nftables rules (inside a private namespace of its own).');
    process.exit(1);
  }
  if (process.env[SANDBOX_ENV] !== '1') {
    const self = new URL(import.meta.url).pathname;
    const status = run(
      'unshare',
      ['--net', '--mount', '--propagation', 'private', '--', process.execPath, '--expose-gc', ...YOUNG_GENERATION, ...process.execArgv, self, ...process.argv.slice(2)],
      { ...process.env, [SANDBOX_ENV]: '1' },
    );
    process.exit(status);
  }
  // Inside the private mount namespace: these mounts vanish with it.
  if (!existsSync('/run/netns')) {
    if (run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run']) !== 0) process.exit(1);
    if (run('mkdir', ['-p', '/run/netns']) !== 0) process.exit(1);
  }
  if (run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run/netns']) !== 0) process.exit(1);
  if (run('ip', ['link', 'set', 'lo', 'up']) !== 0) process.exit(1);
}

interface Figures {
  fds: number;
  /** What each open fd refers to ('19 /dev/null', '20 socket:[3296946]'), to name any left open. */
  fdTargets: string[];
  rss: number;
  heap: number;
  newSpace: number;
  oldSpace: number;
  netns: number;
  rootLinks: number;
  nftTables: number | undefined;
}

const hasNft = spawnSync('nft', ['--version'], { stdio: 'ignore' }).status === 0;

function nftTables(): number | undefined {
  if (!hasNft) return undefined;
  const out = JSON.parse(execFileSync('nft', ['-j', 'list', 'tables'], { encoding: 'utf8' })) as { nftables: Array<Record<string, unknown>> };
  return out.nftables.filter((entry) => 'table' in entry).length;
}

async function figures(root: Namespace): Promise<Figures> {
  (globalThis as { gc?: () => void }).gc?.();
  return {
    ...openFds(),
    rss: process.memoryUsage.rss(),
    heap: process.memoryUsage().heapUsed,
    newSpace: spaceSize('new_space'),
    oldSpace: spaceSize('old_space'),
    netns: readdirSync('/run/netns').length,
    rootLinks: (await root.links()).length,
    nftTables: nftTables(),
  };
}

function openFds(): { fds: number; fdTargets: string[] } {
  const fds = readdirSync('/proc/self/fd');
  const fdTargets: string[] = [];
  for (const fd of fds) {
    try {
      fdTargets.push(`${fd} ${readlinkSync(`/proc/self/fd/${fd}`)}`);
    } catch {
      // the directory's own fd, closed by now
    }
  }
  return { fds: fds.length, fdTargets };
}

function spaceSize(name: string): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === name)?.space_size ?? 0;
}

/** One cycle: namespace, veth pair, addresses, routes, NAT, then all of it deleted. */
async function cycle(root: Namespace, i: number, nat: boolean): Promise<void> {
  const ns = await Namespace.create(`${PREFIX}${i}`);
  try {
    const pair = await VethPair.create({ name: 'soak-host', namespace: root, up: true, peer: { name: 'eth0', namespace: ns, up: true } });
    try {
      await pair.link.addAddress('10.201.0.1/24');
      await pair.peer.addAddress('10.201.0.2/24');
      await (await ns.link('lo')).up();
      await ns.addRoute({ dst: 'default', via: '10.201.0.1' });
      await ns.addRoute({ dst: '10.203.0.0/16', via: '10.201.0.1', metric: 10 });
      await root.addRoute({ dst: '10.202.0.0/24', via: '10.201.0.2' });
      if (nat) {
        const rule = await root.nat.masquerade({ source: '10.201.0.0/24', exceptDestination: '10.201.0.0/16', owner: `soak-${i}` });
        if ((await root.nat.remove(rule)) !== 1) throw new Error(`cycle ${i}: the NAT rule was not removed`);
      }
      await root.deleteRoute({ dst: '10.202.0.0/24', via: '10.201.0.2' });
    } finally {
      await pair.delete();
      pair.close();
    }
  } finally {
    await ns.delete();
  }
}

function show(f: Figures, base: Figures): string {
  const growth = (f.rss - base.rss) / MB;
  return (
    `fds ${f.fds}, RSS ${(f.rss / MB).toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB), heap ${(f.heap / MB).toFixed(1)} MB ` +
    `(V8 spaces: new ${(f.newSpace / MB).toFixed(1)} MB, old ${(f.oldSpace / MB).toFixed(1)} MB), ` +
    `/run/netns entries ${f.netns}, root links ${f.rootLinks}, nft tables ${f.nftTables ?? 'n/a (no nft)'}`
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { cycles: { type: 'string', default: '2000' }, 'no-nat': { type: 'boolean', default: false } } });
  const cycles = Number(values.cycles);
  if (!Number.isInteger(cycles) || cycles < 1 || cycles > 1_000_000) throw new Error(`--cycles: ${values.cycles} is not a whole number from 1 to 1000000`);
  const root = Namespace.current();
  // NAT is available when lib/nat and nf_tables are: probe once (a failure here skips the NAT step).
  let nat = !values['no-nat'];
  if (nat) {
    try {
      await root.nat.rules();
    } catch (error) {
      console.log(`soak: NAT step skipped: ${(error as Error).message}`);
      nat = false;
    }
  }
  // Printed before any figure is taken: Node's first console output opens /dev/null for good
  // (stdio set-up), which counted as an fd left open when it came after the baseline.
  console.log(`soak: ${cycles} cycles (namespace, veth pair, 2 addresses, 4 routes${nat ? ', NAT masquerade rule' : ''}, delete all)`);
  const start = await figures(root);
  // One warm-up cycle loads every code path (and its memory) before the baseline is taken.
  await cycle(root, 0, nat);
  const base = await figures(root);
  console.log(`  start:    ${show(start, start)}`);
  console.log(`  baseline: ${show(base, base)} (after one warm-up cycle)`);
  const t0 = performance.now();
  let last = t0;
  let failures = 0;
  for (let i = 1; i <= cycles; i++) {
    try {
      await cycle(root, i, nat);
    } catch (error) {
      failures++;
      console.log(`  cycle ${i} failed: ${(error as Error).stack ?? error}`);
      if (failures >= 5) {
        console.log('soak: FAILED (5 cycles failed, stopping)');
        return 1;
      }
    }
    if (i % REPORT_EVERY === 0 || i === cycles) {
      const now = performance.now();
      const n = i % REPORT_EVERY === 0 ? REPORT_EVERY : i % REPORT_EVERY;
      console.log(`  ${String(i).padStart(6)} cycles: ${show(await figures(root), base)}, ${((now - last) / n).toFixed(1)} ms/cycle`);
      last = now;
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  const end = await figures(root);
  root.close();
  const problems: string[] = [];
  if (failures > 0) problems.push(`${failures} cycle(s) failed`);
  if (end.fds > base.fds) {
    const added = end.fdTargets.filter((t) => !base.fdTargets.includes(t));
    problems.push(`open fds ${base.fds} -> ${end.fds} (new: ${added.join(', ') || '?'})`);
  }
  if (end.netns !== start.netns) problems.push(`/run/netns entries ${start.netns} -> ${end.netns}`);
  if (end.rootLinks !== start.rootLinks) problems.push(`root links ${start.rootLinks} -> ${end.rootLinks}`);
  if (end.nftTables !== start.nftTables) problems.push(`nft tables ${start.nftTables} -> ${end.nftTables}`);
  if (end.rss - base.rss > RSS_LIMIT) problems.push(`RSS grew ${((end.rss - base.rss) / MB).toFixed(1)} MB (limit ${RSS_LIMIT / MB} MB)`);
  console.log(`soak: ${cycles} cycles in ${elapsed.toFixed(1)} s (${((elapsed * 1000) / cycles).toFixed(1)} ms/cycle)`);
  console.log(`  end:      ${show(end, base)}`);
  console.log(problems.length === 0 ? 'soak: OK (fds, /run/netns, root links and nft tables back where they started)' : `soak: FAILED: ${problems.join('; ')}`);
  return problems.length === 0 ? 0 : 1;
}

isolate();
process.exitCode = await main();

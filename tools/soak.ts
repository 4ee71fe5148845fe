/**
 * npm run soak [-- --cycles N --cni K --no-nat]
 *
 * N cycles (default 500) of: create a namespace, a veth pair into it, addresses on both ends,
 * routes on both sides, an event monitor on the root namespace that must see the veth appear,
 * a TCP exchange from the root namespace to a server listening inside the new one, masquerade
 * rules (nftables, through ns.nat) from several handles at once, and K containers (default 4)
 * attached to a bridge network with ipMasq by the CNI engine in parallel and detached again in
 * parallel (the reference host-local IPAM from /usr/lib/cni); then delete it all. Every 100
 * cycles it prints open fds, RSS and its growth, /run/netns entries, links in the sandbox's root
 * namespace, nft tables and rules, and host-local leases; at the end it checks they are back
 * where they were after the warm-up cycle, and RSS within 10 MB of where it stood after the first
 * 100 cycles (malloc's per-thread arenas and V8's old space grow to their working size in those;
 * a run of 100 cycles or fewer reports RSS without judging it), and exits 1 if not.
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
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { Namespace, VethPair, type Link } from '../lib/index.js';
import { attachContainer, detachContainer, type BridgeNetConf } from '../lib/cni/index.js';

const SANDBOX_ENV = 'NETNS_RTNL_SOAK_SANDBOX';
const MB = 1024 * 1024;
/** How much RSS may grow after the first REPORT_EVERY cycles (see `settled` in main). */
const RSS_LIMIT = 10 * MB;
const REPORT_EVERY = 100;
const CNI_PATH = '/usr/lib/cni';
const CNI_NETWORK = 'soak-net';
/** Handles on the root namespace that masquerade at once in each cycle. */
const NAT_WRITERS = 4;
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
  nftRules: number | undefined;
  leases: number;
}

const hasNft = spawnSync('nft', ['--version'], { stdio: 'ignore' }).status === 0;

function nftCounts(): { nftTables: number | undefined; nftRules: number | undefined } {
  if (!hasNft) return { nftTables: undefined, nftRules: undefined };
  const out = JSON.parse(execFileSync('nft', ['-j', 'list', 'ruleset'], { encoding: 'utf8' })) as { nftables: Array<Record<string, unknown>> };
  return { nftTables: out.nftables.filter((entry) => 'table' in entry).length, nftRules: out.nftables.filter((entry) => 'rule' in entry).length };
}

/** host-local's reservations: one file per address in its data directory (beside its lock and last_reserved_ip.*). */
function leases(cni: CniSetup | undefined): number {
  if (!cni || !existsSync(join(cni.dataDir, CNI_NETWORK))) return 0;
  return readdirSync(join(cni.dataDir, CNI_NETWORK)).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip')).length;
}

async function figures(root: Namespace, cni: CniSetup | undefined): Promise<Figures> {
  (globalThis as { gc?: () => void }).gc?.();
  return {
    ...openFds(),
    rss: process.memoryUsage.rss(),
    heap: process.memoryUsage().heapUsed,
    newSpace: spaceSize('new_space'),
    oldSpace: spaceSize('old_space'),
    netns: readdirSync('/run/netns').length,
    rootLinks: (await root.links()).length,
    ...nftCounts(),
    leases: leases(cni),
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

interface CniSetup {
  containers: number;
  dataDir: string;
  conf: BridgeNetConf;
}

interface Steps {
  nat: boolean;
  cni: CniSetup | undefined;
}

/** One cycle: namespace, veth pair, addresses, routes, monitor, TCP, NAT, CNI, then all of it deleted. */
async function cycle(root: Namespace, i: number, steps: Steps): Promise<void> {
  const ns = await Namespace.create(`${PREFIX}${i}`);
  const monitor = root.monitor({ groups: ['link', 'ipv4-route'], signal: AbortSignal.timeout(10_000) });
  try {
    const pair = await VethPair.create({ name: 'soak-host', namespace: root, up: true, peer: { name: 'eth0', namespace: ns, up: true } });
    try {
      await pair.link.addAddress('10.201.0.1/24');
      await pair.peer.addAddress('10.201.0.2/24');
      await (await ns.link('lo')).up();
      await ns.addRoute({ dst: 'default', via: '10.201.0.1' });
      await ns.addRoute({ dst: '10.203.0.0/16', via: '10.201.0.1', metric: 10 });
      await root.addRoute({ dst: '10.202.0.0/24', via: '10.201.0.2' });
      await sawLink(monitor, 'soak-host', i);
      await untilCarrier(pair.link, i);
      await untilCarrier(pair.peer, i);
      await tcpExchange(root, ns, i);
      if (steps.nat) await natFromSeveralHandles(root, i);
      if (steps.cni) await cniInParallel(root, i, steps.cni);
      await root.deleteRoute({ dst: '10.202.0.0/24', via: '10.201.0.2' });
    } finally {
      await pair.delete();
      pair.close();
    }
  } finally {
    monitor.close();
    await ns.delete();
  }
}

/** Reads the monitor until it reports the link `name` as new. */
async function sawLink(monitor: AsyncIterable<{ kind: string; action?: string; link?: { name: string } }>, name: string, i: number): Promise<void> {
  for await (const event of monitor) {
    if (event.kind === 'link' && event.action === 'new' && event.link?.name === name) return;
  }
  throw new Error(`cycle ${i}: the monitor ended without reporting ${name}`);
}

/**
 * Until `link` reports carrier (operstate up), at most 10 s. The kernel turns a new veth's carrier
 * on asynchronously and drops what is sent before (ARP requests included: on a loaded machine a
 * connect made at once failed with EHOSTUNREACH once in 500 cycles).
 */
async function untilCarrier(link: Link, i: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await link.refresh()).operstate === 'up') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`cycle ${i}: ${link.name} has no carrier after 10 s (operstate ${link.operstate})`);
}

/** A server inside `ns`, a client from `root`: one line there and back. */
async function tcpExchange(root: Namespace, ns: Namespace, i: number): Promise<void> {
  const server = await ns.listen({ host: '10.201.0.2' }, (socket) => socket.once('data', (d) => socket.end(`echo ${d}`)));
  try {
    const { port } = server.address() as { port: number };
    const socket = await root.connect({ host: '10.201.0.2', port, timeoutMs: 5000 });
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.end(`cycle ${i}`);
    });
    socket.destroy();
    if (answer !== `echo cycle ${i}`) throw new Error(`cycle ${i}: TCP answer ${JSON.stringify(answer)}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** NAT_WRITERS handles on the root namespace masquerade at once, then remove at once. */
async function natFromSeveralHandles(root: Namespace, i: number): Promise<void> {
  const handles = await Promise.all(Array.from({ length: NAT_WRITERS }, () => Namespace.open({ path: `/proc/self/fd/${root.fd}` })));
  try {
    const specs = handles.map((_, w) => ({ source: `10.201.${w}.0/24`, exceptDestination: '10.201.0.0/16', owner: `soak-${i}-${w}` }));
    const rules = await Promise.all(handles.map((h, w) => h.nat.masquerade(specs[w]!)));
    const removed = await Promise.all(handles.map((h, w) => h.nat.remove(rules[w]!)));
    if (removed.some((n) => n !== 1)) throw new Error(`cycle ${i}: NAT rules removed ${removed.join(',')}, expected 1 each`);
  } finally {
    for (const h of handles) h.close();
  }
}

/** `containers` CNI ADDs with ipMasq in parallel (the engine in this process), then their DELs in parallel. */
async function cniInParallel(root: Namespace, i: number, cni: CniSetup): Promise<void> {
  const netns = await Promise.all(Array.from({ length: cni.containers }, (_, c) => Namespace.create(`${PREFIX}${i}-c${c}`)));
  try {
    const call = (c: number) => ({ netns: netns[c]!, ifname: 'eth0', containerId: `soak-${i}-${c}`, cniPath: CNI_PATH, host: root });
    await Promise.all(netns.map((_, c) => attachContainer(cni.conf, call(c))));
    await Promise.all(netns.map((_, c) => detachContainer(cni.conf, call(c))));
  } finally {
    for (const n of netns) await n.delete();
  }
}

function show(f: Figures, base: Figures): string {
  const growth = (f.rss - base.rss) / MB;
  return (
    `fds ${f.fds}, RSS ${(f.rss / MB).toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB), heap ${(f.heap / MB).toFixed(1)} MB ` +
    `(V8 spaces: new ${(f.newSpace / MB).toFixed(1)} MB, old ${(f.oldSpace / MB).toFixed(1)} MB), ` +
    `/run/netns entries ${f.netns}, root links ${f.rootLinks}, nft tables ${f.nftTables ?? 'n/a (no nft)'} rules ${f.nftRules ?? 'n/a'}, leases ${f.leases}`
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { cycles: { type: 'string', default: '500' }, cni: { type: 'string', default: '4' }, 'no-nat': { type: 'boolean', default: false } },
  });
  const cycles = Number(values.cycles);
  if (!Number.isInteger(cycles) || cycles < 1 || cycles > 1_000_000) throw new Error(`--cycles: ${values.cycles} is not a whole number from 1 to 1000000`);
  const containers = Number(values.cni);
  if (!Number.isInteger(containers) || containers < 0 || containers > 200) throw new Error(`--cni: ${values.cni} is not a whole number from 0 to 200`);
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
  let cni: CniSetup | undefined;
  if (containers > 0 && !existsSync(join(CNI_PATH, 'host-local'))) console.log(`soak: CNI step skipped: no ${CNI_PATH}/host-local`);
  else if (containers > 0) {
    const dataDir = mkdtempSync(join(tmpdir(), 'soak-ipam-'));
    const conf: BridgeNetConf = { cniVersion: '1.0.0', name: CNI_NETWORK, type: 'cni-bridge', bridge: 'soakbr0', isGateway: true, ipMasq: nat, ipam: { type: 'host-local', subnet: '10.210.0.0/16', dataDir } };
    cni = { containers, dataDir, conf };
  }
  const steps: Steps = { nat, cni };
  // Printed before any figure is taken: Node's first console output opens /dev/null for good
  // (stdio set-up), which counted as an fd left open when it came after the baseline.
  console.log(
    `soak: ${cycles} cycles (namespace, veth pair, 2 addresses, 4 routes, a monitor, a TCP exchange` +
      `${nat ? `, ${NAT_WRITERS} NAT writers at once` : ''}${cni ? `, ${cni.containers} CNI ADDs then DELs in parallel${nat ? ' with ipMasq' : ''}` : ''}, delete all)`,
  );
  const start = await figures(root, cni);
  // One warm-up cycle loads every code path (and its memory) before the baseline is taken; the
  // CNI bridge it makes stays (a network's bridge is shared), so links are compared with the baseline.
  await cycle(root, 0, steps);
  const base = await figures(root, cni);
  console.log(`  start:    ${show(start, start)}`);
  console.log(`  baseline: ${show(base, base)} (after one warm-up cycle)`);
  const t0 = performance.now();
  let last = t0;
  // RSS after the first REPORT_EVERY cycles: malloc's per-thread arenas and V8's old space have
  // grown to their working size by then; memory that keeps growing after it is what leaks.
  let settled: Figures | undefined;
  let failures = 0;
  for (let i = 1; i <= cycles; i++) {
    try {
      await cycle(root, i, steps);
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
      const atReport = await figures(root, cni);
      if (i === REPORT_EVERY) settled = atReport;
      console.log(`  ${String(i).padStart(6)} cycles: ${show(atReport, base)}, ${((now - last) / n).toFixed(1)} ms/cycle`);
      last = now;
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  const end = await figures(root, cni);
  root.close();
  if (cni) rmSync(cni.dataDir, { recursive: true, force: true });
  const problems: string[] = [];
  if (failures > 0) problems.push(`${failures} cycle(s) failed`);
  if (end.fds > base.fds) {
    const added = end.fdTargets.filter((t) => !base.fdTargets.includes(t));
    problems.push(`open fds ${base.fds} -> ${end.fds} (new: ${added.join(', ') || '?'})`);
  }
  if (end.netns !== start.netns) problems.push(`/run/netns entries ${start.netns} -> ${end.netns}`);
  if (end.rootLinks !== base.rootLinks) problems.push(`root links ${base.rootLinks} -> ${end.rootLinks}`);
  if (end.nftTables !== start.nftTables) problems.push(`nft tables ${start.nftTables} -> ${end.nftTables}`);
  if (end.nftRules !== start.nftRules) problems.push(`nft rules ${start.nftRules} -> ${end.nftRules}`);
  if (end.leases !== start.leases) problems.push(`host-local leases ${start.leases} -> ${end.leases}`);
  // A shorter run ends while RSS still grows to its working size: it cannot tell that from a leak.
  if (settled === undefined || cycles <= REPORT_EVERY) {
    console.log(`  RSS not judged: it settles over the first ${REPORT_EVERY} cycles (run more than ${REPORT_EVERY} to judge it)`);
  } else {
    if (end.rss - settled.rss > RSS_LIMIT) problems.push(`RSS grew ${((end.rss - settled.rss) / MB).toFixed(1)} MB after cycle ${REPORT_EVERY} (limit ${RSS_LIMIT / MB} MB)`);
    console.log(`  RSS from cycle ${REPORT_EVERY} to the end: ${((end.rss - settled.rss) / MB).toFixed(1)} MB`);
  }
  console.log(`soak: ${cycles} cycles in ${elapsed.toFixed(1)} s (${((elapsed * 1000) / cycles).toFixed(1)} ms/cycle)`);
  console.log(`  end:      ${show(end, base)}`);
  console.log(
    problems.length === 0
      ? `soak: OK (fds, /run/netns, root links, nft tables and rules, leases back where they were${cycles > REPORT_EVERY ? '; RSS within the limit' : ''})`
      : `soak: FAILED: ${problems.join('; ')}`,
  );
  return problems.length === 0 ? 0 : 1;
}

isolate();
process.exitCode = await main();

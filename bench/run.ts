#!/usr/bin/env node
/**
 * `npm run bench`: every workload of bench/, ours against the peers, in one run.
 *
 *   npm run bench                     full sizes, writes bench/results/LATEST.md and the README's
 *                                     performance figures made from it (bench/readme.ts)
 *   npm run bench -- --quick          tiny sizes, a smoke run (writes to a temporary file unless --out)
 *   npm run bench -- --only w1,w3     some workloads (w1 w2 w3 w4 netns container start cni podman)
 *   npm run bench -- --node 20,22,24  our workers and the floor under each Node line (22 and 24 from
 *                                     the npm registry into a local folder: scripts/node-versions.mjs);
 *                                     also NETNS_RTNL_BENCH_NODE=22,24. The running Node is always one.
 *   npm run bench -- --no-install     install nothing: a missing peer is skipped with one line
 *   npm run bench -- --out FILE       where to write the Markdown report
 *   NETNS_RTNL_BENCH_CNI_OTHER=PATH   cni: also another build's dist/bundle/cni-bridge.cjs, in the same
 *                                     rounds (before/after a change)
 *   NETNS_RTNL_BENCH_W3_OTHER=ROOT    w3: also another build's worker (ROOT/dist/bench/tools/ours.js), in the
 *                                     same rounds
 *   npm run bench -- --quick --rust   a smoke run with the Rust peer (a quick run leaves it out: its
 *                                     first build takes about a minute)
 *   npm run bench -- --help           the options; any other argument is refused before anything runs
 *
 * As root it first installs missing peers (python3-pyroute2, Go and Debian's vishvananda/netlink
 * sources, cargo and Debian's rtnetlink crate, the reference CNI plugins, Podman) and Node lines,
 * then re-executes itself inside a private network + mount namespace
 * (unshare --net --mount --propagation private) with a fresh tmpfs on /run/netns: no workload can
 * touch the host's links, routes or named namespaces. There it builds the Go peer (offline, GOPATH
 * mode) and the Rust peer (offline, cargo against Debian's crates) into dist/, and every workload
 * works in namespaces it creates itself. Workloads run in
 * interleaved rounds (every tool once per round), so load from other work falls on all alike.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildGoPeer, GOPATH, hasPyroute2, PYTHON, ROOT, sizes, type NodeLine, type Row, type Setup } from './common.js';
import { writeReadmeFigures } from './readme.js';
import { tables, targets } from './report.js';
import { buildRustPeer, hasCargo, rtnetlinkCrate, RUST_PACKAGES } from './rust-peer.js';
import { summary } from './summary.js';
import * as w1 from './w1-routes.js';
import * as w2 from './w2-dump.js';
import * as w3 from './w3-veth.js';
import * as w4 from './w4-cluster.js';
import * as netns from './netns.js';
import * as container from './container.js';
import * as start from './start.js';
import * as cni from './cni.js';
import * as podman from './podman.js';

const SANDBOX_ENV = 'NETNS_RTNL_BENCH_SANDBOX';
const NODES_ENV = 'NETNS_RTNL_BENCH_NODES';
const args = process.argv.slice(2);
const FLAGS = ['--quick', '--no-install', '--rust'];
const OPTIONS = ['--only', '--node', '--out'];
const USAGE = `usage: npm run bench -- [--quick] [--only w1,w2,w3,w4,netns,container,start,cni,podman]
                        [--node 20,22,24] [--no-install] [--out FILE] [--rust]
Without options: every workload at full size (about 10 minutes), written to bench/results/LATEST.md
and the README's performance section. See the top of bench/run.ts for each option.`;
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
for (let i = 0; i < args.length; i++) {
  if (FLAGS.includes(args[i]!)) continue;
  if (OPTIONS.includes(args[i]!) && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) {
    i++;
    continue;
  }
  const what = OPTIONS.includes(args[i]!) ? `${args[i]} needs a value` : `unknown argument ${args[i]}`;
  console.error(`bench: ${what}\n${USAGE}`);
  process.exit(2);
}
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag('--quick');
const WORKLOADS = { w1, w2, w3, w4, netns, container, start, cni, podman } as const;
type Name = keyof typeof WORKLOADS;
const only = (option('--only')?.split(',') ?? Object.keys(WORKLOADS)) as Name[];
for (const name of only) if (!(name in WORKLOADS)) throw new Error(`--only: unknown workload ${name} (${Object.keys(WORKLOADS).join(', ')})`);
const out = option('--out') ?? (quick ? join(tmpdir(), 'netns-rtnl-bench-quick.md') : join(ROOT, 'bench/results/LATEST.md'));

function run(command: string, commandArgs: string[], env = process.env): number {
  const r = spawnSync(command, commandArgs, { stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (process.getuid?.() !== 0) {
  console.error('bench: needs root (or CAP_NET_ADMIN + CAP_SYS_ADMIN) to create network namespaces; run it as root.');
  process.exit(1);
}

function apt(packages: string[]): void {
  console.error(`bench: installing ${packages.join(' ')} (apt-get)`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...packages]);
}

const GO_PACKAGES = ['golang-go', 'golang-github-vishvananda-netlink-dev', 'golang-github-vishvananda-netns-dev'];
const hasGoPeer = () =>
  spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0 &&
  ['netlink', 'netns'].every((lib) => existsSync(join(GOPATH, 'src/github.com/vishvananda', lib)));

if (process.env[SANDBOX_ENV] !== '1') {
  // Setup, on the host (apt and npm need its network): the peers from Debian, the Node lines.
  const install = !flag('--no-install');
  if (install && !hasPyroute2()) apt(['python3-pyroute2']);
  if (install && !hasGoPeer()) apt(GO_PACKAGES);
  if (install && (!quick || flag('--rust')) && !(hasCargo() && rtnetlinkCrate())) apt(hasCargo() ? RUST_PACKAGES.slice(1) : RUST_PACKAGES);
  if (install && !existsSync('/usr/lib/cni/bridge')) apt(['containernetworking-plugins']);
  if (install && spawnSync('sh', ['-c', 'command -v podman && command -v crun'], { stdio: 'ignore' }).status !== 0) apt(['podman', 'crun']);
  // Plain JavaScript shared with the test matrix (.ci/run); outside dist/, so found from the root.
  const { nodeBinary, nodeVersion } = (await import(pathToFileURL(join(ROOT, 'scripts/node-versions.mjs')).href)) as {
    nodeBinary(major: string, options: { install: boolean }): string | undefined;
    nodeVersion(binary: string): string;
  };
  const majors = (option('--node') ?? process.env.NETNS_RTNL_BENCH_NODE ?? '').split(',').filter(Boolean);
  const running = process.versions.node.split('.')[0]!;
  const nodes: NodeLine[] = [{ major: running, version: process.version, path: process.execPath, primary: true }];
  for (const major of majors) {
    if (major === running) continue;
    const path = nodeBinary(major, { install });
    if (path) nodes.push({ major, version: nodeVersion(path), path, primary: false });
    else console.error(`bench: node ${major} is not installed (--no-install): skipped`);
  }
  const status = run(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', '--', process.execPath, ...process.execArgv, new URL(import.meta.url).pathname, ...args],
    { ...process.env, [SANDBOX_ENV]: '1', [NODES_ENV]: JSON.stringify(nodes) },
  );
  process.exit(status);
}

// Inside the private mount namespace: these mounts vanish with it.
if (!existsSync('/run/netns')) {
  if (run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run']) !== 0) process.exit(1);
  mkdirSync('/run/netns', { recursive: true });
}
if (run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run/netns']) !== 0) process.exit(1);
if (run('ip', ['link', 'set', 'lo', 'up']) !== 0) process.exit(1);

const loadBefore = loadavg();
const started = Date.now();
const log = (m: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);

const goPeer = buildGoPeer(join(ROOT, 'dist/bench/peers'));
if ('missing' in goPeer) log(`Go peer skipped: ${goPeer.missing}`);
const cniTimer = 'path' in goPeer ? buildGoPeer(join(ROOT, 'dist/bench/peers'), 'cni-timer') : goPeer;
const rustPeer = quick && !flag('--rust')
  ? { missing: 'left out of a quick run (its first build takes about a minute): --rust to include it' }
  : buildRustPeer(join(ROOT, 'dist/bench/peers/rust-rtnetlink'));
if ('missing' in rustPeer) log(`Rust peer skipped: ${rustPeer.missing}`);
const s: Setup = {
  ...sizes(quick),
  nodes: JSON.parse(process.env[NODES_ENV] ?? '[]') as NodeLine[],
  go: 'path' in goPeer ? goPeer.path : undefined,
  cniTimer: 'path' in cniTimer ? cniTimer.path : undefined,
  rust: 'path' in rustPeer ? rustPeer.path : undefined,
};
if (s.nodes.length === 0) s.nodes.push({ major: process.versions.node.split('.')[0]!, version: process.version, path: process.execPath, primary: true });

const rows: Row[] = [];
for (const name of only) {
  log(`--- ${name}`);
  rows.push(...(await WORKLOADS[name].run(s, log)));
}
const elapsed = (Date.now() - started) / 1000;

// ---- report

function sh(command: string, commandArgs: string[]): string {
  try {
    return execFileSync(command, commandArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
const dpkg = (name: string) => sh('dpkg-query', ['-W', '-f', '${Version}', name]);
const cpu = cpus()[0]?.model ?? 'unknown';
const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/netlink/package.json'), 'utf8')) as { version: string };
const facts = [
  `- date: ${new Date().toISOString()}`,
  `- kernel: ${sh('uname', ['-r'])}`,
  `- cpus: ${cpus().length} × ${cpu} (${cpus()[0]?.speed ?? '?'} MHz), memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `- node: ${s.nodes.map((n) => `${n.version}${n.primary ? ' (runs the benchmark and the node-only peers)' : ''}`).join(', ')}`,
  `- Go peer: ${s.go ? `${sh('go', ['version'])}, vishvananda/netlink ${dpkg('golang-github-vishvananda-netlink-dev')}, netns ${dpkg('golang-github-vishvananda-netns-dev')} (Debian)` : `skipped (${'missing' in goPeer ? goPeer.missing : ''})`}`,
  `- Rust peer: ${'path' in rustPeer ? `${sh('rustc', ['--version'])}, rtnetlink ${rustPeer.version} (Debian ${dpkg('librust-rtnetlink-dev')})` : `skipped (${rustPeer.missing})`}`,
  `- iproute2: ${sh('ip', ['-V'])}`,
  `- pyroute2: ${dpkg('python3-pyroute2')} (${PYTHON})`,
  `- podman: ${sh('podman', ['--version'])}`,
  `- node \`netlink\`: ${pkg.version}`,
  `- sizes: ${JSON.stringify(sizes(quick))}`,
  `- whole run: ${elapsed.toFixed(0)} s; load average (1 / 5 / 15 min) ${load(loadBefore)} before, ${load(loadavg())} after (anything above 0 is other work sharing the ${cpus().length} cpus)`,
];
const tableText = tables(rows, s);
const targetText = targets(rows, s, only);
const report = `# Benchmarks${quick ? ' (quick smoke run: tiny sizes, not comparable, not a verdict)' : ''}

Reproduce: \`npm run bench\` as root (it builds, installs missing peers from Debian, and runs
everything inside a private network + mount namespace); \`npm run bench -- --node 20,22,24\` runs
our workers under each Node line. \`npm run bench -- --quick\` is a smoke run.

Every tool is timed inside its own process around the work only (interpreter start-up and imports
excluded): ours, the floor and the node \`netlink\` package in node workers (bench/tools/), Go
(vishvananda/netlink, bench/peers/go-netlink, built by the run), Rust (the rtnetlink crate on a
current-thread tokio runtime, bench/peers/rust-rtnetlink, built by the run; W1 and W3) and pyroute2
(bench/peers/) in their own workers. \`ip\` is timed from outside its process, so its start-up (about 1-2 ms) is inside its
numbers: that is its cost per command. The floor sends frames encoded before the clock starts with
libc \`send\` and reads each ACK with \`recv\` through koffi: the kernel's work plus one FFI call
each way, no library. Tools run in ${s.rounds} interleaved round(s), a fresh worker process each.
In W3 every tool pauses ${w3.W3_SETTLE_MS} ms before each phase (bench/w3-veth.ts), so that the kernel's follow-up
of one phase (link-watch events and IPv6 setup after the link-ups, the previous namespace's cleanup)
is not timed in the next phase of one tool and not another's. W3's rows "create with one queue each
end" are one more phase of the same workers (ours, Go, the floor; and \`ip -batch\`), after the
others: the pairs made again with one transmit and one receive queue on both ends (\`numTxQueues: 1,
numRxQueues: 1\`; Go's NumTxQueues/NumRxQueues), which spares the kernel's default its two expedited
RCU grace periods a pair; our create path has run once in that process by then.

Ratios are of medians: "÷ Go", "÷ Rust" and "÷ floor" are the row's median divided by Go's, by Rust's
(one request at a time) and by the floor's
(below 1 is faster; the floor compared is the same kind, one at a time or batched, under the same
Node line); "peer ÷ ours" is the peer's median divided by ours (above 1 means we are faster).

## Machine

${facts.join('\n')}

## Summary

Medians; in brackets the ratio to Go (for CNI and Podman: the reference bridge plugin, also Go),
to Rust's rtnetlink one request at a time, and to the floor of the same kind under the same Node
line. Below 1 is faster.

${summary(rows, s)}

## Results
${tableText}

## Targets (issue 19)

${targetText.join('\n')}
`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, report);
// A full run of everything into the report the README quotes: the README's figures follow it.
const full = !quick && option('--out') === undefined && option('--only') === undefined;
if (full) writeReadmeFigures(out);
process.stdout.write(`${tableText}\n\nTargets${quick ? ' (smoke run: tiny sizes, not a verdict)' : ''}:\n${targetText.join('\n')}\n\nwritten to ${out}${full ? ' and its figures into README.md' : ''} (${elapsed.toFixed(0)} s)\n`);

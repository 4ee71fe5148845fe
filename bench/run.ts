#!/usr/bin/env node
/**
 * `npm run bench`: every workload of bench/, ours against the peers, in one run.
 *
 *   npm run bench                 full sizes (about 4-6 minutes on 2 cores), writes bench/results/LATEST.md
 *   npm run bench -- --quick      tiny sizes, a smoke run (writes to a temporary file unless --out)
 *   npm run bench -- --only w1,w3 some workloads (w1 w2 w3 w4 netns container)
 *   npm run bench -- --no-install do not apt-get install a missing pyroute2
 *   npm run bench -- --out FILE   where to write the Markdown report
 *
 * As root it first installs missing peers (python3-pyroute2 from Debian), then re-executes itself
 * inside a private network + mount namespace (unshare --net --mount --propagation private) with a
 * fresh tmpfs on /run/netns: no workload can touch the host's links, routes or named namespaces.
 * Every workload then works in namespaces it creates itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hasPyroute2, median, min, PYTHON, ROOT, sizes, type Row } from './common.js';
import * as w1 from './w1-routes.js';
import * as w2 from './w2-dump.js';
import * as w3 from './w3-veth.js';
import * as w4 from './w4-cluster.js';
import * as netns from './netns.js';
import * as container from './container.js';

const SANDBOX_ENV = 'NETNS_RTNL_BENCH_SANDBOX';
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag('--quick');
const WORKLOADS = { w1, w2, w3, w4, netns, container } as const;
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

if (process.env[SANDBOX_ENV] !== '1') {
  // Setup, on the host (apt needs its network): the peers from Debian.
  if (!hasPyroute2() && !flag('--no-install')) {
    console.error('bench: installing python3-pyroute2 (apt-get)');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'python3-pyroute2']);
  }
  const status = run(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', '--', process.execPath, ...process.execArgv, new URL(import.meta.url).pathname, ...args],
    { ...process.env, [SANDBOX_ENV]: '1' },
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

const s = sizes(quick);
const loadBefore = loadavg();
const started = Date.now();
const log = (m: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);
const rows: Row[] = [];
for (const name of only) {
  log(`--- ${name}`);
  rows.push(...(await WORKLOADS[name].run(s, log)));
}
const elapsed = (Date.now() - started) / 1000;

// ---- report

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`);
const ratio = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;

function groups(): Array<{ workload: string; op: string; rows: Row[] }> {
  const map = new Map<string, { workload: string; op: string; rows: Row[] }>();
  for (const r of rows) {
    const key = `${r.workload}\u0000${r.op}`;
    if (!map.has(key)) map.set(key, { workload: r.workload, op: r.op, rows: [] });
    map.get(key)!.rows.push(r);
  }
  return [...map.values()];
}

function table(): string {
  const lines: string[] = [];
  let workload = '';
  for (const g of groups()) {
    if (g.workload !== workload) {
      workload = g.workload;
      lines.push('', `### ${workload}`, '', '| operation | tool | runs | min | median | peer median ÷ ours median | note |', '|---|---|---|---|---|---|---|');
    }
    const refs = g.rows.filter((r) => r.ours);
    for (const r of g.rows) {
      const cell = r.ours
        ? refs.length > 1 ? `(ours ${refs.indexOf(r) + 1})` : '(ours)'
        : refs.map((o, i) => `${ratio(median(r.times) / median(o.times))}${refs.length > 1 ? ` vs ours ${i + 1}` : ''}`).join(' · ');
      lines.push(`| ${g.op} | ${r.tool} | ${r.times.length} | ${fmt(min(r.times))} | ${fmt(median(r.times))} | ${cell} | ${r.note ?? ''} |`);
    }
  }
  return lines.join('\n');
}

// ---- targets (issue 6); the Go numbers are the issue's, measured on this machine (no Go here)

const GO = { w1Add: 124, w1Del: 108, w2: 535, w3Create: 76, w3Up: 34, w3Addr: 11, w4Build: 8.8, w4Teardown: 0.7 };
function find(workloadPrefix: string, op: string, tool: string): Row | undefined {
  return rows.find((r) => r.workload.startsWith(workloadPrefix) && r.op.startsWith(op) && r.tool.startsWith(tool));
}
function targets(): string[] {
  const out: string[] = [];
  const check = (text: string, ok: boolean | undefined, detail: string) => {
    out.push(`- ${ok === undefined ? 'n/a' : ok ? 'MET' : 'MISSED'}: ${text}: ${detail}`);
  };
  const med = (r: Row | undefined) => (r ? median(r.times) : NaN);
  const full = !quick;
  if (only.includes('w1')) {
    for (const op of ['add', 'delete'] as const) {
      const go = op === 'add' ? GO.w1Add : GO.w1Del;
      const seq = med(find('W1', op, 'ours, one by one'));
      const bat = med(find('W1', op, 'ours, batched'));
      const ipb = med(find('W1', op, 'ip -batch'));
      check(`W1 ${op}, one by one, at least as fast as Go (${go} ms)`, full ? seq <= go : undefined, `${fmt(seq)}, Go ÷ ours = ${ratio(go / seq)}`);
      check(`W1 ${op}, batched, at least 2.5× faster than ip -batch`, ipb / bat >= 2.5, `${fmt(bat)} vs ${fmt(ipb)}: ${ratio(ipb / bat)}`);
      check(`W1 ${op}, batched, faster than Go (${go} ms)`, full ? bat < go : undefined, `${fmt(bat)}, Go ÷ ours = ${ratio(go / bat)}`);
    }
  }
  if (only.includes('w2')) {
    const typed = med(find('W2', 'dump', 'ours, ns.routes'));
    const ipShow = med(find('W2', 'dump', '`ip route show`'));
    const node = med(find('W2', 'dump', 'node `netlink`'));
    const perSec = (ms: number) => `${Math.round(s.w2Routes / (ms / 1000)).toLocaleString('en')} routes/s`;
    check('W2 typed dump at least as fast as `ip route show` > /dev/null', ipShow / typed >= 1, `${fmt(typed)} (${perSec(typed)}) vs ${fmt(ipShow)} (${perSec(ipShow)}): ${ratio(ipShow / typed)}`);
    check(`W2 at least 2× the Go peer (${GO.w2} ms)`, full ? GO.w2 / typed >= 2 : undefined, `${ratio(GO.w2 / typed)}`);
    check('W2 at least 2× the node `netlink` peer', node / typed >= 2, `${fmt(node)} vs ${fmt(typed)}: ${ratio(node / typed)}`);
  }
  if (only.includes('w3')) {
    for (const [op, go] of [['create', GO.w3Create], ['up', GO.w3Up], ['addr', GO.w3Addr]] as const) {
      const seq = med(find('W3', op, 'ours, one by one'));
      const con = med(find('W3', op, 'ours, concurrent'));
      check(`W3 ${op} at least as fast as Go (${go} ms), one by one`, full ? seq <= go : undefined, `${fmt(seq)}: ${ratio(go / seq)}`);
      check(`W3 ${op} at least as fast as Go (${go} ms), concurrent`, full ? con <= go : undefined, `${fmt(con)}: ${ratio(go / con)}`);
    }
    const bulk = med(find('W3', 'delete', 'ours, group delete'));
    const seqDel = med(find('W3', 'delete', 'ours, one by one'));
    check('W3 bulk delete (IFLA_GROUP) measured', true, `${fmt(bulk)} for ${s.w3Pairs} pairs vs ${fmt(seqDel)} one by one (${ratio(seqDel / bulk)})`);
  }
  if (only.includes('w4')) {
    const b = med(find('W4', 'build', 'ours'));
    const t = med(find('W4', 'teardown', 'ours'));
    const ipb = med(find('W4', 'build', 'iproute2'));
    check(`W4 build under Go's ${GO.w4Build} ms`, b < GO.w4Build, `${fmt(b)}`);
    check(`W4 teardown under Go's ${GO.w4Teardown} ms`, t < GO.w4Teardown, `${fmt(t)}`);
    check('W4 build about 45× faster than the `ip` script', ipb / b >= 45, `${ratio(ipb / b)}`);
  }
  if (only.includes('container')) {
    const c = med(find('Per-container', 'setup', 'ours'));
    check('per-container setup under 2 ms', c < 2, `${fmt(c)} median`);
  }
  return out;
}

function sh(command: string, commandArgs: string[]): string {
  try {
    return execFileSync(command, commandArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const cpu = cpus()[0]?.model ?? 'unknown';
const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/netlink/package.json'), 'utf8')) as { version: string };
const facts = [
  `- date: ${new Date().toISOString()}`,
  `- kernel: ${sh('uname', ['-r'])}`,
  `- node: ${process.version}`,
  `- cpus: ${cpus().length} × ${cpu}`,
  `- iproute2: ${sh('ip', ['-V'])}`,
  `- pyroute2: ${sh('dpkg-query', ['-W', '-f', '${Version}', 'python3-pyroute2'])} (${PYTHON})`,
  `- node \`netlink\`: ${pkg.version}`,
  `- sizes: ${JSON.stringify(s)}`,
  `- whole run: ${elapsed.toFixed(0)} s; load average (1 min) ${loadBefore[0]!.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (anything above 0 is other work sharing the ${cpus().length} cpus)`,
];
const tableText = table();
const targetText = targets();
const report = `# Benchmarks${quick ? ' (quick smoke run: tiny sizes, not comparable)' : ''}

Reproduce: \`npm run bench\` as root (it builds, installs python3-pyroute2 from Debian if missing, and runs
everything inside a private network + mount namespace). \`npm run bench -- --quick\` is a smoke run.

Every tool is timed inside its own process around the work only (interpreter start-up and imports
excluded): ours and the node \`netlink\` package in node workers (bench/tools/), pyroute2 in a Python
worker run inside the namespace (bench/peers/). \`ip\` is timed from outside its process, so its
start-up (about 1-2 ms) is inside its numbers: that is its cost per command. "ratio" is the peer's
median divided by ours: above 1 means we are faster.

## Machine

${facts.join('\n')}

## Results
${tableText}

## Targets (issue 6)

The Go (vishvananda/netlink) numbers are the issue's own, measured on this machine; there is no Go
toolchain here to rerun them.

${targetText.join('\n')}
`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, report);
process.stdout.write(`${tableText}\n\nTargets:\n${targetText.join('\n')}\n\nwritten to ${out} (${elapsed.toFixed(0)} s)\n`);

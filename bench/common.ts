/**
 * Shared pieces of the benchmark suite (`npm run bench`): sizes, timing, statistics, and the
 * helpers that run a peer tool inside a namespace. Nothing here changes networking by itself;
 * the orchestrator (bench/run.ts) runs everything inside a private network + mount namespace.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (bench/ compiles to dist/bench/, so two levels up from there). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PYTHON = '/usr/bin/python3';

export interface Sizes {
  quick: boolean;
  /** W1 routes. */
  w1Routes: number;
  /** W1 with one `ip` process per route: a sample of this many, extrapolated. */
  w1IpSample: number;
  /** W1's batched floor: requests per sendmsg. */
  w1Batch: number;
  /** W2 routes installed before the dump. */
  w2Routes: number;
  /** W3 veth pairs. */
  w3Pairs: number;
  /** Namespaces created/deleted, sockets opened. */
  netnsOps: number;
  /** Per-container setups. */
  containers: number;
  /** Fresh processes per start-up case and Node line. */
  startReps: number;
  /** Containers per CNI run (each: VERSION, ADD, VERSION, DEL). */
  cniContainers: number;
  /** `podman run` per network and round. */
  podmanRuns: number;
  /**
   * Interleaved rounds: each round runs every tool once (a fresh worker process each), so load
   * from other work on the machine falls on all tools alike. Figures are over all rounds.
   */
  rounds: number;
  /** Repetitions inside one worker process per round: fast tools, W3's phases, W4's cluster. */
  reps: number;
  w3Reps: number;
  w4Reps: number;
  /** Repetitions of the slow peers, run once, outside the rounds: pyroute2, one `ip` per op. */
  slowReps: number;
  ipReps: number;
}

export function sizes(quick: boolean): Sizes {
  return quick
    ? { quick, w1Routes: 300, w1IpSample: 10, w1Batch: 64, w2Routes: 3000, w3Pairs: 4, netnsOps: 3, containers: 3, startReps: 3, cniContainers: 2, podmanRuns: 1, rounds: 1, reps: 2, w3Reps: 1, w4Reps: 2, slowReps: 1, ipReps: 1 }
    : { quick, w1Routes: 10_000, w1IpSample: 200, w1Batch: 64, w2Routes: 100_000, w3Pairs: 200, netnsOps: 40, containers: 20, startReps: 20, cniContainers: 10, podmanRuns: 6, rounds: 5, reps: 2, w3Reps: 1, w4Reps: 4, slowReps: 3, ipReps: 1 };
}

/** A Node line our workers (and the floor) run under. */
export interface NodeLine {
  /** "22" */
  major: string;
  /** "v22.23.5" */
  version: string;
  path: string;
  /** The Node running the benchmark itself: node-only peers run under it, and "peer ÷ ours" uses its rows. */
  primary: boolean;
}

/** What every workload gets: the sizes, the Node lines, and the Go peer when it could be built. */
export interface Setup extends Sizes {
  nodes: NodeLine[];
  /** Path of the built Go peer (bench/peers/go-netlink), undefined when Go is absent. */
  go: string | undefined;
  /** Path of the built CNI call timer (bench/peers/cni-timer), undefined when Go is absent. */
  cniTimer: string | undefined;
  /** Path of the built Rust peer (bench/peers/rust-rtnetlink), undefined when cargo or the crate is absent. */
  rust: string | undefined;
}

/** One measured line: a tool doing one operation of one workload, several times. */
export interface Row {
  workload: string;
  op: string;
  tool: string;
  /** Milliseconds, one per repetition (bytes where unit says so). */
  times: number[];
  unit?: 'bytes';
  /** Our own rows are the reference of the "peer ÷ ours" ratios. */
  ours?: boolean;
  /** The Node line of a node worker (ours, the floor, the node `netlink` package). */
  node?: NodeLine;
  /** Go, Rust (one at a time) and the floor are the references of the "÷ Go", "÷ Rust" and "÷ floor" ratios. */
  role?: 'go' | 'rust' | 'floor';
  /** Many requests per send: compared with the batched floor. */
  batched?: boolean;
  note?: string;
}

/**
 * Rows gathered over interleaved rounds: adding the same workload, op, tool and Node line again
 * appends the times.
 */
export class Rows {
  readonly list: Row[] = [];

  add(row: Row): void {
    const same = this.list.find((r) => r.workload === row.workload && r.op === row.op && r.tool === row.tool && r.node?.path === row.node?.path);
    if (same) same.times.push(...row.times);
    else this.list.push({ ...row, times: [...row.times] });
  }
}

export function min(xs: readonly number[]): number {
  return Math.min(...xs);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const now = (): number => performance.now();

// performance.now() runs a JavaScript check of its receiver that V8 compiles after a number of
// calls, and that compile takes with it whatever else is queued (the tool's own functions). Every
// node tool imports this module, so the clock is warm before any of them starts timing.
for (let i = 0; i < 64; i++) now();

/** 10.1.0.0 + i as a dotted quad (i < 2^24 - 2^16). */
export function routeAddress(i: number): string {
  const n = (10 << 24) + (1 << 16) + i;
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** W3: pair i gets 10.100.0.0 + 4i /30, .1 on va<i> and .2 on vb<i>. */
export function pairAddresses(i: number): [string, string] {
  const n = (10 << 24) + (100 << 16) + 4 * i;
  const q = (x: number) => `${(x >>> 24) & 255}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}/30`;
  return [q(n + 1), q(n + 2)];
}

/** Per-container setup: container i gets 10.200.0.0 + i + 2 /16, default via 10.200.255.254. */
export function containerAddress(i: number): string {
  return `10.200.${(i + 2) >> 8}.${(i + 2) & 255}/16`;
}
export const CONTAINER_GATEWAY = '10.200.255.254';

/** Runs a command, throwing with its stderr if it fails. */
export function sh(command: string, args: readonly string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}: ${String(r.stderr).trim()}`);
  return String(r.stdout);
}

/** `ip -batch FILE` (optionally `-n NS`); returns its wall time in ms, process start-up included. */
export function ipBatch(lines: readonly string[], netns?: string): number {
  const file = join(tmpdir(), `bench-ip-${process.pid}.batch`);
  writeFileSync(file, lines.join('\n') + '\n');
  const args = [...(netns ? ['-n', netns] : []), '-batch', file];
  const t0 = now();
  sh('ip', args);
  return now() - t0;
}

/** One `ip` process per line, each started and awaited in turn; the total wall time in ms. */
export function ipEach(lines: ReadonlyArray<string | readonly string[]>, netns?: string): number {
  const t0 = now();
  for (const line of lines) sh('ip', [...(netns ? ['-n', netns] : []), ...(typeof line === 'string' ? line.split(' ') : line)]);
  return now() - t0;
}

/**
 * Runs a worker process that measures inside itself and prints one JSON object (its last line
 * of stdout). `netns` puts it inside that namespace with `ip netns exec` (for pyroute2).
 */
export async function worker<T>(command: string, args: readonly string[], netns?: string, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const argv = netns ? ['ip', ['netns', 'exec', netns, command, ...args]] as const : [command, args] as const;
  const child = spawn(argv[0], [...argv[1]], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.trim() || out.trim()}`);
  const last = out.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${command}: no JSON result on stdout: ${out.slice(-500)} ${err.slice(-500)}`);
  }
}

/** Our worker (dist/bench/tools/ours.js) with one task, under one Node line (with `env`, in that environment). */
export function ours<T>(task: object, node: NodeLine, env?: NodeJS.ProcessEnv): Promise<T> {
  return worker<T>(node.path, [join(ROOT, 'dist/bench/tools/ours.js'), JSON.stringify(task)], undefined, env);
}

/** The floor (dist/bench/tools/floor.js): prebuilt frames, libc send/recv through koffi. */
export function floor<T>(task: object, node: NodeLine): Promise<T> {
  return worker<T>(node.path, [join(ROOT, 'dist/bench/tools/floor.js'), JSON.stringify(task)]);
}

/** The `netlink` npm package's rt layer (dist/bench/tools/node-netlink.js), under the running Node (its addon is built for it). */
export function nodeNetlink<T>(task: object): Promise<T> {
  return worker<T>(process.execPath, [join(ROOT, 'dist/bench/tools/node-netlink.js'), JSON.stringify(task)]);
}

/** pyroute2 (bench/peers/pyroute2_bench.py) with one task, run inside `netns`. */
export function pyroute2<T>(task: object, netns: string): Promise<T> {
  return worker<T>(PYTHON, [join(ROOT, 'bench/peers/pyroute2_bench.py'), JSON.stringify(task)], netns);
}

/** Go with vishvananda/netlink (bench/peers/go-netlink, built by buildGoPeer). */
export function goNetlink<T>(task: object, binary: string): Promise<T> {
  return worker<T>(binary, [JSON.stringify(task)]);
}

/** Rust with the rtnetlink crate (bench/peers/rust-rtnetlink, built by bench/rust-peer.ts). */
export function rustRtnetlink<T>(task: object, binary: string): Promise<T> {
  return worker<T>(binary, [JSON.stringify(task)]);
}

export const GOPATH = '/usr/share/gocode';
const GO_LIBRARIES = ['github.com/vishvananda/netlink', 'github.com/vishvananda/netns'];

/**
 * Builds a Go program of bench/peers/ (go-netlink, cni-timer) offline in GOPATH mode against
 * Debian's packaged sources into `outDir`. Returns its path, or why it cannot be built.
 */
export function buildGoPeer(outDir: string, name = 'go-netlink'): { path: string } | { missing: string } {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return { missing: 'no `go` (apt-get install golang-go)' };
  const absent = GO_LIBRARIES.filter((lib) => !existsSync(join(GOPATH, 'src', lib)));
  if (absent.length) return { missing: `${absent.join(', ')} not in ${GOPATH} (apt-get install golang-github-vishvananda-netlink-dev golang-github-vishvananda-netns-dev)` };
  const path = join(outDir, name);
  sh('go', ['build', '-o', path, '.'], { cwd: join(ROOT, 'bench/peers', name), env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '' } });
  return { path };
}

export function hasPyroute2(): boolean {
  return spawnSync(PYTHON, ['-c', 'import pyroute2'], { stdio: 'ignore' }).status === 0;
}

/** A fresh named namespace with lo up, made with `ip` (neutral to every tool). */
export function freshNetns(name: string): void {
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  sh('ip', ['netns', 'add', name]);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export function deleteNetns(name: string): void {
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

/** W1/W2's device: veth0 (peer veth0p) up with 10.0.0.1/16. Returns veth0's index. */
export function routeDevice(netns: string): number {
  sh('ip', ['-n', netns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth0p']);
  sh('ip', ['-n', netns, 'link', 'set', 'veth0p', 'up']);
  sh('ip', ['-n', netns, 'link', 'set', 'veth0', 'up']);
  sh('ip', ['-n', netns, 'addr', 'add', '10.0.0.1/16', 'dev', 'veth0']);
  const [link] = JSON.parse(sh('ip', ['-n', netns, '-j', 'link', 'show', 'veth0'])) as Array<{ ifindex: number }>;
  return link!.ifindex;
}

/** Number of routes in `netns`'s main table (to check a tool really did the work). */
export function countRoutes(netns: string): number {
  const out = sh('ip', ['-n', netns, '-4', 'route', 'show', 'table', 'main']);
  return out.length === 0 ? 0 : out.trimEnd().split('\n').length;
}

/** The Node line running the benchmark. */
export function primaryNode(s: Setup): NodeLine {
  const node = s.nodes.find((n) => n.primary);
  if (!node) throw new Error('bench: no primary Node line');
  return node;
}

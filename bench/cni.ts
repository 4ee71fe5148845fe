/**
 * CNI ADD / DEL latency per container, process start included: the reference bridge plugin
 * (/usr/lib/cni/bridge) against ours (node dist/bundle/cni-bridge.js, as installed), in one run, each in a fresh
 * sandbox; then the in-process attachContainer / detachContainer. As root it re-executes itself
 * inside a private network + mount namespace, so the host is never touched.
 *
 *   node dist/bench/cni.js [--containers 20]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SANDBOX = 'NETNS_RTNL_SANDBOX';
if (process.getuid?.() !== 0) {
  console.log('bench/cni: needs root (it runs inside a private network namespace)');
  process.exit(0);
}
if (process.env[SANDBOX] !== '1') {
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', '--', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [SANDBOX]: '1' },
  });
  process.exit(r.status ?? 1);
}
spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run/netns']);

const { Namespace } = await import('../lib/index.js');
const { attachContainer, detachContainer } = await import('../lib/cni/index.js');

const REFERENCE = '/usr/lib/cni/bridge';
const OURS = fileURLToPath(new URL('../bundle/cni-bridge.js', import.meta.url));
const CNI_PATH = '/usr/lib/cni';
const count = Number(process.argv[process.argv.indexOf('--containers') + 1]) || 20;
if (!existsSync(REFERENCE)) throw new Error(`${REFERENCE} missing: apt-get install containernetworking-plugins`);

type Ns = Awaited<ReturnType<typeof Namespace.create>>;

function exec(file: string, args: string[], host: Ns, env: NodeJS.ProcessEnv, stdin: string): Promise<number> {
  const start = process.hrtime.bigint();
  const child = host.spawn(file, args, { env, stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin!.end(stdin);
  return new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`${file} exited ${code}`)))),
  );
}

function stats(ms: number[]): { median: number; p90: number; mean: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.floor(s.length * 0.9)]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const fmt = (x: { median: number; p90: number; mean: number }) => `median ${x.median.toFixed(1)} ms  p90 ${x.p90.toFixed(1)} ms  mean ${x.mean.toFixed(1)} ms`;

interface Run {
  add: number[];
  del: number[];
}

async function sandbox(tag: string): Promise<{ host: Ns; containers: Ns[]; dataDir: string }> {
  const host = await Namespace.create(`bench-cni-${tag}-h`);
  await (await host.link('lo')).up();
  const containers: Ns[] = [];
  for (let i = 0; i < count; i++) containers.push(await Namespace.create(`bench-cni-${tag}-c${i}`));
  return { host, containers, dataDir: mkdtempSync(join(tmpdir(), 'bench-cni-ipam-')) };
}

async function cleanup(sb: { host: Ns; containers: Ns[]; dataDir: string }): Promise<void> {
  for (const c of sb.containers) await c.delete();
  await sb.host.delete();
  rmSync(sb.dataDir, { recursive: true, force: true });
}

function conf(dataDir: string, extra: Record<string, unknown> = {}) {
  return { cniVersion: '1.0.0', name: 'bench-net', type: 'bridge', bridge: 'bench-br0', isGateway: true, ipam: { type: 'host-local', subnet: '10.123.0.0/16', dataDir }, ...extra };
}

async function executable(tag: string, file: string, args: string[], extra: Record<string, unknown> = {}): Promise<Run> {
  const sb = await sandbox(tag);
  const stdin = JSON.stringify(conf(sb.dataDir, extra));
  const run: Run = { add: [], del: [] };
  const env = (i: number, command: string) => ({ PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: `bench${i}`, CNI_NETNS: sb.containers[i]!.path, CNI_IFNAME: 'eth0', CNI_PATH });
  for (let i = 0; i < count; i++) run.add.push(await exec(file, args, sb.host, env(i, 'ADD'), stdin));
  for (let i = 0; i < count; i++) run.del.push(await exec(file, args, sb.host, env(i, 'DEL'), stdin));
  await cleanup(sb);
  return run;
}

async function inProcess(tag: string, extra: Record<string, unknown> = {}, ipam = true): Promise<Run> {
  const sb = await sandbox(tag);
  const c = conf(sb.dataDir, extra);
  if (!ipam) delete (c as { ipam?: unknown }).ipam;
  const run: Run = { add: [], del: [] };
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await attachContainer(c, { netns: sb.containers[i]!, ifname: 'eth0', containerId: `bench${i}`, host: sb.host, cniPath: CNI_PATH });
    run.add.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await detachContainer(c, { netns: sb.containers[i]!, ifname: 'eth0', containerId: `bench${i}`, host: sb.host, cniPath: CNI_PATH });
    run.del.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await cleanup(sb);
  return run;
}

function nodeStartup(): number {
  const ms: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return stats(ms).median;
}

console.log(`CNI ADD/DEL latency per container (${count} containers, host-local IPAM, isGateway), process start included`);
console.log(`node -e 0 on this machine: median ${nodeStartup().toFixed(1)} ms\n`);
const rows: Array<[string, Run]> = [];
// Interleave the two executables twice so that machine load hits both alike.
for (const round of [1, 2]) {
  rows.push([`reference bridge (Go)      #${round}`, await executable(`r${round}`, REFERENCE, [])]);
  rows.push([`cni-bridge (node)          #${round}`, await executable(`o${round}`, process.execPath, [OURS])]);
}
rows.push(['reference bridge, ipMasq', await executable('rm', REFERENCE, [], { ipMasq: true })]);
rows.push(['cni-bridge, ipMasq', await executable('om', process.execPath, [OURS], { ipMasq: true })]);
rows.push(['attachContainer in process', await inProcess('i')]);
rows.push(['attachContainer, ipMasq', await inProcess('im', { ipMasq: true })]);
rows.push(['attachContainer, no IPAM (L2)', await inProcess('i2', {}, false)]);
for (const [name, run] of rows) {
  console.log(`${name.padEnd(32)} ADD ${fmt(stats(run.add))}`);
  console.log(`${''.padEnd(32)} DEL ${fmt(stats(run.del))}`);
}
const med = (name: string, k: 'add' | 'del') => stats(rows.filter(([n]) => n.startsWith(name)).flatMap(([, r]) => r[k])).median;
console.log(`\nratio ours/reference (median, both rounds): ADD ${(med('cni-bridge (node)', 'add') / med('reference bridge (Go)', 'add')).toFixed(2)}x  DEL ${(med('cni-bridge (node)', 'del') / med('reference bridge (Go)', 'del')).toFixed(2)}x`);


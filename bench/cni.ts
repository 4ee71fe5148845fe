/**
 * CNI: the plugin as a runtime runs it, a new process per call, in the order Podman calls it for
 * one container (VERSION, ADD, VERSION, DEL), process start included: the reference bridge plugin
 * (/usr/lib/cni/bridge, Go) against ours (`node dist/bundle/cni-bridge.cjs`, as installed) under
 * each Node line, beside `node -e 0` started the same way (the floor of any Node executable), and
 * attachContainer / detachContainer in a warm process. Configuration: bridge + host-local IPAM,
 * isGateway. Every tool gets a fresh host namespace, containers and IPAM directory; rounds are
 * interleaved.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Namespace } from '../lib/index.js';
import { now, ours, ROOT, Rows, type NodeLine, type Row, type Setup } from './common.js';
import { CLEAN_ENV, withBaseline } from './start.js';

const W = 'CNI plugin through its executable (ms per call, process start included)';
const REFERENCE = '/usr/lib/cni/bridge';
const CNI_PATH = '/usr/lib/cni';
const OURS = join(ROOT, 'dist/bundle/cni-bridge.cjs');
const BASELINE = '`node -e 0` (same spawn)';
const COMMANDS = ['VERSION', 'ADD', 'VERSION', 'DEL'] as const;
/** The path of another build's dist/bundle/cni-bridge.cjs, run too (a row of its own). */
const OTHER_BUILD_ENV = 'NETNS_RTNL_BENCH_CNI_OTHER';

interface Sandbox {
  host: Namespace;
  containers: Namespace[];
  dataDir: string;
}

async function sandbox(tag: string, count: number): Promise<Sandbox> {
  const host = await Namespace.create(`bcni-${tag}-h`);
  await (await host.link('lo')).up();
  const containers: Namespace[] = [];
  for (let i = 0; i < count; i++) containers.push(await Namespace.create(`bcni-${tag}-c${i}`));
  return { host, containers, dataDir: mkdtempSync(join(tmpdir(), 'bench-cni-ipam-')) };
}

async function cleanup(sb: Sandbox): Promise<void> {
  for (const c of sb.containers) await c.delete();
  await sb.host.delete();
  rmSync(sb.dataDir, { recursive: true, force: true });
}

export function cniConfig(dataDir: string): Record<string, unknown> {
  return { cniVersion: '1.0.0', name: 'bench-net', type: 'bridge', bridge: 'bench-br0', isGateway: true, ipam: { type: 'host-local', subnet: '10.123.0.0/16', dataDir } };
}

/** One process in the host namespace, stdin written and closed; its wall time from spawn to exit. */
function exec(host: Namespace, file: string, args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<number> {
  const t0 = now();
  const child = host.spawn(file, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  // A process may exit without reading its input (`node -e 0`, a VERSION that needs none).
  child.stdin!.on('error', () => undefined).end(stdin);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(now() - t0) : reject(new Error(`${file} ${args.join(' ')} (${env.CNI_COMMAND}) exited ${code}: ${err}`))));
  });
}

type Plugin = { tool: string; file: string; args: string[]; node?: NodeLine; role?: 'go' };

async function executable(rows: Rows, p: Plugin, tag: string, count: number): Promise<void> {
  const sb = await sandbox(tag, count);
  try {
    const stdin = JSON.stringify(cniConfig(sb.dataDir));
    for (let i = 0; i < count; i++) {
      for (const command of COMMANDS) {
        const env = { ...CLEAN_ENV, CNI_COMMAND: command, CNI_CONTAINERID: `bench${i}`, CNI_NETNS: sb.containers[i]!.path, CNI_IFNAME: 'eth0', CNI_PATH };
        const ms = await exec(sb.host, p.file, p.args, env, stdin);
        rows.add({ workload: W, op: command, tool: p.tool, times: [ms], ...(p.node ? { node: p.node } : {}), ...(p.role ? { role: p.role } : {}) });
      }
      if (p.node) {
        const ms = await exec(sb.host, p.file, ['-e', '0'], CLEAN_ENV, '');
        rows.add({ workload: W, op: BASELINE, tool: 'node', node: p.node, times: [ms] });
      }
    }
  } finally {
    await cleanup(sb);
  }
}

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  if (!existsSync(REFERENCE)) {
    log(`cni: ${REFERENCE} missing (apt-get install containernetworking-plugins): skipped`);
    return [];
  }
  const rows = new Rows();
  // Another build's executable beside this one's, in the same rounds: a change measured before/after.
  const other = process.env[OTHER_BUILD_ENV];
  const plugins: Plugin[] = [
    { tool: 'reference bridge plugin (Go)', file: REFERENCE, args: [], role: 'go' },
    ...s.nodes.flatMap((node): Plugin[] => [
      { tool: 'cni-bridge', file: node.path, args: [OURS], node },
      ...(other ? [{ tool: `cni-bridge of ${other}`, file: node.path, args: [other], node }] : []),
    ]),
  ];
  for (let round = 1; round <= s.rounds; round++) {
    for (const [k, p] of plugins.entries()) {
      log(`cni round ${round}: ${p.tool}${p.node ? ` under node ${p.node.version}` : ''}`);
      await executable(rows, p, `${round}${k}`, s.cniContainers);
    }
    for (const node of s.nodes) {
      log(`cni round ${round}: attachContainer in a warm process under node ${node.version}`);
      const sb = await sandbox(`${round}w`, s.cniContainers);
      try {
        const r = await ours<{ add: number[]; del: number[] }>(
          { w: 'cni', host: sb.host.path, containers: sb.containers.map((c) => c.path), conf: cniConfig(sb.dataDir), cniPath: CNI_PATH },
          node,
        );
        rows.add({ workload: W, op: 'ADD', tool: 'ours, attachContainer in a warm process', node, times: r.add, ours: true });
        rows.add({ workload: W, op: 'DEL', tool: 'ours, detachContainer in a warm process', node, times: r.del, ours: true });
      } finally {
        await cleanup(sb);
      }
    }
  }
  const list = withBaseline(rows.list, BASELINE);
  // The warm-process rows have no process to start: a difference to `node -e 0` means nothing there.
  for (const r of list) if (r.ours) delete r.note;
  return list;
}

/**
 * The short table at the top of the report (and the one the README's performance section is made
 * from): per workload, the references (Go, Rust's rtnetlink one request at a time, `ip -batch`, the
 * floor) and ours under each Node line, each of ours with its ratio to Go, to Rust and to the floor
 * of the same run. The Rust column appears when the Rust peer ran.
 */
import { median, type NodeLine, type Row, type Setup } from './common.js';
import { fmt, ratio } from './report.js';
import { FLOOR_BATCHED, ONE_QUEUE_OP } from './w3-veth.js';

interface Line {
  label: string;
  workload: string;
  op: string;
  ours: string;
  /** The floor row to compare with (W1 batched: the batched floor). */
  floor?: string;
}

const LINES: Line[] = [
  { label: 'W1 add 10,000 routes, one at a time', workload: 'W1', op: 'add', ours: 'ours, one by one', floor: 'floor, one at a time' },
  { label: 'W1 add, batched (`addRoutes`)', workload: 'W1', op: 'add', ours: 'ours, batched', floor: 'floor, 64 per send' },
  { label: 'W1 delete, one at a time', workload: 'W1', op: 'delete', ours: 'ours, one by one', floor: 'floor, one at a time' },
  { label: 'W1 delete, batched', workload: 'W1', op: 'delete', ours: 'ours, batched', floor: 'floor, 64 per send' },
  { label: 'W2 dump 100,000 routes into objects', workload: 'W2', op: 'dump', ours: 'ours, ns.routes' },
  { label: 'W3 create 200 veth pairs, one at a time', workload: 'W3', op: 'create', ours: 'ours, one by one', floor: 'floor, one at a time' },
  { label: 'W3 create, concurrent', workload: 'W3', op: 'create', ours: 'ours, concurrent', floor: FLOOR_BATCHED },
  { label: 'W3 up ×400, one at a time', workload: 'W3', op: 'up', ours: 'ours, one by one', floor: 'floor, one at a time' },
  { label: 'W3 up, concurrent', workload: 'W3', op: 'up', ours: 'ours, concurrent', floor: FLOOR_BATCHED },
  { label: 'W3 addr ×400, one at a time', workload: 'W3', op: 'addr', ours: 'ours, one by one', floor: 'floor, one at a time' },
  { label: 'W3 addr, concurrent', workload: 'W3', op: 'addr', ours: 'ours, concurrent', floor: FLOOR_BATCHED },
  { label: 'W3 delete 200 pairs: group delete', workload: 'W3', op: 'delete', ours: 'ours, group delete', floor: 'floor' },
  { label: 'W3 create with one queue each end, one at a time', workload: 'W3', op: ONE_QUEUE_OP, ours: 'ours, one by one', floor: 'floor, one at a time' },
  { label: 'W3 create with one queue each end, concurrent', workload: 'W3', op: ONE_QUEUE_OP, ours: 'ours, concurrent', floor: FLOOR_BATCHED },
  { label: 'W4 cluster build, warm process', workload: 'W4', op: 'build, warm', ours: 'ours', floor: 'floor' },
  { label: 'W4 cluster build, first in a fresh process', workload: 'W4', op: 'build, first', ours: 'ours', floor: 'floor' },
  { label: 'W4 cluster teardown, warm process', workload: 'W4', op: 'teardown, warm', ours: 'ours', floor: 'floor' },
  { label: 'W4 cluster teardown, first in a fresh process', workload: 'W4', op: 'teardown, first', ours: 'ours', floor: 'floor' },
  { label: "`await import('netns-rtnl')`, process included", workload: 'Start', op: "`await import('netns-rtnl')`", ours: 'node' },
  { label: '`node -e 0` (for comparison)', workload: 'Start', op: '`node -e 0`', ours: 'node' },
  { label: 'CNI VERSION through the executable', workload: 'CNI', op: 'VERSION', ours: 'cni-bridge' },
  { label: 'CNI ADD through the executable', workload: 'CNI', op: 'ADD', ours: 'cni-bridge' },
  { label: 'CNI DEL through the executable', workload: 'CNI', op: 'DEL', ours: 'cni-bridge' },
  { label: 'CNI ADD in a warm process', workload: 'CNI', op: 'ADD', ours: 'ours, attachContainer' },
  { label: '`podman run --rm` with the plugin', workload: 'Podman', op: 'podman run', ours: 'cni-bridge' },
];

export function summary(rows: readonly Row[], s: Setup): string {
  const pick = (workload: string, op: string, tool: string, node?: NodeLine) =>
    rows.find((r) => r.workload.startsWith(workload) && r.op.startsWith(op) && r.tool.startsWith(tool) && (node === undefined || r.node?.path === node.path));
  const med = (r: Row | undefined) => (r && r.times.length ? median(r.times) : NaN);
  const cell = (r: Row | undefined) => (r && r.times.length ? fmt(median(r.times)) : '');
  const primary = s.nodes.find((n) => n.primary);
  const withRust = rows.some((r) => r.role === 'rust');
  const head = `| workload | Go |${withRust ? ' Rust |' : ''} \`ip -batch\` | floor | ${s.nodes.map((n) => `ours, Node ${n.version}`).join(' | ')} |`;
  const out = [head, `|---|---|${withRust ? '---|' : ''}---|---|${s.nodes.map(() => '---|').join('')}`];
  for (const line of LINES) {
    const go = pick(line.workload, line.op, line.workload === 'CNI' || line.workload === 'Podman' ? 'reference' : 'Go');
    const rust = rows.find((r) => r.role === 'rust' && r.workload.startsWith(line.workload) && r.op.startsWith(line.op));
    const ip = pick(line.workload, line.op, 'ip -batch');
    const floorOf = (node?: NodeLine) => (line.floor ? pick(line.workload, line.op, line.floor, node) ?? pick(line.workload, line.op, line.floor) : undefined);
    const ours = s.nodes.map((node) => {
      const r = pick(line.workload, line.op, line.ours, node);
      if (!r) return '';
      const m = med(r);
      const parts = [go ? `${ratio(m / med(go))} Go` : '', rust ? `${ratio(m / med(rust))} Rust` : '', floorOf(node) ? `${ratio(m / med(floorOf(node)))} floor` : ''].filter(Boolean);
      return `${fmt(m)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
    });
    if (ours.every((c) => c === '') && !go) continue;
    const floorRow = floorOf(primary);
    // The batched floor's cell gives its own ratio to Go too: what the kernel allows a concurrent target stated as a ratio to Go.
    const floorCell = line.floor === FLOOR_BATCHED && floorRow && go ? `${cell(floorRow)} batched (${ratio(med(floorRow) / med(go))} Go)` : cell(floorRow);
    out.push(`| ${line.label} | ${cell(go)} |${withRust ? ` ${cell(rust)} |` : ''} ${cell(ip)} | ${floorCell} | ${ours.join(' | ')} |`);
  }
  return out.join('\n');
}

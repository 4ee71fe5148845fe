/**
 * The Markdown report of `npm run bench`: one table per workload with every figure as a ratio to
 * Go, to Rust (where it ran) and to the floor measured in the same run, and the targets of the speed issue checked
 * against those ratios, once per Node line.
 */
import { median, min, type NodeLine, type Row, type Setup } from './common.js';
import { FLOOR_BATCHED } from './w3-veth.js';

/** How a W3 concurrent target's line names the batched floor's own ratio to Go (bench/readme.ts reads it back). */
export const FLOOR_BOUND = 'batched floor';

export const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`);
export const ratio = (x: number): string => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : '?');

interface Group {
  workload: string;
  op: string;
  rows: Row[];
}

function groups(rows: readonly Row[]): Group[] {
  const map = new Map<string, Group>();
  for (const r of rows) {
    const key = `${r.workload}\u0000${r.op}`;
    if (!map.has(key)) map.set(key, { workload: r.workload, op: r.op, rows: [] });
    map.get(key)!.rows.push(r);
  }
  return [...map.values()];
}

/** The floor a row is compared with: the same kind (batched or not), under the same Node line if it ran there. */
function floorFor(g: Group, r: Row, s: Setup): Row | undefined {
  const floors = g.rows.filter((x) => x.role === 'floor' && !!x.batched === !!r.batched);
  const node = r.node ?? s.nodes.find((n) => n.primary);
  return floors.find((x) => x.node?.path === node?.path) ?? floors[0];
}

const nodeLabel = (n: NodeLine | undefined) => (n ? n.version : '');

export function tables(rows: readonly Row[], s: Setup): string {
  const multi = s.nodes.length > 1;
  const withRust = new Set(rows.filter((r) => r.role === 'rust').map((r) => r.workload));
  const lines: string[] = [];
  let workload = '';
  for (const g of groups(rows)) {
    const rustColumn = withRust.has(g.workload);
    if (g.workload !== workload) {
      workload = g.workload;
      const nodeHead = multi ? ' node |' : '';
      lines.push(
        '',
        `### ${workload}`,
        '',
        `| operation | tool |${nodeHead} runs | min | median | ÷ Go |${rustColumn ? ' ÷ Rust |' : ''} ÷ floor | peer ÷ ours | note |`,
        `|---|---|${multi ? '---|' : ''}---|---|---|---|${rustColumn ? '---|' : ''}---|---|---|`,
      );
    }
    const go = g.rows.find((r) => r.role === 'go');
    const rust = g.rows.find((r) => r.role === 'rust');
    const refs = g.rows.filter((r) => r.ours && (r.node?.primary ?? true));
    for (const r of g.rows) {
      const m = median(r.times);
      const goCell = r === go ? '(Go)' : go ? ratio(m / median(go.times)) : '';
      const rustCell = rustColumn ? ` ${r === rust ? '(Rust)' : rust ? ratio(m / median(rust.times)) : ''} |` : '';
      const f = floorFor(g, r, s);
      const floorCell = r.role === 'floor' ? '(floor)' : f ? ratio(m / median(f.times)) : '';
      const oursCell = r.ours
        ? refs.includes(r) ? (refs.length > 1 ? `(ours ${refs.indexOf(r) + 1})` : '(ours)') : ''
        : refs.map((o, i) => `${ratio(m / median(o.times))}${refs.length > 1 ? ` vs ours ${i + 1}` : ''}`).join(' · ');
      const nodeCell = multi ? ` ${nodeLabel(r.node)} |` : '';
      const show = r.unit === 'bytes' ? (x: number) => `${Math.round(x)} B` : fmt;
      lines.push(`| ${g.op} | ${r.tool} |${nodeCell} ${r.times.length} | ${show(min(r.times))} | ${show(m)} | ${goCell} |${rustCell} ${floorCell} | ${oursCell} | ${r.note ?? ''} |`);
    }
  }
  return lines.join('\n');
}

/** The speed issue's targets, per Node line; a quick run only says it is a smoke run. */
export function targets(rows: readonly Row[], s: Setup, workloads: readonly string[]): string[] {
  const out: string[] = [];
  const find = (workload: string, op: string, tool: string, node?: NodeLine) =>
    rows.find((r) => r.workload.startsWith(workload) && r.op.startsWith(op) && r.tool.startsWith(tool) && (node === undefined || r.node?.path === node.path));
  const med = (r: Row | undefined) => (r && r.times.length ? median(r.times) : NaN);
  const check = (text: string, value: number, limit: number, atMost: boolean, detail = '') => {
    const verdict = Number.isNaN(value) ? 'n/a' : s.quick ? 'smoke run, not a verdict' : (atMost ? value <= limit : value >= limit) ? 'MET' : 'MISSED';
    out.push(`- ${verdict}: ${text} (${atMost ? 'at most' : 'at least'} ${limit}): ${ratio(value)}${detail ? `, ${detail}` : ''}`);
  };
  /** A difference of medians in ms (start-up targets are stated as "within X ms of `node -e 0`"). */
  const within = (text: string, value: number, limit: number) => {
    const verdict = Number.isNaN(value) ? 'n/a' : s.quick ? 'smoke run, not a verdict' : value <= limit ? 'MET' : 'MISSED';
    out.push(`- ${verdict}: ${text} (at most ${limit} ms): ${Number.isNaN(value) ? '?' : `${value.toFixed(1)} ms`}`);
  };
  const goTool = 'Go vishvananda';
  for (const node of s.nodes) {
    const tag = s.nodes.length > 1 ? ` [node ${node.version}]` : '';
    if (workloads.includes('w1')) {
      for (const op of ['add', 'delete'] as const) {
        const seq = med(find('W1', op, 'ours, one by one', node));
        const bat = med(find('W1', op, 'ours, batched', node));
        check(`W1 ${op} one at a time ÷ Go${tag}`, seq / med(find('W1', op, goTool)), 0.8, true, fmt(seq));
        check(`W1 ${op} batched ÷ ip -batch${tag}`, bat / med(find('W1', op, 'ip -batch')), 0.5, true, fmt(bat));
        check(`W1 ${op} batched ÷ batched floor${tag}`, bat / med(find('W1', op, `floor, ${s.w1Batch} per send`, node)), 1.3, true);
        const bytes = med(find('W1 heap', op, 'ours', node));
        const verdict = Number.isNaN(bytes) ? 'n/a' : s.quick ? 'smoke run, not a verdict' : bytes < 1024 ? 'MET' : 'MISSED';
        out.push(`- ${verdict}: W1 ${op} one at a time, heap allocated per request${tag} (under 1024 bytes): ${Number.isNaN(bytes) ? '?' : `${Math.round(bytes)} bytes`}`);
      }
    }
    if (workloads.includes('w2')) {
      const typed = med(find('W2', 'dump', 'ours, ns.routes', node));
      check(`W2 Go ÷ ours (typed dump)${tag}`, med(find('W2', 'dump', goTool)) / typed, 1.4, false, fmt(typed));
    }
    if (workloads.includes('w3')) {
      for (const op of ['create', 'up', 'addr']) {
        const go = med(find('W3', op, goTool));
        check(`W3 ${op} one at a time ÷ Go${tag}`, med(find('W3', op, 'ours, one by one', node)) / go, 1.0, true);
        // What the kernel allows: the same phase with no library, as many requests to a send as the socket takes.
        const bound = med(find('W3', op, FLOOR_BATCHED, node)) / go;
        check(`W3 ${op} concurrent ÷ Go${tag}`, med(find('W3', op, 'ours, concurrent', node)) / go, 0.7, true, Number.isNaN(bound) ? '' : `${FLOOR_BOUND} ${ratio(bound)} Go`);
      }
      const group = med(find('W3', 'delete', 'ours, group delete', node));
      check(`W3 pair-by-pair delete ÷ group delete${tag}`, med(find('W3', 'delete', 'ours, one by one', node)) / group, 40, false, fmt(group));
    }
    if (workloads.includes('w4')) {
      for (const op of ['build, warm', 'teardown, warm']) {
        check(`W4 ${op} ÷ Go${tag}`, med(find('W4', op, 'ours', node)) / med(find('W4', op, goTool)), 1.0, true);
      }
      check(`W4 first build in a fresh process ÷ Go's first${tag}`, med(find('W4', 'build, first', 'ours', node)) / med(find('W4', 'build, first', goTool)), 2.0, true);
    }
    if (workloads.includes('start')) {
      const e0 = med(find('Start', '`node -e 0`', 'node', node));
      within(`\`await import('netns-rtnl')\` above \`node -e 0\`${tag}`, med(find('Start', "`await import('netns-rtnl')`", 'node', node)) - e0, 15);
    }
    if (workloads.includes('cni')) {
      const e0 = med(find('CNI', '`node -e 0`', 'node', node));
      for (const op of ['ADD', 'DEL']) within(`cni-bridge ${op} above \`node -e 0\`${tag}`, med(find('CNI', op, 'cni-bridge', node)) - e0, 30);
      // "Close to the cost of starting the executable at all": read here as within 5 ms of `node -e 0`.
      within(`cni-bridge VERSION above \`node -e 0\`${tag}`, med(find('CNI', 'VERSION', 'cni-bridge', node)) - e0, 5);
    }
  }
  return out;
}

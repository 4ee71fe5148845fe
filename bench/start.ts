/**
 * Start-up: what a fresh process pays to load the package, under each Node line: `node -e 0`, and
 * a process whose whole work is `await import(entry)` for each entry point (as a consumer imports
 * it: the package imports itself by name from the repository root, through package.json
 * "exports"). Timed from outside, process start included; the figure that counts is the
 * difference to `node -e 0` of the same line. Repetitions are interleaved across lines and cases.
 *
 * The processes get only PATH in their environment: a variable like NODE_EXTRA_CA_CERTS makes
 * Node 20 read certificates at start (tens of ms) and would hide what is ours.
 */
import { spawnSync } from 'node:child_process';
import { median, now, ROOT, Rows, type Row, type Setup } from './common.js';

const W = 'Start: a fresh process (ms per process, start-up included)';

export const CLEAN_ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };

const CASES: Array<[op: string, args: string[]]> = [
  ['`node -e 0`', ['-e', '0']],
  ...['netns-rtnl', 'netns-rtnl/messages', 'netns-rtnl/cni'].map((entry): [string, string[]] => [
    `\`await import('${entry}')\``,
    ['--input-type=module', '-e', `await import('${entry}')`],
  ]),
];

function timed(node: string, args: string[]): number {
  const t0 = now();
  const r = spawnSync(node, args, { cwd: ROOT, env: CLEAN_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = now() - t0;
  if (r.status !== 0) throw new Error(`${node} ${args.join(' ')}: exit ${r.status}: ${String(r.stderr)}`);
  return ms;
}

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const rows = new Rows();
  log(`start: ${s.startReps} interleaved repetitions of ${CASES.length} cases under ${s.nodes.length} Node line(s)`);
  for (let r = 0; r < s.startReps; r++) {
    for (const node of s.nodes) {
      for (const [op, args] of CASES) {
        rows.add({ workload: W, op, tool: 'node', node, times: [timed(node.path, args)] });
      }
    }
  }
  return withBaseline(rows.list, CASES[0]![0]);
}

/** Notes every row with its median above the baseline operation's under the same Node line. */
export function withBaseline(rows: Row[], baselineOp: string): Row[] {
  for (const r of rows) {
    const base = rows.find((b) => b.op === baselineOp && b.node?.path === r.node?.path);
    if (base && r !== base) r.note = `${(median(r.times) - median(base.times)).toFixed(1)} ms above ${baselineOp}`;
  }
  return rows;
}

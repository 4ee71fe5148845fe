import { describe, expect, it } from 'vitest';
import { sizes, type NodeLine, type Row, type Setup } from '../../bench/common.js';
import { readmeFigures } from '../../bench/readme.js';
import { targets } from '../../bench/report.js';
import { summary } from '../../bench/summary.js';
import { FLOOR_BATCHED } from '../../bench/w3-veth.js';

const node: NodeLine = { major: '22', version: 'v22.23.5', path: '/usr/bin/node22', primary: true };
const setup: Setup = { ...sizes(false), nodes: [node], go: '/tmp/go-netlink', cniTimer: undefined, rust: undefined };
const W = 'W3 200 veth pairs';

/** W3's create rows: Go 80 ms, ours concurrent 72 ms (0.90×), the batched floor 44 ms (0.55×). */
function w3Rows(batchedFloor: number | undefined): Row[] {
  const rows: Row[] = [
    { workload: W, op: 'create', tool: 'ours, one by one', times: [96], ours: true, node },
    { workload: W, op: 'create', tool: 'ours, concurrent', times: [72], ours: true, node },
    { workload: W, op: 'create', tool: 'floor, one at a time', times: [64], role: 'floor', node },
    { workload: W, op: 'create', tool: 'Go vishvananda/netlink', times: [80], role: 'go' },
  ];
  if (batchedFloor !== undefined) rows.push({ workload: W, op: 'create', tool: FLOOR_BATCHED, times: [batchedFloor], role: 'floor', batched: true, node });
  return rows;
}

describe('bench/report.ts and bench/summary.ts: the batched floor beside W3 concurrent targets', () => {
  it('states the batched floor\'s own ratio to Go on the concurrent target, and judges the target as before', () => {
    const lines = targets(w3Rows(44), setup, ['w3']);
    expect(lines).toContain('- MISSED: W3 create concurrent ÷ Go (at most 0.7): 0.90×, batched floor 0.55× Go');
    // The one-at-a-time target says nothing of it.
    expect(lines).toContain('- MISSED: W3 create one at a time ÷ Go (at most 1): 1.20×');
  });

  it('leaves the line as it was when the run has no batched floor', () => {
    expect(targets(w3Rows(undefined), setup, ['w3'])).toContain('- MISSED: W3 create concurrent ÷ Go (at most 0.7): 0.90×');
  });

  it('compares the concurrent row with the batched floor in the summary, and gives that floor\'s ratio to Go', () => {
    const table = summary(w3Rows(44), setup);
    expect(table).toContain('| W3 create, concurrent | 80.0 ms |  | 44.0 ms batched (0.55× Go) | 72.0 ms (0.90× Go, 1.64× floor) |');
    expect(table).toContain('| W3 create 200 veth pairs, one at a time | 80.0 ms |  | 64.0 ms | 96.0 ms (1.20× Go, 1.50× floor) |');
  });

  it('carries the bound into the README\'s target table, the value and verdict unchanged', () => {
    const report = [
      '## Machine', '', '- date: 2026-12-07T04:00:00.000Z', '- node: v22.23.5', '- whole run: 60 s', '',
      '## Summary', '', '| workload | Go |', '|---|---|', '',
      '## Targets (issue 19)', '', ...targets(w3Rows(44), setup, ['w3']), '',
    ].join('\n');
    const figures = readmeFigures(report);
    expect(figures).toContain('| W3 create concurrent ÷ Go (at most 0.7) | 0.90× missed (batched floor 0.55× Go) |');
    expect(figures).toContain('| W3 create one at a time ÷ Go (at most 1) | 1.20× missed |');
    expect(figures.replace(/[ \n]+/g, ' ')).toContain("beside W3's concurrent targets, in brackets, the batched floor's own ratio to Go");
  });
});

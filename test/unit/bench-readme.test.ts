import { describe, expect, it } from 'vitest';
import { BEGIN, END, readmeFigures, withFigures } from '../../bench/readme.js';

const REPORT = `# Benchmarks

## Machine

- date: 2026-12-03T08:41:00.000Z
- kernel: 6.18.44
- cpus: 2 × AMD EPYC (0 MHz), memory 23.5 GiB
- node: v20.20.2 (runs the benchmark and the node-only peers), v24.22.3
- Go peer: go1.19.8
- Rust peer: rustc 1.95.0, rtnetlink 0.10.1
- iproute2: iproute2-6.1.0
- pyroute2: 0.7.2-2
- podman: podman version 4.3.1
- whole run: 360 s; load average (1 / 5 / 15 min) 0.02 / 0.10 / 0.50 before, 1.20 / 1.00 / 0.60 after (anything above 0 is other work)

## Summary

Medians. Below 1 is faster.

| workload | Go | ours, Node v20.20.2 | ours, Node v24.22.3 |
|---|---|---|---|
| W1 add | 100 ms | 120 ms (1.20× Go) | 90 ms (0.90× Go) |

## Results

### W1 10,000 /32 routes

| operation | tool | node | runs | min | median | ÷ Go | ÷ Rust | ÷ floor | peer ÷ ours | note |
|---|---|---|---|---|---|---|---|---|---|---|
| add | node \`netlink\` rt | v20.20.2 | 6 | 250 ms | 298.4 ms | 2.97× |  |  |  |  |

## Targets (issue 19)

- MISSED: W1 add one at a time ÷ Go [node v20.20.2] (at most 0.8): 1.20×, 120.0 ms
- MET: W1 add one at a time, heap allocated per request [node v20.20.2] (under 1024 bytes): 900 bytes
- MISSED: W1 add one at a time ÷ Go [node v24.22.3] (at most 0.8): 0.90×, 90.0 ms
- n/a: W1 add one at a time, heap allocated per request [node v24.22.3] (under 1024 bytes): ?
`;

describe('bench/readme.ts: the README performance figures from a report', () => {
  const figures = readmeFigures(REPORT);
  /** The prose is wrapped at 100 columns: compared with single spaces. */
  const flat = figures.replace(/[ \n]+/g, ' ');

  it('says when and where the run was, from the report itself', () => {
    expect(flat).toContain('`npm run bench -- --node 20,24` started 2026-12-03 at 08:35 UTC (360 s)');
    expect(flat).toContain('load average 0.02 / 0.10 / 0.50 before and 1.20 / 1.00 / 0.60');
    expect(flat).toContain('Rust peer: rustc 1.95.0, rtnetlink 0.10.1');
    expect(flat).toContain('podman version 4.3.1');
    expect(figures).toContain('| W1 add | 100 ms | 120 ms (1.20× Go) | 90 ms (0.90× Go) |');
    expect(flat).toContain('take 298.4 ms with the `netlink` npm package');
  });

  it('puts every target in one row with a column per Node line, verdict beside the value', () => {
    expect(figures).toContain('| target | Node 20.20.2 | Node 24.22.3 |');
    expect(figures).toContain('| W1 add one at a time ÷ Go (at most 0.8) | 1.20× missed | 0.90× missed |');
    expect(figures).toContain('| W1 add one at a time, heap allocated per request (under 1024 bytes) | 900 bytes met | n/a (?) |');
  });

  it('replaces only what stands between the markers', () => {
    const readme = `# x\n\nbefore\n${BEGIN}\nold figures\n${END}\nafter\n`;
    const out = withFigures(readme, figures);
    expect(out.startsWith(`# x\n\nbefore\n${BEGIN}\n`)).toBe(true);
    expect(out.endsWith(`\n${END}\nafter\n`)).toBe(true);
    expect(out).not.toContain('old figures');
    expect(() => withFigures('# no markers\n', figures)).toThrow(/markers/);
  });
});

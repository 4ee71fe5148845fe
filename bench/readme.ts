/**
 * The README's performance figures, made from a benchmark report (bench/results/LATEST.md): the
 * run and its machine, the summary table, the other peers' figures, and every issue-19 target per
 * Node line. They replace what stands between the two markers in README.md; the prose around the
 * markers (what bounds the figures, measured apart from the run) is written by hand.
 *
 *   node dist/bench/readme.js [REPORT] [README]     (npm run bench:readme)
 *
 * `npm run bench` calls it after a full run that wrote bench/results/LATEST.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './common.js';
import { FLOOR_BOUND } from './report.js';

export const BEGIN = '<!-- bench:begin: made by `npm run bench:readme` from bench/results/LATEST.md; edit bench/readme.ts, not this -->';
export const END = '<!-- bench:end -->';

/** The lines of `## title` up to the next `## ` heading. */
function section(report: string, title: string): string[] {
  const lines = report.split('\n');
  const start = lines.findIndex((l) => l === `## ${title}` || l.startsWith(`## ${title} `));
  if (start < 0) throw new Error(`bench/readme: the report has no "## ${title}" section`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const cells = (row: string): string[] => row.replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());

/** A fact of the Machine section ("- kernel: 6.18..." → "6.18..."). */
function fact(machine: string[], key: string): string {
  const line = machine.find((l) => l.startsWith(`- ${key}: `));
  return line ? line.slice(key.length + 4) : '?';
}

/** Medians of the Results tables, by workload heading prefix, operation prefix and tool prefix (first Node line's row). */
function resultMedian(report: string, workload: string, op: string, tool: string): string | undefined {
  let inTable = false;
  let header: string[] = [];
  for (const line of report.split('\n')) {
    if (line.startsWith('### ')) {
      inTable = line.slice(4).startsWith(workload);
      header = [];
      continue;
    }
    if (!inTable || !line.startsWith('|') || line.startsWith('|---')) continue;
    const c = cells(line);
    if (header.length === 0) {
      header = c;
      continue;
    }
    const at = (name: string) => c[header.indexOf(name)] ?? '';
    if (at('operation').startsWith(op) && at('tool').startsWith(tool)) return at('median');
  }
  return undefined;
}

interface Target {
  verdict: string;
  text: string;
  node: string;
  value: string;
  /** The batched floor's own ratio to Go, where the line states it (W3's concurrent targets). */
  bound?: string;
}

/** "- MISSED: W1 add one at a time ÷ Go [node v20.20.2] (at most 0.8): 1.35×, 136.0 ms" */
function parseTarget(line: string): Target | undefined {
  const m = /^- ([^:]+): (.+?)(?: \[node (v[\d.]+)\])? (\((?:at most|at least|under) [^)]+\)): (.+)$/.exec(line);
  if (!m) return undefined;
  const [value, ...details] = m[5]!.split(', ');
  const bound = details.find((d) => d.startsWith(`${FLOOR_BOUND} `))?.slice(FLOOR_BOUND.length + 1);
  return { verdict: m[1]!, text: `${m[2]} ${m[4]}`, node: m[3] ?? '', value: value!, ...(bound ? { bound } : {}) };
}

function cell(t: Target | undefined): string {
  if (!t) return '';
  if (t.verdict !== 'MET' && t.verdict !== 'MISSED') return `${t.verdict} (${t.value})`;
  return `${t.value} ${t.verdict === 'MET' ? 'met' : 'missed'}${t.bound ? ` (${FLOOR_BOUND} ${t.bound})` : ''}`;
}

/** A paragraph wrapped at `width` columns, as the README's hand-written prose is. */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join('\n');
}

/** The generated part of the README's performance section. */
export function readmeFigures(report: string): string {
  const machine = section(report, 'Machine');
  const nodes = fact(machine, 'node').split(', ').map((n) => n.replace(/ \(.*\)$/, ''));
  const runLine = fact(machine, 'whole run');
  const seconds = Number(/^(\d+) s/.exec(runLine)?.[1] ?? NaN);
  const load = /load average \(1 \/ 5 \/ 15 min\) ([\d. /]+) before, ([\d. /]+) after/.exec(runLine);
  const ended = new Date(fact(machine, 'date'));
  const started = new Date(ended.getTime() - seconds * 1000);
  const when = Number.isNaN(started.getTime()) ? '?' : `${started.toISOString().slice(0, 10)} at ${started.toISOString().slice(11, 16)} UTC`;
  const summary = section(report, 'Summary').filter((l) => l.trim() !== '');
  const table = summary.filter((l) => l.startsWith('|'));
  const preamble = summary.filter((l) => !l.startsWith('|')).join('\n');

  const targets = section(report, 'Targets (issue 19)').map(parseTarget).filter((t): t is Target => t !== undefined);
  const texts = [...new Set(targets.map((t) => t.text))];
  const targetNodes = [...new Set(targets.map((t) => t.node))];
  const targetTable = [
    `| target | ${targetNodes.map((n) => (n ? `Node ${n.slice(1)}` : 'result')).join(' | ')} |`,
    `|---|${targetNodes.map(() => '---|').join('')}`,
    ...texts.map((text) => `| ${text} | ${targetNodes.map((n) => cell(targets.find((t) => t.text === text && t.node === n))).join(' | ')} |`),
  ];

  const fig = (workload: string, op: string, tool: string) => resultMedian(report, workload, op, tool) ?? '?';
  const primary = nodes[0] ?? '?';
  const beside =
    `Beside them in the same run (Node ${primary.slice(1)}, medians): 10,000 routes added one at a time take ` +
    `${fig('W1', 'add', 'node `netlink`')} with the \`netlink\` npm package, ${fig('W1', 'add', 'pyroute2')} with pyroute2 and ` +
    `${fig('W1', 'add', 'iproute2, one')} with one \`ip\` process per route, and Rust's rtnetlink with 64 requests in flight adds them in ` +
    `${fig('W1', 'add', 'Rust rtnetlink, 64')} and deletes them in ${fig('W1', 'delete', 'Rust rtnetlink, 64')}; the 100,000-route dump takes ` +
    `${fig('W2', 'dump', 'node `netlink`')} with the \`netlink\` package and ${fig('W2', 'dump', 'pyroute2')} with pyroute2; ` +
    `Podman with \`--network none\` (no plugin) runs a container in ${fig('Podman 4 with', 'podman run', '--network none')}.`;

  const heap = (op: string) =>
    nodes.map((n) => {
      const t = targets.find((x) => x.node === n && x.text.startsWith(`W1 ${op} one at a time, heap allocated`));
      return t?.value ?? '?';
    });
  return [
    wrap(`The tables and figures below come from one run, \`npm run bench -- --node ${nodes.map((n) => n.slice(1).split('.')[0]).join(',')}\` started ${when} ` +
      `(${Number.isNaN(seconds) ? '?' : seconds} s), load average ${load ? `${load[1]} before and ${load[2]} after (1, 5 and 15 minutes)` : '?'}: ` +
      `${fact(machine, 'cpus')}, Linux ${fact(machine, 'kernel')}; Node ${nodes.map((n) => n.slice(1)).join(', ')}; ` +
      `Go peer: ${fact(machine, 'Go peer')}; Rust peer: ${fact(machine, 'Rust peer')}; ${fact(machine, 'iproute2')}; pyroute2 ${fact(machine, 'pyroute2')}; ${fact(machine, 'podman')}. ` +
      'The full tables, with the peers not shown here, are in `bench/results/LATEST.md`.'),
    '',
    wrap(`${preamble} Each tool is timed inside its own process around the work only, except \`ip\`, the start-up rows, the CNI executable (a process per call) and Podman.`),
    '',
    ...table,
    '',
    wrap(beside),
    '',
    wrap(
      'The targets of issue 19 in this run (ratios of medians; start-up targets as milliseconds above `node -e 0` under the same Node line' +
        (targets.some((t) => t.bound)
          ? `; beside W3's concurrent targets, in brackets, the ${FLOOR_BOUND}'s own ratio to Go: the same phase with no library, as many requests to a send as the socket takes):`
          : '):'),
    ),
    '',
    ...targetTable,
    '',
    wrap(
      `Heap allocated per W1 request one at a time (\`bench/tools/alloc.ts\`: heap in use after 10,000 requests, minus before, plus what collections freed meanwhile), per Node line ${nodes.map((n) => n.slice(1)).join(', ')}: ` +
        `adds ${heap('add').join(', ')}; deletes ${heap('delete').join(', ')}.`,
    ),
  ].join('\n');
}

/** README.md with the figures between the markers replaced. */
export function withFigures(readme: string, figures: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`bench/readme: README.md has no ${BEGIN} ... ${END} markers`);
  return `${readme.slice(0, begin + BEGIN.length)}\n${figures}\n${readme.slice(end)}`;
}

export function writeReadmeFigures(reportPath = join(ROOT, 'bench/results/LATEST.md'), readmePath = join(ROOT, 'README.md')): void {
  writeFileSync(readmePath, withFigures(readFileSync(readmePath, 'utf8'), readmeFigures(readFileSync(reportPath, 'utf8'))));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeReadmeFigures(process.argv[2], process.argv[3]);
  process.stdout.write(`README.md: performance figures made from ${process.argv[2] ?? 'bench/results/LATEST.md'}\n`);
}

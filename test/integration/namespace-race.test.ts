/**
 * Namespace.create(name, { existOk: true }) from many processes at once (issue 15, item 5): the
 * creator makes an empty file before it mounts the namespace on it, and a caller that found the
 * name taken must not get a handle on that placeholder.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Namespace } from '../../lib/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`namespace-race: ${integrationSkipReason}`);

const P = 'it-race-';
const INDEX = fileURLToPath(new URL('../../dist/lib/index.js', import.meta.url));
const PROCESSES = 16;
const ROUNDS = 12;

interface RoundResult {
  round: number;
  inode?: number;
  links?: string[];
  error?: string;
}

// Each child creates (or opens) the round's namespace at the same moment as the others, then uses it.
const CHILD = `
  const { Namespace } = await import(process.env.INDEX);
  const start = Number(process.env.START), period = Number(process.env.PERIOD), out = [];
  for (let round = 0; round < Number(process.env.ROUNDS); round++) {
    const at = start + round * period;
    while (Date.now() < at) await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now() - 2)));
    while (Date.now() < at);
    try {
      const ns = await Namespace.create(process.env.PREFIX + round, { existOk: true });
      try {
        out.push({ round, inode: ns.inode, links: (await ns.links()).map((l) => l.name) });
      } finally {
        ns.close();
      }
    } catch (e) {
      out.push({ round, error: String(e && e.message) });
    }
  }
  console.log(JSON.stringify(out));
`;

function child(env: Record<string, string>): Promise<RoundResult[]> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`child exited ${code}`));
      else resolve(JSON.parse(out) as RoundResult[]);
    });
  });
}

describe.skipIf(!canRunIntegration)('Namespace.create existOk across processes', () => {
  afterAll(async () => {
    for (const name of Namespace.list().filter((n) => n.startsWith(P))) await (await Namespace.open(name)).delete();
  });

  it(`${PROCESSES} processes, ${ROUNDS} rounds: every one gets the same, working namespace`, async () => {
    const env = { INDEX, PREFIX: P, START: String(Date.now() + 5000), PERIOD: '400', ROUNDS: String(ROUNDS) };
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => child(env)));
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const inode = statSync(`/run/netns/${P}${round}`).ino;
      for (const [i, r] of results.map((list) => list[round]!).entries()) {
        if (r.error !== undefined) problems.push(`round ${round}, process ${i}: ${r.error}`);
        else if (r.inode !== inode || r.links?.join() !== 'lo') problems.push(`round ${round}, process ${i}: inode ${r.inode} (the namespace is ${inode}), links ${r.links}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

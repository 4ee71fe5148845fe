import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Fixture {
  name: string;
  group: string;
  description: string;
  command: string;
  direction: 'sent' | 'received';
  bytes: Uint8Array;
  /** What `ip -j` printed right after the capture (null where it has nothing to say). */
  ip: { command: string; output: unknown } | null;
  /** The decoded first message, written by hand where the capture scenario gives one (a partial object). */
  expected?: unknown;
}

/** Strings like "5000000000n" in `expected` stand for bigints, which JSON cannot hold. */
function reviveBigints(value: unknown): unknown {
  if (typeof value === 'string' && /^\d+n$/.test(value)) return BigInt(value.slice(0, -1));
  if (Array.isArray(value)) return value.map(reviveBigints);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reviveBigints(v)]));
  return value;
}

const ROOT = new URL('../fixtures/', import.meta.url).pathname;

/** Every captured frame under test/fixtures/<group>/<name>.json. */
export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const group of readdirSync(ROOT, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const file of readdirSync(join(ROOT, group.name)).filter((f) => f.endsWith('.json')).sort()) {
      const raw = JSON.parse(readFileSync(join(ROOT, group.name, file), 'utf8')) as Omit<Fixture, 'bytes' | 'group'> & { hex: string[] };
      const expected = raw.expected === undefined ? {} : { expected: reviveBigints(raw.expected) };
      const bytes = Uint8Array.from(Buffer.from(raw.hex.map((line) => line.split('#')[0]!.replace(/\s+/g, '')).join(''), 'hex'));
      out.push({ name: raw.name, group: group.name, description: raw.description, command: raw.command, direction: raw.direction, bytes, ip: raw.ip, ...expected });
    }
  }
  return out;
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The programs whose frames are captured: iproute2 in test/fixtures/<group>/, the others in test/fixtures/<producer>/<group>/. */
export const PRODUCERS = ['iproute2', 'go', 'pyroute2'] as const;
export type Producer = (typeof PRODUCERS)[number];

export interface Fixture {
  /** The file name without .json, prefixed with the producer's folder for Go and pyroute2 ('go/link-dump-request'). */
  name: string;
  group: string;
  producer: Producer;
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

type RawFixture = Omit<Fixture, 'bytes' | 'group' | 'producer'> & { hex: string[] };

function readGroup(dir: string, group: string, producer: Producer): Fixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RawFixture;
      const bytes = Uint8Array.from(Buffer.from(raw.hex.map((line) => line.split('#')[0]!.replace(/\s+/g, '')).join(''), 'hex'));
      const name = producer === 'iproute2' ? raw.name : `${producer}/${raw.name}`;
      const expected = raw.expected === undefined ? {} : { expected: reviveBigints(raw.expected) };
      return { name, group, producer, description: raw.description, command: raw.command, direction: raw.direction, bytes, ip: raw.ip, ...expected };
    });
}

/** Every captured rtnetlink frame: test/fixtures/<group>/<name>.json and test/fixtures/<producer>/<group>/<name>.json. */
export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const entry of readdirSync(ROOT, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const producer = PRODUCERS.find((p) => p === entry.name);
    if (!producer) {
      out.push(...readGroup(join(ROOT, entry.name), entry.name, 'iproute2'));
      continue;
    }
    for (const group of readdirSync(join(ROOT, entry.name), { withFileTypes: true })) {
      if (group.isDirectory()) out.push(...readGroup(join(ROOT, entry.name, group.name), group.name, producer));
    }
  }
  return out;
}

let byName: Map<string, Fixture> | undefined;

/** The captured frame of one fixture, by its name ('route-dump-all-reply-0', 'go/address-dump-request'). */
export function fixtureBytes(name: string): Uint8Array {
  byName ??= new Map(loadFixtures().map((f) => [f.name, f]));
  const found = byName.get(name);
  if (!found) throw new Error(`no fixture named ${name} under test/fixtures`);
  return found.bytes;
}

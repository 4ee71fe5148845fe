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
}

const ROOT = new URL('../fixtures/', import.meta.url).pathname;

/** Every captured frame under test/fixtures/<group>/<name>.json. */
export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const group of readdirSync(ROOT, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const file of readdirSync(join(ROOT, group.name)).filter((f) => f.endsWith('.json')).sort()) {
      const raw = JSON.parse(readFileSync(join(ROOT, group.name, file), 'utf8')) as Omit<Fixture, 'bytes' | 'group'> & { hex: string[] };
      const bytes = Uint8Array.from(Buffer.from(raw.hex.map((line) => line.split('#')[0]!.replace(/\s+/g, '')).join(''), 'hex'));
      out.push({ name: raw.name, group: group.name, description: raw.description, command: raw.command, direction: raw.direction, bytes, ip: raw.ip });
    }
  }
  return out;
}

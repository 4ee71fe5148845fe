import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as messages from '../../messages/index.js';
import type { AttrTable } from '../../messages/attributes/table.js';
import { IFLA_IFNAME } from '../../lib/rtnl/ifinfo.js';
import * as linkTypes from '../../messages/link/attribute-types.js';
import { routeAttributes } from '../../messages/route/index.js';
import { SCAN_NESTED_TYPES } from '../../messages/route/scan.js';

/** Every attribute table reachable from the package's exports. */
function tables(): Array<[string, AttrTable<unknown>]> {
  const out: Array<[string, AttrTable<unknown>]> = [];
  const visit = (name: string, value: unknown) => {
    if (typeof value === 'object' && value !== null && 'specs' in value && 'byType' in value && 'space' in value) out.push([name, value as AttrTable<unknown>]);
  };
  for (const [name, value] of Object.entries(messages)) {
    visit(name, value);
    if (name === 'nftables') for (const [inner, v] of Object.entries(value as object)) visit(`nftables.${inner}`, v);
  }
  return out;
}

describe('one source of attribute numbers', () => {
  const all = tables();

  it('finds the tables', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it('every exported constant named like a table entry has that entry\'s number', () => {
    const exported = messages as unknown as Record<string, unknown>;
    let compared = 0;
    for (const [name, table] of all) {
      for (const spec of table.specs) {
        const constant = exported[spec.kernelName];
        if (constant === undefined) continue;
        compared++;
        expect(constant, `${name}: ${spec.kernelName}`).toBe(spec.type);
      }
    }
    // RTA_*, RTAX_*, IFA_* and VETH_INFO_PEER at least.
    expect(compared).toBeGreaterThan(55);
  });

  it("lib/rtnl/ifinfo.ts's IFLA_IFNAME (kept out of the link codec for the cni-bridge executable) is the link table's", () => {
    expect(IFLA_IFNAME).toBe(messages.linkAttributeType('ifname'));
  });

  it('the IFLA_* numbers the link scanner and written requests use are the link table\'s', () => {
    const byKernelName = new Map(messages.linkAttributes.specs.map((spec) => [spec.kernelName, spec.type]));
    const declared = Object.entries(linkTypes);
    expect(declared.length).toBeGreaterThan(10);
    for (const [name, value] of declared) expect(value, name).toBe(byKernelName.get(name));
  });

  it("the route scanner's nested types are the route table's attributes that are not plain values", () => {
    const nested = routeAttributes.specs.filter((spec) => spec.codec.shape !== 'value' || 'afterSiblings' in spec.codec).map((spec) => spec.type);
    expect([...SCAN_NESTED_TYPES].sort((a, b) => a - b)).toEqual(nested.sort((a, b) => a - b));
  });
});

describe('one source of numbers', () => {
  it('each kernel constant written as a number is declared in one file of lib/ and messages/', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const where = new Map<string, string[]>();
    for (const dir of ['lib', 'messages']) {
      for (const file of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(root, dir, file), 'utf8');
        for (const [, name] of source.matchAll(/^(?:export )?const ([A-Z][A-Z0-9_]+) = (?:0[xob])?[0-9a-fA-F_]+;/gm)) {
          where.set(name!, [...(where.get(name!) ?? []), `${dir}/${file}`]);
        }
      }
    }
    expect(where.size).toBeGreaterThan(300);
    expect([...where].filter(([, files]) => files.length > 1)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import * as messages from '../../messages/index.js';
import type { AttrTable } from '../../messages/attributes/table.js';

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
});

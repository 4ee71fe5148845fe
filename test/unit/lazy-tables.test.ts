import { describe, expect, it } from 'vitest';
import * as messages from '../../messages/index.js';
import { attr, defineTable, type AttrTable } from '../../messages/attributes/table.js';
import { u32 } from '../../messages/attributes/scalars.js';
import { nested } from '../../messages/attributes/walk.js';
import { Source } from '../../messages/source.js';
import { Writer } from '../../messages/writer.js';

function isTable(value: unknown): value is AttrTable<unknown> {
  return typeof value === 'object' && value !== null && 'space' in value && 'byType' in value;
}

/** Every attribute table among `values` and the namespace objects in them, by export name. */
function tablesIn(values: Record<string, unknown>, prefix = ''): Array<[string, AttrTable<unknown>]> {
  return Object.entries(values).flatMap(([name, value]): Array<[string, AttrTable<unknown>]> => {
    if (isTable(value)) return [[`${prefix}${name}`, value]];
    if (typeof value === 'object' && value !== null && Object.isFrozen(value) && !Array.isArray(value)) return tablesIn(value as Record<string, unknown>, `${name}.`);
    return [];
  });
}

describe('attribute tables made on first use', () => {
  it('calls the function on the first read of specs, byType or byName, once', () => {
    for (const read of ['specs', 'byType', 'byName'] as const) {
      let calls = 0;
      const table = defineTable('PROBE', () => {
        calls++;
        return [attr(1, 'PROBE_A', 'a', u32), attr(3, 'PROBE_C', 'c', u32)];
      });
      expect(calls).toBe(0);
      expect(table.space).toBe('PROBE');
      expect(table.member).toBe('PROBE attribute');
      void table[read];
      expect(calls).toBe(1);
      expect(table.specs.map((s) => s.name)).toEqual(['a', 'c']);
      expect(table.byType).toEqual([undefined, table.specs[0], undefined, table.specs[1]]);
      expect([...table.byName]).toEqual([['a', 0], ['c', 1]]);
      expect(calls).toBe(1);
    }
  });

  it('reads and writes as a table defined from its specs', () => {
    const specs = [attr(1, 'PROBE_A', 'a', u32), attr(2, 'PROBE_B', 'b', u32)] as const;
    const eager = defineTable('PROBE', specs);
    const lazy = defineTable('PROBE', () => specs);
    expect(Object.keys(lazy)).toEqual(['space', 'member', 'specs', 'byType', 'byName']);
    expect(Object.keys(lazy)).toEqual(Object.keys(eager));
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(eager));
    expect({ ...lazy }).toEqual({ ...eager });
    expect(Object.getPrototypeOf(lazy)).toBe(Object.prototype);
    const codec = (table: AttrTable<unknown>) => nested(table);
    const w = new Writer();
    codec(lazy).encode(w, { b: 2, a: 1 }, 'probe');
    const fromLazy = w.finish();
    const w2 = new Writer();
    codec(eager).encode(w2, { b: 2, a: 1 }, 'probe');
    expect(fromLazy).toEqual(w2.finish());
    expect(codec(lazy).decode(new Source(fromLazy), 0, fromLazy.length, {})).toEqual(codec(eager).decode(new Source(fromLazy), 0, fromLazy.length, {}));
  });

  it('throws a bad definition at the first read, and at every read after it', () => {
    const table = defineTable('PROBE', () => [attr(1, 'PROBE_A', 'a', u32), attr(1, 'PROBE_B', 'b', u32)]);
    expect(() => table.byType).toThrow('PROBE: attribute number 1 defined twice');
    expect(() => table.specs).toThrow('PROBE: attribute number 1 defined twice');
    expect(() => defineTable('PROBE', [attr(1, 'PROBE_A', 'a', u32), attr(2, 'PROBE_B', 'a', u32)])).toThrow('PROBE: field name a clashes');
  });

  it('builds every table netns-rtnl/messages exports', () => {
    const tables = tablesIn(messages as unknown as Record<string, unknown>);
    expect(tables.length).toBeGreaterThan(20);
    for (const [name, table] of tables) {
      expect(() => table.byType, name).not.toThrow();
      expect(table.byName.size, name).toBe(table.specs.length);
    }
  });
});

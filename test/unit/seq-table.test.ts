import { describe, expect, it } from 'vitest';
import { SeqTable } from '../../lib/seq-table.js';

type Entry = { seq: number };

/** A table whose next number is `next`, holding entries at `held` and the ranges `ranges`. */
function tableAt(next: number, held: number[] = [], ranges: Array<{ first: number; count: number }> = []) {
  const table = new SeqTable<Entry>();
  (table as unknown as { _next: number })._next = next;
  for (const seq of held) table.set({ seq });
  for (const range of ranges) table.addRange(range);
  return table;
}

describe('SeqTable.takeNext', () => {
  it('hands out the numbers allocate() would, without entering them, in every state of the table', () => {
    const states: Array<[number, number[], Array<{ first: number; count: number }>]> = [
      [1, [], []],
      [0, [], []],
      [2 ** 32 - 2, [], []],
      [5, [5, 6], []],
      [5, [70], []],
      [5, [], [{ first: 5, count: 3 }]],
      [2 ** 32 - 1, [1], [{ first: 2, count: 2 }]],
    ];
    for (const [next, held, ranges] of states) {
      const taken = tableAt(next, held, ranges);
      const allocated = tableAt(next, held, ranges);
      const a = Array.from({ length: 5 }, () => taken.takeNext());
      const b = Array.from({ length: 5 }, () => allocated.allocate());
      expect(a).toEqual(b);
      expect(a).not.toContain(0);
      expect(taken.size).toBe(held.length);
    }
  });
});

describe('SeqTable: growing from its first slots', () => {
  it('keeps every entry findable under its own number as it fills, with numbers never shared, and after removals', () => {
    const table = new SeqTable<Entry>();
    const held: Entry[] = [];
    for (let i = 0; i < 300; i++) {
      const entry = { seq: 0 };
      if (i % 3 === 0) table.enterNew(entry);
      else {
        entry.seq = table.allocate();
        table.set(entry);
      }
      held.push(entry);
      if (i % 7 === 6) table.delete(held.splice(i % 5, 1)[0]!);
    }
    expect(table.size).toBe(held.length);
    expect(new Set(held.map((e) => e.seq)).size).toBe(held.length);
    for (const entry of held) expect(table.get(entry.seq)).toBe(entry);
    expect(table.values().length).toBe(held.length);
    const next = table.takeNext();
    expect(held.some((e) => e.seq === next)).toBe(false);
  });
});

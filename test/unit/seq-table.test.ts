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

describe('SeqTable.takeIfEmpty', () => {
  it('hands out the numbers allocate() would while the table holds nothing, without entering them', () => {
    for (const next of [1, 0, 2 ** 32 - 2, 5]) {
      const taken = tableAt(next);
      const allocated = tableAt(next);
      const a = Array.from({ length: 5 }, () => taken.takeIfEmpty());
      const b = Array.from({ length: 5 }, () => allocated.allocate());
      expect(a).toEqual(b);
      expect(a).not.toContain(0);
      expect(taken.size).toBe(0);
    }
  });

  it('takes nothing (0) while the table holds an entry or a range: allocate() then gives what it would have', () => {
    const states: Array<[number, number[], Array<{ first: number; count: number }>]> = [
      [5, [5, 6], []],
      [5, [70], []],
      [5, [], [{ first: 5, count: 3 }]],
      [2 ** 32 - 1, [1], [{ first: 2, count: 2 }]],
    ];
    for (const [next, held, ranges] of states) {
      const table = tableAt(next, held, ranges);
      expect(table.takeIfEmpty()).toBe(0);
      expect(table.allocate()).toBe(tableAt(next, held, ranges).allocate());
    }
  });

  it('gives the number handed back again, and only the last one taken', () => {
    const table = tableAt(7);
    const seq = table.takeIfEmpty();
    table.giveBack(seq);
    expect(table.takeIfEmpty()).toBe(seq);
    // Another number taken since: an older one handed back is not given again.
    const later = table.takeIfEmpty();
    table.giveBack(seq);
    expect(table.allocate()).toBe(later + 1);
    // Wrapping: 2^32 - 1 handed back after next went to 0.
    const wrap = tableAt(2 ** 32 - 1);
    const last = wrap.takeIfEmpty();
    expect(last).toBe(2 ** 32 - 1);
    wrap.giveBack(last);
    expect(wrap.allocate()).toBe(2 ** 32 - 1);
    expect(wrap.allocate()).toBe(1);
  });

  it('takes a number exactly while it holds no entry and no range, through every way of entering and removing one', () => {
    // A fixed pseudo-random walk (a linear congruential sequence): no timing, no global random state.
    let state = 12345;
    const pick = (n: number): number => {
      state = (state * 1103515245 + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const table = new SeqTable<Entry>();
    const held: Entry[] = [];
    const ranges: Array<{ first: number; count: number }> = [];
    for (let step = 0; step < 2000; step++) {
      const op = pick(8);
      if (op === 0) {
        const entry = { seq: 0 };
        table.enterNew(entry);
        held.push(entry);
      } else if (op === 1) {
        const entry = { seq: table.allocate() };
        table.set(entry);
        held.push(entry);
      } else if (op === 2 && held.length > 0) table.delete(held.splice(pick(held.length), 1)[0]!);
      else if (op === 3 && ranges.length < 3) {
        const range = { first: table.reserve(4), count: 4 };
        table.addRange(range);
        ranges.push(range);
        if (pick(2) === 0) {
          const entry = { seq: range.first + 3 };
          table.setReserved(entry);
          held.push(entry);
        }
      } else if (op === 4 && ranges.length > 0) table.removeRange(ranges.splice(pick(ranges.length), 1)[0]!);
      else if (op === 5 && pick(8) === 0) {
        table.clear();
        held.length = 0;
        ranges.length = 0;
      } else if (op === 6 && held.length > 0) {
        // Another object under a held number: not the entry, nothing removed.
        table.delete({ seq: held[0]!.seq });
      }
      const empty = held.length === 0 && ranges.length === 0;
      const taken = table.takeIfEmpty();
      expect(taken !== 0).toBe(empty);
      if (taken !== 0) table.giveBack(taken);
      expect(table.size).toBe(held.length);
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
    const next = table.allocate();
    expect(held.some((e) => e.seq === next)).toBe(false);
  });
});

/** Consecutive sequence numbers held together: [first, first + count), modulo 2^32. */
export interface SeqRange {
  readonly first: number;
  readonly count: number;
}

/** The most attempts reserve() makes to find numbers clear of those in use. */
const RESERVE_ATTEMPTS = 1024;

/**
 * Requests by sequence number, in an array indexed by the number's low bits: a sequence number is
 * handed out only where its slot is free, so slots never collide, and entering or removing a
 * request allocates nothing (a Map churned by one request at a time reallocates its table).
 * The array doubles when every slot is taken. Ranges of numbers reserved together (a batch's,
 * lib/batch-slice.ts) are kept apart: allocate() never hands out a number of a live range.
 */
export class SeqTable<T extends { seq: number }, R extends SeqRange = SeqRange> {
  #slots: Array<T | undefined> = new Array<T | undefined>(64).fill(undefined);
  #mask = 63;
  #size = 0;
  #next = 1;
  readonly #ranges: R[] = [];

  get size(): number {
    return this.#size;
  }

  get(seq: number): T | undefined {
    const entry = this.#slots[seq & this.#mask];
    return entry !== undefined && entry.seq === seq ? entry : undefined;
  }

  /** A sequence number whose slot is free (never 0: the kernel uses it for notifications). */
  allocate(): number {
    if (this.#size > this.#mask) this.#grow();
    let seq = this.#next;
    while (seq === 0 || this.#slots[seq & this.#mask] !== undefined || (this.#ranges.length !== 0 && this.rangeOf(seq) !== undefined)) seq = (seq + 1) >>> 0;
    this.#next = (seq + 1) >>> 0;
    return seq;
  }

  /**
   * The first of `count` consecutive sequence numbers (none 0) that no entry and no live range
   * uses, for a batch; allocate() goes on after them. Only what addRange() enters is kept apart.
   */
  reserve(count: number): number {
    let base = this.#next === 0 ? 1 : this.#next;
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      if (base + count > 2 ** 32) base = 1;
      const clash = this.#clash(base, count);
      if (clash === undefined) {
        this.#next = (base + count) >>> 0;
        return base;
      }
      base = (clash + 1) >>> 0 || 1;
    }
    throw new Error(`no ${count} consecutive sequence numbers free`);
  }

  /** The last number in use within [base, base + count), or undefined if none is. */
  #clash(base: number, count: number): number | undefined {
    let last: number | undefined;
    const later = (seq: number): void => {
      if (last === undefined || ((seq - base) >>> 0) > ((last - base) >>> 0)) last = seq;
    };
    if (this.#size > 0) for (const entry of this.#slots) if (entry !== undefined && ((entry.seq - base) >>> 0) < count) later(entry.seq);
    for (const range of this.#ranges) {
      const end = (range.first + range.count - 1) >>> 0;
      if (((range.first - base) >>> 0) < count || ((base - range.first) >>> 0) < range.count) later(end);
    }
    return last;
  }

  /** Keeps `range`'s numbers apart until removeRange(). */
  addRange(range: R): void {
    this.#ranges.push(range);
  }

  removeRange(range: R): void {
    const ranges = this.#ranges;
    const at = ranges.indexOf(range);
    if (at < 0) return;
    ranges[at] = ranges[ranges.length - 1]!;
    ranges.pop();
  }

  /** The live range holding `seq`, if any. */
  rangeOf(seq: number): R | undefined {
    const ranges = this.#ranges;
    for (let i = 0; i < ranges.length; i++) {
      const range = ranges[i]!;
      if (((seq - range.first) >>> 0) < range.count) return range;
    }
    return undefined;
  }

  /** Enters `entry` under `entry.seq`, which allocate() returned. */
  set(entry: T): void {
    const at = entry.seq & this.#mask;
    if (this.#slots[at] !== undefined) throw new Error(`sequence number ${entry.seq} collides with ${this.#slots[at]!.seq}`);
    this.#slots[at] = entry;
    this.#size++;
  }

  /** Enters `entry` under `entry.seq`, one of a reserved range: the array grows until its slot is free. */
  setReserved(entry: T): void {
    while (this.#slots[entry.seq & this.#mask] !== undefined) this.#grow();
    this.set(entry);
  }

  delete(entry: T): void {
    const at = entry.seq & this.#mask;
    if (this.#slots[at] !== entry) return;
    this.#slots[at] = undefined;
    this.#size--;
  }

  /** Every entry, in slot order (a copy: entries may be removed while it is walked). */
  values(): T[] {
    const out: T[] = [];
    // Empty (a connection closed with nothing pending): no slot to look at.
    if (this.#size === 0) return out;
    for (const entry of this.#slots) if (entry !== undefined) out.push(entry);
    return out;
  }

  clear(): void {
    if (this.#size !== 0) this.#slots.fill(undefined);
    this.#size = 0;
    this.#ranges.length = 0;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    this.#mask = this.#slots.length - 1;
    for (const entry of old) if (entry !== undefined) this.#slots[entry.seq & this.#mask] = entry;
  }
}

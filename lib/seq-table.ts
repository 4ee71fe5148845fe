/** Consecutive sequence numbers held together: [first, first + count), modulo 2^32. */
export interface SeqRange {
  readonly first: number;
  readonly count: number;
}

/** The slots a table starts with (a power of two). */
const FIRST_SLOTS = 8;
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
  // Eight slots to start: most connections have a few requests out at a time (a container's), and
  // the array doubles when every slot is taken.
  private _slots: Array<T | undefined> = new Array<T | undefined>(FIRST_SLOTS).fill(undefined);
  private _mask = FIRST_SLOTS - 1;
  private _size = 0;
  /** Entries and ranges held (_size plus _ranges.length): the lone change's one read of whether the table is empty (takeIfEmpty). */
  private _held = 0;
  private _next = 1;
  private readonly _ranges: R[] = [];

  get size(): number {
    return this._size;
  }

  get(seq: number): T | undefined {
    const entry = this._slots[seq & this._mask];
    return entry !== undefined && entry.seq === seq ? entry : undefined;
  }

  /** A sequence number whose slot is free (never 0: the kernel uses it for notifications). */
  allocate(): number {
    if (this._size > this._mask) this._grow();
    return this._take(this._slots, this._mask);
  }

  /**
   * allocate() and set() in one step, for every request the request path enters (its prepare(),
   * a burst): `entry` is given a free sequence number (returned) and takes its slot, with each
   * field read once.
   */
  enterNew(entry: T): number {
    let mask = this._mask;
    const size = this._size;
    if (size > mask) {
      this._grow();
      mask = this._mask;
    }
    const slots = this._slots;
    // _take() written out for its usual case: the next number is free and no range is held.
    let seq = this._next;
    if (seq !== 0 && slots[seq & mask] === undefined && this._ranges.length === 0) this._next = (seq + 1) >>> 0;
    else seq = this._take(slots, mask);
    entry.seq = seq;
    slots[seq & mask] = entry;
    this._size = size + 1;
    this._held++;
    return seq;
  }

  /**
   * For the request path's lone change: while the table holds no entry and no range, the number
   * allocate() would give (allocate() goes on after it), not entered; else 0, nothing taken. The
   * change is entered (set()) only if anything comes to look for it while it is sent: its slot
   * stays free until then, nothing else being entered meanwhile.
   */
  takeIfEmpty(): number {
    if (this._held !== 0) return 0;
    // Every slot is free: any number but 0.
    const next = this._next;
    const seq = next === 0 ? 1 : next;
    this._next = (seq + 1) >>> 0;
    return seq;
  }

  /** Hands back `seq`, the last number taken, unused (the lone change was not sent): the next one taken is it again. */
  giveBack(seq: number): void {
    if (this._next === ((seq + 1) >>> 0)) this._next = seq;
  }

  /** The next free sequence number from _next on, which _next then passes. */
  private _take(slots: Array<T | undefined>, mask: number): number {
    let seq = this._next;
    const ranges = this._ranges;
    while (seq === 0 || slots[seq & mask] !== undefined || (ranges.length !== 0 && this.rangeOf(seq) !== undefined)) seq = (seq + 1) >>> 0;
    this._next = (seq + 1) >>> 0;
    return seq;
  }

  /**
   * The first of `count` consecutive sequence numbers (none 0) that no entry and no live range
   * uses, for a batch; allocate() goes on after them. Only what addRange() enters is kept apart.
   */
  reserve(count: number): number {
    let base = this._next === 0 ? 1 : this._next;
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      if (base + count > 2 ** 32) base = 1;
      const clash = this._clash(base, count);
      if (clash === undefined) {
        this._next = (base + count) >>> 0;
        return base;
      }
      base = (clash + 1) >>> 0 || 1;
    }
    throw new Error(`no ${count} consecutive sequence numbers free`);
  }

  /** The last number in use within [base, base + count), or undefined if none is. */
  private _clash(base: number, count: number): number | undefined {
    let last: number | undefined;
    const later = (seq: number): void => {
      if (last === undefined || ((seq - base) >>> 0) > ((last - base) >>> 0)) last = seq;
    };
    if (this._size > 0) for (const entry of this._slots) if (entry !== undefined && ((entry.seq - base) >>> 0) < count) later(entry.seq);
    for (const range of this._ranges) {
      const end = (range.first + range.count - 1) >>> 0;
      if (((range.first - base) >>> 0) < count || ((base - range.first) >>> 0) < range.count) later(end);
    }
    return last;
  }

  /** Keeps `range`'s numbers apart until removeRange(). */
  addRange(range: R): void {
    this._ranges.push(range);
    this._held++;
  }

  removeRange(range: R): void {
    const ranges = this._ranges;
    const at = ranges.indexOf(range);
    if (at < 0) return;
    ranges[at] = ranges[ranges.length - 1]!;
    ranges.pop();
    this._held--;
  }

  /** The live range holding `seq`, if any. */
  rangeOf(seq: number): R | undefined {
    const ranges = this._ranges;
    for (let i = 0; i < ranges.length; i++) {
      const range = ranges[i]!;
      if (((seq - range.first) >>> 0) < range.count) return range;
    }
    return undefined;
  }

  /** Enters `entry` under `entry.seq`, which allocate() returned. */
  set(entry: T): void {
    const at = entry.seq & this._mask;
    if (this._slots[at] !== undefined) throw new Error(`sequence number ${entry.seq} collides with ${this._slots[at]!.seq}`);
    this._slots[at] = entry;
    this._size++;
    this._held++;
  }

  /** Enters `entry` under `entry.seq`, one of a reserved range: the array grows until its slot is free. */
  setReserved(entry: T): void {
    while (this._slots[entry.seq & this._mask] !== undefined) this._grow();
    this.set(entry);
  }

  delete(entry: T): void {
    const at = entry.seq & this._mask;
    if (this._slots[at] !== entry) return;
    this._slots[at] = undefined;
    this._size--;
    this._held--;
  }

  /** Every entry, in slot order (a copy: entries may be removed while it is walked). */
  values(): T[] {
    const out: T[] = [];
    // Empty (a connection closed with nothing pending): no slot to look at.
    if (this._size === 0) return out;
    for (const entry of this._slots) if (entry !== undefined) out.push(entry);
    return out;
  }

  clear(): void {
    if (this._size !== 0) this._slots.fill(undefined);
    this._size = 0;
    this._held = 0;
    this._ranges.length = 0;
  }

  private _grow(): void {
    const old = this._slots;
    this._slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    this._mask = this._slots.length - 1;
    // Indexed: a for-of makes an iterator result a slot while this runs in baseline code.
    for (let i = 0; i < old.length; i++) {
      const entry = old[i];
      if (entry !== undefined) this._slots[entry.seq & this._mask] = entry;
    }
  }
}

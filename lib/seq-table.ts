/**
 * Requests by sequence number, in an array indexed by the number's low bits: a sequence number is
 * handed out only where its slot is free, so slots never collide, and entering or removing a
 * request allocates nothing (a Map churned by one request at a time reallocates its table).
 * The array doubles when every slot is taken.
 */
export class SeqTable<T extends { seq: number }> {
  #slots: Array<T | undefined> = new Array<T | undefined>(64).fill(undefined);
  #mask = 63;
  #size = 0;
  #next = 1;

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
    while (seq === 0 || this.#slots[seq & this.#mask] !== undefined) seq = (seq + 1) >>> 0;
    this.#next = (seq + 1) >>> 0;
    return seq;
  }

  /** Enters `entry` under `entry.seq`, which allocate() returned. */
  set(entry: T): void {
    const at = entry.seq & this.#mask;
    if (this.#slots[at] !== undefined) throw new Error(`sequence number ${entry.seq} collides with ${this.#slots[at]!.seq}`);
    this.#slots[at] = entry;
    this.#size++;
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
    for (const entry of this.#slots) if (entry !== undefined) out.push(entry);
    return out;
  }

  clear(): void {
    this.#slots.fill(undefined);
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    this.#mask = this.#slots.length - 1;
    for (const entry of old) if (entry !== undefined) this.#slots[entry.seq & this.#mask] = entry;
  }
}

import { InvalidArgumentError } from './errors.js';

/** A growable little-endian byte buffer for encoding netlink messages. */
export class Writer {
  /**
   * The array written into, and a view of it: valid until the next append, which may move to a
   * bigger one. Fields, not getters (read for every request: a getter is a call until the code is
   * optimized); only the writer replaces them.
   */
  readonly buffer: Uint8Array;
  readonly dataView: DataView;
  /**
   * `buffer` as 32-bit words once words() made it; undefined again when append moves to a bigger
   * buffer. Read by the request writers that fill a whole frame word by word (lib/rtnl/) before
   * they call words(): a call is an inline-cache call and a frame in baseline code.
   * @internal
   */
  wordArray: Uint32Array | undefined;
  /**
   * The bytes wordArray covers (its length in bytes), 0 while there is none: a frame that ends
   * within them fits the word array as it is. A plain number field, so that a writer's one check of
   * that is a field load, where `wordArray.length` is a typed array's accessor, a call until the
   * code is optimized.
   * @internal
   */
  wordBytes = 0;
  /** Bytes written so far (the offset of the next byte). */
  length = 0;
  /** How many attribute sets are being encoded one inside another (see MAX_NESTING). */
  depth = 0;

  constructor(initialSize = 256) {
    this.buffer = new Uint8Array(initialSize);
    this.dataView = new DataView(this.buffer.buffer);
  }

  /**
   * Appends `n` bytes, not cleared, for the caller to fill in through `dataView` at the offset
   * returned (a message whose length is known before it is written, set in place in one step).
   * Every other append of the writer goes through it.
   */
  append(n: number): number {
    const at = this.length;
    const need = at + n;
    if (need > this.buffer.length) {
      let size = this.buffer.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buffer.subarray(0, at));
      const self = this as { -readonly [K in 'buffer' | 'dataView']: Writer[K] };
      self.buffer = next;
      self.dataView = new DataView(next.buffer);
      this.wordArray = undefined;
      this.wordBytes = 0;
    }
    this.length = need;
    return at;
  }

  // append() may replace buffer and dataView: always call it before reading them.
  /** Appends one byte. */
  u8(v: number): void {
    const at = this.append(1);
    this.buffer[at] = v;
  }
  /** Appends a u16 in host (little-endian) order. */
  u16(v: number): void {
    const at = this.append(2);
    this.dataView.setUint16(at, v, true);
  }
  /** Appends an s16 in host order. */
  s16(v: number): void {
    const at = this.append(2);
    this.dataView.setInt16(at, v, true);
  }
  /** Appends a u32 in host order. */
  u32(v: number): void {
    const at = this.append(4);
    this.dataView.setUint32(at, v, true);
  }
  /** Appends an s32 in host order. */
  s32(v: number): void {
    const at = this.append(4);
    this.dataView.setInt32(at, v, true);
  }
  /** Appends a u64 in host order. */
  u64(v: bigint): void {
    const at = this.append(8);
    this.dataView.setBigUint64(at, v, true);
  }
  /** Appends a u16 in network (big-endian) order. */
  u16be(v: number): void {
    const at = this.append(2);
    this.dataView.setUint16(at, v, false);
  }
  /** Appends a u32 in network order. */
  u32be(v: number): void {
    const at = this.append(4);
    this.dataView.setUint32(at, v, false);
  }
  /** Appends `b`. */
  bytes(b: Uint8Array): void {
    const at = this.append(b.length);
    this.buffer.set(b, at);
  }
  /** Appends `n` zero bytes. */
  zeros(n: number): void {
    const at = this.append(n);
    this.buffer.fill(0, at, this.length);
  }
  /** Pads with zeros to the next 4-byte boundary (NLMSG_ALIGN / NLA_ALIGN). */
  align(): void {
    const pad = (4 - (this.length & 3)) & 3;
    if (pad) this.zeros(pad);
  }

  /** The u16 (host order) written at `at`. */
  getU16(at: number): number {
    return this.dataView.getUint16(at, true);
  }
  /** Overwrites the u16 at `at` (host order), e.g. a length once known. */
  setU16(at: number, v: number): void {
    this.dataView.setUint16(at, v, true);
  }
  /** Overwrites the u32 at `at` (host order), e.g. nlmsg_len once known. */
  setU32(at: number, v: number): void {
    this.dataView.setUint32(at, v, true);
  }

  /** Appends an nlmsghdr with nlmsg_len 0 (set once the payload is written); returns its offset. */
  frameHeader(type: number, flags: number, seq: number, pid: number): number {
    const at = this.append(16);
    const view = this.dataView;
    view.setUint32(at, 0, true);
    view.setUint16(at + 4, type, true);
    view.setUint16(at + 6, flags, true);
    view.setUint32(at + 8, seq, true);
    view.setUint32(at + 12, pid, true);
    return at;
  }

  /** Appends a whole attribute holding a u32, in host order or (`bigEndian`) network order. */
  attrU32(type: number, v: number, bigEndian = false): void {
    const at = this.append(8);
    const view = this.dataView;
    view.setUint16(at, 8, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, v, !bigEndian);
  }

  /** Starts an attribute; returns the offset to pass to endAttr. */
  beginAttr(type: number): number {
    const at = this.append(4);
    this.dataView.setUint16(at + 2, type, true);
    return at;
  }

  /** Sets nla_len (payload without padding) and pads to the next boundary. */
  endAttr(at: number, field?: string): void {
    const len = this.length - at;
    if (len > 0xffff) throw new InvalidArgumentError(field ?? 'attribute', `${len} bytes`, 'do not fit nla_len (an attribute holds at most 65535 bytes)');
    this.dataView.setUint16(at, len, true);
    this.align();
  }

  /**
   * The array written into as 32-bit words in host order, valid until the next append: a message
   * of whole words at a 4-aligned offset is set word by word (an indexed store each, where a
   * DataView's setUint32 is a call each until the code is optimized).
   */
  words(): Uint32Array {
    let words = this.wordArray;
    if (words === undefined) {
      words = this.wordArray = new Uint32Array(this.buffer.buffer, 0, this.buffer.length >>> 2);
      this.wordBytes = words.length << 2;
    }
    return words;
  }

  /** Empties the writer, keeping its buffer (a scratch writer reused for many messages). */
  reset(): void {
    this.length = 0;
    this.depth = 0;
  }

  /** Drops everything written after `at` (used to replace an encoding with the original bytes). */
  truncate(at: number): void {
    this.length = at;
  }

  /** The bytes written since `at`. */
  since(at: number): Uint8Array {
    return this.buffer.subarray(at, this.length);
  }

  /** A copy of everything written. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

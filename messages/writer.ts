import { InvalidArgumentError } from './errors.js';

/** A growable little-endian byte buffer for encoding netlink messages. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  /** `buf` as 32-bit words, made when first asked for (see words()). */
  private wordArray: Uint32Array | undefined;
  /** Bytes written so far (the offset of the next byte). */
  length = 0;
  /** How many attribute sets are being encoded one inside another (see MAX_NESTING). */
  depth = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): number {
    const at = this.length;
    const need = at + n;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
      this.wordArray = undefined;
    }
    this.length = need;
    return at;
  }

  // reserve() may replace buf and view: always call it before reading them.
  /** Appends one byte. */
  u8(v: number): void {
    const at = this.reserve(1);
    this.buf[at] = v;
  }
  /** Appends a u16 in host (little-endian) order. */
  u16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  /** Appends an s16 in host order. */
  s16(v: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
  }
  /** Appends a u32 in host order. */
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  /** Appends an s32 in host order. */
  s32(v: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
  }
  /** Appends a u64 in host order. */
  u64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, true);
  }
  /** Appends a u16 in network (big-endian) order. */
  u16be(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, false);
  }
  /** Appends a u32 in network order. */
  u32be(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, false);
  }
  /** Appends `b`. */
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  /** Appends `n` zero bytes. */
  zeros(n: number): void {
    const at = this.reserve(n);
    this.buf.fill(0, at, this.length);
  }
  /** Pads with zeros to the next 4-byte boundary (NLMSG_ALIGN / NLA_ALIGN). */
  align(): void {
    const pad = (4 - (this.length & 3)) & 3;
    if (pad) this.zeros(pad);
  }

  /** The u16 (host order) written at `at`. */
  getU16(at: number): number {
    return this.view.getUint16(at, true);
  }
  /** Overwrites the u16 at `at` (host order), e.g. a length once known. */
  setU16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  /** Overwrites the u32 at `at` (host order), e.g. nlmsg_len once known. */
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  /** Appends an nlmsghdr with nlmsg_len 0 (set once the payload is written); returns its offset. */
  frameHeader(type: number, flags: number, seq: number, pid: number): number {
    const at = this.reserve(16);
    const view = this.view;
    view.setUint32(at, 0, true);
    view.setUint16(at + 4, type, true);
    view.setUint16(at + 6, flags, true);
    view.setUint32(at + 8, seq, true);
    view.setUint32(at + 12, pid, true);
    return at;
  }

  /** Appends a whole attribute holding a u32, in host order or (`bigEndian`) network order. */
  attrU32(type: number, v: number, bigEndian = false): void {
    const at = this.reserve(8);
    const view = this.view;
    view.setUint16(at, 8, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, v, !bigEndian);
  }

  /** Starts an attribute; returns the offset to pass to endAttr. */
  beginAttr(type: number): number {
    const at = this.reserve(4);
    this.view.setUint16(at + 2, type, true);
    return at;
  }

  /** Sets nla_len (payload without padding) and pads to the next boundary. */
  endAttr(at: number, field?: string): void {
    const len = this.length - at;
    if (len > 0xffff) throw new InvalidArgumentError(field ?? 'attribute', `${len} bytes`, 'do not fit nla_len (an attribute holds at most 65535 bytes)');
    this.view.setUint16(at, len, true);
    this.align();
  }

  /**
   * Appends `n` bytes, not cleared, for the caller to fill in through `dataView` at the offset
   * returned (a message whose length is known before it is written, set in place in one step).
   */
  append(n: number): number {
    return this.reserve(n);
  }

  /** A view of the array written into, valid until the next append (which may move to a bigger one). */
  get dataView(): DataView {
    return this.view;
  }

  /**
   * The array written into as 32-bit words in host order, valid until the next append: a message
   * of whole words at a 4-aligned offset is set word by word (an indexed store each, where a
   * DataView's setUint32 is a call each until the code is optimized).
   */
  words(): Uint32Array {
    return (this.wordArray ??= new Uint32Array(this.buf.buffer, 0, this.buf.length >>> 2));
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

  /** The array written into (valid until the next write, which may move to a bigger one). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  /** The bytes written since `at`. */
  since(at: number): Uint8Array {
    return this.buf.subarray(at, this.length);
  }

  /** A copy of everything written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

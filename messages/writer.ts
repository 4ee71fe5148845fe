import { InvalidArgumentError } from './errors.js';

/** A growable little-endian byte buffer for encoding netlink messages. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
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
    }
    this.length = need;
    return at;
  }

  // reserve() may replace buf and view: always call it before reading them.
  u8(v: number): void {
    const at = this.reserve(1);
    this.buf[at] = v;
  }
  u16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  s16(v: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  s32(v: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
  }
  u64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, true);
  }
  u16be(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, false);
  }
  u32be(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, false);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  zeros(n: number): void {
    const at = this.reserve(n);
    this.buf.fill(0, at, this.length);
  }
  /** Pads with zeros to the next 4-byte boundary (NLMSG_ALIGN / NLA_ALIGN). */
  align(): void {
    const pad = (4 - (this.length & 3)) & 3;
    if (pad) this.zeros(pad);
  }

  getU16(at: number): number {
    return this.view.getUint16(at, true);
  }
  setU16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
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

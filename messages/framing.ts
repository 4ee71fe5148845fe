/**
 * Netlink framing: the nlmsghdr in front of every message of a datagram. The one place that walks
 * frames (FrameCursor) and the one place that writes or patches header fields; everything that
 * splits datagrams or edits a frame's header goes through here.
 *
 *   struct nlmsghdr { u32 nlmsg_len; u16 nlmsg_type; u16 nlmsg_flags; u32 nlmsg_seq; u32 nlmsg_pid; }
 *
 * Netlink is in host byte order; like every decoder in messages/, this reads little-endian.
 */
import { NLMSG_HDRLEN } from './constants.js';
import { NetlinkDecodeError } from './errors.js';
import type { Writer } from './writer.js';
import * as C from './struct.js';

/** Offsets of the nlmsghdr fields in a frame. */
export const NLMSG_LEN_OFFSET = 0;
export const NLMSG_TYPE_OFFSET = 4;
export const NLMSG_FLAGS_OFFSET = 6;
export const NLMSG_SEQ_OFFSET = 8;
export const NLMSG_PID_OFFSET = 12;

/**
 * struct nlmsghdr as a struct declaration, for where a header is carried as data (the request an
 * NLMSG_ERROR echoes). Frames themselves are walked by FrameCursor and written by beginFrame.
 */
export const nlmsghdr = C.struct('nlmsghdr', [C.u32('len'), C.u16('type'), C.u16('flags'), C.u32('seq'), C.u32('pid')], { zeroAbsent: true });

/** Rounds a length up to a multiple of 4: NLMSG_ALIGN, NLA_ALIGN and RTNH_ALIGN are all this. */
export function align4(length: number): number {
  return (length + 3) & ~3;
}

const EMPTY = new Uint8Array(0);

/**
 * Walks the frames of one datagram. `next()` moves to the following frame, checks its length
 * against what is left (NetlinkDecodeError with the byte offset otherwise) and fills the header
 * fields; nothing is allocated per frame, so one cursor can serve a hot loop, and `reset()` lets
 * it serve the next datagram too.
 *
 * ```ts
 * const frames = new FrameCursor(datagram);
 * while (frames.next()) handle(frames.type, frames.seq, frames.bodyStart, frames.end);
 * ```
 */
export class FrameCursor {
  bytes: Uint8Array = EMPTY;
  view: DataView = new DataView(EMPTY.buffer);
  /** Offset of the current frame (its nlmsghdr) in the datagram. */
  start = 0;
  /** nlmsg_len as on the wire: the frame is [start, start + length). */
  length = 0;
  type = 0;
  flags = 0;
  seq = 0;
  pid = 0;
  private following = 0;

  constructor(datagram?: Uint8Array, view?: DataView) {
    if (datagram) this.reset(datagram, view);
  }

  /** Starts over on `datagram` (pass `view` when a DataView over exactly these bytes exists). */
  reset(datagram: Uint8Array, view?: DataView): this {
    this.bytes = datagram;
    this.view = view ?? new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    this.start = 0;
    this.length = 0;
    this.following = 0;
    return this;
  }

  /** Where the frame's payload starts (after the 16-byte header). */
  get bodyStart(): number {
    return this.start + NLMSG_HDRLEN;
  }

  /** Where the frame ends (start + nlmsg_len, before any alignment padding). */
  get end(): number {
    return this.start + this.length;
  }

  /** Moves to the next frame; false when the datagram is used up. Throws NetlinkDecodeError on bad framing. */
  next(): boolean {
    const off = this.following;
    const left = this.bytes.length - off;
    if (left <= 0) return false;
    if (left < NLMSG_HDRLEN) throw new NetlinkDecodeError('', off, `${left} bytes left, too short for a 16-byte nlmsghdr`);
    const view = this.view;
    const len = view.getUint32(off, true);
    if (len < NLMSG_HDRLEN) throw new NetlinkDecodeError('', off, `nlmsg_len ${len} is below the 16-byte header`);
    if (len > left) throw new NetlinkDecodeError('', off, `nlmsg_len ${len} runs past the end of the datagram (${left} bytes left)`);
    this.start = off;
    this.length = len;
    this.type = view.getUint16(off + NLMSG_TYPE_OFFSET, true);
    this.flags = view.getUint16(off + NLMSG_FLAGS_OFFSET, true);
    this.seq = view.getUint32(off + NLMSG_SEQ_OFFSET, true);
    this.pid = view.getUint32(off + NLMSG_PID_OFFSET, true);
    this.following = off + align4(len);
    return true;
  }

  /**
   * The s32 status at the start of the payload (NLMSG_ERROR's and NLMSG_DONE's errno), or 0 when
   * the frame is too short to hold one.
   */
  status(): number {
    return this.length >= NLMSG_HDRLEN + 4 ? this.view.getInt32(this.start + NLMSG_HDRLEN, true) : 0;
  }

  /** The current frame's bytes, header included (a view: copy it to keep it past the datagram's life). */
  frame(): Uint8Array {
    return this.bytes.subarray(this.start, this.start + this.length);
  }
}

/** Appends an nlmsghdr with nlmsg_len 0; returns its offset, to pass to endFrame once the payload is written. */
export function beginFrame(w: Writer, type: number, flags: number, seq: number, pid: number): number {
  return w.frameHeader(type, flags, seq, pid);
}

/**
 * Sets nlmsg_len of the frame begun at `start` to what was written since. A decoded message whose
 * nlmsg_len was not a multiple of 4 (`original`, see rememberLength) gets that length back when
 * its encoding differs only by the zero padding the original did not count.
 */
export function endFrame(w: Writer, start: number, original?: number): number {
  const len = keepOriginalLength(w, start, original);
  w.setU32(start + NLMSG_LEN_OFFSET, len);
  return len;
}

/**
 * The length of what was written since `start`, trimmed back to `original` when the bytes beyond
 * it are only the alignment padding a decoded entry's unaligned length left out (nlmsg_len,
 * rtnh_len). Returns the length to write into the entry's header.
 */
export function keepOriginalLength(w: Writer, start: number, original: number | undefined): number {
  const len = w.length - start;
  if (original === undefined || original > len || align4(original) !== align4(len)) return len;
  const tail = w.since(start + original);
  for (let i = 0; i < tail.length; i++) if (tail[i] !== 0) return len;
  w.truncate(start + original);
  return original;
}

/** nlmsg_flags of the frame at `at`, overwritten in place. */
export function setFrameFlags(frame: Uint8Array, at: number, flags: number): void {
  frame[at + NLMSG_FLAGS_OFFSET] = flags & 0xff;
  frame[at + NLMSG_FLAGS_OFFSET + 1] = (flags >>> 8) & 0xff;
}

/** nlmsg_seq of the frame at `at`, overwritten in place. */
export function setFrameSeq(frame: Uint8Array, at: number, seq: number): void {
  frame[at + NLMSG_SEQ_OFFSET] = seq & 0xff;
  frame[at + NLMSG_SEQ_OFFSET + 1] = (seq >>> 8) & 0xff;
  frame[at + NLMSG_SEQ_OFFSET + 2] = (seq >>> 16) & 0xff;
  frame[at + NLMSG_SEQ_OFFSET + 3] = (seq >>> 24) & 0xff;
}

/** nlmsg_type of the frame written at `at` in `w`. */
export function writtenFrameType(w: Writer, at: number): number {
  return w.getU16(at + NLMSG_TYPE_OFFSET);
}

/** nlmsg_flags of the frame written at `at` in `w`. */
export function writtenFrameFlags(w: Writer, at: number): number {
  return w.getU16(at + NLMSG_FLAGS_OFFSET);
}

/** Overwrites nlmsg_flags and nlmsg_seq of the frame written at `at` in `w` (a request made ready to send). */
export function setWrittenFrameHeader(w: Writer, at: number, flags: number, seq: number): void {
  w.setU16(at + NLMSG_FLAGS_OFFSET, flags);
  w.setU32(at + NLMSG_SEQ_OFFSET, seq);
}

/** nlmsg_type of the frame at `at`. */
export function frameType(frame: Uint8Array, at: number): number {
  return frame[at + NLMSG_TYPE_OFFSET]! | (frame[at + NLMSG_TYPE_OFFSET + 1]! << 8);
}

/** nlmsg_flags of the frame at `at`. */
export function frameFlags(frame: Uint8Array, at: number): number {
  return frame[at + NLMSG_FLAGS_OFFSET]! | (frame[at + NLMSG_FLAGS_OFFSET + 1]! << 8);
}

const ORIGINAL_LENGTH = Symbol('netlink.originalLength');

/**
 * Records, on a decoded entry (a message, a next hop), a length field that was not a multiple of 4,
 * so that re-encoding can write it back the same way (endFrame, keepOriginalLength). Invisible to
 * JSON, spread and equality checks.
 */
export function rememberLength(entry: object, length: number): void {
  if (length & 3) Object.defineProperty(entry, ORIGINAL_LENGTH, { value: length, enumerable: false });
}

/** The unaligned length recorded by rememberLength, if any. */
export function rememberedLength(entry: object): number | undefined {
  return (entry as { [ORIGINAL_LENGTH]?: number })[ORIGINAL_LENGTH];
}

import { describe, expect, it } from 'vitest';
import { NLM_F_ACK, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE } from '../../messages/constants.js';
import { decodeErrorFrom } from '../helpers/codec-checks.js';
import {
  beginFrame,
  endFrame,
  frameFlags,
  FrameCursor,
  keepOriginalLength,
  setFrameFlags,
  setFrameSeq,
} from '../../messages/framing.js';
import { decodeMessages, encodeMessages } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';

const UNKNOWN_TYPE = 100;

/** Two frames: a message of a type without a codec, 21 bytes (unaligned, padded to 24 in the datagram) and an NLMSG_DONE. */
function datagram(): Uint8Array {
  const w = new Writer(64);
  const first = beginFrame(w, UNKNOWN_TYPE, NLM_F_MULTI, 7, 99);
  w.bytes(Uint8Array.of(1, 2, 3, 4, 5));
  endFrame(w, first);
  w.align();
  const second = beginFrame(w, NLMSG_DONE, NLM_F_MULTI, 7, 99);
  w.s32(-95);
  endFrame(w, second);
  return w.finish();
}

describe('FrameCursor', () => {
  it('walks every frame, filling the header fields, the payload bounds and the status', () => {
    const bytes = datagram();
    expect(bytes.length).toBe(24 + 20);
    const frames = new FrameCursor(bytes);
    const seen: unknown[] = [];
    while (frames.next()) {
      seen.push([frames.start, frames.length, frames.type, frames.flags, frames.seq, frames.pid, frames.bodyStart, frames.end, frames.status()]);
    }
    expect(seen).toEqual([
      [0, 21, UNKNOWN_TYPE, NLM_F_MULTI, 7, 99, 16, 21, 0x04030201],
      [24, 20, NLMSG_DONE, NLM_F_MULTI, 7, 99, 40, 44, -95],
    ]);
    expect(frames.next()).toBe(false);
  });

  it('is reused across datagrams with reset()', () => {
    const frames = new FrameCursor();
    expect(frames.next()).toBe(false);
    let count = 0;
    for (let i = 0; i < 3; i++) {
      frames.reset(datagram());
      while (frames.next()) count++;
    }
    expect(count).toBe(6);
  });

  it('reads a frame without padding at the end of the datagram, and the status of a frame too short for one as 0', () => {
    const w = new Writer();
    endFrame(w, beginFrame(w, NLMSG_DONE, 0, 1, 0));
    const frames = new FrameCursor(w.finish());
    expect(frames.next()).toBe(true);
    expect(frames.status()).toBe(0);
    expect(frames.next()).toBe(false);
  });

  it('throws NetlinkDecodeError with the offset of a bad frame', () => {
    const bytes = datagram();
    const frames = (b: Uint8Array) => {
      const c = new FrameCursor(b);
      while (c.next());
    };
    // 10 bytes left after the first frame.
    expect(decodeErrorFrom(() => frames(bytes.slice(0, 34)))).toMatchObject({ offset: 24, reason: expect.stringMatching(/10 bytes left/) });
    const short = bytes.slice();
    short[24] = 15;
    expect(decodeErrorFrom(() => frames(short))).toMatchObject({ offset: 24, reason: expect.stringMatching(/below the 16-byte header/) });
    const long = bytes.slice();
    long[24] = 21;
    expect(decodeErrorFrom(() => frames(long))).toMatchObject({ offset: 24, reason: expect.stringMatching(/runs past the end/) });
    // decodeMessages reports the same framing errors.
    expect(decodeErrorFrom(() => decodeMessages(long))).toMatchObject({ offset: 24 });
  });
});

describe('header fields written in one place', () => {
  it('setFrameFlags and setFrameSeq patch a frame in place, at any offset', () => {
    const bytes = datagram();
    setFrameFlags(bytes, 24, NLM_F_REQUEST | NLM_F_ACK | 0x300);
    setFrameSeq(bytes, 24, 0xfedcba98);
    expect(frameFlags(bytes, 24)).toBe(NLM_F_REQUEST | NLM_F_ACK | 0x300);
    const [, done] = decodeMessages(bytes);
    expect(done).toMatchObject({ flags: NLM_F_REQUEST | NLM_F_ACK | 0x300, seq: 0xfedcba98 });
    const [first] = decodeMessages(bytes);
    expect(first).toMatchObject({ flags: NLM_F_MULTI, seq: 7 });
  });

  it('an unaligned nlmsg_len comes back on re-encoding, and only when the tail is padding', () => {
    const bytes = datagram();
    expect(encodeMessages(decodeMessages(bytes))).toEqual(bytes);
    const w = new Writer();
    w.bytes(Uint8Array.of(9, 9, 9, 9, 9, 0, 0, 0));
    expect(keepOriginalLength(w, 0, 5)).toBe(5);
    expect(w.length).toBe(5);
    const v = new Writer();
    v.bytes(Uint8Array.of(9, 9, 9, 9, 9, 0, 1, 0));
    expect(keepOriginalLength(v, 0, 5)).toBe(8);
    expect(keepOriginalLength(v, 0, 3)).toBe(8); // another aligned size: not the original's
    expect(keepOriginalLength(v, 0, undefined)).toBe(8);
  });
});

/**
 * Checks shared by the codec unit tests (test/unit/*-codec.test.ts): reading the captured frames
 * embedded as hex, editing them, and the round-trip, truncation and mutation checks.
 */
import { expect } from 'vitest';
import { decodeMessages, encodeMessage, encodeMessages, type NetlinkMessage } from '../../messages/message.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { FrameCursor } from '../../messages/framing.js';

type MessageOf<K extends NetlinkMessage['kind']> = Extract<NetlinkMessage, { kind: K }>;

/** The bytes of hex text, given whole or in pieces (white space is ignored). */
export function hex(...parts: string[]): Uint8Array {
  return Uint8Array.from(Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex'));
}

/** Byte equality, compared as hex so that a failure shows where the bytes part. */
export function equalBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(Buffer.from(actual).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
}

/** The messages of `frame`, each expected to be of `kind`. */
/** The messages of a datagram, each as its own frame (nlmsghdr included). */
export function splitFrames(datagram: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const frames = new FrameCursor(datagram);
  while (frames.next()) out.push(frames.frame().slice());
  return out;
}

export function messagesOf<K extends NetlinkMessage['kind']>(frame: Uint8Array, kind: K): MessageOf<K>[] {
  const messages = decodeMessages(frame);
  for (const m of messages) expect(m.kind).toBe(kind);
  return messages as MessageOf<K>[];
}

/** The body of the one message of `frame`, expected to be of `kind`. */
export function onlyBody<K extends NetlinkMessage['kind']>(frame: Uint8Array, kind: K): MessageOf<K>['body'] {
  const messages: NetlinkMessage[] = messagesOf(frame, kind);
  expect(messages).toHaveLength(1);
  return messages[0]!.body as MessageOf<K>['body'];
}

/**
 * A copy of `frame` with `extra` inserted at `at`, its length added to nlmsg_len (the u32 at 0)
 * and to the u16 length fields (nla_len, rtnh_len) at the offsets `u16Lengths`.
 */
export function insert(frame: Uint8Array, at: number, extra: Uint8Array, u16Lengths: number[]): Uint8Array {
  const out = new Uint8Array(frame.length + extra.length);
  out.set(frame.subarray(0, at));
  out.set(extra, at);
  out.set(frame.subarray(at), at + extra.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, view.getUint32(0, true) + extra.length, true);
  for (const off of u16Lengths) view.setUint16(off, view.getUint16(off, true) + extra.length, true);
  return out;
}

/** `message` encodes, decodes back equal, and the decoded copy encodes to the same bytes (returned). */
export function expectRoundTrip(message: NetlinkMessage): Uint8Array {
  const bytes = encodeMessage(message);
  const [back] = decodeMessages(bytes);
  expect(back).toEqual(message);
  equalBytes(encodeMessage(back!), bytes);
  return bytes;
}

/** `datagram` re-encodes byte for byte, as a whole and one message at a time. */
export function expectDatagramReencodes(datagram: Uint8Array): void {
  equalBytes(encodeMessages(decodeMessages(datagram)), datagram);
  for (const m of decodeMessages(datagram)) {
    const one = encodeMessage(m);
    equalBytes(encodeMessage(decodeMessages(one)[0]!), one);
  }
}

/** Decoding `bytes` and encoding the result either succeeds or throws NetlinkDecodeError. */
export function expectDecodesOrDecodeError(bytes: Uint8Array): void {
  try {
    encodeMessages(decodeMessages(bytes));
  } catch (error) {
    if (!(error instanceof NetlinkDecodeError)) throw error;
  }
}

/**
 * Every prefix of `frame` decodes (and re-encodes) or throws NetlinkDecodeError; from 16 bytes on
 * also with nlmsg_len of the first message shortened to the cut, so that the body is parsed.
 */
export function expectTruncationsDecodeOrThrow(frame: Uint8Array): void {
  for (let n = 0; n < frame.length; n++) {
    expectDecodesOrDecodeError(frame.subarray(0, n));
    if (n >= 16) {
      const cut = frame.slice(0, n);
      const view = new DataView(cut.buffer);
      if (view.getUint32(0, true) > n) view.setUint32(0, n, true);
      expectDecodesOrDecodeError(cut);
    }
  }
}

/** `rounds` copies of each frame with 3 random bytes changed (a seeded LCG) decode or throw NetlinkDecodeError. */
export function expectMutationsDecodeOrThrow(frames: Uint8Array[], seed: number, rounds: number): void {
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (const frame of frames) {
    for (let i = 0; i < rounds; i++) {
      const mutated = frame.slice();
      for (let k = 0; k < 3; k++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      expectDecodesOrDecodeError(mutated);
    }
  }
}

/** The error `fn` throws, expected to be a NetlinkDecodeError. */
export function decodeErrorFrom(fn: () => unknown): NetlinkDecodeError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(NetlinkDecodeError);
  return error as NetlinkDecodeError;
}

/** The error decoding `bytes` throws, expected to be a NetlinkDecodeError. */
export function decodeErrorOf(bytes: Uint8Array): NetlinkDecodeError {
  return decodeErrorFrom(() => decodeMessages(bytes));
}

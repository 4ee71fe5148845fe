/**
 * Messages of one netlink family (rtnetlink, nfnetlink) from and to frames: which body codec reads
 * each message type, the header fields around it. decodeMessages and decodeNftMessages are this
 * with their family's table.
 */
import type { BodyCodec } from './body.js';
import { NLMSG_HDRLEN } from './constants.js';
import { beginFrame, endFrame, FrameCursor, NLMSG_FLAGS_OFFSET, NLMSG_PID_OFFSET, NLMSG_SEQ_OFFSET, NLMSG_TYPE_OFFSET, rememberedLength, rememberLength } from './framing.js';
import { checkU16, checkU32 } from './checks.js';
import { InvalidArgumentError } from './errors.js';
import { Source } from './source.js';
import { Writer } from './writer.js';

/** What every message of every family carries: the nlmsghdr fields (nlmsg_len is computed) and a kind. */
export interface FramedMessage {
  kind: string;
  type: number;
  flags: number;
  seq: number;
  pid: number;
  body: unknown;
}

export interface MessageFamily<M extends FramedMessage> {
  /** Shown in errors: 'an rtnetlink', 'an nfnetlink'. */
  readonly article: string;
  /** The kind of a message type; a type without a codec is 'unknown' (its body kept as bytes). */
  kindOf(type: number): M['kind'];
  typeName(type: number): string;
  readonly bodies: Readonly<Record<M['kind'], BodyCodec<unknown>>>;
}

/** Splits a datagram into frames and decodes each with the family's codecs. Throws only NetlinkDecodeError. */
export function decodeFrames<M extends FramedMessage>(family: MessageFamily<M>, datagram: Uint8Array): M[] {
  const src = new Source(datagram);
  const frames = new FrameCursor(src.bytes, src.view);
  const out: M[] = [];
  while (frames.next()) out.push(decodeFrame(family, src, frames.start, frames.length, frames.type, frames.flags, frames.seq, frames.pid));
  return out;
}

/**
 * The message of the one frame at `start` of `src`, whose nlmsg_len a frame walk has checked:
 * decoded as decodeFrames decodes it there, so that an error gives the same path and offset.
 */
export function decodeFrameAt<M extends FramedMessage>(family: MessageFamily<M>, src: Source, start: number): M {
  const view = src.view;
  const type = view.getUint16(start + NLMSG_TYPE_OFFSET, true);
  const flags = view.getUint16(start + NLMSG_FLAGS_OFFSET, true);
  return decodeFrame(family, src, start, view.getUint32(start, true), type, flags, view.getUint32(start + NLMSG_SEQ_OFFSET, true), view.getUint32(start + NLMSG_PID_OFFSET, true));
}

function decodeFrame<M extends FramedMessage>(family: MessageFamily<M>, src: Source, start: number, length: number, type: number, flags: number, seq: number, pid: number): M {
  const path = src.path;
  const kind = family.kindOf(type);
  if (path.length !== 1) path.length = 1;
  path[0] = family.typeName(type);
  const body = family.bodies[kind as M['kind']].decode(src, start + NLMSG_HDRLEN, start + length, flags, type);
  const message = { kind, type, flags, seq, pid, body } as M;
  rememberLength(message, length);
  return message;
}

/** The bytes of one message. */
export function encodeFrame<M extends FramedMessage>(family: MessageFamily<M>, message: M): Uint8Array {
  const w = new Writer(128);
  writeFrame(family, w, message);
  return w.finish();
}

/** The bytes of `messages` packed into one datagram, each 4-byte aligned. */
export function encodeFrames<M extends FramedMessage>(family: MessageFamily<M>, messages: readonly M[]): Uint8Array {
  const w = new Writer(128 * Math.max(1, messages.length));
  for (const m of messages) {
    writeFrame(family, w, m);
    w.align();
  }
  return w.finish();
}

/** Appends one message to `w` (several make one datagram when each is followed by w.align()). */
export function writeFrame<M extends FramedMessage>(family: MessageFamily<M>, w: Writer, message: M): void {
  const kind = message.kind as M['kind'];
  const codec = Object.hasOwn(family.bodies, kind) ? family.bodies[kind] : undefined;
  if (!codec) throw new InvalidArgumentError('message.kind', kind, `is not ${family.article} message kind`);
  const type = checkU16(message.type, 'message.type');
  if (family.kindOf(type) !== kind) throw new InvalidArgumentError('message.type', type, `(${family.typeName(type)}) is not a '${kind}' message`);
  const flags = checkU16(message.flags ?? 0, 'message.flags');
  const seq = checkU32(message.seq ?? 0, 'message.seq');
  const pid = checkU32(message.pid ?? 0, 'message.pid');
  const start = beginFrame(w, type, flags, seq, pid);
  codec.encode(w, message.body, 'message.body', flags, type);
  endFrame(w, start, rememberedLength(message));
}

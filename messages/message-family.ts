/**
 * Messages of one netlink family (rtnetlink, nfnetlink) from and to frames: which body codec reads
 * each message type, the header fields around it. decodeMessages and decodeNftMessages are this
 * with their family's table.
 */
import type { BodyCodec } from './body.js';
import { beginFrame, endFrame, FrameCursor, rememberedLength, rememberLength } from './framing.js';
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
  const path = src.path;
  const out: M[] = [];
  while (frames.next()) {
    const type = frames.type;
    const kind = family.kindOf(type);
    if (path.length !== 1) path.length = 1;
    path[0] = family.typeName(type);
    const flags = frames.flags;
    const body = family.bodies[kind as M['kind']].decode(src, frames.bodyStart, frames.end, flags, type);
    const message = { kind, type, flags, seq: frames.seq, pid: frames.pid, body } as M;
    rememberLength(message, frames.length);
    out.push(message);
  }
  return out;
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

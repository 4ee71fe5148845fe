import type { BodyCodec } from './body.js';
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  messageTypeName,
} from './constants.js';
import { errorBody, doneBody, type DoneBody, type ErrorBody } from './control/error.js';
import { linkBody, type LinkBody } from './link/index.js';
import { addressBody, type AddressBody } from './address/index.js';
import { routeBody, type RouteBody } from './route/index.js';
import { neighborBody, type NeighborBody } from './neighbor/index.js';
import { nsidBody, type NsidBody } from './nsid/index.js';
import { Source } from './source.js';
import { Writer } from './writer.js';
import { describe } from './attributes/scalars.js';

/** The nlmsghdr fields every message carries (nlmsg_len is computed when encoding). */
export interface MessageHeader {
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export interface LinkMessage extends MessageHeader { kind: 'link'; body: LinkBody }
export interface AddressMessage extends MessageHeader { kind: 'address'; body: AddressBody }
export interface RouteMessage extends MessageHeader { kind: 'route'; body: RouteBody }
export interface NeighborMessage extends MessageHeader { kind: 'neighbor'; body: NeighborBody }
export interface NsidMessage extends MessageHeader { kind: 'nsid'; body: NsidBody }
export interface ErrorMessage extends MessageHeader { kind: 'error'; body: ErrorBody }
export interface DoneMessage extends MessageHeader { kind: 'done'; body: DoneBody }
/** NLMSG_NOOP, NLMSG_OVERRUN and message types this library does not know: the payload as bytes. */
export interface NoopMessage extends MessageHeader { kind: 'noop'; body: Uint8Array }
export interface OverrunMessage extends MessageHeader { kind: 'overrun'; body: Uint8Array }
export interface UnknownMessage extends MessageHeader { kind: 'unknown'; body: Uint8Array }

export type NetlinkMessage =
  | LinkMessage
  | AddressMessage
  | RouteMessage
  | NeighborMessage
  | NsidMessage
  | ErrorMessage
  | DoneMessage
  | NoopMessage
  | OverrunMessage
  | UnknownMessage;

export type MessageKind = NetlinkMessage['kind'];

const rawBody: BodyCodec<Uint8Array> = {
  decode: (src, start, end) => src.bytes.slice(start, end),
  encode(w, body, field) {
    if (!(body instanceof Uint8Array)) throw new TypeError(`${field}: expected the payload as a Uint8Array`);
    w.bytes(body);
  },
};

const BODIES: Readonly<Record<MessageKind, BodyCodec<unknown>>> = {
  link: linkBody as BodyCodec<unknown>,
  address: addressBody as BodyCodec<unknown>,
  route: routeBody as BodyCodec<unknown>,
  neighbor: neighborBody as BodyCodec<unknown>,
  nsid: nsidBody as BodyCodec<unknown>,
  error: errorBody as BodyCodec<unknown>,
  done: doneBody as BodyCodec<unknown>,
  noop: rawBody as BodyCodec<unknown>,
  overrun: rawBody as BodyCodec<unknown>,
  unknown: rawBody as BodyCodec<unknown>,
};

/** The kind a message type belongs to (RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK are all 'link'). */
export function kindOfType(type: number): MessageKind {
  if (type >= 16 && type <= 19) return 'link';
  if (type >= 20 && type <= 22) return 'address';
  if (type >= 24 && type <= 26) return 'route';
  if (type >= 28 && type <= 30) return 'neighbor';
  if (type >= 88 && type <= 90) return 'nsid';
  switch (type) {
    case NLMSG_ERROR:
      return 'error';
    case NLMSG_DONE:
      return 'done';
    case NLMSG_NOOP:
      return 'noop';
    case NLMSG_OVERRUN:
      return 'overrun';
    default:
      return 'unknown';
  }
}

/** The original nlmsg_len of a decoded message, kept where it was not 4-byte aligned. */
const UNALIGNED_LENGTH = Symbol('netlink.unalignedLength');

/**
 * Splits one datagram into its messages and decodes each. Throws NetlinkDecodeError (with the
 * attribute path and byte offset) on malformed input, and nothing else.
 */
export function decodeMessages(datagram: Uint8Array): NetlinkMessage[] {
  const src = new Source(datagram);
  const view = src.view;
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off < datagram.length) {
    if (datagram.length - off < NLMSG_HDRLEN) {
      throw src.error(off, `${datagram.length - off} bytes left, too short for a 16-byte nlmsghdr`);
    }
    const len = view.getUint32(off, true);
    if (len < NLMSG_HDRLEN) throw src.error(off, `nlmsg_len ${len} is below the 16-byte header`);
    if (len > datagram.length - off) throw src.error(off, `nlmsg_len ${len} runs past the end of the datagram (${datagram.length - off} bytes left)`);
    const type = view.getUint16(off + 4, true);
    const flags = view.getUint16(off + 6, true);
    const kind = kindOfType(type);
    if (src.path.length !== 1) src.path.length = 1;
    src.path[0] = messageTypeName(type);
    const body = BODIES[kind].decode(src, off + NLMSG_HDRLEN, off + len, flags);
    const message = { kind, type, flags, seq: view.getUint32(off + 8, true), pid: view.getUint32(off + 12, true), body } as NetlinkMessage;
    if (len & 3) Object.defineProperty(message, UNALIGNED_LENGTH, { value: len, enumerable: false });
    out.push(message);
    off += (len + 3) & ~3;
  }
  return out;
}

function checkHeaderField(value: unknown, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${field}: expected an integer, got ${describe(value)}`);
  if (value < 0 || value > max) throw new RangeError(`${field}: ${value} is out of range 0..${max}`);
  return value;
}

/** Appends one message to `w` (used to pack several messages into one datagram). */
export function writeMessage(w: Writer, message: NetlinkMessage): void {
  const start = w.length;
  const kind = message.kind;
  const codec = BODIES[kind];
  if (!codec) throw new TypeError(`message.kind: ${describe(kind)} is not a message kind`);
  const type = checkHeaderField(message.type, 0xffff, 'message.type');
  if (kindOfType(type) !== kind && !(kind === 'unknown' && kindOfType(type) === 'unknown')) {
    throw new RangeError(`message.type: ${messageTypeName(type)} is not a '${kind}' message`);
  }
  const flags = checkHeaderField(message.flags ?? 0, 0xffff, 'message.flags');
  w.u32(0);
  w.u16(type);
  w.u16(flags);
  w.u32(checkHeaderField(message.seq ?? 0, 0xffffffff, 'message.seq'));
  w.u32(checkHeaderField(message.pid ?? 0, 0xffffffff, 'message.pid'));
  codec.encode(w, message.body, 'message.body', flags);
  let len = w.length - start;
  const original = (message as { [UNALIGNED_LENGTH]?: number })[UNALIGNED_LENGTH];
  if (original !== undefined && ((original + 3) & ~3) === ((len + 3) & ~3) && original <= len) {
    const tail = w.since(start + original);
    if (tail.every((b) => b === 0)) {
      w.truncate(start + original);
      len = original;
    }
  }
  w.setU32(start, len);
}

/** The bytes of one message. */
export function encodeMessage(message: NetlinkMessage): Uint8Array {
  const w = new Writer(128);
  writeMessage(w, message);
  return w.finish();
}

/** Several messages packed into one datagram, each 4-byte aligned. */
export function encodeMessages(messages: readonly NetlinkMessage[]): Uint8Array {
  const w = new Writer(128 * Math.max(1, messages.length));
  for (const m of messages) {
    writeMessage(w, m);
    w.align();
  }
  return w.finish();
}

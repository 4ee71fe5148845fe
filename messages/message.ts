import { rawBody, type BodyCodec } from './body.js';
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  messageTypeName,
} from './constants.js';
import { errorBody, doneBody, type DoneBody, type ErrorBody } from './control/error.js';
import { linkBody, type LinkBody } from './link/index.js';
import { addressBody, type AddressBody } from './address/index.js';
import { routeBody, type RouteBody } from './route/index.js';
import type { NeighborBody } from './neighbor/index.js';
import { nsidBody, type NsidBody } from './nsid/index.js';
import type { RuleBody } from './rule/index.js';
import type { FilterBody, QdiscBody } from './tc/index.js';
import { decodeFrameAt, decodeFrames, encodeFrame, encodeFrames, writeFrame, type MessageFamily } from './message-family.js';
import type { NexthopBody } from './nexthop/index.js';
import { laterBody } from './later-bodies.js';
import type { Source } from './source.js';
import type { Writer } from './writer.js';

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
export interface RuleMessage extends MessageHeader { kind: 'rule'; body: RuleBody }
export interface QdiscMessage extends MessageHeader { kind: 'qdisc'; body: QdiscBody }
export interface FilterMessage extends MessageHeader { kind: 'filter'; body: FilterBody }
export interface NexthopMessage extends MessageHeader { kind: 'nexthop'; body: NexthopBody }
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
  | RuleMessage
  | QdiscMessage
  | FilterMessage
  | NexthopMessage
  | ErrorMessage
  | DoneMessage
  | NoopMessage
  | OverrunMessage
  | UnknownMessage;

export type MessageKind = NetlinkMessage['kind'];

const BODIES: Readonly<Record<MessageKind, BodyCodec<unknown>>> = {
  link: linkBody as BodyCodec<unknown>,
  address: addressBody as BodyCodec<unknown>,
  route: routeBody as BodyCodec<unknown>,
  // Read when a message of the kind is, through a function: the package's core loads these kinds'
  // modules on first use (scripts/bundle-package.mjs), and the cni-bridge executable's plain engine
  // has none of them (scripts/bundle-cni.mjs).
  get neighbor() {
    return laterBody('neighbor');
  },
  nsid: nsidBody as BodyCodec<unknown>,
  get rule() {
    return laterBody('rule');
  },
  get qdisc() {
    return laterBody('qdisc');
  },
  get filter() {
    return laterBody('filter');
  },
  get nexthop() {
    return laterBody('nexthop');
  },
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
  if (type >= 32 && type <= 34) return 'rule';
  if (type >= 36 && type <= 38) return 'qdisc';
  if (type >= 44 && type <= 46) return 'filter';
  if (type >= 88 && type <= 90) return 'nsid';
  if (type >= 104 && type <= 106) return 'nexthop';
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

const RTNETLINK: MessageFamily<NetlinkMessage> = {
  article: 'an rtnetlink',
  kindOf: kindOfType,
  typeName: messageTypeName,
  bodies: BODIES,
};

/**
 * Splits one datagram into its messages and decodes each. Throws NetlinkDecodeError (with the
 * attribute path and byte offset) on malformed input, and nothing else.
 */
export function decodeMessages(datagram: Uint8Array): NetlinkMessage[] {
  return decodeFrames(RTNETLINK, datagram);
}

/**
 * The message of the frame at `start` of `src` (a Source over the whole datagram, whose frame walk
 * has checked that frame's length), decoded as decodeMessages decodes it: errors name the same
 * path and datagram offset.
 */
export function decodeMessageAt(src: Source, start: number): NetlinkMessage {
  return decodeFrameAt(RTNETLINK, src, start);
}

/** Appends one message to `w` (used to pack several messages into one datagram). */
export function writeMessage(w: Writer, message: NetlinkMessage): void {
  writeFrame(RTNETLINK, w, message);
}

/** The bytes of one message. */
export function encodeMessage(message: NetlinkMessage): Uint8Array {
  return encodeFrame(RTNETLINK, message);
}

/** Several messages packed into one datagram, each 4-byte aligned. */
export function encodeMessages(messages: readonly NetlinkMessage[]): Uint8Array {
  return encodeFrames(RTNETLINK, messages);
}

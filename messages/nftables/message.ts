import { rawBody, type BodyCodec } from '../body.js';
import { decodeFrames, encodeFrame, encodeFrames, writeFrame, type MessageFamily } from '../message-family.js';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN } from '../constants.js';
import { doneBody, errorBody } from '../control/error.js';
import * as C from '../struct.js';
import { headerWithAttributes, type FixedHeader, type HeaderWithAttributes } from '../fixed-header.js';
import type { AttrTable } from '../attributes/table.js';
import type { DoneMessage, ErrorMessage, MessageHeader, NoopMessage, OverrunMessage, UnknownMessage } from '../message.js';
import type { Writer } from '../writer.js';
import {
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFT_MSG_DELCHAIN,
  NFT_MSG_DELRULE,
  NFT_MSG_DELTABLE,
  NFT_MSG_DESTROYCHAIN,
  NFT_MSG_DESTROYRULE,
  NFT_MSG_DESTROYTABLE,
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETGEN,
  NFT_MSG_GETRULE,
  NFT_MSG_GETRULE_RESET,
  NFT_MSG_GETTABLE,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_NEWGEN,
  NFT_MSG_NEWRULE,
  NFT_MSG_NEWTABLE,
  nftMessageTypeName,
  nftOp,
} from './constants.js';
import {
  batchAttributes,
  chainAttributes,
  genAttributes,
  rawAttributes,
  ruleAttributes,
  tableAttributes,
  type BatchAttrs,
  type ChainAttrs,
  type GenAttrs,
  type RawAttrs,
  type RuleAttrs,
  type TableAttrs,
} from './objects.js';

// nfnetlink messages (NETLINK_NETFILTER). Their types overlap rtnetlink's (NFNL_MSG_BATCH_BEGIN is
// 16, like RTM_NEWLINK), so they have their own decoder. Every message but the netlink control
// ones starts with struct nfgenmsg; the NLMSG_ERROR / NLMSG_DONE bodies are rtnetlink's.

/** struct nfgenmsg: family (NFPROTO_*), version (NFNETLINK_V0), res_id (big-endian). */
export interface NfgenHeader {
  family: number;
  version: number;
  /**
   * res_id: the subsystem in batch delimiters (NFNL_SUBSYS_NFTABLES), the low 16 bits of the
   * ruleset generation in the kernel's answers, 0 in requests.
   */
  resourceId: number;
}

/** struct nfgenmsg (<linux/netfilter/nfnetlink.h>). */
export const nfgenmsg: FixedHeader<NfgenHeader> = C.struct('nfgenmsg', [C.u8('family'), C.u8('version'), C.u16be('resourceId')], { zeroAbsent: true });

/** An nfnetlink message body: struct nfgenmsg's fields, and `attrs`. */
export type NfgenBody<A> = HeaderWithAttributes<NfgenHeader, A>;

export interface NftTableMessage extends MessageHeader { kind: 'table'; body: NfgenBody<TableAttrs> }
export interface NftChainMessage extends MessageHeader { kind: 'chain'; body: NfgenBody<ChainAttrs> }
export interface NftRuleMessage extends MessageHeader { kind: 'rule'; body: NfgenBody<RuleAttrs> }
export interface NftGenMessage extends MessageHeader { kind: 'gen'; body: NfgenBody<GenAttrs> }
/** NFNL_MSG_BATCH_BEGIN / NFNL_MSG_BATCH_END. */
export interface NftBatchMessage extends MessageHeader { kind: 'batch'; body: NfgenBody<BatchAttrs> }
/** Any other nfnetlink message (sets, objects, flowtables, other subsystems): attributes raw. */
export interface NfnlMessage extends MessageHeader { kind: 'nfnl'; body: NfgenBody<RawAttrs> }

/** Every message of the nftables netlink protocol, told apart by `kind`. */
export type NftMessage =
  | NftTableMessage
  | NftChainMessage
  | NftRuleMessage
  | NftGenMessage
  | NftBatchMessage
  | NfnlMessage
  | ErrorMessage
  | DoneMessage
  | NoopMessage
  | OverrunMessage
  | UnknownMessage;

/** NftMessage's `kind`s: 'table', 'chain', 'rule', 'gen', 'batch', 'nfnl' and the control messages. */
export type NftMessageKind = NftMessage['kind'];

const withNfgen = (table: AttrTable<unknown>) => headerWithAttributes(nfgenmsg, table) as BodyCodec<unknown>;

const BODIES: Readonly<Record<NftMessageKind, BodyCodec<unknown>>> = {
  table: withNfgen(tableAttributes as AttrTable<unknown>),
  chain: withNfgen(chainAttributes as AttrTable<unknown>),
  rule: withNfgen(ruleAttributes as AttrTable<unknown>),
  gen: withNfgen(genAttributes as AttrTable<unknown>),
  batch: withNfgen(batchAttributes as AttrTable<unknown>),
  nfnl: withNfgen(rawAttributes as AttrTable<unknown>),
  error: errorBody as BodyCodec<unknown>,
  done: doneBody as BodyCodec<unknown>,
  noop: rawBody as BodyCodec<unknown>,
  overrun: rawBody as BodyCodec<unknown>,
  unknown: rawBody as BodyCodec<unknown>,
};

/** The kind of an nfnetlink message type. */
export function nftKindOfType(type: number): NftMessageKind {
  switch (type) {
    case NLMSG_NOOP:
      return 'noop';
    case NLMSG_ERROR:
      return 'error';
    case NLMSG_DONE:
      return 'done';
    case NLMSG_OVERRUN:
      return 'overrun';
    case NFNL_MSG_BATCH_BEGIN:
    case NFNL_MSG_BATCH_END:
      return 'batch';
  }
  if (type < 0x100) return 'unknown';
  switch (nftOp(type)) {
    case NFT_MSG_NEWTABLE:
    case NFT_MSG_GETTABLE:
    case NFT_MSG_DELTABLE:
    case NFT_MSG_DESTROYTABLE:
      return 'table';
    case NFT_MSG_NEWCHAIN:
    case NFT_MSG_GETCHAIN:
    case NFT_MSG_DELCHAIN:
    case NFT_MSG_DESTROYCHAIN:
      return 'chain';
    case NFT_MSG_NEWRULE:
    case NFT_MSG_GETRULE:
    case NFT_MSG_DELRULE:
    case NFT_MSG_GETRULE_RESET:
    case NFT_MSG_DESTROYRULE:
      return 'rule';
    case NFT_MSG_NEWGEN:
    case NFT_MSG_GETGEN:
      return 'gen';
    default:
      return 'nfnl';
  }
}

const NFNETLINK: MessageFamily<NftMessage> = {
  article: 'an nfnetlink',
  kindOf: nftKindOfType,
  typeName: nftMessageTypeName,
  bodies: BODIES,
};

/**
 * Splits one NETLINK_NETFILTER datagram into its messages and decodes each. Throws
 * NetlinkDecodeError (with the attribute path and byte offset) on malformed input, and nothing else.
 */
export function decodeNftMessages(datagram: Uint8Array): NftMessage[] {
  return decodeFrames(NFNETLINK, datagram);
}

/** Appends one nfnetlink message to `w`. */
export function writeNftMessage(w: Writer, message: NftMessage): void {
  writeFrame(NFNETLINK, w, message);
}

/** The bytes of one nfnetlink message. */
export function encodeNftMessage(message: NftMessage): Uint8Array {
  return encodeFrame(NFNETLINK, message);
}

/** Several messages packed into one datagram, each 4-byte aligned (an nf_tables batch is one). */
export function encodeNftMessages(messages: readonly NftMessage[]): Uint8Array {
  return encodeFrames(NFNETLINK, messages);
}

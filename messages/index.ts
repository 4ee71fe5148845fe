/**
 * netns-rtnl/messages: I/O-free encoders and decoders for netlink framing and the rtnetlink
 * link, address, route, neighbour, netns-id, nexthop, rule, qdisc and filter messages.
 */
export {
  decodeMessages,
  encodeMessage,
  encodeMessages,
  kindOfType,
  type AddressMessage,
  type DoneMessage,
  type ErrorMessage,
  type LinkMessage,
  type MessageHeader,
  type MessageKind,
  type NeighborMessage,
  type NexthopMessage,
  type NetlinkMessage,
  type NoopMessage,
  type NsidMessage,
  type RuleMessage,
  type QdiscMessage,
  type FilterMessage,
  type OverrunMessage,
  type RouteMessage,
  type UnknownMessage,
} from './message.js';
export { InvalidArgumentError, NetlinkDecodeError } from './errors.js';
export * from './constants.js';
export type { Codec, RawAttribute } from './attributes/codec.js';
export type { AttrSpec, AttrTable, ValuesOf } from './attributes/table.js';
export type { BodyCodec } from './body.js';
export type { FixedHeader, HeaderExtras, HeaderWithAttributes } from './fixed-header.js';
export type { Struct, StructField, StructValues } from './struct.js';
export type { Writer } from './writer.js';
export type { Source } from './source.js';
export { formatIP, parseHardwareAddress, formatHardwareAddress } from './attributes/addresses.js';
export { parseIP, parseIPv4, parseIPv6 } from './attributes/ip-text.js';
export type { DoneBody, EchoedHeader, ErrorBody } from './control/error.js';
export type { ExtAckAttrs } from './control/ext-ack.js';
export * from './link/index.js';
export * from './address/index.js';
export * from './route/index.js';
export * from './neighbor/index.js';
export * from './nsid/index.js';
export * from './rule/index.js';
/** Traffic control (qdiscs, filters, actions): under a namespace, since its names are many. */
export * as tc from './tc/index.js';
export type { QdiscBody, FilterBody, QdiscAttrs, FilterAttrs } from './tc/index.js';
export * from './nexthop/index.js';
export * from './requests.js';
/** nf_tables over NETLINK_NETFILTER: its own decoder, since nfnetlink types overlap rtnetlink's. */
export * as nftables from './nftables/index.js';
export { decodeNftMessages, encodeNftMessage, encodeNftMessages, type NftMessage } from './nftables/index.js';
export { FrameCursor, beginFrame, endFrame, setFrameFlags, setFrameSeq, frameFlags, align4 } from './framing.js';

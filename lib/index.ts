/**
 * netns-rtnl: Linux container networking from TypeScript, speaking rtnetlink directly.
 *
 *   await using ns = await Namespace.create('containerns');
 *   const { link: veth1, peer: veth0 } = await VethPair.create({ name: 'veth1', peer: { name: 'veth0', namespace: ns } });
 *   await veth0.addAddress('10.0.0.2/24');
 */
export { Namespace, type CreateNamespaceOptions, type DeleteNamespaceOptions, type NamespaceOptions, type NamespaceRef, type NetSysctl } from './namespace.js';
export { Link } from './link.js';
export type { LogFn, Logger, LogLevel } from './log.js';
export { createLink, type CreateLinkCallOptions } from './link-factory.js';
export type { NewLinkOptions } from './new-link.js';
export {
  Monitor,
  MonitorSyncError,
  MONITOR_GROUPS,
  REPLAYABLE_GROUPS,
  type AddressEvent,
  type LinkEvent,
  type MessageEvent,
  type MonitorAction,
  type MonitorEvent,
  type MonitorGroup,
  type MonitorOptions,
  type NeighborEvent,
  type NsidEvent,
  type ObjectEvent,
  type OverrunEvent,
  type ReplayableGroup,
  type ResyncEvent,
  type RouteEvent,
  type SyncedEvent,
} from './monitor/index.js';
export { Bridge, type BridgeCreateOptions } from './bridge.js';
export { Vxlan, type VxlanCreateOptions } from './vxlan.js';
export { VethPair, type VethEndOptions, type VethPairOptions } from './veth.js';
export { Rtnl, type AddressFilter, type LinkFilter, type NeighborFilter, type NsidEntry, type RouteFilter } from './rtnl/client.js';
export type { AddAddressOptions, Address, AddressSpec } from './rtnl/addresses.js';
export type { BridgeOptions, CommonLinkOptions, CreateLinkOptions, LinkChanges, LinkKindName, LinkState, VxlanOptions } from './rtnl/links.js';
export type { BridgePortSettings, BridgeVlan } from './rtnl/bridge-port.js';
export type { FdbEntry, FdbSpec, IpNeighbor, Neighbor, NeighborSpec, NeighborStateName } from './rtnl/neighbors.js';
export type { DeviceRef, Nexthop, NexthopSpec, Route, RouteSpec } from './rtnl/routes.js';
export type { Change } from './rtnl/changes.js';
export type { NexthopObject, NexthopObjectMember, NexthopObjectSpec } from './nexthops.js';
export type { ProtocolName, RouteTypeName, ScopeName, TableName } from './rtnl/names.js';
export { Rules, ruleMessage, toRule, type Rule, type RuleAction, type RuleSpec } from './rules.js';
export { TrafficControl, type FilterSpec } from './tc/tc.js';
export type { Qdisc, QdiscSpec, TbfSpec, IngressSpec } from './tc/qdiscs.js';
export type { Filter, FilterProtocol, MirredSpec, U32FilterSpec } from './tc/filters.js';
export type { BandwidthLimits, BandwidthState, RateLimit } from './tc/bandwidth.js';
export type { HandleRef } from './tc/units.js';
export {
  Connection,
  type BatchResult,
  type ConnectionOptions,
  type DumpOptions,
  type MessageCodec,
  type RequestOptions,
  type RequestWriter,
} from './connection.js';
export {
  NAT_CHAIN,
  NAT_TABLE,
  NAT_TAG,
  Nat,
  NFNETLINK_CODEC,
  Nftables,
  type CommitOptions,
  type MasqueradeSpec,
  PUBLISH_CHAINS,
  type PublishChain,
  type PublishedPort,
  type PublishProtocol,
  type PublishSelector,
  type PublishSpec,
  type NatFamily,
  type NatOptions,
  type NatRule,
  type NatRuleSelector,
  type NftablesOpenOptions,
  type NftChain,
  type NftRule,
  type NftTable,
} from './nat/index.js';
export type { EventTransport, SendOptions, Transport } from './transport.js';
export {
  ConnectionClosedError,
  DumpInterruptedError,
  ERRNO,
  errnoName,
  InvalidArgumentError,
  NamespaceClosedError,
  NamespaceExistsError,
  NamespaceReplacedError,
  NetlinkDecodeError,
  NetlinkError,
  NetlinkOverrunError,
  NetnsRtnlError,
  RequestTimeoutError,
  UnexpectedReplyError,
  type ErrnoCode,
  type ErrorCode,
  type NetlinkErrorDetails,
  type OwnErrorCode,
} from './errors.js';
export { type Family } from './validate.js';
export { openNetlinkEventSocket, openNetlinkSocket, withNetns, SystemCallError, NetnsRestoreError, type EventSocket, type NetlinkSocketOptions, type RequestSocket } from './sys/index.js';
export { ConnectTimeoutError, SocketHandoffError, UnsupportedHostError, type NetnsConnectOptions, type NetnsListenOptions } from './sys/index.js';

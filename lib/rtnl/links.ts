import { AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, RTM_DELLINK, RTM_NEWLINK } from '../../messages/constants.js';
import { decodeLinkSummary, IFF_UP, linkSummaryOf, operstateName, type LinkAttrs, type LinkBody, type LinkInfo, type LinkSummary } from '../../messages/link/index.js';
import { decodeMessages, type LinkMessage } from '../../messages/message.js';
import { checkInteger, checkInterfaceName, checkMac, checkMtu, checkU32, InvalidArgumentError, parseAddress } from '../validate.js';

/** What a link looks like at one moment, as `ip link` shows it. */
export interface LinkState {
  index: number;
  name: string;
  /** IFF_* bits. */
  flags: number;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** 'up', 'down', 'unknown', 'lowerlayerdown' ... */
  operstate: string;
  mtu?: number;
  mac?: string;
  /** 'veth', 'bridge', 'vxlan' ... undefined for devices without a kind (lo, physical NICs). */
  kind?: string;
  /** Index of the bridge (or other master) this link is attached to. */
  master?: number;
  /** IFLA_LINK: for a veth, its peer's index (in the peer's namespace when linkNetnsid is set). */
  parent?: number;
  /** The nsid (in this namespace) of the namespace where `parent` lives. */
  linkNetnsid?: number;
  /** The whole decoded message (for a link read by GET, decoded when first read). */
  raw: LinkBody;
}

export function toLinkState(raw: LinkBody): LinkState {
  const state = stateOf(linkSummaryOf(raw)) as LinkState;
  state.raw = raw;
  return state;
}

/**
 * A LinkState from one RTM_NEWLINK frame, reading only the fields it has (decodeLinkSummary);
 * `raw` is decoded from the frame when first read (and may throw NetlinkDecodeError then, for a
 * malformed attribute the summary did not look at).
 */
export function linkStateOfFrame(frame: Uint8Array): LinkState {
  const state = stateOf(decodeLinkSummary(frame));
  let raw: LinkBody | undefined;
  Object.defineProperty(state, 'raw', { enumerable: true, configurable: true, get: () => (raw ??= linkBodyOfFrame(frame)) });
  return state as LinkState;
}

function linkBodyOfFrame(frame: Uint8Array): LinkBody {
  const [message] = decodeMessages(frame);
  if (message?.kind !== 'link') throw new TypeError(`expected an RTM_NEWLINK frame, got ${message?.kind ?? 'nothing'}`);
  return message.body;
}

function stateOf(s: LinkSummary): Omit<LinkState, 'raw'> {
  const state: Omit<LinkState, 'raw'> = {
    index: s.index,
    name: s.ifname ?? '',
    flags: s.flags,
    up: (s.flags & IFF_UP) !== 0,
    operstate: s.operstate === undefined ? 'unknown' : operstateName(s.operstate).toLowerCase(),
  };
  if (s.mtu !== undefined) state.mtu = s.mtu;
  if (s.address !== undefined) state.mac = s.address;
  if (s.kind !== undefined) state.kind = s.kind;
  if (s.master !== undefined && s.master !== 0) state.master = s.master;
  if (s.link !== undefined && s.link !== s.index) state.parent = s.link;
  if (s.linkNetnsid !== undefined) state.linkNetnsid = s.linkNetnsid;
  return state;
}

function linkMessage(type: number, flags: number, index: number, attrs: LinkAttrs, ifi: { flags?: number; change?: number } = {}): LinkMessage {
  return {
    kind: 'link',
    type,
    flags,
    seq: 0,
    pid: 0,
    body: { family: AF_UNSPEC, type: 0, index, flags: ifi.flags ?? 0, change: ifi.change ?? 0, attrs },
  };
}

/** Changes `ip link set` can make; each is checked before anything is sent. */
export interface LinkChanges {
  up?: boolean;
  mtu?: number;
  name?: string;
  mac?: string;
  /** Bridge index to attach to; 0 detaches. */
  master?: number;
  /** Move to the namespace behind this fd. */
  netnsFd?: number;
  txqlen?: number;
  alias?: string;
}

export function setLinkMessage(index: number, changes: LinkChanges): LinkMessage {
  const attrs: LinkAttrs = {};
  if (changes.mtu !== undefined) attrs.mtu = checkMtu(changes.mtu);
  if (changes.name !== undefined) attrs.ifname = checkInterfaceName(changes.name);
  if (changes.mac !== undefined) attrs.address = checkMac(changes.mac);
  if (changes.master !== undefined) attrs.master = checkU32(changes.master, 'master');
  if (changes.netnsFd !== undefined) attrs.netNsFd = checkU32(changes.netnsFd, 'namespace fd');
  if (changes.txqlen !== undefined) attrs.txqlen = checkU32(changes.txqlen, 'txqlen');
  if (changes.alias !== undefined) attrs.ifalias = changes.alias;
  const ifi = changes.up === undefined ? {} : { flags: changes.up ? IFF_UP : 0, change: IFF_UP };
  return linkMessage(RTM_NEWLINK, 0, index, attrs, ifi);
}

export function deleteLinkMessage(index: number): LinkMessage {
  return linkMessage(RTM_DELLINK, 0, index, {});
}

/**
 * One RTM_DELLINK that deletes every link of device group `group` (IFLA_GROUP, no index): the
 * kernel removes them all in one message and one synchronisation, where deleting them one by one
 * pays the synchronisation per link (tens of ms each). Deleting a veth also deletes its peer.
 * Group 0 is the default group every link starts in, so it is refused here.
 */
export function deleteLinkGroupMessage(group: number): LinkMessage {
  return linkMessage(RTM_DELLINK, 0, 0, { group: checkInteger(group, 'group', 1, 0xffffffff) });
}

/** Options shared by every kind of link we create. */
export interface CommonLinkOptions {
  mtu?: number;
  mac?: string;
  /** Bring the link up as it is created. */
  up?: boolean;
  /** Attach to this bridge index at creation. */
  master?: number;
  txqlen?: number;
  /**
   * Device group (IFLA_GROUP, `ip link ... group N`) to put the link in at creation, 0 to
   * 4294967295 (0 is the kernel's default group). A whole group is deleted in one request by
   * `ns.deleteLinkGroup(N)`. For a veth it applies to the end it is given on.
   */
  deviceGroup?: number;
}

function commonAttrs(name: string, options: CommonLinkOptions, field = 'name'): LinkAttrs {
  const attrs: LinkAttrs = { ifname: checkInterfaceName(name, field) };
  if (options.mtu !== undefined) attrs.mtu = checkMtu(options.mtu);
  if (options.mac !== undefined) attrs.address = checkMac(options.mac);
  if (options.master !== undefined) attrs.master = checkU32(options.master, 'master');
  if (options.txqlen !== undefined) attrs.txqlen = checkU32(options.txqlen, 'txqlen');
  if (options.deviceGroup !== undefined) attrs.group = checkU32(options.deviceGroup, field === 'name' ? 'deviceGroup' : 'peer.deviceGroup');
  return attrs;
}

function createMessage(name: string, options: CommonLinkOptions, linkinfo: LinkInfo, extra: LinkAttrs = {}): LinkMessage {
  const attrs: LinkAttrs = { ...commonAttrs(name, options), ...extra, linkinfo };
  return linkMessage(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, attrs, options.up ? { flags: IFF_UP, change: IFF_UP } : {});
}

export interface VethOptions extends CommonLinkOptions {
  /** Create this end directly in the namespace behind this fd. */
  netnsFd?: number;
  peer: CommonLinkOptions & { name: string; netnsFd?: number };
}

/** One RTM_NEWLINK creating both ends, the peer straight in its own namespace (IFLA_NET_NS_FD in VETH_INFO_PEER). */
export function vethMessage(name: string, options: VethOptions): LinkMessage {
  if (typeof options?.peer !== 'object' || options.peer === null) throw new InvalidArgumentError('peer', options?.peer, 'is missing: a veth needs { peer: { name } }');
  const peerAttrs = commonAttrs(options.peer.name, options.peer, 'peer.name');
  if (options.peer.netnsFd !== undefined) peerAttrs.netNsFd = checkU32(options.peer.netnsFd, 'peer namespace fd');
  const extra: LinkAttrs = {};
  if (options.netnsFd !== undefined) extra.netNsFd = checkU32(options.netnsFd, 'namespace fd');
  const peerFlags = options.peer.up ? { flags: IFF_UP, change: IFF_UP } : { flags: 0, change: 0 };
  return createMessage(name, options, {
    kind: 'veth',
    data: { peer: { family: AF_UNSPEC, type: 0, index: 0, ...peerFlags, attrs: peerAttrs } },
  }, extra);
}

export interface BridgeOptions extends CommonLinkOptions {
  /** Spanning tree on (the kernel's default is off). */
  stp?: boolean;
  /** Forward delay in centiseconds as the kernel counts it (clock_t, USER_HZ=100): 1500 = 15 s. */
  forwardDelay?: number;
  /** VLAN filtering; not every kernel is built with it (EOPNOTSUPP). */
  vlanFiltering?: boolean;
  /** Ageing time of learned MAC addresses, in centiseconds. */
  ageingTime?: number;
  priority?: number;
}

export function bridgeMessage(name: string, options: BridgeOptions = {}): LinkMessage {
  const data: Extract<LinkInfo, { kind: 'bridge' }>['data'] = {};
  if (options.stp !== undefined) data.stpState = options.stp ? 1 : 0;
  if (options.forwardDelay !== undefined) data.forwardDelay = checkU32(options.forwardDelay, 'forwardDelay');
  if (options.vlanFiltering !== undefined) data.vlanFiltering = options.vlanFiltering ? 1 : 0;
  if (options.ageingTime !== undefined) data.ageingTime = checkU32(options.ageingTime, 'ageingTime');
  if (options.priority !== undefined) data.priority = checkInteger(options.priority, 'priority', 0, 65535);
  return createMessage(name, options, Object.keys(data).length ? { kind: 'bridge', data } : { kind: 'bridge' });
}

export interface VxlanOptions extends CommonLinkOptions {
  /** VXLAN network identifier, 0 to 16777215. */
  vni: number;
  /** Local tunnel endpoint (IPv4). */
  local?: string;
  /** Multicast group, or a single remote endpoint. */
  group?: string;
  /** UDP destination port (IANA's is 4789; Linux defaults to 8472). */
  port?: number;
  /** Underlying device index for the tunnel traffic. */
  dev?: number;
  learning?: boolean;
  ttl?: number;
}

export function vxlanMessage(name: string, options: VxlanOptions): LinkMessage {
  const data: Extract<LinkInfo, { kind: 'vxlan' }>['data'] = { id: checkInteger(options?.vni, 'vni', 0, 0xffffff) };
  if (options.local !== undefined) {
    const local = parseAddress(options.local, 'local');
    if (local.family === 4) data.local = local.address;
    else data.local6 = local.address;
  }
  if (options.group !== undefined) {
    const group = parseAddress(options.group, 'group');
    if (group.family === 4) data.group = group.address;
    else data.group6 = group.address;
  }
  if (options.port !== undefined) data.port = checkInteger(options.port, 'port', 1, 65535);
  if (options.dev !== undefined) data.link = checkU32(options.dev, 'dev');
  if (options.learning !== undefined) data.learning = options.learning ? 1 : 0;
  if (options.ttl !== undefined) data.ttl = checkInteger(options.ttl, 'ttl', 0, 255);
  return createMessage(name, options, { kind: 'vxlan', data });
}

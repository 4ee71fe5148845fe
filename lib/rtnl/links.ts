import { AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, RTM_DELLINK, RTM_NEWLINK } from '../../messages/constants.js';
import {
  decodeLinkSummary,
  IFF_PROMISC,
  IFF_UP,
  LINK_KINDS,
  linkSummaryOf,
  operstateName,
  OPERSTATE_NAMES,
  type DeviceByName,
  type KindCreation,
  type LinkAttrs,
  type LinkBody,
  type LinkInfo,
  type LinkSummary,
} from '../../messages/link/index.js';
import { deviceOption } from '../../messages/link/kinds/kind.js';
import { LinkScan, scanLink } from '../../messages/link/scan.js';
import { formatHardwareAddress } from '../../messages/attributes/addresses.js';
import { readCString } from '../../messages/attributes/scalars.js';
import { decodeMessages, type LinkMessage } from '../../messages/message.js';
import { checkInteger, checkInterfaceName, checkMac, checkMtu, checkU32, InvalidArgumentError } from '../validate.js';
import { UnexpectedReplyError } from '../errors.js';
import { deviceIndex } from './device-ref.js';
import type { DeviceRef } from './routes.js';
import { Stamped } from './stamped.js';

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

/**
 * A LinkState's first five fields, set by a constructor rather than an object literal: a
 * constructed object is given room for the fields its first instances were given (V8's slack
 * tracking), so mtu, mac, kind ... added after stay in the object. Its prototype is
 * Object.prototype: a LinkState is a plain object (same prototype, constructor, keys and key order
 * as the literal it replaced).
 */
interface LinkFields {
  new (index: number, name: string, flags: number, operstate: string): LinkState;
}
const LinkFields = function (this: LinkState, index: number, name: string, flags: number, operstate: string) {
  this.index = index;
  this.name = name;
  this.flags = flags;
  this.up = (flags & IFF_UP) !== 0;
  this.operstate = operstate;
} as unknown as LinkFields;
LinkFields.prototype = Object.prototype;

export function toLinkState(raw: LinkBody): LinkState {
  const state = stateOf(linkSummaryOf(raw));
  state.raw = raw;
  return state;
}

/**
 * The frame a LinkState read from a frame was read from, in a private field: no key, symbol or
 * descriptor of the state shows it. Copies of the state (copyLinkState) hold the same frame.
 */
class LinkSource extends Stamped {
  #frame: Uint8Array;

  constructor(state: LinkState, frame: Uint8Array) {
    super(state);
    this.#frame = frame;
  }

  static frameOf(state: object): Uint8Array | undefined {
    return #frame in state ? (state as LinkSource).#frame : undefined;
  }
}

/** Each frame's body once decoded, shared by the states read from that frame and their copies. */
const BODIES = new WeakMap<Uint8Array, LinkBody>();

/**
 * `raw` of every state read from a frame: one getter shared by all, so that they share one hidden
 * class (a closure per state gave each its own, and every read of a state went the slow way).
 */
function rawOfFrame(this: LinkState): LinkBody {
  const frame = LinkSource.frameOf(this)!;
  let body = BODIES.get(frame);
  if (body === undefined) BODIES.set(frame, (body = linkBodyOfFrame(frame)));
  return body;
}
const RAW_OF_FRAME: PropertyDescriptor = { enumerable: true, configurable: true, get: rawOfFrame };

/** `state` given `frame` as its source: `raw`, its last key, decoded from it when first read. */
function attachFrame(state: LinkState, frame: Uint8Array): LinkState {
  new LinkSource(state, frame);
  return Object.defineProperty(state, 'raw', RAW_OF_FRAME);
}

const SCAN = new LinkScan();

/**
 * A LinkState from one RTM_NEWLINK frame (nlmsghdr included): its fields are read from the bytes
 * in one pass (scanLink), and `raw` is decoded from the frame when first read (and may throw
 * NetlinkDecodeError then, for a malformed attribute the fields do not come from). A frame the scan
 * does not take (one decodeLinkSummary would reject, or not RTM_NEWLINK) is read by
 * decodeLinkSummary, which throws its NetlinkDecodeError.
 */
export function linkStateOfFrame(frame: Uint8Array): LinkState {
  const s = SCAN;
  if (!scanLink(frame, s)) return linkStateBySummary(frame);
  const b = frame;
  const name = s.ifnameAt < 0 ? '' : readCString(b, s.ifnameAt, s.ifnameEnd);
  const state = new LinkFields(s.index, name, s.flags, s.operstate < 0 ? 'unknown' : operstateText(s.operstate));
  if (s.mtu >= 0) state.mtu = s.mtu;
  if (s.addressAt >= 0) state.mac = formatHardwareAddress(b, s.addressAt, s.addressEnd);
  if (s.kindAt >= 0) state.kind = readCString(b, s.kindAt, s.kindEnd);
  if (s.master > 0) state.master = s.master;
  if (s.link >= 0 && s.link !== s.index) state.parent = s.link;
  const netnsid = s.linkNetnsidAt;
  if (netnsid >= 0) state.linkNetnsid = b[netnsid]! | (b[netnsid + 1]! << 8) | (b[netnsid + 2]! << 16) | (b[netnsid + 3]! << 24);
  return attachFrame(state, frame);
}

/** The same LinkState read through decodeLinkSummary (or its NetlinkDecodeError): the way of frames the scan does not take. */
export function linkStateBySummary(frame: Uint8Array): LinkState {
  return attachFrame(stateOf(decodeLinkSummary(frame)), frame);
}

/**
 * A copy of `state` for changes to be made on it, `raw` included as it is (still undecoded if it
 * was): the state given out before stays as it was.
 */
export function copyLinkState(state: LinkState): LinkState {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(state)) if (key !== 'raw') copy[key] = state[key as keyof LinkState];
  const frame = LinkSource.frameOf(state);
  if (frame !== undefined) return attachFrame(copy as unknown as LinkState, frame);
  copy.raw = state.raw;
  return copy as unknown as LinkState;
}

function linkBodyOfFrame(frame: Uint8Array): LinkBody {
  const [message] = decodeMessages(frame);
  if (message?.kind !== 'link') throw new UnexpectedReplyError('RTM_GETLINK', `expected an RTM_NEWLINK frame, got ${message?.kind ?? 'nothing'}`);
  return message.body;
}

/** operstate as a LinkState gives it: 'up', 'down' ... ('unknown(7)' for a value without a name). */
const OPERSTATE_TEXT = OPERSTATE_NAMES.map((name) => name.toLowerCase());
function operstateText(operstate: number): string {
  return OPERSTATE_TEXT[operstate] ?? operstateName(operstate).toLowerCase();
}

/** A LinkState without `raw` from a summary's fields. */
function stateOf(s: LinkSummary): LinkState {
  const state = new LinkFields(s.index, s.ifname ?? '', s.flags, s.operstate === undefined ? 'unknown' : operstateText(s.operstate));
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
  /**
   * The bridge to attach to (`ip link set DEV master BR`): a Link, a name or an index, as at
   * creation; null or 0 detaches (`nomaster`).
   */
  master?: DeviceRef | null;
  /** Move to the namespace behind this fd. */
  netnsFd?: number;
  txqlen?: number;
  alias?: string;
  /** Promiscuous mode (IFF_PROMISC, `ip link set DEV promisc on`). */
  promisc?: boolean;
}

export function setLinkMessage(index: number, changes: LinkChanges): LinkMessage {
  const attrs: LinkAttrs = {};
  if (changes.mtu !== undefined) attrs.mtu = checkMtu(changes.mtu);
  if (changes.name !== undefined) attrs.ifname = checkInterfaceName(changes.name);
  if (changes.mac !== undefined) attrs.address = checkMac(changes.mac);
  if (changes.master !== undefined) attrs.master = changes.master === null || changes.master === 0 ? 0 : deviceIndex(changes.master, 'master');
  if (changes.netnsFd !== undefined) attrs.netNsFd = checkU32(changes.netnsFd, 'namespace fd');
  if (changes.txqlen !== undefined) attrs.txqlen = checkU32(changes.txqlen, 'txqlen');
  if (changes.alias !== undefined) attrs.ifalias = changes.alias;
  const ifi = { flags: 0, change: 0 };
  setIfiFlags(ifi, changes);
  return linkMessage(RTM_NEWLINK, 0, index, attrs, ifi);
}

/** Sets IFF_UP and IFF_PROMISC in an ifinfomsg's flags (each marked in change) as `changes` asks; each must be true or false. */
export function setIfiFlags(ifi: { flags: number; change: number }, changes: LinkChanges): void {
  if (changes.up !== undefined) ifiFlag(ifi, IFF_UP, changes.up, 'up');
  if (changes.promisc !== undefined) ifiFlag(ifi, IFF_PROMISC, changes.promisc, 'promisc');
}

/** Sets or clears one IFF_* flag in an ifinfomsg's flags, marking it in change. */
export function ifiFlag(ifi: { flags: number; change: number }, bit: number, on: unknown, field: string): void {
  if (typeof on !== 'boolean') throw new InvalidArgumentError(field, on, 'is not true or false');
  ifi.change |= bit;
  if (on) ifi.flags |= bit;
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
  /** Create it in promiscuous mode (IFF_PROMISC). */
  promisc?: boolean;
  /**
   * The bridge to attach to at creation (`ip link add ... master BR`): a Link, a name in the
   * namespace the link is created in, or an index (what a Link's `master` reads back).
   */
  master?: DeviceRef;
  txqlen?: number;
  /**
   * Device group (IFLA_GROUP, `ip link ... group N`) to put the link in at creation, 0 to
   * 4294967295 (0 is the kernel's default group). A whole group is deleted in one request by
   * `ns.deleteLinkGroup(N)`. For a veth it applies to the end it is given on.
   */
  deviceGroup?: number;
}

/**
 * The common options as IFLA_* attributes, but for `master` (see masterOption). `nameChecked`: the
 * caller has checked `name` with checkInterfaceName already (VethPair.create), so it is not again.
 */
export function commonAttrs(name: string, options: CommonLinkOptions, prefix = '', nameChecked = false): LinkAttrs {
  const attrs: LinkAttrs = { ifname: nameChecked ? name : checkInterfaceName(name, prefix === '' ? 'name' : `${prefix}name`) };
  if (options.mtu !== undefined) attrs.mtu = checkMtu(options.mtu);
  if (options.mac !== undefined) attrs.address = checkMac(options.mac);
  if (options.txqlen !== undefined) attrs.txqlen = checkU32(options.txqlen, 'txqlen');
  if (options.deviceGroup !== undefined) attrs.group = checkU32(options.deviceGroup, `${prefix}deviceGroup`);
  return attrs;
}

/** IFLA_MASTER into `attrs`, the message's own: an index now, a name or a Link once resolved (left in `devices`). */
function masterOption(options: CommonLinkOptions, attrs: LinkAttrs, devices: DeviceByName[]): void {
  if (options.master !== undefined) deviceOption(options.master, 'master', devices, (index) => (attrs.master = index));
}

/** The kinds of link this library creates: the registry of messages/link/kinds/, by IFLA_INFO_KIND. */
export type LinkKindName = keyof typeof LINK_KINDS;

/** Creation options of a link of kind K: the common ones and the kind's own (messages/link/kinds/K.ts). */
export type CreateLinkOptions<K extends LinkKindName> = CommonLinkOptions & Parameters<(typeof LINK_KINDS)[K]['create']>[0];

/** An RTM_NEWLINK creating a link, with the devices its options name that are still to be resolved. */
export interface CreateLinkRequest {
  message: LinkMessage;
  /** Resolve each in the namespace the link is created in and `set` its index before sending. */
  devices: DeviceByName[];
  /** 'NAME type KIND ...', as `ip link add` would say it. */
  operation: string;
}

/** `attrs` (the object device lookups write into) completed with the common ones and IFLA_LINKINFO. */
function createMessage(common: LinkAttrs, options: CommonLinkOptions, linkinfo: LinkInfo, attrs: LinkAttrs): LinkMessage {
  Object.assign(attrs, common, { linkinfo });
  const ifi = { flags: 0, change: 0 };
  if (options.up) ifiFlag(ifi, IFF_UP, true, 'up');
  if (options.promisc !== undefined) ifiFlag(ifi, IFF_PROMISC, options.promisc, 'promisc');
  return linkMessage(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, attrs, ifi);
}

/**
 * The RTM_NEWLINK creating link `name` of `kind`, built once: the common options checked here, the
 * kind's own by its builder, before anything is sent. Devices named by name are left in `devices`.
 */
export function createLinkRequest<K extends LinkKindName>(kind: K, name: string, options: CreateLinkOptions<K>): CreateLinkRequest {
  const entry = typeof kind === 'string' && Object.hasOwn(LINK_KINDS, kind) ? LINK_KINDS[kind] : undefined;
  if (entry === undefined) throw new InvalidArgumentError('kind', kind, `is not a link kind this library creates (${Object.keys(LINK_KINDS).join(', ')})`);
  const common = commonAttrs(name, options ?? {});
  const created = (entry.create as (o: unknown) => KindCreation<unknown>)(options ?? {});
  const linkinfo = (created.data === undefined ? { kind } : { kind, data: created.data }) as LinkInfo;
  const message = createMessage(common, options ?? {}, linkinfo, created.attrs ?? {});
  const devices = [...created.devices];
  masterOption(options ?? {}, message.body.attrs, devices);
  return { message, devices, operation: `${name} type ${(entry.describe as (o: unknown) => string)(options ?? {})}` };
}

export interface VethOptions extends CommonLinkOptions {
  /** Create this end directly in the namespace behind this fd. */
  netnsFd?: number;
  /** The kernel ignores IFLA_MASTER in VETH_INFO_PEER: the peer's master is set by a change once it exists. */
  peer: Omit<CommonLinkOptions, 'master'> & { name: string; netnsFd?: number };
}

/** One RTM_NEWLINK creating both ends, the peer straight in its own namespace (IFLA_NET_NS_FD in VETH_INFO_PEER). */
export function vethRequest(name: string, options: VethOptions): CreateLinkRequest {
  if (typeof options?.peer !== 'object' || options.peer === null) throw new InvalidArgumentError('peer', options?.peer, 'is missing: a veth needs { peer: { name } }');
  const peerAttrs = commonAttrs(options.peer.name, options.peer, 'peer.');
  if (options.peer.netnsFd !== undefined) peerAttrs.netNsFd = checkU32(options.peer.netnsFd, 'peer namespace fd');
  const attrs: LinkAttrs = {};
  if (options.netnsFd !== undefined) attrs.netNsFd = checkU32(options.netnsFd, 'namespace fd');
  const peerFlags = options.peer.up ? { flags: IFF_UP, change: IFF_UP } : { flags: 0, change: 0 };
  const { data } = LINK_KINDS.veth.create({ peer: { family: AF_UNSPEC, type: 0, index: 0, ...peerFlags, attrs: peerAttrs } });
  const message = createMessage(commonAttrs(name, options), options, { kind: 'veth', data }, attrs);
  const devices: DeviceByName[] = [];
  masterOption(options, message.body.attrs, devices);
  return { message, devices, operation: `${name} type veth peer ${options.peer.name}` };
}

/** Options of `ip link add NAME type bridge ...` (see messages/link/kinds/bridge.ts). */
export type BridgeOptions = CreateLinkOptions<'bridge'>;

/** The RTM_NEWLINK creating a bridge whose options name no device to resolve (`master` only as an index). */
export function bridgeMessage(name: string, options: BridgeOptions = {}): LinkMessage {
  const request = createLinkRequest('bridge', name, options);
  if (request.devices.length > 0) throw new InvalidArgumentError('master', options.master, 'is not an index: Bridge.create resolves names and Links');
  return request.message;
}

/** Options of `ip link add NAME type vxlan ...` (see messages/link/kinds/vxlan.ts); `dev` by name or index. */
export type VxlanOptions = CreateLinkOptions<'vxlan'>;

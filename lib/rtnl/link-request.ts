/**
 * A veth pair's RTM_NEWLINK, checked once (checkVeth) and written straight into a connection's send
 * buffer (VETH_WRITER), and the RTM_GETLINK of one link (LINK_LOOKUP_WRITER): no message object,
 * no generic attribute walker, for the requests every pair creation makes.
 */
import { parseHardwareAddress } from '../../messages/attributes/addresses.js';
import { AF_UNSPEC, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import { beginFrame, endFrame } from '../../messages/framing.js';
import {
  IFF_PROMISC, IFF_UP, IFLA_INFO_DATA, IFLA_INFO_KIND, RTEXT_FILTER_SKIP_STATS, VETH_INFO_PEER, type DeviceByName, type LinkAttrs,
} from '../../messages/link/index.js';
import {
  IFLA_ADDRESS, IFLA_EXT_MASK, IFLA_GROUP, IFLA_LINKINFO, IFLA_MASTER, IFLA_MTU, IFLA_NET_NS_FD, IFLA_NUM_RX_QUEUES, IFLA_NUM_TX_QUEUES,
  IFLA_TXQLEN,
} from '../../messages/link/attribute-types.js';
import { deviceOption } from '../../messages/link/kinds/kind.js';
import type { Writer } from '../../messages/writer.js';
import type { RequestWriter } from '../message-codec.js';
import { isIntegerIn } from '../../messages/checks.js';
import { checkU32, InvalidArgumentError } from '../validate.js';
import { deviceText } from './device-ref.js';
import { IFLA_IFNAME, writeIfinfo, writeName } from './ifinfo.js';
import { commonAttrs, ifiFlag, type CommonLinkOptions } from './links.js';
import type { DeviceRef } from './routes.js';

/** IFLA_INFO_KIND's payload: "veth", without a NUL, as iproute2 and the generic codec write a kind. */
const VETH_KIND = Uint8Array.of(0x76, 0x65, 0x74, 0x68);
/** The same four bytes as one word in host (little-endian) order. */
const VETH_KIND_WORD = 0x68746576;

/** The most queues of either kind the kernel gives a device (rtnl_create_link refuses more, and 0). */
export const MAX_QUEUES = 4096;

/** How many transmit and receive queues a veth end is made with. */
export interface VethQueueOptions {
  /**
   * How many transmit queues the end is made with (IFLA_NUM_TX_QUEUES, `ip link add NAME
   * numtxqueues N type veth ...`), 1 to 4096. Given on the pair, it is the peer's too unless
   * `peer.numTxQueues` says otherwise (as vishvananda/netlink's NumTxQueues, written on both ends).
   *
   * Left out, each end is allocated one queue per possible CPU and, once registered, cut down to
   * one in use; cutting a registered device's transmit queues waits for an expedited RCU grace
   * period (synchronize_net under the RTNL lock), two a pair, which on a busy machine is most of
   * what creating a pair costs the kernel. Given, nothing is cut: every queue asked for is in use
   * from the start and the creation waits for nothing. So `numTxQueues: 1` (with `numRxQueues: 1`)
   * makes pairs faster to create, and the device differs from the default only in its allocated
   * queues: `ip -d link` shows `numtxqueues 1` instead of the number of possible CPUs, and
   * `ethtool -L` can no longer raise the queues in use above 1. A larger count gives that many
   * queues in use (for XDP or multi-queue qdiscs), on both ends when given on the pair.
   *
   * The kernel decides whether to cut both ends from the end created in `namespace` alone: a count
   * given only on `peer` is allocated there, but the peer is cut to one queue in use.
   */
  numTxQueues?: number;
  /**
   * How many receive queues the end is made with (IFLA_NUM_RX_QUEUES, `numrxqueues N`), 1 to 4096;
   * the peer's too unless `peer.numRxQueues` says otherwise. Left out, one per possible CPU is
   * allocated and one is in use; given, all are in use (see numTxQueues: cutting receive queues
   * does not wait, so this one alone does not change the creation's cost).
   */
  numRxQueues?: number;
}

/** The options of one end as checkVeth reads them (the peer's `up` and `master` are changes made once both ends exist). */
export type VethPeerOptions = Omit<CommonLinkOptions, 'master' | 'up'> & VethQueueOptions & { name: string };

/**
 * A veth pair's creation, checked once; `master` is set once a master given by name or Link is
 * resolved (`devices`). Its fields are `declare`d and set by the constructor alone: class fields
 * would make each request run a field initializer that defines them first.
 */
export class VethRequest {
  /** The end created in the socket's namespace: IFLA_IFNAME and the common options. */
  declare attrs: LinkAttrs;
  /** The peer's attributes, IFLA_NET_NS_FD included when it goes to another namespace. */
  declare peerAttrs: LinkAttrs;
  /** ifinfomsg flags and change of that end (IFF_UP, IFF_PROMISC). */
  declare flags: number;
  declare change: number;
  declare master: number | undefined;
  /** Masters to resolve in the link's namespace before sending. */
  declare readonly devices: DeviceByName[];
  /** Ask the kernel to echo the new link (NLM_F_ECHO). */
  declare echo: boolean;
  /** The peer's namespace when it is another one, for errors. */
  declare peerHome: object | undefined;

  constructor(attrs: LinkAttrs, peerAttrs: LinkAttrs) {
    this.attrs = attrs;
    this.peerAttrs = peerAttrs;
    this.flags = 0;
    this.change = 0;
    this.master = undefined;
    this.devices = [];
    this.echo = false;
    this.peerHome = undefined;
  }
}

/**
 * Checks a veth pair's creation: `name` and `options` for the end made in the socket's namespace,
 * `peer` for the other end, created in the namespace behind `peerNetnsFd` if given. The checks and
 * their words are vethRequest's, in the same order, each end's queue counts after its other
 * options; throws InvalidArgumentError naming the field. With `namesChecked`, both names were
 * checked by the caller (checkInterfaceName), and are not again.
 */
export function checkVeth(
  name: string, options: CommonLinkOptions & VethQueueOptions, peer: VethPeerOptions, peerNetnsFd?: number, namesChecked = false,
): VethRequest {
  const peerAttrs = commonAttrs(peer.name, peer, 'peer.', namesChecked);
  if (peerNetnsFd !== undefined) peerAttrs.netNsFd = checkU32(peerNetnsFd, 'peer namespace fd');
  if (peer.numTxQueues !== undefined) peerAttrs.numTxQueues = checkQueues(peer.numTxQueues, 'peer.numTxQueues');
  if (peer.numRxQueues !== undefined) peerAttrs.numRxQueues = checkQueues(peer.numRxQueues, 'peer.numRxQueues');
  const attrs = commonAttrs(name, options, '', namesChecked);
  // Made with both ends' attributes: each a field given once, not an empty object replaced.
  const r = new VethRequest(attrs, peerAttrs);
  // The pair's counts are the peer's too where it gives none of its own.
  if (options.numTxQueues !== undefined) {
    attrs.numTxQueues = checkQueues(options.numTxQueues, 'numTxQueues');
    peerAttrs.numTxQueues ??= attrs.numTxQueues;
  }
  if (options.numRxQueues !== undefined) {
    attrs.numRxQueues = checkQueues(options.numRxQueues, 'numRxQueues');
    peerAttrs.numRxQueues ??= attrs.numRxQueues;
  }
  if (options.up) ifiFlag(r, IFF_UP, true, 'up');
  if (options.promisc !== undefined) ifiFlag(r, IFF_PROMISC, options.promisc, 'promisc');
  if (options.master !== undefined) deviceOption(options.master, 'master', r.devices, (index) => (r.master = index));
  return r;
}

/** A queue count (numTxQueues, numRxQueues), 1 to MAX_QUEUES; otherwise InvalidArgumentError naming `field`. */
function checkQueues(value: unknown, field: string): number {
  if (!isIntegerIn(value, 1, MAX_QUEUES)) throw new InvalidArgumentError(field, value, `is not a queue count: a whole number from 1 to ${MAX_QUEUES} (the kernel's limit)`);
  return value;
}

/**
 * Appends an RTM_NEWLINK that changes ifinfomsg's flags alone (`ip link set DEV up`): nlmsghdr and
 * ifinfomsg of AF_UNSPEC, 32 bytes set in place in one step, as beginFrame, writeIfinfo and
 * endFrame would write them (flags, sequence number and port 0: the connection's to set).
 */
export function writeLinkFlags(w: Writer, index: number, flags: number, change: number): void {
  const start = w.length;
  if ((start & 3) === 0 && start + 32 <= w.wordBytes) {
    // The case below with Writer.append and words() written out, the frame fitting the word array as
    // it is (a call each in baseline code).
    w.length = start + 32;
    putLinkHeader(w.wordArray!, start >>> 2, 32, RTM_NEWLINK, index, flags, change);
    return;
  }
  const at = w.append(32);
  if ((at & 3) === 0) {
    // Word by word at a 4-aligned offset (Writer.words: an indexed store each, where a DataView's
    // setUint32 is a load and a call each in baseline code); host order is little-endian wherever
    // the library loads (lib/sys/host-byte-order.ts). The index is below 2^31: the same bytes as setInt32's.
    putLinkHeader(w.words(), at >>> 2, 32, RTM_NEWLINK, index, flags, change);
    return;
  }
  const v = w.dataView;
  v.setUint32(at, 32, true);
  v.setUint32(at + 4, RTM_NEWLINK, true);
  v.setUint32(at + 8, 0, true);
  v.setUint32(at + 12, 0, true);
  // family AF_UNSPEC, pad, type: all 0.
  v.setUint32(at + 16, AF_UNSPEC, true);
  v.setInt32(at + 20, index, true);
  v.setUint32(at + 24, flags, true);
  v.setUint32(at + 28, change, true);
}

/** The attributes an end has that come before IFLA_LINKINFO in the link table's order. */
function writeHead(w: Writer, a: LinkAttrs, master: number | undefined): void {
  if (a.address !== undefined) {
    const at = w.beginAttr(IFLA_ADDRESS);
    w.bytes(parseHardwareAddress(a.address)!);
    w.endAttr(at);
  }
  writeName(w, IFLA_IFNAME, a.ifname!);
  if (a.mtu !== undefined) w.attrU32(IFLA_MTU, a.mtu);
  if (master !== undefined) w.attrU32(IFLA_MASTER, master);
  if (a.txqlen !== undefined) w.attrU32(IFLA_TXQLEN, a.txqlen);
}

/** The attributes an end has that come after IFLA_LINKINFO. */
function writeTail(w: Writer, a: LinkAttrs): void {
  if (a.group !== undefined) w.attrU32(IFLA_GROUP, a.group);
  if (a.netNsFd !== undefined) w.attrU32(IFLA_NET_NS_FD, a.netNsFd);
  if (a.numTxQueues !== undefined) w.attrU32(IFLA_NUM_TX_QUEUES, a.numTxQueues);
  if (a.numRxQueues !== undefined) w.attrU32(IFLA_NUM_RX_QUEUES, a.numRxQueues);
}

/**
 * Appends the RTM_NEWLINK creating the pair (nlmsghdr, ifinfomsg, attributes in the link table's order) to `w`.
 * The usual pair (two ASCII names, a device group and queue counts at most, no master) is set word
 * by word in one append; the bytes are those of the attribute-by-attribute path below.
 */
export function writeVeth(w: Writer, r: VethRequest): void {
  if (isPlainEnd(r.attrs) && isPlainEnd(r.peerAttrs) && r.master === undefined && writePlainVeth(w, r)) return;
  const start = beginFrame(w, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | (r.echo ? NLM_F_ECHO : 0), 0, 0);
  writeIfinfo(w, 0, r.flags, r.change);
  writeHead(w, r.attrs, r.master);
  // IFLA_LINKINFO { IFLA_INFO_KIND "veth", IFLA_INFO_DATA { VETH_INFO_PEER { ifinfomsg, IFLA_* } } },
  // without NLA_F_NESTED, as iproute2 and the generic codec write them.
  const linkinfo = w.beginAttr(IFLA_LINKINFO);
  const kind = w.beginAttr(IFLA_INFO_KIND);
  w.bytes(VETH_KIND);
  w.endAttr(kind);
  const data = w.beginAttr(IFLA_INFO_DATA);
  const peer = w.beginAttr(VETH_INFO_PEER);
  writeIfinfo(w, 0, 0, 0);
  writeHead(w, r.peerAttrs, undefined);
  writeTail(w, r.peerAttrs);
  w.endAttr(peer);
  w.endAttr(data);
  w.endAttr(linkinfo);
  writeTail(w, r.attrs);
  endFrame(w, start);
}

/** Only a name, a device group and queue counts: what writePlainVeth sets. */
function isPlainEnd(a: LinkAttrs): boolean {
  return a.address === undefined && a.mtu === undefined && a.txqlen === undefined && a.netNsFd === undefined;
}

/**
 * Sets an nlmsghdr of `length` bytes (`typeAndFlags`: nlmsg_type, and nlmsg_flags in the high half;
 * sequence number and port 0: the connection's to set) and an AF_UNSPEC ifinfomsg as the eight
 * words from word `i` of `words`. Returns the next word.
 */
function putLinkHeader(words: Uint32Array, i: number, length: number, typeAndFlags: number, index: number, flags: number, change: number): number {
  words[i] = length;
  words[i + 1] = typeAndFlags;
  words[i + 2] = 0;
  words[i + 3] = 0;
  words[i + 4] = AF_UNSPEC;
  words[i + 5] = index;
  words[i + 6] = flags;
  words[i + 7] = change;
  return i + 8;
}

/**
 * Sets the whole attribute of an ASCII `name`, (name.length + 8) & ~3 bytes, from word `i` of `words`:
 * nla_len and nla_type, the characters, the NUL and the zero padding. Returns the next word, or -1
 * when a character is not ASCII (the words set so far are then the caller's to drop): the one pass
 * over the name both checks and writes it.
 */
function putName(words: Uint32Array, i: number, type: number, name: string): number {
  const n = name.length;
  words[i++] = (n + 5) | (type << 16);
  // Four characters a word, the first in the low byte; the last word holds what is left, the NUL
  // and zero padding (every name has such a word: (n + 8) & ~3 bytes in all).
  let word = 0;
  for (let k = 0; k < n; k++) {
    const c = name.charCodeAt(k);
    if (c >= 0x80) return -1;
    const shift = (k & 3) << 3;
    word |= c << shift;
    if (shift === 24) {
      words[i++] = word >>> 0;
      word = 0;
    }
  }
  words[i++] = word;
  return i;
}

/**
 * writeVeth's frame set word by word at a 4-aligned offset (host order is little-endian wherever the
 * library loads: lib/sys/host-byte-order.ts). False, with nothing written, when a name is not ASCII
 * (found as it is set: the frame is then dropped) or the offset is not aligned.
 */
function writePlainVeth(w: Writer, r: VethRequest): boolean {
  if ((w.length & 3) !== 0) return false;
  const name = r.attrs.ifname!;
  const peer = r.peerAttrs.ifname!;
  // Each name's IFLA_IFNAME, NUL and padding included, if it is ASCII (putName finds out).
  const nameSize = (name.length + 8) & ~3;
  const peerSize = (peer.length + 8) & ~3;
  // VETH_INFO_PEER: header, ifinfomsg, the peer's name and u32s.
  const peerLen = 20 + peerSize + plainTailSize(r.peerAttrs);
  // IFLA_LINKINFO: header, IFLA_INFO_KIND "veth" (8), IFLA_INFO_DATA's header, VETH_INFO_PEER.
  const linkinfoLen = 16 + peerLen;
  const len = 32 + nameSize + linkinfoLen + plainTailSize(r.attrs);
  const at = w.append(len);
  const words = w.words();
  let i = putLinkHeader(words, at >>> 2, len, RTM_NEWLINK | ((NLM_F_CREATE | NLM_F_EXCL | (r.echo ? NLM_F_ECHO : 0)) << 16), 0, r.flags, r.change);
  i = putName(words, i, IFLA_IFNAME, name);
  if (i < 0) return dropFrame(w, at);
  words[i] = linkinfoLen | (IFLA_LINKINFO << 16);
  words[i + 1] = 8 | (IFLA_INFO_KIND << 16);
  words[i + 2] = VETH_KIND_WORD;
  words[i + 3] = (peerLen + 4) | (IFLA_INFO_DATA << 16);
  words[i + 4] = peerLen | (VETH_INFO_PEER << 16);
  words[i + 5] = AF_UNSPEC;
  words[i + 6] = 0;
  words[i + 7] = 0;
  words[i + 8] = 0;
  i = putName(words, i + 9, IFLA_IFNAME, peer);
  if (i < 0) return dropFrame(w, at);
  putPlainTail(words, putPlainTail(words, i, r.peerAttrs), r.attrs);
  return true;
}

/** The bytes of the u32s writePlainVeth sets after an end's name: device group, then queue counts (the link table's order). */
function plainTailSize(a: LinkAttrs): number {
  return (a.group === undefined ? 0 : 8) + (a.numTxQueues === undefined ? 0 : 8) + (a.numRxQueues === undefined ? 0 : 8);
}

/** Sets those u32 attributes from word `i` of `words`; returns the next word. */
function putPlainTail(words: Uint32Array, i: number, a: LinkAttrs): number {
  const { group, numTxQueues, numRxQueues } = a;
  if (group !== undefined) {
    words[i++] = 8 | (IFLA_GROUP << 16);
    words[i++] = group;
  }
  if (numTxQueues !== undefined) {
    words[i++] = 8 | (IFLA_NUM_TX_QUEUES << 16);
    words[i++] = numTxQueues;
  }
  if (numRxQueues !== undefined) {
    words[i++] = 8 | (IFLA_NUM_RX_QUEUES << 16);
    words[i++] = numRxQueues;
  }
  return i;
}

/** Drops the frame begun at `at` (a name in it is not ASCII: it is written the long way); false. */
function dropFrame(w: Writer, at: number): false {
  w.truncate(at);
  return false;
}

/** A checked veth creation, its master resolved. */
export const VETH_WRITER: RequestWriter<VethRequest> = {
  operation: 'RTM_NEWLINK',
  write: writeVeth,
  describe: (r) => `RTM_NEWLINK ${r.attrs.ifname} type veth peer ${r.peerAttrs.ifname}${r.peerHome !== undefined ? ` (peer in ${String(r.peerHome)})` : ''}`,
};

/** Appends the RTM_GETLINK of one link, by name (checked already) or by index, without statistics in the answer. */
export function writeLinkLookup(w: Writer, ref: string | number): void {
  if (typeof ref === 'string' && writePlainLookup(w, ref)) return;
  const start = beginFrame(w, RTM_GETLINK, 0, 0, 0);
  writeIfinfo(w, typeof ref === 'number' ? ref : 0, 0, 0);
  if (typeof ref === 'string') writeName(w, IFLA_IFNAME, ref);
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  endFrame(w, start);
}

/** writeLinkLookup's frame of an ASCII name set word by word (see writePlainVeth); false, with nothing written, otherwise. */
function writePlainLookup(w: Writer, name: string): boolean {
  if ((w.length & 3) !== 0) return false;
  const len = 40 + ((name.length + 8) & ~3);
  const at = w.append(len);
  const words = w.words();
  const i = putName(words, putLinkHeader(words, at >>> 2, len, RTM_GETLINK, 0, 0, 0), IFLA_IFNAME, name);
  if (i < 0) return dropFrame(w, at);
  words[i] = 8 | (IFLA_EXT_MASK << 16);
  words[i + 1] = RTEXT_FILTER_SKIP_STATS;
  return true;
}

/** One link's RTM_GETLINK: a checked name, or an index. */
export const LINK_LOOKUP_WRITER: RequestWriter<string | number> = {
  operation: 'RTM_GETLINK',
  write: writeLinkLookup,
  describe: (ref: DeviceRef) => `RTM_GETLINK ${deviceText(ref)}`,
};

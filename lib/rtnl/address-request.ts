/**
 * RTM_NEWADDR and RTM_DELADDR requests: checked once (checkAddress), the address text read once,
 * then written straight into a connection's send buffer (ADDRESS_WRITER), with no message object
 * between.
 */
import { AF_INET, AF_INET6, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELADDR, RTM_NEWADDR } from '../../messages/constants.js';
import {
  IFA_ADDRESS, IFA_BROADCAST, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, IFA_RT_PRIORITY,
} from '../../messages/address/constants.js';
import { ipv4Number } from '../../messages/attributes/ip-text.js';
import { encodeText } from '../../messages/checks.js';
import { beginFrame, endFrame } from '../../messages/framing.js';
import type { Writer } from '../../messages/writer.js';
import type { RequestWriter } from '../message-codec.js';
import { checkOptions, checkU32, InvalidArgumentError, parseAddress, parsePrefix, type Family } from '../validate.js';
import type { AddAddressOptions } from './addresses.js';
import { deviceText } from './device-ref.js';
import { lookup, SCOPES } from './names.js';
import { plainIPv4Address, plainIPv4Prefix } from './plain-ipv4-prefix.js';
import { attrAddress, networkWord, type Address } from './route-request.js';
import type { DeviceRef } from './routes.js';

export type AddressKind = 'add' | 'delete';

/** An address change checked once; `index` is 0 until a named device is resolved. */
export interface AddressRequest {
  kind: AddressKind;
  cidr: string;
  dev: DeviceRef;
  index: number;
  family: Family;
  prefixlen: number;
  local: Address;
  /** IFA_ADDRESS: the peer on a point-to-point link, else the local address again. */
  address: Address;
  broadcast: Address | undefined;
  label: Uint8Array | undefined;
  metric: number | undefined;
  scope: number;
  /** IFA_F_* bits: the low 8 go in ifa_flags, all of them in IFA_FLAGS when any is higher. */
  ifaFlags: number;
  /** NLM_F_CREATE and NLM_F_EXCL or NLM_F_REPLACE for an add; none for a delete. */
  nlFlags: number;
}

/**
 * A request with every field but those given at its default, the address given as both the local
 * one and IFA_ADDRESS. An object literal: V8 copies its constant fields from the literal's template
 * in one step and stores only the given ones, where a class's constructor stores all fourteen one by
 * one (a store each, an inline-cache call each in baseline code).
 */
function newAddressRequest(kind: AddressKind, cidr: string, dev: DeviceRef, prefixlen: number, local: number, nlFlags: number): AddressRequest {
  return {
    kind,
    cidr,
    dev,
    index: 0,
    family: 4,
    prefixlen,
    local,
    address: local,
    broadcast: undefined,
    label: undefined,
    metric: undefined,
    scope: 0,
    ifaFlags: 0,
    nlFlags,
  };
}

/** The options of a change given none: one object for all. */
const NO_OPTIONS: AddAddressOptions = Object.freeze({});

/** The local address and prefix length of `cidr` into `r`: a plain IPv4 prefix is read without allocating. */
function readPrefix(cidr: unknown, r: AddressRequest): void {
  if (typeof cidr === 'string') {
    const length = plainIPv4Prefix(cidr, false);
    if (length >= 0) {
      r.family = 4;
      r.prefixlen = length;
      r.local = plainIPv4Address;
      return;
    }
  }
  const prefix = parsePrefix(cidr, 'address');
  r.family = prefix.family;
  r.prefixlen = prefix.prefixlen;
  r.local = prefix.family === 4 ? ipv4Number(prefix.address) : prefix.bytes;
}

function addressOf(text: unknown, field: string, family: Family): Address {
  const parsed = parseAddress(text, field);
  if (parsed.family !== family) throw new InvalidArgumentError(field, text, `is IPv${parsed.family} but the address is IPv${family}`);
  return family === 4 ? ipv4Number(parsed.address) : parsed.bytes;
}

function broadcastOf(given: string, r: AddressRequest): Address {
  if (r.family !== 4) throw new InvalidArgumentError('broadcast', given, 'is only for IPv4 addresses');
  if (given === '+') return ((r.local as number) | (r.prefixlen === 32 ? 0 : 0xffffffff >>> r.prefixlen)) >>> 0;
  const b = parseAddress(given, 'broadcast');
  if (b.family !== 4) throw new InvalidArgumentError('broadcast', given, 'is not an IPv4 address');
  return ipv4Number(b.address);
}

/**
 * Checks an address change of `kind` on `dev` (whose index, if it is not a name, the caller sets);
 * throws InvalidArgumentError naming the field. A delete is matched by the address alone, and a
 * point-to-point address's peer.
 */
export function checkAddress(kind: AddressKind, dev: DeviceRef, cidr: string, given?: AddAddressOptions): AddressRequest {
  if (given === undefined && typeof cidr === 'string') {
    // The usual change (`link.addAddress('10.0.0.2/24')`): a plain IPv4 prefix and no options, the
    // request made with what readPrefix and the no-options case below would set, in one step.
    const prefixlen = plainIPv4Prefix(cidr, false);
    if (prefixlen >= 0) return newAddressRequest(kind, cidr, dev, prefixlen, plainIPv4Address, kind === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0);
  }
  return checkAnyAddress(kind, dev, cidr, given);
}

/**
 * checkAddress past its usual case, in a function of its own: V8 moves a function from its
 * interpreter to baseline code after it has run a share of its bytecode's length, so the usual
 * case, run alone in a long function, stayed in the interpreter for most of a fresh process's
 * first few hundred addresses.
 */
function checkAnyAddress(kind: AddressKind, dev: DeviceRef, cidr: string, given: AddAddressOptions | undefined): AddressRequest {
  const options = given === undefined ? NO_OPTIONS : checkOptions(given);
  const r = newAddressRequest(kind, cidr, dev, 0, 0, 0);
  readPrefix(cidr, r);
  if (given === undefined) {
    // No options (`link.addAddress(cidr)`): what the reads of NO_OPTIONS below would set.
    r.address = r.local;
    if (kind === 'add') r.nlFlags = NLM_F_CREATE | NLM_F_EXCL;
    return r;
  }
  r.address = options.peer === undefined ? r.local : addressOf(options.peer, 'peer', r.family);
  if (kind === 'delete') return r;
  if (options.noDad) r.ifaFlags |= IFA_F_NODAD;
  if (options.noPrefixRoute) r.ifaFlags |= IFA_F_NOPREFIXROUTE;
  if (options.broadcast !== undefined) r.broadcast = broadcastOf(options.broadcast, r);
  if (options.label !== undefined) {
    if (r.family !== 4) throw new InvalidArgumentError('label', options.label, 'is only for IPv4 addresses');
    // Not an interface name: the point of a label is the ':' in 'eth0:1'. IFNAMSIZ bounds it.
    const label: unknown = options.label;
    if (typeof label !== 'string' || label.length === 0 || label.includes('\0') || Buffer.byteLength(label) > 15) {
      throw new InvalidArgumentError('label', label, 'is not a label of 1 to 15 bytes without NUL');
    }
    r.label = encodeText(label, 'label', 15);
  }
  if (options.metric !== undefined) r.metric = checkU32(options.metric, 'metric');
  if (options.scope !== undefined) r.scope = lookup(SCOPES, options.scope, 'scope');
  r.nlFlags = NLM_F_CREATE | (options.replace ? NLM_F_REPLACE : NLM_F_EXCL);
  return r;
}

/** writeAddress attribute by attribute: IPv6, a label, or an offset not 4-aligned. */
function writeAddressAttributes(w: Writer, r: AddressRequest): void {
  const start = beginFrame(w, r.kind === 'add' ? RTM_NEWADDR : RTM_DELADDR, r.nlFlags, 0, 0);
  // struct ifaddrmsg
  w.u8(r.family === 4 ? AF_INET : AF_INET6);
  w.u8(r.prefixlen);
  w.u8(r.ifaFlags & 0xff);
  w.u8(r.scope);
  w.u32(r.index);
  attrAddress(w, IFA_ADDRESS, r.address);
  attrAddress(w, IFA_LOCAL, r.local);
  if (r.label !== undefined) {
    const at = w.beginAttr(IFA_LABEL);
    w.bytes(r.label);
    w.u8(0);
    w.endAttr(at);
  }
  if (r.broadcast !== undefined) attrAddress(w, IFA_BROADCAST, r.broadcast);
  if (r.ifaFlags > 0xff) w.attrU32(IFA_FLAGS, r.ifaFlags);
  if (r.metric !== undefined) w.attrU32(IFA_RT_PRIORITY, r.metric);
  endFrame(w, start);
}

/** The first word of a whole attribute holding 32 bits (nla_len 8, nla_type), as writeAddress sets it. */
const ADDRESS_WORD = 8 | (IFA_ADDRESS << 16);
const LOCAL_WORD = 8 | (IFA_LOCAL << 16);
const BROADCAST_WORD = 8 | (IFA_BROADCAST << 16);
const FLAGS_WORD = 8 | (IFA_FLAGS << 16);
const RT_PRIORITY_WORD = 8 | (IFA_RT_PRIORITY << 16);

/**
 * Appends the request (nlmsghdr, ifaddrmsg, attributes in the address table's order) to `w`. An
 * IPv4 address without a label (every attribute 32 bits) at a 4-aligned end of `w` is written here
 * in one step: its length counted first, then every word set in place (Writer.words: an indexed
 * store each, where a DataView's setUint32 is a load and a call each in baseline code), in the order
 * writeAddressAttributes writes them. Host order is little-endian wherever the library loads
 * (lib/sys/host-byte-order.ts).
 */
export function writeAddress(w: Writer, r: AddressRequest): void {
  if (r.family !== 4 || r.label !== undefined || (w.length & 3) !== 0) {
    writeAddressAttributes(w, r);
    return;
  }
  const { broadcast, metric, ifaFlags } = r;
  const attrs = 2 + (broadcast !== undefined ? 1 : 0) + (ifaFlags > 0xff ? 1 : 0) + (metric !== undefined ? 1 : 0);
  const length = 24 + 8 * attrs;
  let i = w.append(length) >>> 2;
  const words = w.words();
  // nlmsghdr (seq and port 0: the connection's to set), then struct ifaddrmsg.
  words[i] = length;
  words[i + 1] = (r.kind === 'add' ? RTM_NEWADDR : RTM_DELADDR) | (r.nlFlags << 16);
  words[i + 2] = 0;
  words[i + 3] = 0;
  words[i + 4] = AF_INET | (r.prefixlen << 8) | ((ifaFlags & 0xff) << 16) | (r.scope << 24);
  words[i + 5] = r.index;
  // Without a peer the two addresses are one (checkAddress): swapped once.
  const local = networkWord(r.local as number);
  words[i + 6] = ADDRESS_WORD;
  words[i + 7] = r.address === r.local ? local : networkWord(r.address as number);
  words[i + 8] = LOCAL_WORD;
  words[i + 9] = local;
  i += 10;
  if (broadcast !== undefined) {
    words[i] = BROADCAST_WORD;
    words[i + 1] = networkWord(broadcast as number);
    i += 2;
  }
  if (ifaFlags > 0xff) {
    words[i] = FLAGS_WORD;
    words[i + 1] = ifaFlags;
    i += 2;
  }
  if (metric !== undefined) {
    words[i] = RT_PRIORITY_WORD;
    words[i + 1] = metric;
  }
}

/**
 * A plain address change: an IPv4 prefix that plainIPv4Prefix read (the whole check it needs) and no
 * options. Five fields where an AddressRequest has fourteen: made with fewer stores, written without
 * the option branches (PLAIN_ADDRESS_WRITER).
 */
export interface PlainAddress {
  kind: AddressKind;
  cidr: string;
  dev: DeviceRef;
  index: number;
  prefixlen: number;
  /** The address, host bits kept (plainIPv4Address). */
  local: number;
}

/** The nlmsghdr's second word (type, flags) of a plain address's frame, by kind. */
const PLAIN_ADD_WORD = RTM_NEWADDR | ((NLM_F_CREATE | NLM_F_EXCL) << 16);
const PLAIN_DELETE_WORD = RTM_DELADDR;

/** The AddressRequest checkAddress makes for the plain change `p`, its index set. */
function plainRequest(p: PlainAddress): AddressRequest {
  const r = newAddressRequest(p.kind, p.cidr, p.dev, p.prefixlen, p.local, p.kind === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0);
  r.index = p.index;
  return r;
}

/**
 * Appends a plain change's frame: the bytes writeAddress writes for the same change, all ten words
 * set in one step (the 4-aligned case; any other end of `w` goes through writeAddress).
 */
export function writePlainAddress(w: Writer, p: PlainAddress): void {
  const start = w.length;
  if ((start & 3) !== 0) {
    writeAddress(w, plainRequest(p));
    return;
  }
  // Writer.append and words() written out where the frame fits the word array as it is (a call
  // each in baseline code); else append grows the buffer.
  let words: Uint32Array;
  if (start + 40 <= w.wordBytes) {
    words = w.wordArray!;
    w.length = start + 40;
  } else {
    w.append(40);
    words = w.words();
  }
  const i = start >>> 2;
  const host = p.local;
  // networkWord(host) written out: a call less a change.
  const local = ((host & 0xff) << 24) | ((host & 0xff00) << 8) | ((host >>> 8) & 0xff00) | (host >>> 24);
  words[i] = 40;
  words[i + 1] = p.kind === 'add' ? PLAIN_ADD_WORD : PLAIN_DELETE_WORD;
  words[i + 2] = 0;
  words[i + 3] = 0;
  words[i + 4] = AF_INET | (p.prefixlen << 8);
  words[i + 5] = p.index;
  words[i + 6] = ADDRESS_WORD;
  words[i + 7] = local;
  words[i + 8] = LOCAL_WORD;
  words[i + 9] = local;
}

/**
 * A plain address change (see PlainAddress), its device's index set. For a caller passing
 * Connection.change's `rethrows` false (a Link), a change that waits resolves with its device as
 * given (the Link itself): RequestWriter.applied.
 */
export const PLAIN_ADDRESS_WRITER: RequestWriter<PlainAddress> = {
  operation: 'RTM_NEWADDR',
  plain: true,
  write: writePlainAddress,
  describe: (p) => `${p.kind === 'add' ? 'RTM_NEWADDR' : 'RTM_DELADDR'} ${p.cidr} dev ${deviceText(p.dev)}`,
  applied: (p) => p.dev,
};

/** An address change already checked, its device's index set; resolves as PLAIN_ADDRESS_WRITER does. */
export const ADDRESS_WRITER: RequestWriter<AddressRequest> = {
  operation: 'RTM_NEWADDR',
  plain: true,
  write: writeAddress,
  describe: (r) => `${r.kind === 'add' ? 'RTM_NEWADDR' : 'RTM_DELADDR'} ${r.cidr} dev ${deviceText(r.dev)}`,
  applied: (r) => r.dev,
};

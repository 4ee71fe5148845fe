/**
 * RTM_NEWADDR and RTM_DELADDR requests: checked once (checkAddress), the address text read once,
 * then written straight into a connection's send buffer (ADDRESS_WRITER), with no message object
 * between.
 */
import { AF_INET, AF_INET6, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELADDR, RTM_NEWADDR } from '../../messages/constants.js';
import {
  IFA_ADDRESS, IFA_BROADCAST, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, IFA_RT_PRIORITY,
} from '../../messages/address/constants.js';
import { ipv4Number, ipv4NumberLoopless } from '../../messages/attributes/ip-text.js';
import { encodeText } from '../../messages/checks.js';
import { beginFrame, endFrame } from '../../messages/framing.js';
import type { Writer } from '../../messages/writer.js';
import type { RequestWriter } from '../message-codec.js';
import { checkOptions, checkU32, InvalidArgumentError, parseAddress, parsePrefix, type Family } from '../validate.js';
import type { AddAddressOptions } from './addresses.js';
import { deviceText } from './device-ref.js';
import { lookup, SCOPES } from './names.js';
import { attrAddress, plainIPv4PrefixLength, setAttrU32, type Address } from './route-request.js';
import type { DeviceRef } from './routes.js';

export type AddressKind = 'add' | 'delete';

/**
 * An address change checked once; `index` is 0 until a named device is resolved. Its fields are
 * `declare`d and set in the constructor: a field declared plainly is emitted as a class field
 * (ES2022), defined as undefined by an initializer of its own on every request before the
 * constructor sets it again.
 */
export class AddressRequest {
  declare kind: AddressKind;
  declare cidr: string;
  declare dev: DeviceRef;
  declare index: number;
  declare family: Family;
  declare prefixlen: number;
  declare local: Address;
  /** IFA_ADDRESS: the peer on a point-to-point link, else the local address again. */
  declare address: Address;
  declare broadcast: Address | undefined;
  declare label: Uint8Array | undefined;
  declare metric: number | undefined;
  declare scope: number;
  /** IFA_F_* bits: the low 8 go in ifa_flags, all of them in IFA_FLAGS when any is higher. */
  declare ifaFlags: number;
  /** NLM_F_CREATE and NLM_F_EXCL or NLM_F_REPLACE for an add; none for a delete. */
  declare nlFlags: number;

  constructor(kind: AddressKind, cidr: string, dev: DeviceRef) {
    this.kind = kind;
    this.cidr = cidr;
    this.dev = dev;
    this.index = 0;
    this.family = 4;
    this.prefixlen = 0;
    this.local = 0;
    this.address = 0;
    this.broadcast = undefined;
    this.label = undefined;
    this.metric = undefined;
    this.scope = 0;
    this.ifaFlags = 0;
    this.nlFlags = 0;
  }
}

/** The options of a change given none: one object for all. */
const NO_OPTIONS: AddAddressOptions = Object.freeze({});

/** The local address and prefix length of `cidr` into `r`: a plain dotted quad is read without allocating. */
function readPrefix(cidr: unknown, r: AddressRequest): void {
  if (typeof cidr === 'string') {
    const slash = cidr.indexOf('/');
    const value = slash > 0 ? ipv4NumberLoopless(cidr, 0, slash) : -1;
    const length = value < 0 ? -1 : plainIPv4PrefixLength(cidr, slash);
    if (length >= 0) {
      r.family = 4;
      r.prefixlen = length;
      r.local = value;
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
  const options = given === undefined ? NO_OPTIONS : checkOptions(given);
  const r = new AddressRequest(kind, cidr, dev);
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

/** Appends the request (nlmsghdr, ifaddrmsg, attributes in the address table's order) to `w`. */
export function writeAddress(w: Writer, r: AddressRequest): void {
  if (r.family === 4 && r.label === undefined) {
    writeFlatAddress(w, r);
    return;
  }
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

/**
 * An IPv4 address without a label (every attribute 32 bits), in one step: its length counted
 * first, then every word set in place, in the order writeAddress writes them.
 */
function writeFlatAddress(w: Writer, r: AddressRequest): void {
  const { broadcast, metric, ifaFlags } = r;
  const attrs = 2 + (broadcast !== undefined ? 1 : 0) + (ifaFlags > 0xff ? 1 : 0) + (metric !== undefined ? 1 : 0);
  const length = 24 + 8 * attrs;
  const at = w.append(length);
  const v = w.dataView;
  // nlmsghdr (seq and port 0: the connection's to set), then struct ifaddrmsg.
  v.setUint32(at, length, true);
  v.setUint32(at + 4, (r.kind === 'add' ? RTM_NEWADDR : RTM_DELADDR) | (r.nlFlags << 16), true);
  v.setUint32(at + 8, 0, true);
  v.setUint32(at + 12, 0, true);
  v.setUint32(at + 16, AF_INET | (r.prefixlen << 8) | ((ifaFlags & 0xff) << 16) | (r.scope << 24), true);
  v.setUint32(at + 20, r.index, true);
  let p = setAttrU32(v, at + 24, IFA_ADDRESS, r.address as number, false);
  p = setAttrU32(v, p, IFA_LOCAL, r.local as number, false);
  if (broadcast !== undefined) p = setAttrU32(v, p, IFA_BROADCAST, broadcast as number, false);
  if (ifaFlags > 0xff) p = setAttrU32(v, p, IFA_FLAGS, ifaFlags, true);
  if (metric !== undefined) setAttrU32(v, p, IFA_RT_PRIORITY, metric, true);
}

/** An address change already checked, its device's index set. */
export const ADDRESS_WRITER: RequestWriter<AddressRequest> = {
  operation: 'RTM_NEWADDR',
  plain: true,
  write: writeAddress,
  describe: (r) => `${r.kind === 'add' ? 'RTM_NEWADDR' : 'RTM_DELADDR'} ${r.cidr} dev ${deviceText(r.dev)}`,
};

import { AF_INET6 } from '../../messages/constants.js';
import { IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFA_F_PERMANENT, IFA_F_SECONDARY } from '../../messages/address/constants.js';
import type { AddressBody } from '../../messages/address/index.js';
import { InvalidArgumentError, type Family } from '../validate.js';
import { scopeName, type ScopeName } from './names.js';
import type { DeviceRef } from './routes.js';

/** The extra settings of `ip addr add` (brd, label, scope, peer, noprefixroute ...). */
export interface AddAddressOptions {
  /** IPv4 broadcast address, or '+' for the highest address of the prefix (like `ip addr add ... brd +`). */
  broadcast?: string;
  /** IPv4 label, at most 15 bytes, starting with the interface name (e.g. 'eth0:1'). */
  label?: string;
  scope?: ScopeName | number;
  /** Peer address on point-to-point links. */
  peer?: string;
  /** Do not add the prefix route. */
  noPrefixRoute?: boolean;
  /** IPv6: skip duplicate address detection, so the address is usable at once. */
  noDad?: boolean;
  /** Metric of the prefix route (IFA_RT_PRIORITY). */
  metric?: number;
  /** Replace an existing address instead of failing with EEXIST. */
  replace?: boolean;
}

/** An address as `ip addr add CIDR dev DEV ...` takes it, in one object: { dev: 'veth0', cidr: '10.0.0.2/24' }. */
export interface AddressSpec extends AddAddressOptions {
  dev: DeviceRef;
  /** 'address/prefixlen'. */
  cidr: string;
}

/**
 * An address on a link, as `ip addr` shows it, in the words AddressSpec takes: what
 * ns.addresses() returns can be given back to addAddress or deleteAddress.
 */
export interface Address extends AddressSpec {
  family: Family;
  /** The local address (IFA_LOCAL, or IFA_ADDRESS where there is no IFA_LOCAL). */
  address: string;
  prefixlen: number;
  /** 'address/prefixlen'. */
  cidr: string;
  /** The interface's index. */
  dev: number;
  scope: ScopeName | number;
  /** IFA_F_* bits (IFA_FLAGS when present). */
  flags: number;
  secondary: boolean;
  permanent: boolean;
  /** Seconds, 4294967295 for forever. */
  validLifetime?: number;
  preferredLifetime?: number;
  /** The decoded message this was made from. */
  raw: AddressBody;
}

export function toAddress(raw: AddressBody): Address {
  const a = raw.attrs;
  const address = a.local ?? a.address ?? '';
  const flags = a.flags ?? raw.flags;
  const out: Address = {
    family: raw.family === AF_INET6 ? 6 : 4,
    address,
    prefixlen: raw.prefixlen,
    cidr: `${address}/${raw.prefixlen}`,
    dev: raw.index,
    scope: scopeName(raw.scope),
    flags,
    secondary: (flags & IFA_F_SECONDARY) !== 0,
    permanent: (flags & IFA_F_PERMANENT) !== 0,
    raw,
  };
  if (a.local !== undefined && a.address !== undefined && a.address !== a.local) out.peer = a.address;
  if (a.broadcast !== undefined) out.broadcast = a.broadcast;
  if (a.label !== undefined) out.label = a.label;
  if (a.rtPriority !== undefined) out.metric = a.rtPriority;
  if (flags & IFA_F_NOPREFIXROUTE) out.noPrefixRoute = true;
  if (flags & IFA_F_NODAD) out.noDad = true;
  if (a.cacheinfo) {
    out.validLifetime = a.cacheinfo.valid;
    out.preferredLifetime = a.cacheinfo.prefered;
  }
  return out;
}

/** The (dev, cidr, options) of addAddress/deleteAddress, given as those three or as one AddressSpec. */
export function addressArguments(args: readonly [AddressSpec] | readonly [DeviceRef, string, AddAddressOptions?]): { dev: DeviceRef; cidr: string; options: AddAddressOptions | undefined } {
  if (args.length === 1) {
    const [spec] = args;
    if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('address', spec, "is not { dev, cidr } (or give dev, cidr and options)");
    return { dev: spec.dev, cidr: spec.cidr, options: spec };
  }
  return { dev: args[0], cidr: args[1], options: args[2] };
}

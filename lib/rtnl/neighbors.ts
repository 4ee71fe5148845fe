import { AF_BRIDGE, AF_INET, AF_INET6, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELNEIGH, RTM_NEWNEIGH } from '../../messages/constants.js';
import {
  NTF_MASTER, NTF_PROXY, NTF_ROUTER, NTF_SELF, NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_NOARP, NUD_PERMANENT, NUD_PROBE, NUD_REACHABLE, NUD_STALE,
  type NeighborBody,
} from '../../messages/neighbor/index.js';
import type { NeighborMessage } from '../../messages/message.js';
import { checkInteger, checkMac, checkU32, InvalidArgumentError, parseAddress, type Family } from '../validate.js';
import { lookup } from './names.js';

/** A neighbour state (NUD_*) by the name `ip neigh` prints. */
export type NeighborStateName = 'permanent' | 'noarp' | 'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'incomplete';

const STATES: Readonly<Record<NeighborStateName, number>> = {
  permanent: NUD_PERMANENT,
  noarp: NUD_NOARP,
  reachable: NUD_REACHABLE,
  stale: NUD_STALE,
  delay: NUD_DELAY,
  probe: NUD_PROBE,
  failed: NUD_FAILED,
  incomplete: NUD_INCOMPLETE,
};

/** An ARP (IPv4) or NDP (IPv6) entry: `ip neigh add 10.0.0.9 lladdr 02:.. dev veth0`. */
export interface NeighborSpec {
  dst: string;
  lladdr?: string;
  /** Interface index (resolve names first). */
  ifindex: number;
  state?: NeighborStateName | number;
  router?: boolean;
  proxy?: boolean;
}

/**
 * A bridge forwarding-database entry: `bridge fdb append 00:00:00:00:00:00 dev vxlan0 dst 192.168.56.12`.
 * `self` puts it in the device's own table (vxlan remotes); `master` in its bridge's.
 */
export interface FdbSpec {
  lladdr: string;
  ifindex: number;
  /** Remote IP of a vxlan tunnel endpoint. */
  dst?: string;
  vni?: number;
  /** UDP port of the remote endpoint. */
  port?: number;
  vlan?: number;
  master?: boolean;
  self?: boolean;
  /** Default 'permanent'. */
  state?: NeighborStateName | number;
}

/** A neighbour or FDB entry as `ip neigh` / `bridge fdb` show it. */
export interface Neighbor {
  family: Family | 'bridge';
  ifindex: number;
  dst?: string;
  lladdr?: string;
  /** NUD_* bits. */
  state: number;
  stateNames: NeighborStateName[];
  /** NTF_* bits. */
  flags: number;
  vni?: number;
  port?: number;
  vlan?: number;
  master?: number;
  raw: NeighborBody;
}

export function neighborMessage(kind: 'add' | 'replace' | 'delete', spec: NeighborSpec): NeighborMessage {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('neighbor', spec, 'is not a neighbour object');
  const dst = parseAddress(spec.dst, 'dst');
  const attrs: NeighborBody['attrs'] = { dst: dst.address };
  if (spec.lladdr !== undefined) attrs.lladdr = checkMac(spec.lladdr, 'lladdr');
  const flags = (spec.router ? NTF_ROUTER : 0) | (spec.proxy ? NTF_PROXY : 0);
  return {
    kind: 'neighbor',
    type: kind === 'delete' ? RTM_DELNEIGH : RTM_NEWNEIGH,
    flags: kind === 'add' ? NLM_F_CREATE | NLM_F_EXCL : kind === 'replace' ? NLM_F_CREATE | NLM_F_REPLACE : 0,
    seq: 0,
    pid: 0,
    body: {
      family: dst.family === 4 ? AF_INET : AF_INET6,
      ifindex: checkU32(spec.ifindex, 'dev'),
      state: kind === 'delete' ? 0 : lookup(STATES, spec.state ?? 'permanent', 'state', 0xffff),
      flags,
      type: 0,
      attrs,
    },
  };
}

export function fdbMessage(kind: 'add' | 'append' | 'replace' | 'delete', spec: FdbSpec): NeighborMessage {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('fdb entry', spec, 'is not an FDB entry object');
  const attrs: NeighborBody['attrs'] = { lladdr: checkMac(spec.lladdr, 'lladdr') };
  if (spec.dst !== undefined) attrs.dst = parseAddress(spec.dst, 'dst').address;
  if (spec.vni !== undefined) attrs.vni = checkInteger(spec.vni, 'vni', 0, 0xffffff);
  if (spec.port !== undefined) attrs.port = checkInteger(spec.port, 'port', 1, 65535);
  if (spec.vlan !== undefined) attrs.vlan = checkInteger(spec.vlan, 'vlan', 1, 4094);
  const self = spec.self ?? !spec.master;
  const flags = (self ? NTF_SELF : 0) | (spec.master ? NTF_MASTER : 0);
  const create = { add: NLM_F_CREATE | NLM_F_EXCL, append: NLM_F_CREATE | NLM_F_APPEND, replace: NLM_F_CREATE | NLM_F_REPLACE, delete: 0 }[kind];
  return {
    kind: 'neighbor',
    type: kind === 'delete' ? RTM_DELNEIGH : RTM_NEWNEIGH,
    flags: create,
    seq: 0,
    pid: 0,
    body: {
      family: AF_BRIDGE,
      ifindex: checkU32(spec.ifindex, 'dev'),
      state: kind === 'delete' ? 0 : lookup(STATES, spec.state ?? 'permanent', 'state', 0xffff),
      flags,
      type: 0,
      attrs,
    },
  };
}

export function toNeighbor(raw: NeighborBody): Neighbor {
  const a = raw.attrs;
  const n: Neighbor = {
    family: raw.family === AF_BRIDGE ? 'bridge' : raw.family === AF_INET6 ? 6 : 4,
    ifindex: raw.ifindex,
    state: raw.state,
    stateNames: (Object.entries(STATES) as Array<[NeighborStateName, number]>).filter(([, bit]) => raw.state & bit).map(([name]) => name),
    flags: raw.flags,
    raw,
  };
  if (a.dst !== undefined) n.dst = a.dst;
  if (a.lladdr !== undefined) n.lladdr = a.lladdr;
  if (a.vni !== undefined) n.vni = a.vni;
  if (a.port !== undefined) n.port = a.port;
  if (a.vlan !== undefined) n.vlan = a.vlan;
  if (a.master !== undefined) n.master = a.master;
  return n;
}

import { AF_BRIDGE, AF_INET, AF_INET6, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELNEIGH, RTM_NEWNEIGH } from '../../messages/constants.js';
import {
  NTF_MASTER, NTF_PROXY, NTF_ROUTER, NTF_SELF, NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_NOARP, NUD_PERMANENT, NUD_PROBE, NUD_REACHABLE, NUD_STALE,
  type NeighborBody,
} from '../../messages/neighbor/index.js';
import type { NeighborMessage } from '../../messages/message.js';
import { checkInteger, checkMac, checkU32, InvalidArgumentError, parseAddress, type Family } from '../validate.js';
import { lookup } from './names.js';
import type { DeviceRef } from './routes.js';

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
  dev: DeviceRef;
  /** Default 'permanent'. */
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
  dev: DeviceRef;
  /** Remote IP of a vxlan tunnel endpoint. */
  dst?: string;
  vni?: number;
  /** UDP port of the remote endpoint. */
  port?: number;
  vlan?: number;
  /** In the bridge's table: true, or the bridge's index as an entry read back names it. */
  master?: boolean | number;
  self?: boolean;
  /** Default 'permanent'. */
  state?: NeighborStateName | number;
}

/** What a neighbour and an FDB entry read back both have. */
interface NeighborState {
  /** The interface's index. */
  dev: number;
  /** NUD_* bits. */
  state: number;
  stateNames: NeighborStateName[];
  /** NTF_* bits. */
  flags: number;
  raw: NeighborBody;
}

/** An ARP or NDP entry as `ip neigh` shows it, in the words NeighborSpec takes: it can be given back to addNeighbor/deleteNeighbor. */
export interface IpNeighbor extends NeighborSpec, NeighborState {
  family: Family;
  dev: number;
  state: number;
  vni?: never;
  port?: never;
  vlan?: never;
  master?: never;
  self?: never;
}

/** An FDB entry as `bridge fdb` shows it, in the words FdbSpec takes: it can be given back to addFdb/deleteFdb. */
export interface FdbEntry extends FdbSpec, NeighborState {
  family: 'bridge';
  dev: number;
  state: number;
  /** The bridge whose table holds it (NDA_MASTER). */
  master?: number;
  router?: never;
  proxy?: never;
}

/** A neighbour or FDB entry as `ip neigh` / `bridge fdb` show it; `family` tells which. */
export type Neighbor = IpNeighbor | FdbEntry;

/** RTM_NEWNEIGH / RTM_DELNEIGH for `spec` on interface `ifindex` (spec.dev resolved by the caller). */
export function neighborMessage(kind: 'add' | 'replace' | 'delete', spec: NeighborSpec, ifindex: number): NeighborMessage {
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
      ifindex: checkU32(ifindex, 'dev'),
      state: kind === 'delete' ? 0 : lookup(STATES, spec.state ?? 'permanent', 'state', 0xffff),
      flags,
      type: 0,
      attrs,
    },
  };
}

/** RTM_NEWNEIGH / RTM_DELNEIGH (AF_BRIDGE) for `spec` on interface `ifindex` (spec.dev resolved by the caller). */
export function fdbMessage(kind: 'add' | 'append' | 'replace' | 'delete', spec: FdbSpec, ifindex: number): NeighborMessage {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('fdb entry', spec, 'is not an FDB entry object');
  const attrs: NeighborBody['attrs'] = { lladdr: checkMac(spec.lladdr, 'lladdr') };
  if (spec.dst !== undefined) attrs.dst = parseAddress(spec.dst, 'dst').address;
  if (spec.vni !== undefined) attrs.vni = checkInteger(spec.vni, 'vni', 0, 0xffffff);
  if (spec.port !== undefined) attrs.port = checkInteger(spec.port, 'port', 1, 65535);
  if (spec.vlan !== undefined) attrs.vlan = checkInteger(spec.vlan, 'vlan', 1, 4094);
  if (typeof spec.master === 'number') checkInteger(spec.master, 'master', 0, 0x7fffffff);
  else if (spec.master !== undefined && typeof spec.master !== 'boolean') throw new InvalidArgumentError('master', spec.master, "is not true/false or a bridge's index");
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
      ifindex: checkU32(ifindex, 'dev'),
      state: kind === 'delete' ? 0 : lookup(STATES, spec.state ?? 'permanent', 'state', 0xffff),
      flags,
      type: 0,
      attrs,
    },
  };
}

export function toNeighbor(raw: NeighborBody): Neighbor {
  const a = raw.attrs;
  const state = {
    dev: raw.ifindex,
    state: raw.state,
    stateNames: (Object.entries(STATES) as Array<[NeighborStateName, number]>).filter(([, bit]) => raw.state & bit).map(([name]) => name),
    flags: raw.flags,
    raw,
  };
  if (raw.family === AF_BRIDGE) {
    const n: FdbEntry = { family: 'bridge', lladdr: a.lladdr ?? '', ...state };
    if (a.dst !== undefined) n.dst = a.dst;
    if (a.vni !== undefined) n.vni = a.vni;
    if (a.port !== undefined) n.port = a.port;
    if (a.vlan !== undefined) n.vlan = a.vlan;
    if (a.master !== undefined) n.master = a.master;
    if (raw.flags & NTF_SELF) n.self = true;
    return n;
  }
  const n: IpNeighbor = { family: raw.family === AF_INET6 ? 6 : 4, dst: a.dst ?? '', ...state };
  if (a.lladdr !== undefined) n.lladdr = a.lladdr;
  if (raw.flags & NTF_ROUTER) n.router = true;
  if (raw.flags & NTF_PROXY) n.proxy = true;
  return n;
}

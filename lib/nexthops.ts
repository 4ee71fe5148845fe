import { AF_INET, AF_INET6, AF_UNSPEC, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, RTM_DELNEXTHOP, RTM_GETNEXTHOP, RTM_NEWNEXTHOP } from '../messages/constants.js';
import type { NexthopMessage } from '../messages/message.js';
import { RTPROT_BOOT } from '../messages/route/constants.js';
import type { NexthopAttrs, NexthopBody } from '../messages/nexthop/index.js';
import type { Connection } from './connection.js';
import { requestChange } from './rtnl/change-log.js';
import { lookup, PROTOCOLS, protocolName, scopeName, type ProtocolName, type ScopeName } from './rtnl/names.js';
import type { DeviceRef } from './rtnl/routes.js';
import { checkInteger, InvalidArgumentError, parseAddress, type Family } from './validate.js';

// NexthopObject objects, as `ip nexthop` shows and takes them (RTM_NEWNEXTHOP, RTM_DELNEXTHOP,
// RTM_GETNEXTHOP). A route uses one with `nhid` (RTA_NH_ID).

/** One member of a nexthop group: `group 10/11,2` is [{ id: 10 }, { id: 11, weight: 2 }]. */
export interface NexthopObjectMember {
  id: number;
  /** 1 to 65536; 1 when absent. */
  weight?: number;
}

/** A nexthop as `ip nexthop add` takes it; what ns.nexthops() returns can be given back. */
export interface NexthopObjectSpec {
  /** 1 to 4294967295. */
  id: number;
  /** Gateway address (`via`), with `dev`. */
  via?: string;
  /** The device (`dev`): a name or an ifindex; alone for a nexthop on a link. */
  dev?: DeviceRef;
  /** A group of other nexthops (`group`), instead of via/dev. */
  group?: NexthopObjectMember[];
  /** Drop what is routed here (`blackhole`), instead of via/dev. */
  blackhole?: boolean;
  /** 4 or 6 for a nexthop on a device without `via`; taken from `via` otherwise. */
  family?: Family;
  /** Who installed it (`proto`); 'boot' when absent, as iproute2 does. */
  protocol?: ProtocolName | number;
}

/** A nexthop as the kernel reports it. */
export interface NexthopObject extends NexthopObjectSpec {
  /** 4 or 6; absent for a group. */
  family?: Family;
  protocol: ProtocolName | number;
  scope: ScopeName | number;
  raw: NexthopBody;
}

const MAX_WEIGHT = 0x10000;

function checkId(value: unknown, field: string): number {
  return checkInteger(value, field, 1, 0xffffffff);
}

/** RTM_NEWNEXTHOP or RTM_DELNEXTHOP for `spec`, every field checked before anything is sent. */
export function nexthopMessage(kind: 'add' | 'delete', spec: NexthopObjectSpec, resolve: (dev: DeviceRef, field: string) => number): NexthopMessage {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('nexthop', spec, 'is not a nexthop object');
  const attrs: NexthopAttrs = { id: checkId(spec.id, 'id') };
  const body = (family: number, protocol: number): NexthopBody => ({ family, scope: 0, protocol, reserved: 0, flags: 0, attrs });
  if (kind === 'delete') return { kind: 'nexthop', type: RTM_DELNEXTHOP, flags: 0, seq: 0, pid: 0, body: body(AF_UNSPEC, 0) };

  const shapes = [spec.via !== undefined || spec.dev !== undefined, spec.group !== undefined, spec.blackhole === true].filter(Boolean).length;
  if (shapes !== 1) throw new InvalidArgumentError('nexthop', spec, 'needs exactly one of via/dev, group or blackhole');
  if (spec.family !== undefined && spec.family !== 4 && spec.family !== 6) throw new InvalidArgumentError('family', spec.family, 'is not 4 or 6');
  let family = spec.family ?? 4;
  if (spec.group !== undefined) {
    if (!Array.isArray(spec.group) || spec.group.length === 0) throw new InvalidArgumentError('group', spec.group, 'is not a non-empty array of { id, weight }');
    attrs.group = spec.group.map((member, i) => ({
      id: checkId(member?.id, `group[${i}].id`),
      weight: checkInteger(member.weight ?? 1, `group[${i}].weight`, 1, MAX_WEIGHT),
    }));
  } else if (spec.blackhole === true) {
    attrs.blackhole = true;
  } else {
    if (spec.via !== undefined) {
      const via = parseAddress(spec.via, 'via');
      if (spec.family !== undefined && spec.family !== via.family) throw new InvalidArgumentError('via', spec.via, `is IPv${via.family} but family is ${spec.family}`);
      family = via.family;
      attrs.gateway = via.address;
    }
    if (spec.dev === undefined) throw new InvalidArgumentError('dev', spec.dev, 'is missing: a nexthop via a gateway needs its device');
    attrs.oif = resolve(spec.dev, 'dev');
  }
  const protocol = lookup(PROTOCOLS, spec.protocol ?? RTPROT_BOOT, 'protocol');
  // A group has no family of its own (AF_UNSPEC); a blackhole is an IPv4 or IPv6 nexthop.
  const familyNumber = spec.group !== undefined ? AF_UNSPEC : family === 6 ? AF_INET6 : AF_INET;
  return { kind: 'nexthop', type: RTM_NEWNEXTHOP, flags: NLM_F_CREATE | NLM_F_EXCL, seq: 0, pid: 0, body: body(familyNumber, protocol) };
}

export function toNexthop(raw: NexthopBody): NexthopObject {
  const a = raw.attrs;
  const nexthop: NexthopObject = { id: a.id ?? 0, protocol: protocolName(raw.protocol), scope: scopeName(raw.scope), raw };
  if (raw.family === AF_INET) nexthop.family = 4;
  else if (raw.family === AF_INET6) nexthop.family = 6;
  if (a.gateway !== undefined) nexthop.via = a.gateway;
  if (a.oif !== undefined) nexthop.dev = a.oif;
  if (a.group !== undefined) nexthop.group = a.group.map((m) => ({ id: m.id, weight: m.weight }));
  if (a.blackhole) nexthop.blackhole = true;
  return nexthop;
}

/** NexthopObject requests over one namespace's rtnetlink connection. */
export class Nexthops {
  constructor(
    private readonly connection: Connection,
    private readonly index: (dev: DeviceRef, field: string) => Promise<number>,
  ) {}

  /** Every nexthop object (`ip nexthop show`), groups included. */
  async list(): Promise<NexthopObject[]> {
    const request: NexthopMessage = {
      kind: 'nexthop', type: RTM_GETNEXTHOP, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 0, pid: 0,
      body: { family: AF_UNSPEC, scope: 0, protocol: 0, reserved: 0, flags: 0, attrs: {} },
    };
    const replies = await this.connection.dump(request, { operation: 'RTM_GETNEXTHOP dump' });
    return replies.flatMap((m) => (m.kind === 'nexthop' ? [toNexthop(m.body)] : []));
  }

  async add(spec: NexthopObjectSpec): Promise<void> {
    const ifindex = spec?.dev === undefined ? 0 : await this.index(spec.dev, 'dev');
    const message = nexthopMessage('add', spec, () => ifindex);
    await requestChange(this.connection, message, `RTM_NEWNEXTHOP id ${spec.id}`, 'nexthop.add', spec.dev);
  }

  /** Deletes the nexthop with this id (a NexthopObject from list() will do); routes through it go with it. */
  async delete(spec: number | Pick<NexthopObjectSpec, 'id'>): Promise<void> {
    const id = typeof spec === 'number' ? spec : spec?.id;
    await requestChange(this.connection, nexthopMessage('delete', { id } as NexthopObjectSpec, () => 0), `RTM_DELNEXTHOP id ${id}`, 'nexthop.del', undefined);
  }
}

/**
 * A Nexthops over `connection`: what lib/namespace-tables.ts calls, a function rather than the class
 * so that the package's core can leave this module to its lazily loaded part (read on first use).
 */
export function nexthopsOf(connection: Connection, index: (dev: DeviceRef, field: string) => Promise<number>): Nexthops {
  return new Nexthops(connection, index);
}

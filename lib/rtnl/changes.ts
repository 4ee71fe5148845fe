/**
 * Changes of links, addresses, routes and neighbours, made ready to send: each is checked once
 * (InvalidArgumentError before anything is sent), says which device names it needs looked up, and
 * is then written by a RequestWriter with the indexes filled in. One change at a time
 * (Rtnl.addAddress ...) and many at once (Rtnl.batch) go the same way.
 */
import { writeMessage, type NetlinkMessage } from '../../messages/message.js';
import type { RequestWriter } from '../message-codec.js';
import { checkInterfaceName, checkOptions, InvalidArgumentError } from '../validate.js';
import { deviceIndex, deviceText } from './device-ref.js';
import type { AddAddressOptions, AddressSpec } from './addresses.js';
import { ADDRESS_WRITER, checkAddress, type AddressRequest } from './address-request.js';
import { bridgePortMessage, bridgeVlanMessage, type BridgePortSettings, type BridgeVlan } from './bridge-port.js';
import { IFF_PROMISC, IFF_UP } from '../../messages/link/index.js';
import { writeLinkFlags } from './link-request.js';
import { deleteLinkMessage, setIfiFlags, setLinkMessage, type LinkChanges } from './links.js';
import { fdbMessage, neighborMessage, type FdbSpec, type NeighborSpec } from './neighbors.js';
import { CHECKED_ROUTE_WRITER, checkRoute, type RouteKind } from './route-request.js';
import type { DeviceRef, RouteSpec } from './routes.js';

/** One change of a batch (Rtnl.batch, Namespace.batch), named as `ip` names it. */
export type Change =
  | { do: 'route add' | 'route replace' | 'route append' | 'route delete'; route: RouteSpec }
  | { do: 'address add' | 'address delete'; address: AddressSpec }
  | { do: 'link set'; dev: DeviceRef; changes: LinkChanges }
  | { do: 'link delete'; dev: DeviceRef }
  | { do: 'neighbor add' | 'neighbor replace' | 'neighbor delete'; neighbor: NeighborSpec }
  | { do: 'fdb add' | 'fdb append' | 'fdb replace' | 'fdb delete'; fdb: FdbSpec };

/** A change checked and ready to write once `names` are looked up and given to fill(). */
export interface PlannedChange {
  readonly writer: RequestWriter<unknown>;
  readonly subject: unknown;
  /** Device names to look up first; empty when every device is an index or a Link. */
  readonly names: readonly string[];
  /** Fills in the indexes of `names`, once looked up. */
  fill(indexes: ReadonlyMap<string, number>): void;
}

/** A message built by a messages/ builder, with its words for errors (put together only for one). */
interface Built {
  message: NetlinkMessage;
  operation: () => string;
}

const MESSAGE_WRITER: RequestWriter<Built> = {
  operation: 'change',
  write: (w, built) => writeMessage(w, built.message),
  describe: (built) => built.operation(),
};

const NO_NAMES: readonly string[] = [];

/**
 * A message that goes to device `dev`: an index (a number, or a Link's) set now with `setIndex`,
 * or a name to look up first.
 */
function onDevice(message: NetlinkMessage, operation: () => string, dev: unknown, field: string, setIndex: (index: number) => void): PlannedChange {
  const built: Built = { message, operation };
  if (typeof dev === 'string') {
    const name = checkInterfaceName(dev, field);
    return { writer: MESSAGE_WRITER as RequestWriter<unknown>, subject: built, names: [name], fill: (indexes) => setIndex(indexes.get(name)!) };
  }
  setIndex(deviceIndex(dev, field));
  return { writer: MESSAGE_WRITER as RequestWriter<unknown>, subject: built, names: NO_NAMES, fill: () => {} };
}

export function planRoute(kind: RouteKind, spec: RouteSpec): PlannedChange {
  const route = checkRoute(kind, spec);
  return { writer: CHECKED_ROUTE_WRITER as RequestWriter<unknown>, subject: route, names: route.names(), fill: (indexes) => route.resolve(indexes) };
}

export function planAddress(kind: 'add' | 'delete', dev: DeviceRef, cidr: string, given?: AddAddressOptions): PlannedChange {
  const writer = ADDRESS_WRITER as RequestWriter<unknown>;
  if (typeof dev === 'string') {
    const request = checkAddress(kind, dev, cidr, given);
    const name = checkInterfaceName(dev, 'dev');
    return { writer, subject: request, names: [name], fill: (indexes) => (request.index = indexes.get(name)!) };
  }
  return { writer, subject: addressOnIndex(kind, dev, cidr, given), names: NO_NAMES, fill: () => {} };
}

/** An address change on a device given by index or as a Link, checked, its index set: ready for ADDRESS_WRITER. */
export function addressOnIndex(kind: 'add' | 'delete', dev: DeviceRef, cidr: string, given?: AddAddressOptions): AddressRequest {
  const request = checkAddress(kind, dev, cidr, given);
  request.index = deviceIndex(dev, 'dev');
  return request;
}

/** `ip link set DEV up|down|promisc on|off` on a device given by index: ifinfomsg's flags alone. */
export interface FlagsChange {
  index: number;
  flags: number;
  change: number;
  dev: DeviceRef;
  changes: LinkChanges;
}

export const FLAGS_WRITER: RequestWriter<FlagsChange> = {
  operation: 'RTM_NEWLINK',
  plain: true,
  write: (w, c) => writeLinkFlags(w, c.index, c.flags, c.change),
  describe: (c) => `RTM_NEWLINK set ${deviceText(c.dev)} ${describeChanges(c.changes)}`,
};

/** What a LinkFlagWriter reads of its subject: a Link, or its state. */
export interface LinkFlagSubject {
  readonly index: number;
  readonly name: string;
}

/**
 * The writer of one of a Link's own flag changes (Link.up() ...): the change is the writer's, the
 * subject the Link or its state (its index, and its name for errors), so that a change makes no
 * object of its own. The same frame and description as FLAGS_WRITER's for the Link and `changes`.
 */
export interface LinkFlagWriter extends RequestWriter<LinkFlagSubject> {
  readonly changes: LinkChanges;
  /** IFF_UP or IFF_PROMISC, set (`on`) or cleared. */
  readonly bit: number;
  readonly on: boolean;
}

function linkFlagWriter(changes: LinkChanges, bit: number, on: boolean): LinkFlagWriter {
  const flags = on ? bit : 0;
  return {
    operation: 'RTM_NEWLINK',
    plain: true,
    write: (w, subject) => writeLinkFlags(w, subject.index, flags, bit),
    describe: (subject) => `RTM_NEWLINK set ${deviceText(subject)} ${describeChanges(changes)}`,
    changes,
    bit,
    on,
  };
}

/** The change as a FlagsChange when it sets only IFF_UP and IFF_PROMISC on a device given by index, else undefined. */
export function flagsChange(dev: DeviceRef, changes: LinkChanges): FlagsChange | undefined {
  if (typeof dev === 'string' || typeof changes !== 'object' || changes === null) return undefined;
  for (const key in changes) if (key !== 'up' && key !== 'promisc') return undefined;
  const change: FlagsChange = { index: 0, flags: 0, change: 0, dev, changes };
  setIfiFlags(change, changes);
  change.index = deviceIndex(dev, 'dev');
  return change;
}

/** The flag changes a Link makes (up(), down(), setPromiscuous()), one object each, as Link.change would pass them. */
export const LINK_UP: LinkChanges = Object.freeze({ up: true });
export const LINK_DOWN: LinkChanges = Object.freeze({ up: false });
export const PROMISC_ON: LinkChanges = Object.freeze({ promisc: true });
export const PROMISC_OFF: LinkChanges = Object.freeze({ promisc: false });

/** The writers of LINK_UP ... as a Link makes them (see LinkFlagWriter). */
export const LINK_UP_WRITER = linkFlagWriter(LINK_UP, IFF_UP, true);
export const LINK_DOWN_WRITER = linkFlagWriter(LINK_DOWN, IFF_UP, false);
export const PROMISC_ON_WRITER = linkFlagWriter(PROMISC_ON, IFF_PROMISC, true);
export const PROMISC_OFF_WRITER = linkFlagWriter(PROMISC_OFF, IFF_PROMISC, false);

/**
 * flagsChange of one of the Link's flag changes (LINK_UP ...) on a device given by index or Link:
 * the same FlagsChange, made without reading the changes' keys.
 */
export function linkFlagChange(dev: DeviceRef, changes: LinkChanges): FlagsChange {
  const bit = changes.up !== undefined ? IFF_UP : IFF_PROMISC;
  const on = changes.up ?? changes.promisc;
  return { index: deviceIndex(dev, 'dev'), flags: on ? bit : 0, change: bit, dev, changes };
}

export function planSetLink(dev: DeviceRef, changes: LinkChanges): PlannedChange {
  const flags = flagsChange(dev, changes);
  if (flags !== undefined) return { writer: FLAGS_WRITER as RequestWriter<unknown>, subject: flags, names: NO_NAMES, fill: () => {} };
  const { master, ...rest } = checkOptions(changes, 'changes');
  const byName = typeof master === 'string';
  const message = setLinkMessage(0, byName ? rest : changes);
  const planned = onDevice(message, () => `RTM_NEWLINK set ${deviceText(dev)} ${describeChanges(changes)}`, dev, 'dev', (index) => (message.body.index = index));
  if (!byName) return planned;
  // A master by name is looked up with the device, in the same namespace.
  const name = checkInterfaceName(master, 'master');
  return {
    ...planned,
    names: [...planned.names, name],
    fill: (indexes) => {
      planned.fill(indexes);
      message.body.attrs.master = indexes.get(name)!;
    },
  };
}

export function planBridgePort(dev: DeviceRef, settings: BridgePortSettings): PlannedChange {
  const message = bridgePortMessage(0, settings);
  return onDevice(message, () => `RTM_NEWLINK ${deviceText(dev)} bridge port ${describeChanges(settings)}`, dev, 'dev', (index) => (message.body.index = index));
}

export function planBridgeVlan(kind: 'add' | 'delete', dev: DeviceRef, vlan: BridgeVlan): PlannedChange {
  const message = bridgeVlanMessage(kind, 0, vlan);
  const flags = `${vlan.pvid ? ' pvid' : ''}${vlan.untagged ? ' untagged' : ''}`;
  const operation = () => `${kind === 'add' ? 'RTM_SETLINK' : 'RTM_DELLINK'} bridge vlan ${kind} dev ${deviceText(dev)} vid ${vlan.vid}${flags}`;
  return onDevice(message, operation, dev, 'dev', (index) => (message.body.index = index));
}

export function planDeleteLink(dev: DeviceRef): PlannedChange {
  const message = deleteLinkMessage(0);
  return onDevice(message, () => `RTM_DELLINK ${deviceText(dev)}`, dev, 'dev', (index) => (message.body.index = index));
}

export function planNeighbor(kind: 'add' | 'replace' | 'delete', spec: NeighborSpec): PlannedChange {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('neighbor', spec, 'is not a neighbour object');
  // The index is not known yet: 0 until the device is looked up.
  const message = neighborMessage(kind, spec, 0);
  const operation = () => `${kind === 'delete' ? 'RTM_DELNEIGH' : 'RTM_NEWNEIGH'} ${spec.dst} dev ${deviceText(spec.dev)}`;
  return onDevice(message, operation, spec.dev, 'dev', (index) => (message.body.ifindex = index));
}

export function planFdb(kind: 'add' | 'append' | 'replace' | 'delete', spec: FdbSpec): PlannedChange {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('fdb entry', spec, 'is not an FDB entry object');
  const message = fdbMessage(kind, spec, 0);
  const operation = () => `${kind === 'delete' ? 'RTM_DELNEIGH' : 'RTM_NEWNEIGH'} fdb ${spec.lladdr} dev ${deviceText(spec.dev)}${spec.dst ? ` dst ${spec.dst}` : ''}`;
  return onDevice(message, operation, spec.dev, 'dev', (index) => (message.body.ifindex = index));
}

/** Checks one change of a batch; throws InvalidArgumentError for bad input. */
export function planChange(change: Change): PlannedChange {
  if (typeof change !== 'object' || change === null) throw new InvalidArgumentError('change', change, "is not a change object like { do: 'route add', route: {...} }");
  switch (change.do) {
    case 'route add':
    case 'route replace':
    case 'route append':
    case 'route delete':
      return planRoute(change.do.slice(6) as RouteKind, change.route);
    case 'address add':
    case 'address delete': {
      const address: unknown = change.address;
      if (typeof address !== 'object' || address === null) throw new InvalidArgumentError('address', address, "is not { dev, cidr } (e.g. { dev: 'eth0', cidr: '10.0.0.2/24' }, or an Address read back)");
      return planAddress(change.do === 'address add' ? 'add' : 'delete', change.address.dev, change.address.cidr, change.address);
    }
    case 'link set':
      return planSetLink(change.dev, change.changes);
    case 'link delete':
      return planDeleteLink(change.dev);
    case 'neighbor add':
    case 'neighbor replace':
    case 'neighbor delete':
      return planNeighbor(change.do.slice(9) as 'add' | 'replace' | 'delete', change.neighbor);
    case 'fdb add':
    case 'fdb append':
    case 'fdb replace':
    case 'fdb delete':
      return planFdb(change.do.slice(4) as 'add' | 'append' | 'replace' | 'delete', change.fdb);
    default:
      throw new InvalidArgumentError('do', (change as { do?: unknown }).do, 'is not a change this batch knows (route add/replace/append/delete, address add/delete, link set/delete, neighbor add/replace/delete, fdb add/append/replace/delete)');
  }
}

/** Settings as errors list them: `mtu 1400 up true`. */
export function describeChanges(changes: object): string {
  return Object.entries(changes)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(' ');
}

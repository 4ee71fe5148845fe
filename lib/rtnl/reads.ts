import { RTM_NEWLINK } from '../../messages/constants.js';
import { frameType } from '../../messages/framing.js';
import { dumpAddresses, dumpLinks, dumpNeighbors, dumpRoutes } from '../../messages/requests.js';
import type { Connection, RequestOptions } from '../connection.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { checkOptions, InvalidArgumentError } from '../validate.js';
import { toAddress, type Address } from './addresses.js';
import { familyNumber, type AddressFilter, type LinkFilter, type NeighborFilter, type RouteFilter } from './filters.js';
import { linkStateOfFrame, type LinkState } from './links.js';
import { lookup, PROTOCOLS, ROUTE_TYPES, TABLES } from './names.js';
import { toNeighbor, type Neighbor } from './neighbors.js';
import { routeOfFrame, toRoute, type DeviceRef, type Route } from './routes.js';

/** Looks up a device's index; `field` names the filter field in errors. */
export type IndexOf = (ref: DeviceRef, field?: string) => Promise<number>;

// The dumps behind Rtnl's links(), addresses(), routes() and neighbors(): every filter field is
// checked before the first thing is sent (a device lookup, then the dump).

/** Every link, or those `filter` selects (one RTM_GETLINK dump). */
export async function readLinks(connection: Connection, indexOf: IndexOf, filter: LinkFilter | undefined): Promise<LinkState[]> {
  filter = checkOptions(filter, 'filter');
  if (filter.kind !== undefined && (typeof filter.kind !== 'string' || filter.kind === '')) throw new InvalidArgumentError('kind', filter.kind, "is not a link kind such as 'veth'");
  const master = filter.master === undefined ? undefined : await indexOf(filter.master, 'master');
  const request = dumpLinks({ skipStats: true, ...(master !== undefined ? { master } : {}), ...(filter.kind ? { kind: filter.kind } : {}) });
  // Each link is read for its summary fields only; `raw` is decoded if and when it is read.
  const frames = await connection.dumpFrames(request, { operation: 'RTM_GETLINK dump' });
  const links: LinkState[] = [];
  for (const frame of frames) if (frameType(frame, 0) === RTM_NEWLINK) links.push(linkStateOfFrame(frame));
  return links;
}

/** Every address, or those `filter` selects. */
export async function readAddresses(connection: Connection, indexOf: IndexOf, filter: AddressFilter | undefined): Promise<Address[]> {
  filter = checkOptions(filter, 'filter');
  const family = familyNumber(filter.family);
  const index = filter.dev === undefined ? undefined : await indexOf(filter.dev);
  const replies = await connection.dump(dumpAddresses({ family, ...(index !== undefined ? { index } : {}) }), { operation: 'RTM_GETADDR dump' });
  return replies.flatMap((m) => (m.kind === 'address' ? [toAddress(m.body)] : []));
}

/** Routes `filter` selects (table main by default, like `ip route`). */
export async function readRoutes(connection: Connection, indexOf: IndexOf, filter: RouteFilter | undefined, options?: RequestOptions): Promise<Route[]> {
  filter = checkOptions(filter, 'filter');
  const family = familyNumber(filter.family);
  const table = filter.table === 'all' ? undefined : lookup(TABLES, filter.table ?? 'main', 'table', 0xffffffff);
  const protocol = filter.protocol === undefined ? undefined : lookup(PROTOCOLS, filter.protocol, 'protocol');
  const type = filter.type === undefined ? undefined : lookup(ROUTE_TYPES, filter.type, 'type');
  const oif = filter.dev === undefined ? undefined : await indexOf(filter.dev);
  const request = dumpRoutes({
    family,
    ...(table !== undefined ? { table } : {}),
    ...(oif !== undefined ? { oif } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(type !== undefined ? { type } : {}),
  });
  // Each route made as its message is read: a dump can hold 100,000 routes, and the messages kept
  // to its end were as many objects more for the garbage collector to move and the heap to grow by.
  // Read from the frames, not decoded: see routeOfFrame.
  return connection.dumpConverted(request, routeOfMessage, { ...options, operation: 'RTM_GETROUTE dump' }, routeOfFrame);
}

function routeOfMessage(m: NetlinkMessage): Route | undefined {
  return m.kind === 'route' ? toRoute(m.body) : undefined;
}

/** Neighbour or FDB entries `filter` selects. */
export async function readNeighbors(connection: Connection, indexOf: IndexOf, filter: NeighborFilter | undefined): Promise<Neighbor[]> {
  filter = checkOptions(filter, 'filter');
  const family = familyNumber(filter.family, true);
  const ifindex = filter.dev === undefined ? undefined : await indexOf(filter.dev);
  const master = filter.master === undefined ? undefined : await indexOf(filter.master, 'master');
  const request = dumpNeighbors({
    family,
    ...(ifindex !== undefined ? { ifindex } : {}),
    ...(master !== undefined ? { master } : {}),
  });
  const replies = await connection.dump(request, { operation: 'RTM_GETNEIGH dump' });
  return replies.flatMap((m) => (m.kind === 'neighbor' ? [toNeighbor(m.body)] : []));
}

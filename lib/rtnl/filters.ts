import { AF_BRIDGE, AF_INET, AF_INET6, AF_UNSPEC } from '../../messages/constants.js';
import { InvalidArgumentError, type Family } from '../validate.js';
import type { ProtocolName, RouteTypeName, TableName } from './names.js';
import type { DeviceRef } from './routes.js';

/** Which routes ns.routes() returns (the kernel filters them, strict checking being on). */
export interface RouteFilter {
  family?: Family;
  /** Default 'main', like `ip route`; 'all' for every table. */
  table?: TableName | number | 'all';
  dev?: DeviceRef;
  protocol?: ProtocolName | number;
  type?: RouteTypeName | number;
}

/** Which addresses ns.addresses() returns. */
export interface AddressFilter {
  family?: Family;
  dev?: DeviceRef;
}

/** Which neighbour or FDB entries ns.neighbors() and ns.fdb() return. */
export interface NeighborFilter {
  family?: Family | 'bridge';
  dev?: DeviceRef;
  /** Entries of ports of this bridge (FDB) or of this master device. */
  master?: DeviceRef;
}

/** Which links ns.links() returns. */
export interface LinkFilter {
  /** Only links of this kind ('veth', 'bridge', 'vxlan'). */
  kind?: string;
  /** Only ports of this bridge. */
  master?: DeviceRef;
}

/** A filter's family as its AF_* number; anything but 4, 6 (or 'bridge' where allowed) is refused. */
export function familyNumber(family: unknown, bridge = false): number {
  if (family === undefined) return AF_UNSPEC;
  if (bridge && family === 'bridge') return AF_BRIDGE;
  if (family === 4 || family === 6) return family === 4 ? AF_INET : AF_INET6;
  throw new InvalidArgumentError('family', family, `is not 4 or 6${bridge ? " or 'bridge'" : ''}`);
}

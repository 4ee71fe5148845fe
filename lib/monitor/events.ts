import { AF_BRIDGE, RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH, RTM_DELNSID, RTM_DELROUTE } from '../../messages/constants.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { toAddress, type Address } from '../rtnl/addresses.js';
import { toLinkState, type LinkState } from '../rtnl/links.js';
import { toNeighbor, type Neighbor } from '../rtnl/neighbors.js';
import { toRoute, type Route } from '../rtnl/routes.js';

/** 'new': the object was added or changed (RTM_NEW*); 'del': it was removed (RTM_DEL*). */
export type MonitorAction = 'new' | 'del';

/** A link was added, changed or removed (group 'link'). */
export interface LinkEvent {
  kind: 'link';
  action: MonitorAction;
  link: LinkState;
  /**
   * An AF_BRIDGE notification about a bridge port (the kernel sends those to the link group too:
   * 'del' then means "left its bridge", not "deleted"). Only in plain monitor mode.
   */
  bridgePort?: true;
  /** Replay mode: the kernel removed the object without a notification; see monitor.ts. */
  inferred?: true;
}
/** An address was added or removed (groups 'ipv4-ifaddr', 'ipv6-ifaddr'). */
export interface AddressEvent { kind: 'address'; action: MonitorAction; address: Address; inferred?: true }
/** A route was added, changed or removed (groups 'ipv4-route', 'ipv6-route'). */
export interface RouteEvent { kind: 'route'; action: MonitorAction; route: Route; inferred?: true }
/** A neighbour or bridge FDB entry was added, changed or removed (group 'neigh'). */
export interface NeighborEvent { kind: 'neighbor'; action: MonitorAction; neighbor: Neighbor; inferred?: true }
/** A netns id was given or taken back (group 'nsid'). */
export interface NsidEvent { kind: 'nsid'; action: MonitorAction; nsid: number }
/** A notification of a group without a typed event (rules, netconf, nexthops ...): the decoded message. */
export interface MessageEvent { kind: 'message'; message: NetlinkMessage }
/** Plain mode: the kernel (or our own bounded queue) dropped events; re-read the state you track. */
export interface OverrunEvent { kind: 'overrun' }
/** Replay mode: every object of the subscribed kinds has been yielded; changes follow. */
export interface SyncedEvent { kind: 'synced' }
/**
 * Replay mode: events were lost; the monitor is re-reading the state. The events up to the next
 * 'synced' are the differences between what was yielded before and the fresh state.
 */
export interface ResyncEvent { kind: 'resync' }

/** The events about one kernel object (switch on `kind`). */
export type ObjectEvent = LinkEvent | AddressEvent | RouteEvent | NeighborEvent | NsidEvent;
/** Everything ns.monitor() yields (switch on `kind`). */
export type MonitorEvent = ObjectEvent | MessageEvent | OverrunEvent | SyncedEvent | ResyncEvent;

const DELETES = new Set([RTM_DELLINK, RTM_DELADDR, RTM_DELROUTE, RTM_DELNEIGH, RTM_DELNSID]);

/** 'del' for a notification that an object is gone (RTM_DEL*), else 'new'. */
export function actionOf(message: NetlinkMessage): MonitorAction {
  return DELETES.has(message.type) ? 'del' : 'new';
}

/** The typed event for one notification; undefined for control messages (errors, DONE, NOOP). */
export function eventOf(message: NetlinkMessage): ObjectEvent | MessageEvent | undefined {
  const action = actionOf(message);
  switch (message.kind) {
    case 'link': {
      const event: LinkEvent = { kind: 'link', action, link: toLinkState(message.body) };
      if (message.body.family === AF_BRIDGE) event.bridgePort = true;
      return event;
    }
    case 'address':
      return { kind: 'address', action, address: toAddress(message.body) };
    case 'route':
      return { kind: 'route', action, route: toRoute(message.body) };
    case 'neighbor':
      return { kind: 'neighbor', action, neighbor: toNeighbor(message.body) };
    case 'nsid':
      return message.body.attrs.nsid === undefined ? { kind: 'message', message } : { kind: 'nsid', action, nsid: message.body.attrs.nsid };
    case 'unknown':
      return { kind: 'message', message };
    default:
      return undefined;
  }
}

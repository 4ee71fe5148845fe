/**
 * Replay mode's bookkeeping, with no I/O: which object a notification is about (its key), whether
 * it says anything new (its fingerprint), and the table of objects yielded so far.
 *
 * Keys (what the kernel itself uses to tell objects apart):
 * - link: ifindex;
 * - address: family, ifindex, prefix length, IFA_LOCAL and IFA_ADDRESS (the peer on point-to-point);
 * - route: family, table, dst/len, src/len, tos and metric (RTA_PRIORITY); for IPv6 also the output
 *   device and gateway (IPv6 keeps one route per next hop: fe80::/64 on every link), or 'multipath';
 * - neighbour: family, ifindex, destination; FDB entries: ifindex, MAC, VLAN, remote (NDA_DST),
 *   VNI and whether the entry is the bridge's (NTF_MASTER) or the device's own (NTF_SELF);
 * - nsid: the id.
 * Fingerprint: the decoded message (header and attributes, in wire order) without what changes on
 * its own or differs between a dump and a notification of the same state: link statistics
 * (IFLA_STATS, IFLA_STATS64, and IFLA_AF_SPEC, which carries IPv6 statistics and timestamps),
 * IFLA_EVENT and ifi_change; address, route and neighbour cache info (timestamps, lifetimes,
 * RTA_EXPIRES, NDA_PROBES). Two messages with the same key and fingerprint describe the same state.
 */
import { AF_BRIDGE, AF_INET, AF_INET6 } from '../../messages/constants.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { NTF_MASTER, NTF_PROXY, NTF_SELF } from '../../messages/neighbor/index.js';
import { RTM_F_CLONED, RT_TABLE_MAIN } from '../../messages/route/constants.js';
import { actionOf, eventOf, type ObjectEvent } from './events.js';

/** One dump (and the notifications that belong to it). */
export type Stream = 'link' | 'address4' | 'address6' | 'route4' | 'route6' | 'neigh' | 'fdb' | 'nsid';

export interface Entry {
  stream: Stream;
  key: string;
  fingerprint: string;
  /** The object as last yielded, with action 'new'. */
  event: ObjectEvent;
}

export interface Described {
  entry: Entry;
  action: 'new' | 'del';
}

const VOLATILE: Readonly<Record<string, readonly string[]>> = {
  link: ['stats', 'stats64', 'afSpec', 'event'],
  address: ['cacheinfo'],
  route: ['cacheinfo', 'expires'],
  neighbor: ['cacheinfo', 'probes'],
  nsid: ['currentNsid'],
};

function fingerprintOf(kind: string, body: { attrs: Record<string, unknown> } & Record<string, unknown>): string {
  const omit = new Set(VOLATILE[kind] ?? []);
  const attrs = Object.fromEntries(Object.entries(body.attrs).filter(([k]) => !omit.has(k)));
  const header = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'attrs' && !(kind === 'link' && k === 'change')));
  return JSON.stringify({ header, attrs }, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}

/**
 * What replay mode keeps of a notification or dump reply: undefined for messages it ignores
 * (control messages, AF_BRIDGE link notifications about bridge ports, cloned routes and proxy
 * neighbour entries, which the dumps do not list either, and kinds without a dump).
 */
export function describeMessage(message: NetlinkMessage): Described | undefined {
  const action = actionOf(message);
  let stream: Stream;
  let key: string;
  switch (message.kind) {
    case 'link':
      if (message.body.family === AF_BRIDGE) return undefined;
      stream = 'link';
      key = `link ${message.body.index}`;
      break;
    case 'address': {
      const b = message.body;
      if (b.family !== AF_INET && b.family !== AF_INET6) return undefined;
      stream = b.family === AF_INET ? 'address4' : 'address6';
      key = `address ${b.family} ${b.index} ${b.prefixlen} ${b.attrs.local ?? ''} ${b.attrs.address ?? ''}`;
      break;
    }
    case 'route': {
      const b = message.body;
      if (b.family !== AF_INET && b.family !== AF_INET6) return undefined;
      if (b.flags & RTM_F_CLONED) return undefined;
      stream = b.family === AF_INET ? 'route4' : 'route6';
      key = `route ${b.family} ${b.attrs.table ?? b.table} ${b.attrs.dst ?? ''}/${b.dstLen} ${b.attrs.src ?? ''}/${b.srcLen} ${b.tos} ${b.attrs.priority ?? 0}`;
      // IPv6 keeps one route per next hop for the same prefix and metric (fe80::/64 on every link).
      if (b.family === AF_INET6) key += b.attrs.multipath ? ' multipath' : ` ${b.attrs.oif ?? ''} ${b.attrs.gateway ?? ''}`;
      break;
    }
    case 'neighbor': {
      const b = message.body;
      if (b.flags & NTF_PROXY) return undefined;
      if (b.family === AF_BRIDGE) {
        stream = 'fdb';
        const a = b.attrs;
        key = `fdb ${b.ifindex} ${a.lladdr ?? ''} ${a.vlan ?? ''} ${a.dst ?? ''} ${a.vni ?? ''} ${b.flags & (NTF_SELF | NTF_MASTER)}`;
      } else if (b.family === AF_INET || b.family === AF_INET6) {
        stream = 'neigh';
        key = `neigh ${b.family} ${b.ifindex} ${b.attrs.dst ?? ''}`;
      } else {
        return undefined;
      }
      break;
    }
    case 'nsid':
      if (message.body.attrs.nsid === undefined) return undefined;
      stream = 'nsid';
      key = `nsid ${message.body.attrs.nsid}`;
      break;
    default:
      return undefined;
  }
  const event = eventOf(message) as ObjectEvent;
  event.action = 'new';
  const fingerprint = message.kind === 'nsid' ? key : fingerprintOf(message.kind, message.body as never);
  return { entry: { stream, key, fingerprint, event }, action };
}

/** One change to the table: what was there before (for undo) and the event to yield. */
export interface Change {
  key: string;
  prev: Entry | undefined;
  next: Entry | undefined;
  event: ObjectEvent;
}

const deleted = (entry: Entry, inferred: boolean): ObjectEvent => {
  const event = { ...entry.event, action: 'del' } as ObjectEvent;
  if (inferred && event.kind !== 'nsid') event.inferred = true;
  return event;
};

/**
 * The objects yielded so far, by key. apply() turns a notification into the events that bring a
 * consumer's copy up to date: none when it says nothing new (a 'new' with the fingerprint already
 * held, a 'del' of an object not held), else the event itself, followed by the removals the kernel
 * makes without telling anyone:
 * - a link deleted takes its addresses, routes, neighbours and FDB entries with it (IPv4 routes
 *   leave with no RTM_DELROUTE);
 * - a link set down (IFF_UP cleared) loses the IPv4 routes whose next hops all use it (fib_flush,
 *   silent);
 * - an IPv4 address deleted takes the main-table IPv4 routes that used it as preferred source
 *   (fib_sync_down_addr, silent).
 * Such removals are yielded as 'del' events with `inferred: true`; if the kernel does send a
 * notification for one after all, it finds the object gone and yields nothing.
 */
/** A new, empty ObjectTable (a function, for the same reason as event-queue.ts's eventQueue). */
export function objectTable(): ObjectTable {
  return new ObjectTable();
}

export class ObjectTable {
  readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  apply(described: Described): Change[] {
    const { entry, action } = described;
    const prev = this.entries.get(entry.key);
    if (action === 'new') {
      if (prev && prev.fingerprint === entry.fingerprint) return [];
      this.entries.set(entry.key, entry);
      const changes: Change[] = [{ key: entry.key, prev, next: entry, event: entry.event }];
      if (entry.event.kind === 'link' && !entry.event.link.up && (prev?.event as { link?: { up: boolean } } | undefined)?.link?.up) {
        changes.push(...this.removeWhere((e) => e.stream === 'route4' && routeUsesOnly(e.event, entry.event.kind === 'link' ? entry.event.link.index : 0)));
      }
      return changes;
    }
    if (!prev) return [];
    this.entries.delete(entry.key);
    const changes: Change[] = [{ key: entry.key, prev, next: undefined, event: deleted(entry, false) }];
    if (entry.event.kind === 'link') {
      const index = entry.event.link.index;
      changes.push(...this.removeWhere((e) => onLink(e.event, index)));
    } else if (entry.event.kind === 'address' && entry.event.address.family === 4) {
      const local = entry.event.address.address;
      const stillThere = [...this.entries.values()].some((e) => e.event.kind === 'address' && e.event.address.family === 4 && e.event.address.address === local);
      if (!stillThere) {
        changes.push(...this.removeWhere((e) => e.event.kind === 'route' && e.stream === 'route4' && e.event.route.src === local && (e.event.route.raw.attrs.table ?? e.event.route.raw.table) === RT_TABLE_MAIN));
      }
    }
    return changes;
  }

  /** Undoes changes (newest first), e.g. events queued but never read. */
  undo(changes: readonly Change[]): void {
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i]!;
      if (c.prev) this.entries.set(c.key, c.prev);
      else this.entries.delete(c.key);
    }
  }

  /** The events that turn this table into `fresh` (removals first, then additions and changes); adopts `fresh`. */
  diff(fresh: ReadonlyMap<string, Entry>): Change[] {
    const changes: Change[] = [];
    for (const [key, prev] of this.entries) {
      if (!fresh.has(key)) changes.push({ key, prev, next: undefined, event: deleted(prev, false) });
    }
    for (const [key, next] of fresh) {
      const prev = this.entries.get(key);
      if (!prev || prev.fingerprint !== next.fingerprint) changes.push({ key, prev, next, event: next.event });
    }
    this.entries.clear();
    for (const [key, entry] of fresh) this.entries.set(key, entry);
    return changes;
  }

  private removeWhere(predicate: (e: Entry) => boolean): Change[] {
    const changes: Change[] = [];
    for (const [key, e] of this.entries) {
      if (!predicate(e)) continue;
      this.entries.delete(key);
      changes.push({ key, prev: e, next: undefined, event: deleted(e, true) });
    }
    return changes;
  }
}

function routeDevices(event: ObjectEvent): number[] {
  if (event.kind !== 'route') return [];
  // From the message: a route through a nexthop object names its devices only there.
  const { attrs } = event.route.raw;
  if (attrs.multipath && attrs.multipath.length > 0) return attrs.multipath.map((h) => h.ifindex);
  return attrs.oif === undefined ? [] : [attrs.oif];
}

function routeUsesOnly(event: ObjectEvent, index: number): boolean {
  const devices = routeDevices(event);
  return devices.length > 0 && devices.every((d) => d === index);
}

function onLink(event: ObjectEvent, index: number): boolean {
  switch (event.kind) {
    case 'address':
      return event.address.dev === index;
    case 'route':
      return routeUsesOnly(event, index);
    case 'neighbor':
      return event.neighbor.dev === index;
    default:
      return false;
  }
}

/**
 * Builds the state a sync ends with: the dump replies, then the notifications received since the
 * sync began applied in order (each carries the whole object, so the last one about an object is
 * its current state; see Monitor for which notifications count).
 */
export function reconcile(dumped: readonly NetlinkMessage[], notifications: readonly NetlinkMessage[]): ObjectTable {
  const table = new ObjectTable();
  for (const m of dumped) {
    const d = describeMessage(m);
    if (d && d.action === 'new') table.entries.set(d.entry.key, d.entry);
  }
  for (const m of notifications) {
    const d = describeMessage(m);
    if (d) table.apply(d);
  }
  return table;
}

/**
 * Planned changes (lib/rtnl/changes.ts) sent over a connection: the device names they use looked
 * up first (each once, the lookups pipelined), then the changes themselves.
 */
import type { Connection } from '../connection.js';
import { rethrowAtCaller } from '../errors.js';
import { NO_OPTIONS } from '../request-path.js';
import { SILENT_LOGGER } from '../log.js';
import type { RequestWriter } from '../message-codec.js';
import { debugStart, logChange, ROUTE_OPS } from './change-log.js';
import type { AddAddressOptions } from './addresses.js';
import { ADDRESS_WRITER, checkAddress, PLAIN_ADDRESS_WRITER, type AddressRequest, type PlainAddress } from './address-request.js';
import { plainIPv4Address, plainIPv4Prefix } from './plain-ipv4-prefix.js';
import { FLAGS_WRITER, linkFlagChange, planRoute, type PlannedChange } from './changes.js';
import { deviceIndex } from './device-ref.js';
import type { LinkChanges } from './links.js';
import type { RouteWriter } from './route-request.js';
import { namesDevices, type DeviceRef, type RouteSpec } from './routes.js';

/** The index of a device name (an RTM_GETLINK); rejects with the kernel's ENODEV. */
export type IndexLookup = (name: string) => Promise<number>;

/** One change: its names looked up, then sent; settles with its outcome. */
export function applyChange(connection: Connection, lookup: IndexLookup, planned: PlannedChange): Promise<void> {
  if (planned.names.length === 0) return connection.change(planned.writer, planned.subject);
  return lookUp(lookup, planned.names)
    .then((indexes) => {
      for (const index of indexes.values()) if (index instanceof Error) throw index;
      planned.fill(indexes as ReadonlyMap<string, number>);
      return connection.change(planned.writer, planned.subject);
    })
    .catch(rethrowAtCaller);
}

/** applyChange, logged at debug (change-log.ts) as `op` on `dev`. */
export function applyLogged(connection: Connection, lookup: IndexLookup, planned: PlannedChange, op: string, dev: unknown): Promise<void> {
  const log = connection.logger;
  return logChange(log, debugStart(log), op, dev, applyChange(connection, lookup, planned));
}

/**
 * A change checked already, its devices indexes: written straight into the send buffer by
 * `writer` (no plan, no lookup), logged at debug as applyLogged logs one.
 */
export function applyWritten<T>(connection: Connection, writer: RequestWriter<T>, subject: T, op: string, dev: unknown): Promise<void> {
  const log = connection.logger;
  const start = log === SILENT_LOGGER ? -1 : debugStart(log);
  const outcome = connection.change(writer, subject);
  return start < 0 ? outcome : logChange(log, start, op, dev, outcome);
}

/** Link.up(), down() and setPromiscuous(): one of changes.ts's flag changes (LINK_UP ...) on a device given by index or Link. Throws for a bad index. */
export function setLinkFlag(connection: Connection, dev: DeviceRef, changes: LinkChanges): Promise<void> {
  const subject = linkFlagChange(dev, changes);
  // applyWritten's unlogged case without its call: a call frame is most of a cold request's cost.
  return connection.logger === SILENT_LOGGER ? connection.change(FLAGS_WRITER, subject) : applyWritten(connection, FLAGS_WRITER, subject, 'link.set', dev);
}

/** The `op` of each address change (change-log.ts). */
const ADDRESS_OPS = { add: 'addr.add', delete: 'addr.del' } as const;

/**
 * An address added or deleted on a device given by index or Link: `index` is its index when the
 * caller holds it already (a Link's own state, as Link.up() uses it), else anything deviceIndex is
 * then asked for. The usual change, a plain IPv4 prefix with no options, is read once and goes as a
 * PlainAddress; anything else is checked in full (checkAddress), the address before the device.
 * `callerRethrows`: the caller rethrows a failure itself (Connection.change's `rethrows` false), as
 * the Link does. Throws what the checks refuse.
 */
export function changeAddress(connection: Connection, kind: 'add' | 'delete', dev: DeviceRef, index: number, cidr: string, options: AddAddressOptions | undefined, callerRethrows: boolean): Promise<void> {
  const prefixlen = options === undefined && typeof cidr === 'string' ? plainIPv4Prefix(cidr, false) : -1;
  let writer: RequestWriter<PlainAddress> | RequestWriter<AddressRequest>;
  let subject: PlainAddress | AddressRequest;
  if (prefixlen >= 0) {
    const local = plainIPv4Address;
    writer = PLAIN_ADDRESS_WRITER;
    subject = { kind, cidr, dev, index: (index | 0) === index && index >= 1 ? index : deviceIndex(dev, 'dev'), prefixlen, local };
  } else {
    writer = ADDRESS_WRITER;
    subject = checkAddress(kind, dev, cidr, options);
    subject.index = (index | 0) === index && index >= 1 ? index : deviceIndex(dev, 'dev');
  }
  const w = writer as RequestWriter<unknown>;
  if (connection.logger !== SILENT_LOGGER) return applyWritten(connection, w, subject, ADDRESS_OPS[kind], dev);
  return connection.change(w, subject, NO_OPTIONS, !callerRethrows);
}

/** An address added or deleted on a device given by index or Link (no lookup). Throws what the checks refuse. */
export function changeAddressOn(connection: Connection, kind: 'add' | 'delete', dev: DeviceRef, cidr: string, options?: AddAddressOptions): Promise<void> {
  return changeAddress(connection, kind, dev, 0, cidr, options, false);
}

/**
 * A route change, logged at debug (change-log.ts). A spec whose devices are all indexes is checked
 * and written straight into the send buffer, in one step; one that names devices is checked, then
 * its names are looked up. Never throws: a bad spec rejects. Not an async function: that would
 * cost each change a promise and a microtask more (the connection gives errors the caller's stack).
 */
export function applyRoute(connection: Connection, lookup: IndexLookup, writer: RouteWriter, spec: RouteSpec): Promise<void> {
  try {
    const log = connection.logger;
    const start = log === SILENT_LOGGER ? -1 : debugStart(log);
    // namesDevices(spec) for the usual spec (a device by index, no next hops) without a call of its own.
    const named = typeof spec === 'object' && spec !== null && (typeof spec.dev === 'string' || (spec.nexthops !== undefined && namesDevices(spec)));
    const outcome = named ? applyChange(connection, lookup, planRoute(writer.kind, spec)) : connection.change(writer, spec);
    return start < 0 ? outcome : logChange(log, start, ROUTE_OPS[writer.kind], spec?.dev, outcome);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * `count` changes, planned by `plan(i)` (which throws for bad input): every name looked up once,
 * then all sent together. One result per change, in order: undefined where it was applied, else
 * its error (a plan's InvalidArgumentError, a lookup's error, or the kernel's).
 */
export async function applyChanges(
  connection: Connection,
  lookup: IndexLookup,
  count: number,
  plan: (i: number) => PlannedChange,
): Promise<Array<Error | undefined>> {
  const results = new Array<Error | undefined>(count).fill(undefined);
  const plans = new Array<PlannedChange | undefined>(count);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const planned = (plans[i] = plan(i));
      for (const name of planned.names) names.push(name);
    } catch (error) {
      results[i] = error as Error;
    }
  }
  if (names.length > 0) {
    const indexes = await lookUp(lookup, names);
    for (let i = 0; i < count; i++) {
      const planned = plans[i];
      if (planned === undefined || planned.names.length === 0) continue;
      const failed = planned.names.map((name) => indexes.get(name)).find((x) => x instanceof Error);
      if (failed instanceof Error) {
        results[i] = failed;
        plans[i] = undefined;
      } else {
        planned.fill(indexes as ReadonlyMap<string, number>);
      }
    }
  }
  const sent: number[] = [];
  const writers: Array<RequestWriter<unknown>> = [];
  const subjects: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const planned = plans[i];
    if (planned === undefined) continue;
    sent.push(i);
    writers.push(planned.writer);
    subjects.push(planned.subject);
  }
  const outcomes = await connection.changes(writers, subjects);
  for (let k = 0; k < sent.length; k++) results[sent[k]!] = outcomes[k];
  return results;
}

/** Each distinct name's index, or the error its lookup gave; the lookups go out together. */
async function lookUp(lookup: IndexLookup, names: readonly string[]): Promise<Map<string, number | Error>> {
  const unique = [...new Set(names)];
  const found = await Promise.all(unique.map((name) => lookup(name).catch((error: Error) => error)));
  return new Map(unique.map((name, i) => [name, found[i]!]));
}

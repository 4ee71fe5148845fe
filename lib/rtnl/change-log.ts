/**
 * Each change request at debug: { op, dev, ms } when it settles, and `code` (with `err`) when it
 * failed; a namespace's logger adds `netns`. `op` names the change as ip(8) and bridge(8) do
 * ('link.add', 'addr.del', 'route.replace', 'neigh.add', 'fdb.append' ...), `dev` is the device's
 * name when the caller gave one (or a Link), else its index, and `ms` the time from the call to the
 * kernel's answer (a batch's changes share the batch's). When debug is off nothing is built: the
 * callers read debugStart() once and pass the constants and references they already hold.
 */
import type { Connection } from '../connection.js';
import { msSince, SILENT_LOGGER, type Logger } from '../log.js';
import type { NetlinkMessage } from '../../messages/message.js';
import type { Change } from './changes.js';
import type { RouteKind } from './route-request.js';
import type { RouteSpec } from './routes.js';
import { monotonicMs } from '../clock.js';

/** The `op` of each route change. */
export const ROUTE_OPS: Readonly<Record<RouteKind, string>> = { add: 'route.add', replace: 'route.replace', append: 'route.append', delete: 'route.del' };

/** The `op` of each neighbour and FDB change. */
export const NEIGH_OPS = { add: 'neigh.add', replace: 'neigh.replace', delete: 'neigh.del' } as const;
export const FDB_OPS = { add: 'fdb.add', append: 'fdb.append', replace: 'fdb.replace', delete: 'fdb.del' } as const;

/** The `op` of each change a batch takes. */
const CHANGE_OPS: Readonly<Record<Change['do'], string>> = {
  'route add': 'route.add',
  'route replace': 'route.replace',
  'route append': 'route.append',
  'route delete': 'route.del',
  'address add': 'addr.add',
  'address delete': 'addr.del',
  'link set': 'link.set',
  'link delete': 'link.del',
  'neighbor add': 'neigh.add',
  'neighbor replace': 'neigh.replace',
  'neighbor delete': 'neigh.del',
  'fdb add': 'fdb.add',
  'fdb append': 'fdb.append',
  'fdb replace': 'fdb.replace',
  'fdb delete': 'fdb.del',
};

/** When a change starts: monotonicMs() if debug records are written, else -1 (nothing to time). */
export function debugStart(log: Logger): number {
  return log !== SILENT_LOGGER && log.isLevelEnabled('debug') ? monotonicMs() : -1;
}

/**
 * `outcome` itself when `start` is -1; else `outcome`, logged at debug once it settles. (The
 * closures are in logged(): a function that holds closures gets a context object on every call,
 * even one that returns before making them.)
 */
export function logChange<T>(log: Logger, start: number, op: string, dev: unknown, outcome: Promise<T>): Promise<T> {
  return start < 0 ? outcome : logged(log, start, op, dev, outcome);
}

function logged<T>(log: Logger, start: number, op: string, dev: unknown, outcome: Promise<T>): Promise<T> {
  return outcome.then(
    (value) => {
      logSettled(log, start, op, dev, undefined);
      return value;
    },
    (error: unknown) => {
      logSettled(log, start, op, dev, error);
      throw error;
    },
  );
}

/** A change's record as logChange writes it once the change settled: `error` undefined where it was applied (for a caller that holds no promise of it). */
export function logSettled(log: Logger, start: number, op: string, dev: unknown, error: unknown): void {
  if (error === undefined) log.debug({ op, dev: devName(dev), ms: msSince(start) }, op);
  else log.debug({ op, dev: devName(dev), ms: msSince(start), code: codeOf(error), err: error }, `${op} failed`);
}

/** A change sent as a message (connection.request), logged at debug as logChange logs one. */
export function requestChange(connection: Connection, message: NetlinkMessage, operation: string, op: string, dev: unknown): Promise<NetlinkMessage[]> {
  const log = connection.logger;
  return logChange(log, debugStart(log), op, dev, connection.request(message, { operation }));
}

/** A batch's outcome (one entry per change), each change logged as logChange logs one. */
export function logChanges(log: Logger, start: number, changes: readonly Change[], outcome: Promise<Array<Error | undefined>>): Promise<Array<Error | undefined>> {
  return start < 0 ? outcome : outcome.then((results) => logEach(log, start, results, (i) => opAndDev(changes[i])));
}

/** addRoutes' and deleteRoutes' outcome, each route logged as logChange logs one. */
export function logRoutes(log: Logger, start: number, kind: RouteKind, specs: readonly RouteSpec[], outcome: Promise<Array<Error | undefined>>): Promise<Array<Error | undefined>> {
  return start < 0 ? outcome : outcome.then((results) => logEach(log, start, results, (i) => [ROUTE_OPS[kind], (specs[i] as RouteSpec | undefined)?.dev]));
}

function logEach(log: Logger, start: number, results: Array<Error | undefined>, describe: (i: number) => [string, unknown]): Array<Error | undefined> {
  const ms = msSince(start);
  const batch = results.length;
  results.forEach((error, i) => {
    const [op, dev] = describe(i);
    if (error === undefined) log.debug({ op, dev: devName(dev), ms, batch }, op);
    else log.debug({ op, dev: devName(dev), ms, batch, code: codeOf(error), err: error }, `${op} failed`);
  });
  return results;
}

/** A batch entry's op and device (a malformed entry, refused with its own error, is 'change'). */
function opAndDev(change: Change | undefined): [string, unknown] {
  if (typeof change !== 'object' || change === null) return ['change', undefined];
  const op = CHANGE_OPS[change.do] ?? 'change';
  const c = change as { route?: { dev?: unknown }; address?: { dev?: unknown }; neighbor?: { dev?: unknown }; fdb?: { dev?: unknown }; dev?: unknown };
  return [op, c.dev ?? c.route?.dev ?? c.address?.dev ?? c.neighbor?.dev ?? c.fdb?.dev];
}

/** A device as records give it: its name when known (a name, or a Link), else its index. */
function devName(dev: unknown): string | number | undefined {
  if (typeof dev === 'string' || typeof dev === 'number') return dev;
  if (typeof dev !== 'object' || dev === null) return undefined;
  const { name, index } = dev as { name?: unknown; index?: unknown };
  return typeof name === 'string' ? name : typeof index === 'number' ? index : undefined;
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null | undefined)?.code;
}

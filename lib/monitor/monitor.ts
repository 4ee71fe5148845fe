/**
 * `ip monitor` as an async iterator, over a netlink socket of its own.
 *
 *   for await (const ev of ns.monitor({ groups: ['link', 'ipv4-route'] })) ...
 *
 * Plain mode yields one typed event per notification, in the kernel's order, and { kind: 'overrun' }
 * where events were lost. Replay mode ({ replay: true }) yields the current state first, then
 * { kind: 'synced' }, then every change, with no gap and no duplicate; after a loss it re-reads the
 * state by itself ({ kind: 'resync' }, the differences, { kind: 'synced' }).
 *
 * How replay mode reconciles (the rule, precisely):
 * 1. The socket joins the groups first, then dumps each subscribed kind in turn on the same
 *    socket; notifications received meanwhile are kept in arrival order.
 * 2. Each notification carries the whole object (a link's full RTM_NEWLINK, a route's every
 *    attribute), and after joining every change produces one, in the order the kernel made the
 *    changes. So the state at the end of the sync is the dump with the kept notifications applied
 *    in order: a 'new' replaces the dumped object with the same key, a 'del' removes it (keys and
 *    fingerprints: state.ts). The snapshot yielded is that state, each object once, as 'new'.
 *    A notification already reflected in the dump therefore changes nothing, and one the dump
 *    missed (it came after the dump passed that object) is not lost. An object created and
 *    deleted during the sync is not yielded at all.
 * 3. After a loss (a resync) the notifications received before the dump of their kind began are
 *    dropped instead of applied: lost ones may follow them, and the dump, which starts after they
 *    were queued (one socket, one FIFO queue), already reflects them. "Began" is the arrival of
 *    the first reply datagram of that dump.
 * 4. While following, a 'new' whose key and fingerprint equal the object last yielded, and a 'del'
 *    of an object not held, are dropped as duplicates. Removals the kernel makes silently (IPv4
 *    routes of a link that goes down or away ...) are yielded as 'del' with `inferred: true`.
 * 5. Replies to our own dumps are told from notifications by nlmsg_pid (our port) and nlmsg_seq
 *    (a dump we sent): notifications carry the port and sequence number of whoever made the change.
 *
 * Losses: the kernel drops notifications when the socket's receive buffer is full (the transport
 * reports ENOBUFS from the socket's drop counter), and this class drops them when more than
 * `maxPendingEvents` events wait unread (it reads the socket eagerly, so that is the back-pressure).
 * In replay mode the unread events are taken back (the table is rolled back to what the consumer
 * has seen) before the resync, so the differences it yields are against the consumer's own copy.
 */
import type { EventTransport } from '../transport.js';
import type { MonitorEvent } from './events.js';
import type { MonitorGroup } from './groups.js';
import { monitorRun, type MonitorRun } from './monitor-run.js';
import type { MonitorOptions } from './options.js';

export { DEFAULT_MONITOR_RECEIVE_BUFFER, MonitorSyncError, type MonitorOptions } from './options.js';

// The class the package exports, over its socket, queue and replay state in lib/monitor/monitor-run.ts:
// those are loaded with the monitor's queue and state when the first monitor is made
// (scripts/bundle-package.mjs), this stays in the package's core.

/** `ip monitor` as an async iterator over typed events, on a netlink socket of its own (made by ns.monitor()). */
export class Monitor implements AsyncIterableIterator<MonitorEvent>, AsyncDisposable {
  readonly groups: readonly MonitorGroup[];
  readonly replay: boolean;
  readonly #run: MonitorRun;

  constructor(transport: EventTransport, options: MonitorOptions) {
    this.#run = monitorRun(transport, options);
    this.groups = this.#run.groups;
    this.replay = this.#run.replay;
  }

  /** True once close() ran (or break, the signal, or an error ended it). */
  get closed(): boolean {
    return this.#run.closed;
  }

  /** The socket's receive buffer in bytes, as the kernel set it (twice receiveBufferBytes); undefined once closed. */
  get receiveBufferBytes(): number | undefined {
    return this.#run.receiveBufferBytes;
  }

  /** Events waiting to be read. */
  get pending(): number {
    return this.#run.pending;
  }

  /** The monitor itself: `for await (const ev of monitor)`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next event, waiting for one if none is queued; done once closed. */
  next(): Promise<IteratorResult<MonitorEvent, undefined>> {
    return this.#run.next();
  }

  /** `break` in a for-await loop: ends the iteration and releases the socket. */
  async return(): Promise<IteratorResult<MonitorEvent, undefined>> {
    this.close();
    return { value: undefined, done: true };
  }

  /** Ends the iteration (unread events are discarded) and releases the socket. Idempotent. */
  close(): void {
    this.#run.close();
  }

  /** What `await using` calls: close(). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

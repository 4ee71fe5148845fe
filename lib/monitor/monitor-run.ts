// What lib/monitor/monitor.ts's Monitor does, behind it (the rule it follows: the top of that file):
// loaded by the package's core with the monitor's queue and state on the first monitor made
// (scripts/bundle-package.mjs). Monitor, a class the package exports, stays in the core.
import { AF_BRIDGE, AF_INET, AF_INET6, AF_UNSPEC } from '../../messages/constants.js';
import { FrameCursor } from '../../messages/framing.js';
import { decodeMessages, type NetlinkMessage } from '../../messages/message.js';
import { dumpAddresses, dumpLinks, dumpNeighbors, dumpNsids, dumpRoutes } from '../../messages/requests.js';
import { Connection } from '../connection.js';
import { NetlinkOverrunError } from '../errors.js';
import { SILENT_LOGGER, type Logger } from '../log.js';
import type { EventTransport, Transport } from '../transport.js';
import { InvalidArgumentError } from '../validate.js';
import { eventQueue } from './event-queue.js';
import { eventOf, type MonitorEvent } from './events.js';
import { groupNumber, type MonitorGroup } from './groups.js';
import { checkGroups, DEFAULT_MAX_PENDING, MonitorSyncError, type MonitorOptions } from './options.js';
import { describeMessage, objectTable, reconcile, type Stream } from './state.js';
import { isIntegerIn } from '../../messages/checks.js';

const MAX_SYNC_ATTEMPTS = 12;
/** Wait before the next sync attempt: a burst of changes that overflowed the buffer may still be going on. */
const syncBackoffMs = (attempt: number): number => Math.min(1000, 10 * 2 ** (attempt - 1));

/** The dump behind each stream, and which group asks for it. */
const STREAMS: ReadonlyArray<{ stream: Stream; group: MonitorGroup; request: () => NetlinkMessage; operation: string }> = [
  { stream: 'link', group: 'link', request: () => dumpLinks({ skipStats: true }), operation: 'RTM_GETLINK dump' },
  { stream: 'address4', group: 'ipv4-ifaddr', request: () => dumpAddresses({ family: AF_INET }), operation: 'RTM_GETADDR dump (IPv4)' },
  { stream: 'address6', group: 'ipv6-ifaddr', request: () => dumpAddresses({ family: AF_INET6 }), operation: 'RTM_GETADDR dump (IPv6)' },
  { stream: 'route4', group: 'ipv4-route', request: () => dumpRoutes({ family: AF_INET }), operation: 'RTM_GETROUTE dump (IPv4)' },
  { stream: 'route6', group: 'ipv6-route', request: () => dumpRoutes({ family: AF_INET6 }), operation: 'RTM_GETROUTE dump (IPv6)' },
  { stream: 'neigh', group: 'neigh', request: () => dumpNeighbors({ family: AF_UNSPEC }), operation: 'RTM_GETNEIGH dump' },
  { stream: 'fdb', group: 'neigh', request: () => dumpNeighbors({ family: AF_BRIDGE }), operation: 'RTM_GETNEIGH dump (FDB)' },
  { stream: 'nsid', group: 'nsid', request: () => dumpNsids(), operation: 'RTM_GETNSID dump' },
];

/** A Monitor's socket, queue and replay state; `monitorRun` makes one. */
export type MonitorRun = Pick<MonitorCalls, 'groups' | 'replay' | 'closed' | 'receiveBufferBytes' | 'pending' | 'next' | 'close'>;

/** The socket, queue and replay state of a Monitor on `transport` (options checked, groups joined, replay's sync begun). */
export function monitorRun(transport: EventTransport, options: MonitorOptions): MonitorRun {
  return new MonitorCalls(transport, options);
}

class MonitorCalls {
  readonly groups: readonly MonitorGroup[];
  readonly replay: boolean;
  readonly #transport: EventTransport;
  readonly #log: Logger;
  readonly #maxPending: number;
  readonly #timeoutMs: number;
  readonly #connection: Connection | undefined;
  readonly #streams: typeof STREAMS;
  readonly #events = eventQueue(() => this.#updateRef());
  /** The socket is released. */
  #closed = false;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.close();

  // replay mode
  readonly #table = objectTable();
  #phase: 'plain' | 'syncing' | 'following';
  #buffer: NetlinkMessage[] = [];
  #lostWhileSyncing = false;
  #currentStream: Stream | undefined;
  readonly #streamStart = new Map<Stream, number>();
  readonly #frames = new FrameCursor();
  #connectionDatagram: ((d: Uint8Array) => void) | undefined;
  #connectionError: ((e: Error & { code?: string }) => void) | undefined;
  #connectionRef = false;

  constructor(transport: EventTransport, options: MonitorOptions) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, "is not an object like { groups: ['link'] }");
    this.replay = options.replay === true;
    this.groups = checkGroups(options.groups, this.replay);
    const max = options.maxPendingEvents ?? DEFAULT_MAX_PENDING;
    if (!isIntegerIn(max, 1, Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError('maxPendingEvents', max, 'is not a positive integer');
    if (this.replay && !transport.port) throw new InvalidArgumentError('transport', transport, 'has no port: replay mode needs it to tell dump replies from notifications');
    this.#maxPending = max;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#log = options.logger ?? SILENT_LOGGER;
    this.#transport = transport;
    this.#signal = options.signal;
    this.#phase = this.replay ? 'syncing' : 'plain';
    this.#streams = STREAMS.filter((s) => this.groups.includes(s.group));

    transport.onDatagram((d) => this.#datagram(d));
    transport.onError((e) => this.#socketError(e));
    try {
      for (const group of this.groups) transport.addMembership(groupNumber(group));
    } catch (error) {
      transport.close();
      throw error;
    }
    transport.unref();
    this.#log.info({ op: 'monitor.start', groups: this.groups, replay: this.replay }, 'monitor started');

    if (this.replay) {
      const forConnection: Transport = {
        port: transport.port,
        send: (datagram) => transport.send(datagram),
        onDatagram: (listener) => {
          this.#connectionDatagram = listener;
        },
        onError: (listener) => {
          this.#connectionError = listener;
        },
        ref: () => {
          this.#connectionRef = true;
          this.#updateRef();
        },
        unref: () => {
          this.#connectionRef = false;
          this.#updateRef();
        },
        close: () => this.#release(),
      };
      const context = options.context !== undefined ? { context: options.context } : {};
      this.#connection = new Connection(forConnection, { logger: this.#log, timeoutMs: this.#timeoutMs, dumpRetries: 10, ...context });
    }

    if (this.#signal?.aborted) {
      this.close();
      return;
    }
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (this.replay) void this.#sync(false);
  }

  /** True once close() ran (or break, the signal, or an error ended it). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The socket's receive buffer in bytes, as the kernel set it (twice receiveBufferBytes); undefined once closed. */
  get receiveBufferBytes(): number | undefined {
    return this.#closed ? undefined : this.#transport.getRecvBufferSize?.();
  }

  /** Events waiting to be read. */
  get pending(): number {
    return this.#events.pending;
  }

  /** The next event, waiting for one if none is queued; done once closed. */
  next(): Promise<IteratorResult<MonitorEvent, undefined>> {
    return this.#events.next(this.#closed);
  }

  /** Ends the iteration (unread events are discarded) and releases the socket. Idempotent. */
  close(): void {
    this.#release();
    this.#events.end();
  }

  // ---- socket

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#connection?.close('the monitor was closed');
    this.#transport.close();
    this.#log.info({ op: 'monitor.stop' }, 'monitor stopped');
  }

  #updateRef(): void {
    if (this.#closed) return;
    if (this.#events.waiting || this.#connectionRef) this.#transport.ref();
    else this.#transport.unref();
  }

  /** Ends the iteration with `error`, after the events already queued. */
  #fail(error: unknown): void {
    if (this.#events.ended) return;
    this.#log.error({ err: error }, 'monitor failed');
    this.#release();
    this.#events.fail(error);
  }

  #datagram(datagram: Uint8Array): void {
    if (this.#closed) return;
    if (this.#isReply(datagram)) {
      this.#connectionDatagram?.(datagram);
      return;
    }
    let messages: NetlinkMessage[];
    try {
      // A copy: decoded messages keep referring to their bytes, valid during this call only.
      messages = decodeMessages(new Uint8Array(datagram));
    } catch (error) {
      this.#fail(error);
      return;
    }
    for (const m of messages) this.#notification(m);
  }

  /**
   * A reply to one of our dumps (our port, a sequence number the connection awaits or is reading
   * to its end) rather than a notification (those carry the port and sequence number of whoever
   * made the change).
   */
  #isReply(datagram: Uint8Array): boolean {
    const connection = this.#connection;
    if (connection === undefined) return false;
    const frames = this.#frames.reset(datagram);
    try {
      while (frames.next()) {
        if (frames.pid !== this.#transport.port || !connection.expects(frames.seq)) continue;
        if (this.#phase === 'syncing' && this.#currentStream !== undefined && !this.#streamStart.has(this.#currentStream)) {
          this.#streamStart.set(this.#currentStream, this.#buffer.length);
        }
        return true;
      }
    } catch {
      // Bad framing: decoding it as notifications reports it.
    }
    return false;
  }

  #socketError(error: Error & { code?: string }): void {
    if (this.#closed) return;
    if (error.code !== 'ENOBUFS') {
      this.#connectionError?.(error);
      this.#fail(error);
      return;
    }
    this.#log.warn('monitor: receive buffer overrun, events were lost');
    this.#lost();
    // Fails a dump in progress with NetlinkOverrunError; the sync loop restarts it.
    this.#connectionError?.(error);
  }

  /** Events were lost (by the kernel, or by us when too many waited unread). */
  #lost(): void {
    switch (this.#phase) {
      case 'plain': {
        if (this.#events.last?.kind !== 'overrun') this.#events.push({ event: { kind: 'overrun' }, counted: false });
        return;
      }
      case 'syncing':
        this.#lostWhileSyncing = true;
        this.#buffer = [];
        return;
      case 'following':
        this.#events.push({ event: { kind: 'resync' }, counted: false });
        void this.#sync(true);
        return;
    }
  }

  #notification(message: NetlinkMessage): void {
    switch (this.#phase) {
      case 'plain': {
        const event = eventOf(message);
        if (!event) return;
        if (this.#events.counted >= this.#maxPending) this.#lost();
        else this.#events.push({ event, counted: true });
        return;
      }
      case 'syncing':
        if (this.#lostWhileSyncing) return;
        this.#buffer.push(message);
        if (this.#buffer.length > this.#maxPending) this.#lost();
        return;
      case 'following': {
        const described = describeMessage(message);
        if (!described) return;
        if (this.#events.counted >= this.#maxPending) {
          this.#takeBackUnread();
          this.#lost();
          return;
        }
        for (const change of this.#table.apply(described)) this.#events.push({ event: change.event, change, counted: true });
        return;
      }
    }
  }

  /** Replay mode: forgets the events nobody read, rolling the table back to what the consumer has seen. */
  #takeBackUnread(): void {
    this.#table.undo(this.#events.takeBackUnread());
  }

  // ---- replay

  /** Dumps every subscribed kind and yields the reconciled state (the rule: the top of lib/monitor/monitor.ts). */
  async #sync(resync: boolean): Promise<void> {
    const connection = this.#connection!;
    for (let attempt = 1; ; attempt++) {
      this.#phase = 'syncing';
      this.#buffer = [];
      this.#streamStart.clear();
      this.#lostWhileSyncing = false;
      const dumped: NetlinkMessage[] = [];
      let failure: unknown;
      try {
        for (const { stream, request, operation } of this.#streams) {
          this.#currentStream = stream;
          const replies = await connection.dump(request(), { operation, timeoutMs: this.#timeoutMs });
          if (this.#lostWhileSyncing) break;
          for (const m of replies) dumped.push(m);
        }
      } catch (error) {
        failure = error;
      }
      this.#currentStream = undefined;
      if (this.#closed) return;
      const code = (failure as { code?: string } | undefined)?.code;
      const lost = this.#lostWhileSyncing || failure instanceof NetlinkOverrunError || code === 'ENOBUFS' || code === 'EBUSY';
      if (failure !== undefined && !lost) {
        this.#fail(failure);
        return;
      }
      if (!lost) {
        const notifications = resync ? this.#buffer.filter((m, i) => this.#counts(m, i)) : this.#buffer;
        const fresh = reconcile(dumped, notifications);
        this.#buffer = [];
        this.#phase = 'following';
        for (const change of this.#table.diff(fresh.entries)) this.#events.push({ event: change.event, change, counted: false });
        this.#events.push({ event: { kind: 'synced' }, counted: false });
        this.#log.debug({ objects: this.#table.size, resync }, 'monitor synced');
        return;
      }
      if (attempt >= MAX_SYNC_ATTEMPTS) {
        this.#fail(new MonitorSyncError(`could not read the state without losing events after ${attempt} attempts${failure ? `: ${(failure as Error).message}` : ''}`, { cause: failure }));
        return;
      }
      this.#log.debug({ attempt }, 'monitor: events lost while syncing, starting over');
      // Notifications kept before the loss may be followed by lost ones: rule 3 from now on.
      resync = true;
      // (A dump the loss cut short is read to its end by the connection before the next starts.)
      await new Promise((resolve) => setTimeout(resolve, syncBackoffMs(attempt)));
      if (this.#closed) return;
    }
  }

  /** Rule 3: a notification counts if it arrived after the dump of its kind began. */
  #counts(message: NetlinkMessage, index: number): boolean {
    const stream = describeMessage(message)?.entry.stream;
    if (stream === undefined) return false;
    const start = this.#streamStart.get(stream);
    return start !== undefined && index >= start;
  }
}

import type { Logger } from 'pino';
import { NLMSG_MIN_TYPE, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_ECHO, NLM_F_REQUEST, RTM_DELLINK, RTM_NEWLINK, messageTypeName } from '../messages/constants.js';
import { decodeMessages, writeMessage, type NetlinkMessage } from '../messages/message.js';
import { Writer } from '../messages/writer.js';
import { ConnectionClosedError, DumpInterruptedError, NetlinkOverrunError, RequestTimeoutError } from './errors.js';
import { Protocol, type Completion, type Outcome } from './protocol.js';
import { SILENT_LOGGER } from './silent-logger.js';
import { summarize } from './summary.js';
import type { SendOptions, Transport } from './transport.js';

export interface ConnectionOptions {
  /** A pino logger; frames are logged at trace level. Silent by default. */
  logger?: Logger;
  /** Default time to wait for an answer, in ms (0: forever). */
  timeoutMs?: number;
  /** How often an interrupted dump (NLM_F_DUMP_INTR) is restarted before DumpInterruptedError. */
  dumpRetries?: number;
  /**
   * Bytes of answers allowed in flight: requests beyond it wait, so that the kernel's ACKs never
   * overflow the socket's receive buffer (default 212992 bytes, the kernel's default rmem).
   */
  receiveBufferBytes?: number;
  /** Appended to operations in errors, e.g. "in netns containerns". */
  context?: string;
  /**
   * How messages are framed, for netlink families other than rtnetlink (e.g. nfnetlink, whose
   * types overlap rtnetlink's). Their messages must use the 'error' and 'done' kinds and bodies
   * of messages/message.ts for NLMSG_ERROR and NLMSG_DONE. Default: rtnetlink.
   */
  codec?: MessageCodec;
}

/** The message framing a Connection speaks. */
export interface MessageCodec {
  decode(datagram: Uint8Array): NetlinkMessage[];
  write(w: Writer, message: NetlinkMessage): void;
  /** Kernel name of a message type, for errors and logs. */
  typeName(type: number): string;
  /** Whether request() of this type waits for a reply (a GET) rather than an ACK. */
  isGet(type: number): boolean;
  /** Whether the kernel takes long over such a request (see SendOptions.slow in transport.ts). */
  isSlow?(type: number, flags: number): boolean;
}

const RTNETLINK: MessageCodec = { decode: decodeMessages, write: writeMessage, typeName: messageTypeName, isGet, isSlow };
const SLOW: SendOptions = { slow: true };

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The operation in words for errors; defaults to the message type's name. */
  operation?: string;
  /**
   * Hand on the reply messages undecoded, for callers that read only part of them: each comes as
   * an 'unknown' message whose body is the whole frame, nlmsghdr included. ACKs, errors and
   * NLMSG_DONE are decoded as usual.
   */
  undecodedReplies?: boolean;
}

export interface DumpOptions extends RequestOptions {
  dumpRetries?: number;
}

export type BatchResult = { ok: true; messages: NetlinkMessage[] } | { ok: false; error: Error };

interface Outgoing {
  seq: number;
  bytes: Uint8Array;
  cost: number;
  state: 'queued' | 'sent' | 'settled';
  /** performance.now() after which the request fails with RequestTimeoutError. */
  deadline: number;
  timeoutMs: number;
  operation: string;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** A change whose success may be vouched for by a later ACK in the same datagram (see transmit). */
  coverable: boolean;
  /** The kernel takes long over it: its datagram is sent from a worker thread (MessageCodec.isSlow). */
  slow: boolean;
}

/**
 * The requests of one timeout length, in the order they were made: their deadlines only grow, so
 * the earliest is always at the head. Settled entries are dropped lazily.
 */
interface DeadlineQueue {
  items: Outgoing[];
  head: number;
}

const NO_BYTES = new Uint8Array(0);

const MAX_DATAGRAM = 64 * 1024;
/** Settles the BEGIN/END entries of a transaction that the kernel had no error for. */
const TRANSACTION_SETTLED = new Error('transaction settled');
// The kernel charges the receive buffer by skb truesize, not by bytes: an ACK of 36 bytes costs
// 832 bytes of rmem on Linux 6.18 (measured with /proc/net/netlink); an error reply echoes the
// request and carries an extended ACK, hence the headroom. (36 + 160 let 300 pipelined ACKs overflow.)
const ACK_COST = 1024;
const REPLY_COST = 8 * 1024;
const DUMP_COST = 64 * 1024;
/**
 * Queued requests are sent once the answers in flight fall to this share of the budget (measured:
 * refilling at 25%, 50%, 75% or 90% made no difference beyond noise in W1 batched or W3; half keeps
 * many requests per datagram).
 */
const REFILL_AT = 0.5;

const messagesOf = (outcome: Outcome): NetlinkMessage[] => outcome.messages;

/**
 * A request/reply channel over one netlink socket: many requests in flight, dumps one at a time
 * (the kernel answers a second concurrent dump on a socket with EBUSY), timeouts and aborts,
 * and flow control so that answers never overflow the receive buffer.
 */
export class Connection {
  private readonly protocol: Protocol;
  private readonly log: Logger;
  /** Requests not yet sent, in order; settled ones are skipped lazily. */
  private queue: Outgoing[] = [];
  private queueHead = 0;
  private readonly outgoing = new Map<number, Outgoing>();
  private inFlightCost = 0;
  private flushScheduled = false;
  private dumpTail: Promise<unknown> = Promise.resolve();
  private dumpsUnderway = 0;
  private closedReason: string | undefined;
  private readonly budget: number;
  private readonly unsolicitedListeners = new Set<(m: NetlinkMessage) => void>();
  /** Requests made with RequestOptions.undecodedReplies. */
  private readonly undecoded = new Set<number>();
  private readonly codec: MessageCodec;
  /** Each request is encoded here first, then copied out at its exact size. */
  private readonly scratch = new Writer(512);
  /**
   * One timer for every request's timeout (instead of a setTimeout/clearTimeout pair per request):
   * it is armed for the earliest deadline and, when it fires, fails what is due and re-arms.
   */
  private readonly deadlines = new Map<number, DeadlineQueue>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly transport: Transport,
    private readonly options: ConnectionOptions = {},
  ) {
    this.log = options.logger ?? SILENT_LOGGER;
    this.codec = options.codec ?? RTNETLINK;
    this.budget = Math.max(4096, Math.floor((options.receiveBufferBytes ?? 212992) * 0.6));
    this.protocol = new Protocol((m) => this.unsolicited(m), 1, (seq) => this.release(seq));
    transport.onDatagram((d) => this.received(d));
    transport.onError((e) => this.socketError(e));
    transport.unref();
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Messages no request waits for: multicast notifications. */
  onUnsolicited(listener: (m: NetlinkMessage) => void): () => void {
    this.unsolicitedListeners.add(listener);
    return () => this.unsolicitedListeners.delete(listener);
  }

  /**
   * Sends one request. A change (NEW/DEL/SET) resolves on the kernel's ACK with any echoed messages;
   * a GET for one object resolves with its reply. NLM_F_REQUEST (and NLM_F_ACK for changes) are set here.
   */
  request(message: NetlinkMessage, options: RequestOptions = {}): Promise<NetlinkMessage[]> {
    try {
      const get = this.codec.isGet(message.type);
      if (message.flags & NLM_F_DUMP && get) return this.dump(message, options);
      const completion: Completion = get ? 'reply' : 'ack';
      const flags = message.flags | NLM_F_REQUEST | (completion === 'ack' ? NLM_F_ACK : 0);
      return this.send(message, flags, completion, options).then(messagesOf);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs a dump to its end and returns every message, restarting it if the kernel flags it interrupted. */
  dump(message: NetlinkMessage, options: DumpOptions = {}): Promise<NetlinkMessage[]> {
    const run = async (): Promise<NetlinkMessage[]> => {
      const retries = options.dumpRetries ?? this.options.dumpRetries ?? 3;
      let last: Outcome | undefined;
      for (let attempt = 1; attempt <= retries + 1; attempt++) {
        last = await this.send(message, message.flags | NLM_F_REQUEST | NLM_F_DUMP, 'dump', options);
        if (!last.interrupted) return last.messages;
        this.log.debug({ attempt }, 'dump interrupted, restarting');
      }
      throw new DumpInterruptedError(this.operation(message, options), retries + 1, last?.messages ?? []);
    };
    // Started at once when no other dump is under way, so that it can share a datagram with the
    // requests made in the same tick (e.g. nftables' generation read just before a dump).
    const result = this.dumpsUnderway === 0 ? run() : this.dumpTail.then(run, run);
    this.dumpsUnderway++;
    const settled = (): void => {
      this.dumpsUnderway--;
    };
    this.dumpTail = result.then(settled, settled);
    return result;
  }

  /**
   * Sends many changes packed into as few datagrams as flow control allows, and reports each
   * request's own outcome (one failure does not stop the others: the kernel handles each message).
   */
  batch(messages: readonly NetlinkMessage[], options: RequestOptions = {}): Promise<BatchResult[]> {
    return Promise.all(
      messages.map((m) =>
        this.request(m, options).then(
          (replies): BatchResult => ({ ok: true, messages: replies }),
          (error: Error): BatchResult => ({ ok: false, error }),
        ),
      ),
    );
  }

  /**
   * Sends `messages` in ONE datagram (one sendmsg), as an nfnetlink batch must be: BATCH_BEGIN, the
   * changes, BATCH_END. Each message gets its own sequence number and keeps its flags (nothing is
   * added). Messages with NLM_F_ACK settle on their ACK or error; the others (BEGIN, END) are
   * answered only when something fails: an error for one of them that arrives before the last ACK
   * is its result, and fails every message still waiting (the kernel may then answer nothing else).
   * One result per message, in order.
   */
  async transaction(messages: readonly NetlinkMessage[], options: RequestOptions = {}): Promise<BatchResult[]> {
    if (messages.length === 0) return [];
    const first = this.operation(messages[0]!, options);
    if (this.closedReason !== undefined) throw new ConnectionClosedError(first, this.closedReason);
    if (options.signal?.aborted) throw options.signal.reason ?? new Error(`${first}: aborted`);
    const w = new Writer(256 * messages.length);
    const parts = messages.map((message) => {
      const seq = this.protocol.allocateSeq();
      const start = w.length;
      this.codec.write(w, { ...message, seq });
      w.align();
      return { message, seq, bytes: w.since(start).slice() };
    });
    const datagram = w.finish();
    const unacked = new Set<number>();
    const outcomes = parts.map(({ message, seq, bytes }) => {
      const acked = (message.flags & NLM_F_ACK) !== 0;
      if (!acked) unacked.add(seq);
      return this.track(seq, bytes, 'ack', this.operation(message, options), options, false).then(
        (outcome): BatchResult => ({ ok: true, messages: outcome.messages }),
        (error: Error): BatchResult => {
          if (!acked && error !== TRANSACTION_SETTLED) {
            for (const p of parts) if (p.seq !== seq) this.protocol.fail(p.seq, error);
          }
          return error === TRANSACTION_SETTLED ? { ok: true, messages: [] } : { ok: false, error };
        },
      );
    });
    if (this.log.isLevelEnabled('trace')) {
      for (const m of this.codec.decode(datagram)) this.log.trace(`send ${summarize(m)}`);
    }
    this.transport.send(datagram).catch((error: Error) => {
      for (const p of parts) this.protocol.fail(p.seq, error);
    });
    await Promise.all(outcomes.filter((_, i) => !unacked.has(parts[i]!.seq)));
    // Errors are delivered in order, so any for BEGIN/END came before the last ACK: done waiting.
    for (const seq of unacked) this.protocol.fail(seq, TRANSACTION_SETTLED);
    return Promise.all(outcomes);
  }

  /** Rejects everything pending and closes the socket. Idempotent. */
  close(reason = 'the connection was closed'): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.protocol.failAll((operation) => new ConnectionClosedError(operation, reason));
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.deadlines.clear();
    this.transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  private operation(message: NetlinkMessage, options: RequestOptions): string {
    const base = options.operation ?? this.codec.typeName(message.type);
    return this.options.context ? `${base} ${this.options.context}` : base;
  }

  /** Encodes `message` with `flags` and a fresh sequence number, and queues it. */
  private send(message: NetlinkMessage, flags: number, completion: Completion, options: RequestOptions): Promise<Outcome> {
    const operation = this.operation(message, options);
    if (this.closedReason !== undefined) return Promise.reject(new ConnectionClosedError(operation, this.closedReason));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason ?? new Error(`${operation}: aborted`));
    const seq = this.protocol.allocateSeq();
    if (options.undecodedReplies) this.undecoded.add(seq);
    return this.track(seq, this.encode(message, flags, seq), completion, operation, options, true);
  }

  /**
   * The bytes of `message` sent with `flags` and `seq`. For rtnetlink the message is encoded as it
   * is and the two header fields are then written over (nlmsg_flags at byte 6, nlmsg_seq at byte 8),
   * which spares a copy of the message object per request; anything the header check could refuse
   * (or a body whose encoding reads the flags: NLMSG_ERROR, NLMSG_DONE) takes the general path.
   */
  private encode(message: NetlinkMessage, flags: number, seq: number): Uint8Array {
    const w = this.scratch;
    w.reset();
    const kind = message.kind;
    if (
      this.codec === RTNETLINK &&
      kind !== 'error' &&
      kind !== 'done' &&
      (message.flags & 0xffff) === message.flags &&
      (message.seq >>> 0) === message.seq &&
      (flags & 0xffff) === flags
    ) {
      writeMessage(w, message);
      w.setU16(6, flags);
      w.setU32(8, seq);
    } else {
      this.codec.write(w, { ...message, flags, seq });
    }
    return w.finish();
  }

  /** Registers a request with the protocol, flow control, its timeout and abort signal. */
  private track(seq: number, bytes: Uint8Array, completion: Completion, operation: string, options: RequestOptions, queue: boolean): Promise<Outcome> {
    const cost = completion === 'dump' ? DUMP_COST : completion === 'reply' ? REPLY_COST : ACK_COST + bytes.length;
    const promise = this.protocol.track(seq, completion, operation);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const signal = options.signal;
    const entry: Outgoing = {
      seq,
      bytes,
      cost,
      state: queue ? 'queued' : 'sent',
      deadline: timeoutMs > 0 ? performance.now() + timeoutMs : Infinity,
      timeoutMs,
      operation,
      signal,
      onAbort: undefined,
      coverable: queue && completion === 'ack' && ((bytes[6]! | (bytes[7]! << 8)) & (NLM_F_ACK | NLM_F_ECHO)) === NLM_F_ACK,
      slow: this.codec.isSlow?.(bytes[4]! | (bytes[5]! << 8), bytes[6]! | (bytes[7]! << 8)) ?? false,
    };
    this.outgoing.set(seq, entry);
    if (queue) {
      this.queue.push(entry);
      this.scheduleFlush();
    } else {
      this.inFlightCost += cost;
    }
    // Hold the event loop only while something is pending: ref on the first, unref after the last.
    if (this.protocol.pendingCount === 1) this.transport.ref();
    if (timeoutMs > 0) this.addDeadline(entry);
    if (signal) {
      const onAbort = () => this.protocol.fail(seq, signal.reason ?? new Error(`${operation}: aborted`));
      entry.onAbort = onAbort;
      signal.addEventListener('abort', onAbort, { once: true });
    }
    return promise;
  }

  /** Called by the protocol, synchronously, when request `seq` leaves the pending set. */
  private release(seq: number): void {
    const entry = this.outgoing.get(seq);
    if (!entry) return;
    this.outgoing.delete(seq);
    this.undecoded.delete(seq);
    if (entry.state === 'sent') this.inFlightCost -= entry.cost;
    entry.state = 'settled';
    entry.bytes = NO_BYTES;
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    if (this.protocol.pendingCount === 0) {
      this.transport.unref();
      // Nothing can time out any more: forget the settled entries (the timer, unref'd, may fire
      // once more and find nothing to do).
      for (const q of this.deadlines.values()) {
        q.items = [];
        q.head = 0;
      }
    }
    // Refill only below REFILL_AT of the budget, so queued requests go out many per datagram rather
    // than one sendmsg per ACK received (that degenerated batches to one request per datagram).
    if (this.queueHead < this.queue.length && this.inFlightCost <= this.budget * REFILL_AT) this.scheduleFlush();
  }

  private addDeadline(entry: Outgoing): void {
    let q = this.deadlines.get(entry.timeoutMs);
    if (!q) {
      q = { items: [], head: 0 };
      this.deadlines.set(entry.timeoutMs, q);
    }
    // Drop settled entries at the head (requests mostly settle in order), compacting now and then.
    while (q.head < q.items.length && q.items[q.head]!.state === 'settled') q.head++;
    if (q.head === q.items.length) {
      q.items = [];
      q.head = 0;
    } else if (q.head >= 1024 && q.head * 2 >= q.items.length) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
    q.items.push(entry);
    if (entry.deadline < this.timerAt) this.armTimer(entry.deadline);
  }

  private armTimer(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(1, Math.ceil(at - performance.now())));
    this.timer.unref();
  }

  /** Fails every request whose deadline has passed (never one before it), and re-arms the timer. */
  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [timeoutMs, q] of this.deadlines) {
      while (q.head < q.items.length) {
        const e = q.items[q.head]!;
        if (e.state !== 'settled') {
          if (e.deadline > now) break;
          this.protocol.fail(e.seq, new RequestTimeoutError(e.operation, e.timeoutMs));
        }
        q.head++;
      }
      if (q.head >= q.items.length) {
        this.deadlines.delete(timeoutMs);
      } else {
        next = Math.min(next, q.items[q.head]!.deadline);
      }
    }
    if (next < Infinity && this.closedReason === undefined) this.armTimer(next);
  }

  private nextQueued(): Outgoing | undefined {
    while (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead]!;
      if (next.state === 'queued') return next;
      this.queueHead++;
    }
    this.queue = [];
    this.queueHead = 0;
    return undefined;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Packs queued requests into datagrams while their expected answers fit the budget. */
  private flush(): void {
    while (this.closedReason === undefined) {
      const parts: Outgoing[] = [];
      let size = 0;
      for (let next = this.nextQueued(); next; next = this.nextQueued()) {
        const fits = this.inFlightCost + next.cost <= this.budget || (this.inFlightCost === 0 && parts.length === 0);
        if (!fits || (parts.length > 0 && size + next.bytes.length > MAX_DATAGRAM)) break;
        this.queueHead++;
        next.state = 'sent';
        parts.push(next);
        size += next.bytes.length;
        this.inFlightCost += next.cost;
      }
      if (parts.length === 0) return;
      this.transmit(parts, size);
    }
  }

  /**
   * Sends `parts` as one datagram. Of the plain changes in it, only the last asks for an ACK: the
   * kernel answers every failure anyway, in order, so that one ACK settles the others (one answer
   * datagram per sendmsg instead of one per request).
   */
  private transmit(parts: Outgoing[], size: number): void {
    let datagram: Uint8Array;
    if (parts.length === 1) {
      datagram = parts[0]!.bytes;
    } else {
      datagram = new Uint8Array(size);
      let anchor = -1;
      for (let i = parts.length - 1; i >= 0; i--) {
        if (parts[i]!.coverable) {
          anchor = i;
          break;
        }
      }
      const covered: number[] = [];
      let at = 0;
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        datagram.set(p.bytes, at);
        if (p.coverable && i < anchor) {
          datagram[at + 6] = datagram[at + 6]! & ~NLM_F_ACK;
          covered.push(p.seq);
        }
        at += p.bytes.length;
      }
      if (anchor >= 0) this.protocol.coverBy(parts[anchor]!.seq, covered);
    }
    if (this.log.isLevelEnabled('trace')) {
      for (const m of this.codec.decode(datagram)) this.log.trace(`send ${summarize(m)}`);
    }
    this.transport.send(datagram, parts.some((p) => p.slow) ? SLOW : undefined).catch((error: Error) => {
      for (const p of parts) this.protocol.fail(p.seq, error);
    });
  }

  /** Dispatches a datagram's messages; false once nothing more is expected (see Transport.onDatagram). */
  private received(datagram: Uint8Array): boolean {
    let messages: NetlinkMessage[];
    try {
      messages = this.undecoded.size > 0 ? this.decodeSome(datagram) : this.codec.decode(datagram);
    } catch (error) {
      this.log.error({ err: error }, 'undecodable datagram from the kernel');
      this.close(`undecodable datagram from the kernel: ${(error as Error).message}`);
      return false;
    }
    const trace = this.log.isLevelEnabled('trace');
    for (const m of messages) {
      if (trace) this.log.trace(`recv ${summarize(m)}`);
      this.protocol.dispatch(m);
    }
    return this.protocol.pendingCount > 0 || this.unsolicitedListeners.size > 0;
  }

  /**
   * Decodes the datagram, except the replies of requests made with undecodedReplies, which are
   * passed on as frames. Frame lengths are checked here; the rest of each frame by the codec.
   */
  private decodeSome(datagram: Uint8Array): NetlinkMessage[] {
    const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    const out: NetlinkMessage[] = [];
    for (let off = 0; off < datagram.length; ) {
      const len = datagram.length - off >= 16 ? view.getUint32(off, true) : 0;
      // Malformed framing: the codec reports it, with the offset.
      if (len < 16 || len > datagram.length - off) return this.codec.decode(datagram);
      const type = view.getUint16(off + 4, true);
      const seq = view.getUint32(off + 8, true);
      if (this.undecoded.has(seq) && type >= NLMSG_MIN_TYPE) {
        const frame = datagram.slice(off, off + len);
        out.push({ kind: 'unknown', type, flags: view.getUint16(off + 6, true), seq, pid: view.getUint32(off + 12, true), body: frame });
      } else {
        out.push(...this.codec.decode(datagram.subarray(off, off + len)));
      }
      off += (len + 3) & ~3;
    }
    return out;
  }

  private unsolicited(message: NetlinkMessage): void {
    if (this.unsolicitedListeners.size === 0) {
      this.log.debug(`ignored ${summarize(message)}`);
      return;
    }
    for (const listener of this.unsolicitedListeners) listener(message);
  }

  private socketError(error: Error & { code?: string }): void {
    if (error.code === 'ENOBUFS') {
      this.log.warn('receive buffer overrun (ENOBUFS)');
      this.protocol.failAll((operation) => new NetlinkOverrunError(operation));
      return;
    }
    this.close(`socket error: ${error.message}`);
  }
}

/** RTM_GET* types are 2 modulo 4 (RTM_GETLINK 18, RTM_GETADDR 22, ..., RTM_GETNSID 90). */
function isGet(type: number): boolean {
  return type >= 16 && (type & 3) === 2;
}

/**
 * Creating a device (a veth pair: 1-2 ms of the kernel's time, most of it registering both ends in
 * sysfs and sysctl) or deleting one (which waits for RCU). Setting or reading links, addresses and
 * routes takes microseconds: a worker thread would only add its hand-off.
 */
function isSlow(type: number, flags: number): boolean {
  return (type === RTM_NEWLINK && (flags & NLM_F_CREATE) !== 0) || type === RTM_DELLINK;
}

import type { Logger } from './log.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_ECHO, NLM_F_REQUEST } from '../messages/constants.js';
import { setWrittenFrameHeader, writtenFrameFlags, writtenFrameType } from '../messages/framing.js';
import type { MessageHeader, NetlinkMessage } from '../messages/message.js';
import { Writer } from '../messages/writer.js';
import { CHANGE_ANSWER, DUMP_ANSWERS, OBJECT_REPLY, answerBudget } from './answer-cost.js';
import { Deadlines } from './deadlines.js';
import { DumpLine } from './dump-line.js';
import { NOT_SENT, SENT_NOW, SendQueue } from './send-queue.js';
import { ConnectionClosedError, DumpInterruptedError, NetlinkOverrunError, RequestTimeoutError, rethrowAtCaller } from './errors.js';
import {
  ABANDONED, BatchOutcome, PendingRequest, QUEUED, RESOLVE_REPLIES, RESOLVE_REQUEST, RESOLVE_VOID, SENT, SETTLED, type Completion,
} from './pending-request.js';
import { RequestTable, type TableOwner } from './protocol.js';
import { RTNETLINK, type MessageCodec, type RequestWriter } from './message-codec.js';

export type { MessageCodec, RequestWriter } from './message-codec.js';
import { SILENT_LOGGER } from './log.js';
import type { SendOptions, Transport } from './transport.js';

/** A Connection's options: logging, time limits, the receive buffer and the framing. */
export interface ConnectionOptions<M extends MessageHeader = NetlinkMessage> {
  /** A pino logger; frames are logged at trace level. Silent by default. */
  logger?: Logger;
  /** Default time to wait for an answer, in ms (0: forever). */
  timeoutMs?: number;
  /** How often an interrupted dump (NLM_F_DUMP_INTR) is restarted before DumpInterruptedError. */
  dumpRetries?: number;
  /**
   * The socket's receive buffer as the kernel granted it (SO_RCVBUF, default 212992): requests wait
   * while the answers they may get would not fit (lib/answer-cost.ts), so none is ever dropped.
   */
  receiveBufferBytes?: number;
  /** Appended to operations in errors, e.g. "in netns containerns". */
  context?: string;
  /** How messages are framed, for netlink families other than rtnetlink (nfnetlink). Default: rtnetlink. */
  codec?: MessageCodec<M>;
}

/** Per-request options: time allowed, cancellation, words for errors. */
export interface RequestOptions {
  /** Time allowed for the answer, in ms (default: the connection's timeoutMs). */
  timeoutMs?: number;
  /** Aborting rejects the request (the kernel may still apply it). */
  signal?: AbortSignal;
  /** The operation in words for errors; defaults to the message type's name. */
  operation?: string;
}

/** Per-dump options. */
export interface DumpOptions extends RequestOptions {
  /** How often an interrupted dump is restarted (default: the connection's). */
  dumpRetries?: number;
}

/** One request's outcome in batch() or transaction(): its reply messages, or its error. */
export type BatchResult<M = NetlinkMessage> = { ok: true; messages: M[] } | { ok: false; error: Error };

/** How long an abandoned request's answer (an abandoned dump's rest) is waited for before it is forgotten. */
const ABANDON_LIMIT_MS = 5_000;
const SLOW: SendOptions = { slow: true };
/** The options of a call that gives none (one object for all: a default `{}` is allocated per call). */
const NO_OPTIONS: RequestOptions = Object.freeze({});
/** What a change settled within its call resolves to: one promise for all of them. */
const DONE: Promise<void> = Promise.resolve();

/**
 * A request/answer channel over one netlink socket: many requests in flight, packed into as few
 * datagrams as flow control allows; dumps one at a time (the kernel answers a second concurrent
 * dump on a socket with EBUSY, so an abandoned dump is read to its end before the next starts);
 * timeouts and aborts; and flow control so that answers never overflow the receive buffer.
 */
export class Connection<M extends MessageHeader = NetlinkMessage> {
  readonly #transport: Transport;
  readonly #log: Logger;
  readonly #codec: MessageCodec<M>;
  readonly #context: string;
  readonly #timeoutMs: number;
  readonly #dumpRetries: number;
  readonly #table: RequestTable<M>;
  readonly #deadlines: Deadlines<PendingRequest<M>>;
  readonly #queue: SendQueue<M>;
  readonly #dumps = new DumpLine();
  #closedReason: string | undefined;
  readonly #listeners = new Set<(message: M) => void>();
  /** The transport reads answers within its send: a lone request settles within the call that made it. */
  readonly #direct: boolean;
  /** A request settled within its call, kept for the next one (see PendingRequest.reuse). */
  #spare: PendingRequest<M> | undefined;

  constructor(transport: Transport, options: ConnectionOptions<M> = {}) {
    this.#transport = transport;
    this.#log = options.logger ?? SILENT_LOGGER;
    // The default codec is rtnetlink's, whose messages are NetlinkMessage (the default M).
    this.#codec = options.codec ?? (RTNETLINK as unknown as MessageCodec<M>);
    this.#context = options.context ? ` ${options.context}` : '';
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#dumpRetries = options.dumpRetries ?? 3;
    this.#direct = transport.answersWithinSend === true;
    this.#queue = new SendQueue(
      answerBudget(options.receiveBufferBytes ?? 212992),
      (datagram, slow) => this.#transmit(datagram, slow),
      (request, error) => this.#table.failUnsent(request, error),
    );
    const owner: TableOwner<M> = {
      decode: (datagram) => this.#codec.decode(datagram),
      describe: (request) => this.#describe(request),
      released: (request, costFreed) => this.#released(request, costFreed),
      get unsolicited() {
        return listeners.size > 0 ? dispatch : undefined;
      },
    };
    const listeners = this.#listeners;
    const dispatch = (message: M): void => {
      for (const listener of listeners) listener(message);
    };
    this.#table = new RequestTable(owner);
    this.#deadlines = new Deadlines((request) => this.#expire(request));
    transport.onDatagram((d) => this.#received(d));
    transport.onError((e) => this.#socketError(e));
    transport.unref();
  }

  /** True once close() ran, or the socket failed. */
  get closed(): boolean {
    return this.#closedReason !== undefined;
  }

  /** Whether a message with this sequence number is an answer to one of our requests (sent or abandoned). */
  expects(seq: number): boolean {
    return this.#table.expects(seq);
  }

  /** Messages no request waits for: multicast notifications. */
  onUnsolicited(listener: (message: M) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Sends one request. A change (NEW/DEL/SET) resolves on the kernel's ACK with any echoed messages;
   * a GET for one object resolves with its reply. NLM_F_REQUEST (and NLM_F_ACK for changes) are set here.
   */
  request(message: M, options: RequestOptions = NO_OPTIONS): Promise<M[]> {
    try {
      const get = this.#codec.isGet(message.type);
      if (message.flags & NLM_F_DUMP && get) return this.dump(message, options);
      return this.#enqueueMessage(message, get ? 'reply' : 'ack', options, RESOLVE_REPLIES, false);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like request(), the replies as frames (copies, nlmsghdr included) for callers that decode them later. */
  requestFrames(message: M, options: RequestOptions = NO_OPTIONS): Promise<Uint8Array[]> {
    try {
      return this.#enqueueMessage(message, this.#codec.isGet(message.type) ? 'reply' : 'ack', options, RESOLVE_REPLIES, true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A change written by `writer` (see RequestWriter); resolves once the kernel has applied it. */
  change<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions = NO_OPTIONS): Promise<void> {
    let request: PendingRequest<M>;
    try {
      this.#checkOpen(writer.operation, options);
      const start = this.#write(writer, subject);
      request = this.#newRequest('ack', options.operation ?? writer.operation, options.operation === undefined ? writer : undefined, subject);
      this.#enter(request, start, NLM_F_ACK, RESOLVE_VOID);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#dispatch(request, options);
  }

  /** Runs a dump to its end and returns every message, restarting it if the kernel flags it interrupted. */
  dump(message: M, options: DumpOptions = {}): Promise<M[]> {
    return this.#dump(message, options, false) as Promise<M[]>;
  }

  /** Like dump(), the messages as frames (copies, nlmsghdr included). */
  dumpFrames(message: M, options: DumpOptions = {}): Promise<Uint8Array[]> {
    return this.#dump(message, options, true) as Promise<Uint8Array[]>;
  }

  /**
   * Sends many changes packed into as few datagrams as flow control allows, and reports each
   * request's own outcome (one failure does not stop the others: the kernel handles each message).
   */
  batch(messages: readonly M[], options: RequestOptions = NO_OPTIONS): Promise<Array<BatchResult<M>>> {
    this.#queue.hold();
    try {
      return Promise.all(
        messages.map((m) =>
          this.request(m, options).then(
            (replies): BatchResult<M> => ({ ok: true, messages: replies }),
            (error: Error): BatchResult<M> => ({ ok: false, error }),
          ),
        ),
      );
    } finally {
      this.#queue.unhold();
    }
  }

  /**
   * Many changes packed into as few datagrams as flow control allows, each `subjects[i]` written by
   * `writers` (one for all, or one per subject). Resolves with one entry per change, in order:
   * undefined where it was applied, else its error (a subject that fails its checks gets its
   * InvalidArgumentError and is not sent; the others are). One promise for the whole batch.
   */
  changes<T>(writers: RequestWriter<T> | ReadonlyArray<RequestWriter<T>>, subjects: readonly T[], options: RequestOptions = NO_OPTIONS): Promise<Array<Error | undefined>> {
    const batch = new BatchOutcome(subjects.length);
    const one = Array.isArray(writers) ? undefined : (writers as RequestWriter<T>);
    for (let i = 0; i < subjects.length; i++) {
      const writer = one ?? (writers as ReadonlyArray<RequestWriter<T>>)[i]!;
      const subject = subjects[i]!;
      try {
        this.#checkOpen(writer.operation, options);
        const start = this.#write(writer, subject);
        const request = new PendingRequest<M>('ack', options.operation ?? writer.operation, options.operation === undefined ? writer : undefined, subject);
        this.#table.addToBatch(request, this.#prepare(request, start, NLM_F_ACK, RESOLVE_VOID), batch, i);
        this.#entered();
        this.#watch(request, options);
        this.#queue.push(request);
      } catch (error) {
        batch.settle(i, error as Error);
      }
    }
    return batch.promise;
  }

  /**
   * Sends `messages` in ONE datagram (one sendmsg), as an nfnetlink batch must be: BATCH_BEGIN, the
   * changes, BATCH_END. Each message gets its own sequence number and keeps its flags (nothing is
   * added). Messages with NLM_F_ACK settle on their ACK or error; the others (BEGIN, END) are
   * answered only when something fails: an error for one of them fails every message still waiting
   * (the kernel answers nothing else). One result per message, in order.
   */
  async transaction(messages: readonly M[], options: RequestOptions = NO_OPTIONS): Promise<Array<BatchResult<M>>> {
    if (messages.length === 0) return [];
    this.#checkOpen(this.#codec.typeName(messages[0]!.type), options);
    const w = new Writer(256 * messages.length);
    const group: Array<PendingRequest<M>> = [];
    const outcomes: Array<Promise<M[]>> = [];
    for (const message of messages) {
      const start = w.length;
      this.#codec.write(w, { ...message, seq: 0 });
      w.align();
      const request = new PendingRequest<M>('ack', options.operation ?? this.#codec.typeName(message.type), undefined, undefined);
      request.flags = writtenFrameFlags(w, start);
      request.quiet = (request.flags & NLM_F_ACK) === 0;
      request.group = group;
      request.resolveWith = RESOLVE_REPLIES;
      request.cost = CHANGE_ANSWER + (request.flags & NLM_F_ECHO ? OBJECT_REPLY : 0);
      const seq = this.#table.allocateSeq();
      outcomes.push(this.#table.add(request, seq));
      this.#entered();
      this.#watch(request, options);
      setWrittenFrameHeader(w, start, request.flags, seq);
      request.state = SENT;
      this.#queue.charge(request);
      group.push(request);
    }
    try {
      this.#transmit(w.since(0), false)?.catch((error: Error) => {
        for (const request of group) this.#table.failUnsent(request, error);
      });
    } catch (error) {
      for (const request of group) this.#table.failUnsent(request, error as Error);
    }
    const settled = outcomes.map((p) => p.then((replies): BatchResult<M> => ({ ok: true, messages: replies }), (error: Error): BatchResult<M> => ({ ok: false, error })));
    await Promise.all(settled.filter((_, i) => !group[i]!.quiet));
    // Answers come in order, so an error for BEGIN or END came before the last ACK: the rest succeeded.
    for (const request of group) if (request.quiet) this.#table.settleQuiet(request);
    return Promise.all(settled);
  }

  /** Rejects everything pending and closes the socket. Idempotent. */
  close(reason = 'the connection was closed'): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    this.#table.failAll((operation) => new ConnectionClosedError(operation, reason));
    this.#queue.stop();
    this.#deadlines.close();
    this.#dumps.close();
    this.#transport.close();
  }

  /** What `await using` calls: close(). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // ---- making requests

  #checkOpen(operation: string, options: RequestOptions): void {
    if (this.#closedReason !== undefined) throw new ConnectionClosedError(`${options.operation ?? operation}${this.#context}`, this.#closedReason);
    if (options.signal?.aborted) throw options.signal.reason ?? new Error(`${options.operation ?? operation}${this.#context}: aborted`);
  }

  /** Appends `writer`'s message to the send buffer; nothing of it stays there if it throws. */
  #write<T>(writer: RequestWriter<T>, subject: T): number {
    const w = this.#queue.out;
    const start = w.length;
    try {
      writer.write(w, subject);
    } catch (error) {
      w.truncate(start);
      throw error;
    }
    w.align();
    return start;
  }

  #enqueueMessage<R>(message: M, completion: Completion, options: RequestOptions, resolveWith: number, frames: boolean): Promise<R> {
    const operation = options.operation ?? this.#codec.typeName(message.type);
    this.#checkOpen(operation, options);
    const w = this.#queue.out;
    const start = w.length;
    try {
      // The sequence number is the connection's: a caller's odd value is not refused.
      this.#codec.write(w, Number.isInteger(message.seq) && message.seq >>> 0 === message.seq ? message : { ...message, seq: 0 });
    } catch (error) {
      w.truncate(start);
      throw error;
    }
    w.align();
    const request = this.#newRequest(completion, operation, undefined, undefined);
    request.frames = frames;
    this.#enter(request, start, completion === 'ack' ? NLM_F_ACK : completion === 'dump' ? NLM_F_DUMP : 0, resolveWith);
    return this.#dispatch(request, options);
  }

  /** A request object: the spare one if there is one (see PendingRequest.reuse). */
  #newRequest(completion: Completion, operation: string, describer: RequestWriter<never> | undefined, subject: unknown): PendingRequest<M> {
    const spare = this.#spare;
    if (spare === undefined) return new PendingRequest<M>(completion, operation, describer, subject);
    this.#spare = undefined;
    return spare.reuse(completion, operation, describer, subject);
  }

  /** Enters a request whose message was just appended to the send buffer at `start` in the table. */
  #enter(request: PendingRequest<M>, start: number, addFlags: number, resolveWith: number): void {
    this.#table.enter(request, this.#prepare(request, start, addFlags, resolveWith));
    this.#entered();
  }

  /**
   * Sends a request just entered: at once when it is alone (settled before this returns, with a
   * transport that reads answers within its send), else through the queue. Only a request still
   * waiting gets a promise of its own, a timeout and an abort listener.
   */
  #dispatch<R>(request: PendingRequest<M>, options: RequestOptions): Promise<R> {
    const sent = this.#direct ? this.#queue.sendNow(request) : NOT_SENT;
    if (request.state === SETTLED) return this.#outcome(request, sent === SENT_NOW) as Promise<R>;
    const promise = this.#table.promise<R>(request);
    this.#watch(request, options);
    if (sent === NOT_SENT && request.state === QUEUED) this.#queue.push(request);
    // Its answer comes later: an error made then is given the stack of the caller awaiting it.
    return promise.catch(rethrowAtCaller);
  }

  /** The promise of a request settled within the call that made it (which may then reuse it). */
  #outcome(request: PendingRequest<M>, reusable: boolean): Promise<unknown> {
    const error = request.error;
    const mode = request.resolveWith;
    const value = mode === RESOLVE_VOID ? undefined : mode === RESOLVE_REPLIES ? (request.replies ?? []) : request;
    if (reusable && mode !== RESOLVE_REQUEST) this.#spare = request;
    if (error !== undefined) {
      // Made deep in the receive path: its stack starts at the public call instead.
      Error.captureStackTrace(error, this.#dispatch);
      return Promise.reject(error);
    }
    return mode === RESOLVE_VOID ? DONE : Promise.resolve(value);
  }

  /**
   * Makes the message written at `start` ready to send (its flags and a sequence number, returned)
   * and notes on `request` what flow control and the send queue need.
   */
  #prepare(request: PendingRequest<M>, start: number, addFlags: number, resolveWith: number): number {
    const w = this.#queue.out;
    const flags = writtenFrameFlags(w, start) | NLM_F_REQUEST | addFlags;
    const seq = this.#table.allocateSeq();
    setWrittenFrameHeader(w, start, flags, seq);
    request.flags = flags;
    request.start = start;
    request.end = w.length;
    request.resolveWith = resolveWith;
    const completion = request.completion;
    request.cost = completion === 'dump' ? DUMP_ANSWERS : completion === 'reply' ? OBJECT_REPLY : CHANGE_ANSWER + (flags & NLM_F_ECHO ? OBJECT_REPLY : 0);
    request.coverable = completion === 'ack' && (flags & (NLM_F_ACK | NLM_F_ECHO)) === NLM_F_ACK;
    request.slow = this.#codec.isSlow?.(writtenFrameType(w, start), flags) ?? false;
    return seq;
  }

  /** A request was entered in the table: hold the event loop while something is awaited (ref on the first, unref after the last). */
  #entered(): void {
    if (this.#table.live === 1 && this.#table.draining === 0) this.#transport.ref();
  }

  /** Gives a request entered in the table and still waiting its timeout and abort signal. */
  #watch(request: PendingRequest<M>, options: RequestOptions): void {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    if (timeoutMs > 0) {
      request.timeoutMs = timeoutMs;
      request.deadline = performance.now() + timeoutMs;
      this.#deadlines.add(request);
    }
    const signal = options.signal;
    if (signal) {
      request.signal = signal;
      request.onAbort = () => this.#table.fail(request, signal.reason ?? new Error(`${this.#describe(request)}: aborted`));
      signal.addEventListener('abort', request.onAbort, { once: true });
    }
  }

  #dump(message: M, options: DumpOptions, frames: boolean): Promise<Array<M | Uint8Array>> {
    const retries = options.dumpRetries ?? this.#dumpRetries;
    const operation = (): string => `${options.operation ?? this.#codec.typeName(message.type)}${this.#context}`;
    const attempt = (): Promise<PendingRequest<M>> =>
      new Promise((resolve, reject) => {
        const start = (): void => {
          let outcome: Promise<PendingRequest<M>>;
          try {
            outcome = this.#enqueueMessage(message, 'dump', options, RESOLVE_REQUEST, frames);
          } catch (error) {
            this.#dumps.leave();
            reject(error);
            return;
          }
          outcome.then(resolve, reject);
        };
        const signal = options.signal;
        this.#dumps.enter(start, signal, () => reject(signal?.reason ?? new Error(`${operation()}: aborted`)));
      });
    const run = async (): Promise<Array<M | Uint8Array>> => {
      let last: PendingRequest<M> | undefined;
      for (let i = 1; i <= retries + 1; i++) {
        last = await attempt();
        if (!last.interrupted) return last.replies ?? [];
        this.#log.debug({ attempt: i }, 'dump interrupted, restarting');
      }
      throw new DumpInterruptedError(operation(), retries + 1, (last?.replies ?? []) as M[]);
    };
    return run();
  }

  #describe(request: PendingRequest<M>): string {
    const describer = request.describer as { describe?(subject: unknown): string } | undefined;
    return `${describer?.describe ? describer.describe(request.subject) : request.operation}${this.#context}`;
  }

  // ---- settling

  /** Called by the table, synchronously, when a request's promise settled or an abandoned one left. */
  #released(request: PendingRequest<M>, costFreed: boolean): void {
    if (request.onAbort) {
      request.signal!.removeEventListener('abort', request.onAbort);
      request.onAbort = undefined;
    }
    if (costFreed) this.#queue.release(request);
    if (request.state === ABANDONED && !request.abandonTimed) {
      // Its answer is still read when it comes; give up on it after a while.
      request.abandonTimed = true;
      request.timeoutMs = ABANDON_LIMIT_MS;
      request.deadline = performance.now() + ABANDON_LIMIT_MS;
      this.#deadlines.add(request);
    }
    if (request.completion === 'dump' && request.state === SETTLED) this.#dumps.leave();
    if (this.#table.live === 0 && this.#table.draining === 0) this.#transport.unref();
  }

  #expire(request: PendingRequest<M>): void {
    if (request.state === ABANDONED) {
      this.#log.debug({ seq: request.seq }, 'no answer to an abandoned request: forgotten');
      this.#table.forget(request);
    } else {
      this.#table.fail(request, new RequestTimeoutError(this.#describe(request), request.timeoutMs));
    }
  }

  // ---- sending

  /** Sends one datagram (see SendQueue's `transmit`). */
  #transmit(datagram: Uint8Array, slow: boolean): Promise<void> | undefined {
    this.#trace(datagram);
    return this.#transport.send(datagram, slow ? SLOW : undefined);
  }

  #trace(datagram: Uint8Array): void {
    if (this.#log.isLevelEnabled('trace')) for (const m of this.#codec.decode(new Uint8Array(datagram))) this.#log.trace(`send ${this.#summarize(m)}`);
  }

  #summarize(m: M): string {
    return this.#codec.summarize?.(m) ?? `${this.#codec.typeName(m.type)} seq=${m.seq} flags=0x${m.flags.toString(16)}`;
  }

  // ---- receiving

  /** Reads a datagram's answers; false once nothing more is expected (see Transport.onDatagram). */
  #received(datagram: Uint8Array): boolean {
    if (this.#log.isLevelEnabled('trace')) {
      try {
        for (const m of this.#codec.decode(new Uint8Array(datagram))) this.#log.trace(`recv ${this.#summarize(m)}`);
      } catch {
        // reported below
      }
    }
    try {
      this.#table.receive(datagram);
    } catch (error) {
      this.#log.error({ err: error }, 'undecodable datagram from the kernel');
      this.close(`undecodable datagram from the kernel: ${(error as Error).message}`);
      return false;
    }
    return this.#table.live > 0 || this.#table.draining > 0 || this.#listeners.size > 0;
  }

  #socketError(error: Error & { code?: string }): void {
    if (error.code === 'ENOBUFS') {
      this.#log.warn('receive buffer overrun (ENOBUFS)');
      this.#table.failSent((operation) => new NetlinkOverrunError(operation));
      return;
    }
    this.close(`socket error: ${error.message}`);
  }
}

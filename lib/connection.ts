import type { Logger } from './log.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_ECHO } from '../messages/constants.js';
import { setWrittenFrameHeader, writtenFrameFlags } from '../messages/framing.js';
import type { MessageHeader, NetlinkMessage } from '../messages/message.js';
import { Writer } from '../messages/writer.js';
import { CHANGE_ANSWER, OBJECT_REPLY } from './answer-cost.js';
import { DumpInterruptedError } from './errors.js';
import { sendBatch } from './batch-slice.js';
import { newPendingRequest, type PendingRequest, RESOLVE_APPLIED, RESOLVE_REPLIES, RESOLVE_REQUEST, SENT } from './pending-request.js';
import { RTNETLINK, type MessageCodec, type RequestWriter } from './message-codec.js';
import { createRequestPath, NO_OPTIONS, type RequestPath } from './request-path.js';
import { monotonicMs } from './clock.js';

export type { MessageCodec, RequestWriter } from './message-codec.js';
import { SILENT_LOGGER } from './log.js';
import type { Transport } from './transport.js';

/** A Connection's options: logging, time limits, the receive buffer and the framing. */
export interface ConnectionOptions<M extends MessageHeader = NetlinkMessage> {
  /** A pino logger; frames are logged at trace level. Silent by default. */
  logger?: Logger;
  /**
   * Default time allowed for each request's answer, in ms (0: no limit; default 30000), counted
   * from when its datagram is handed to the socket: see RequestOptions.timeoutMs.
   */
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
  /**
   * Time allowed for the kernel's answer, in ms (default: the connection's timeoutMs; 0: no limit).
   * It bounds the interval from when the request's datagram is handed to the socket to when its
   * answer is read: for a change its ACK or error, for a GET its reply, for a dump its end
   * (NLMSG_DONE), so a dump's limit is on the whole dump, not on the time between its datagrams.
   * Time spent before the send is not counted: a request that flow control holds back (the answers
   * already in flight would fill the receive buffer) or a dump waiting for the one before it to end.
   * An answer the kernel had queued by the time the limit passes (the event loop was busy elsewhere)
   * is read first and counts: RequestTimeoutError means none had come; a change may still be
   * applied after it. To bound the whole call, waiting included, pass `signal:
   * AbortSignal.timeout(ms)`: a request aborted before it was sent is never sent.
   */
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

/**
 * A request/answer channel over one netlink socket: many requests in flight, packed into as few
 * datagrams as flow control allows; dumps one at a time (the kernel answers a second concurrent
 * dump on a socket with EBUSY, so an abandoned dump is read to its end before the next starts);
 * timeouts and aborts; and flow control so that answers never overflow the receive buffer.
 * What happens to each request on its way is lib/request-path.ts.
 */
export class Connection<M extends MessageHeader = NetlinkMessage> {
  private readonly _codec: MessageCodec<M>;
  /** The logger given in the options (or a silent one): the object model logs its changes there too. */
  readonly logger: Logger;
  private readonly _dumpRetries: number;
  private readonly _listeners = new Set<(message: M) => void>();
  private readonly _path: RequestPath<M>;
  /**
   * A change written by `writer` (see RequestWriter); resolves once the kernel has applied it.
   * Returns APPLIED itself (lib/request-path.ts) exactly when it was applied within this call.
   * The request path's own function (RequestPath.change), not a method that forwards to it: a
   * change awaited at a time runs in baseline code for its first thousands, where each call that
   * only forwards is a frame of its own.
   *
   * `rethrows` false (@internal, with `options` NO_OPTIONS), for a caller that rethrows a failure
   * itself: it must handle the promise's rejection with rethrowAtCaller (lib/errors.ts) in a
   * reaction it adds anyway, which gives the error the stack of the code awaiting it, as change()'s
   * own reaction would. A concurrent change then costs one promise, reaction and microtask less. A
   * failure known within the call is thrown, with the stack of this call. An argument, not a
   * method of its own: such a method only forwarded (a frame more a change), and a second
   * function made for it would cost TurboFan its specialisation on the path's closure.
   */
  readonly change: <T>(writer: RequestWriter<T>, subject: T, options?: RequestOptions, rethrows?: boolean) => Promise<void>;

  constructor(transport: Transport, options: ConnectionOptions<M> = {}) {
    // The default codec is rtnetlink's, whose messages are NetlinkMessage (the default M).
    this._codec = options.codec ?? (RTNETLINK as unknown as MessageCodec<M>);
    this.logger = options.logger ?? SILENT_LOGGER;
    this._dumpRetries = options.dumpRetries ?? 3;
    this._path = createRequestPath<M>({
      transport,
      codec: this._codec,
      log: this.logger,
      context: options.context ? ` ${options.context}` : '',
      timeoutMs: options.timeoutMs ?? 30_000,
      receiveBufferBytes: options.receiveBufferBytes ?? 212992,
      listeners: this._listeners,
    });
    this.change = this._path.change;
  }

  /** True once close() ran, or the socket failed. */
  get closed(): boolean {
    return this._path.closedReason !== undefined;
  }

  /** Whether a message with this sequence number is an answer to one of our requests (sent or abandoned). */
  expects(seq: number): boolean {
    return this._path.table.expects(seq);
  }

  /** Messages no request waits for: multicast notifications. */
  onUnsolicited(listener: (message: M) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /**
   * Sends one request. A change (NEW/DEL/SET) resolves on the kernel's ACK with any echoed messages;
   * a GET for one object resolves with its reply. NLM_F_REQUEST (and NLM_F_ACK for changes) are set here.
   */
  request(message: M, options: RequestOptions = NO_OPTIONS): Promise<M[]> {
    try {
      const get = this._codec.isGet(message.type);
      if (message.flags & NLM_F_DUMP && get) return this.dump(message, options);
      return this._path.message(message, get ? 'reply' : 'ack', options, RESOLVE_REPLIES, false);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like request(), the replies as frames (copies, nlmsghdr included) for callers that decode them later. */
  requestFrames(message: M, options: RequestOptions = NO_OPTIONS): Promise<Uint8Array[]> {
    try {
      return this._path.message(message, this._codec.isGet(message.type) ? 'reply' : 'ack', options, RESOLVE_REPLIES, true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A request written by `writer` (see RequestWriter) whose answer is wanted, as frames (copies,
   * nlmsghdr included): a GET's reply, or for a change the messages the kernel echoes (NLM_F_ECHO,
   * set by the writer) before its ACK, which settles it. `rethrows` false (@internal): for a
   * caller that awaits the promise at once and rethrows a failure itself (rethrowAtCaller), as
   * change()'s; or, with a writer that has applied(), the promise resolves with what applied()
   * makes of the subject and the replies (RequestWriter.applied), and rethrows a failure itself.
   */
  requestWritten<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions = NO_OPTIONS, rethrows = true): Promise<Uint8Array[]> {
    let request: PendingRequest<M>;
    try {
      const applied = !rethrows && writer.applied !== undefined && options.operation === undefined;
      request = this._enterWritten(writer, subject, options, applied ? RESOLVE_APPLIED : RESOLVE_REPLIES);
    } catch (error) {
      return Promise.reject(error);
    }
    return this._path.dispatch(request, options, rethrows);
  }

  /**
   * @internal Like requestWritten() (no options), for a request whose outcome its caller reads once
   * a later request of the same together() call has settled (the kernel answers in order): no
   * promise is made, its outcome stays on the request returned (see RequestPath.post), and
   * keptOutcome() gives one to a request still waiting then. Throws what the checks refuse.
   */
  requestKept<T>(writer: RequestWriter<T>, subject: T): PendingRequest<M> {
    const request = this._enterWritten(writer, subject, NO_OPTIONS, RESOLVE_REPLIES);
    this._path.post(request, NO_OPTIONS);
    return request;
  }

  /**
   * requestWritten()'s and requestKept()'s first step: checks, writes the request into the send
   * buffer and enters it in the table, its answer wanted as frames. Throws what the checks or the
   * writer refuse (nothing entered then).
   */
  private _enterWritten<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions, resolveWith: number): PendingRequest<M> {
    const path = this._path;
    // checkOpen() only where it may refuse: a call less a request.
    if (path.closedReason !== undefined || options.signal !== undefined) path.checkOpen(writer.operation, options);
    const start = path.write(writer, subject);
    // nlmsg_type read as its word's low half (host order little-endian, a frame 4-aligned), as the
    // request path's prepare() does: no call to a DataView's method in baseline code.
    const out = path.queue.out;
    const completion = this._codec.isGet((out.wordArray ?? out.words())[(start >>> 2) + 1]! & 0xffff) ? 'reply' : 'ack';
    const request = path.newRequest(completion, options.operation ?? writer.operation, options.operation === undefined ? writer : undefined, subject);
    request.frames = true;
    path.enter(request, start, completion === 'ack' ? NLM_F_ACK : 0, resolveWith);
    return request;
  }

  /**
   * @internal The outcome of a request made by requestKept() that is still waiting (QUEUED or
   * SENT), as requestWritten()'s with `rethrows` false: its caller rethrows a failure itself.
   */
  keptOutcome(request: PendingRequest<M>): Promise<Uint8Array[]> {
    return this._path.table.promise(request);
  }

  /** Runs a dump to its end and returns every message, restarting it if the kernel flags it interrupted. */
  dump(message: M, options: DumpOptions = {}): Promise<M[]> {
    return this._dump(message, options, false) as Promise<M[]>;
  }

  /**
   * @internal Like dump(), each message converted as it is read (`convert` returns what to keep, or
   * undefined for nothing; it must not throw): the messages of a long dump are not all kept until
   * its end, only what is made of them. An attempt that may be the last keeps the messages and
   * converts them at its end, so that a DumpInterruptedError's `partial` is messages as dump()'s.
   * With `convertFrame`, the attempts before that one convert frames instead (views of the
   * datagram's copy, nlmsghdr included, lengths checked; it must check the rest as decoding would,
   * and throws NetlinkDecodeError where decoding would), and nothing is decoded for them.
   */
  dumpConverted<T>(message: M, convert: (message: M) => T | undefined, options: DumpOptions = {}, convertFrame?: (frame: Uint8Array) => T | undefined): Promise<T[]> {
    return this._dump(message, options, false, convert, convertFrame) as Promise<T[]>;
  }

  /** Like dump(), the messages as frames (copies, nlmsghdr included). */
  dumpFrames(message: M, options: DumpOptions = {}): Promise<Uint8Array[]> {
    return this._dump(message, options, true) as Promise<Uint8Array[]>;
  }

  /**
   * @internal Runs `make`, whose requests are queued and sent together (one datagram when flow
   * control lets them), none alone: a change asking for its echo followed by a lookup then needs no
   * ACK (see SendQueue). What `make` returns is returned.
   */
  together<T>(make: () => T): T {
    const queue = this._path.queue;
    queue.hold();
    try {
      return make();
    } finally {
      queue.unhold();
    }
  }

  /**
   * Sends many changes packed into as few datagrams as flow control allows, and reports each
   * request's own outcome (one failure does not stop the others: the kernel handles each message).
   */
  batch(messages: readonly M[], options: RequestOptions = NO_OPTIONS): Promise<Array<BatchResult<M>>> {
    this._path.queue.hold();
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
      this._path.queue.unhold();
    }
  }

  /**
   * Many changes packed into as few datagrams as flow control allows, each `subjects[i]` written by
   * `writers` (one for all, or one per subject). Resolves with one entry per change, in order:
   * undefined where it was applied, else its error (a subject that fails its checks gets its
   * InvalidArgumentError and is not sent; the others are). One promise for the whole batch.
   */
  changes<T>(writers: RequestWriter<T> | ReadonlyArray<RequestWriter<T>>, subjects: readonly T[], options: RequestOptions = NO_OPTIONS): Promise<Array<Error | undefined>> {
    const many = Array.isArray(writers) ? (writers as ReadonlyArray<RequestWriter<T>>) : undefined;
    return sendBatch(this._path, many === undefined ? (writers as RequestWriter<T>) : undefined, many, subjects, options);
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
    const path = this._path;
    path.checkOpen(this._codec.typeName(messages[0]!.type), options);
    const w = new Writer(256 * messages.length);
    const group: Array<PendingRequest<M>> = [];
    const outcomes: Array<Promise<M[]>> = [];
    for (const message of messages) {
      const start = w.length;
      this._codec.write(w, { ...message, seq: 0 });
      w.align();
      const request = newPendingRequest<M>('ack', options.operation ?? this._codec.typeName(message.type), undefined, undefined);
      request.flags = writtenFrameFlags(w, start);
      request.quiet = (request.flags & NLM_F_ACK) === 0;
      request.group = group;
      request.resolveWith = RESOLVE_REPLIES;
      request.cost = CHANGE_ANSWER + (request.flags & NLM_F_ECHO ? OBJECT_REPLY : 0);
      const seq = path.table.allocateSeq();
      outcomes.push(path.table.add(request, seq));
      path.entered();
      path.limit(request, options);
      path.watch(request, options);
      setWrittenFrameHeader(w, start, request.flags, seq);
      request.state = SENT;
      path.queue.charge(request);
      group.push(request);
    }
    try {
      const sentAt = monotonicMs();
      path.transmit(w.since(0), false)?.catch((error: Error) => {
        for (const request of group) path.table.failUnsent(request, error);
      });
      path.queue.left(group, 0, group.length, sentAt);
    } catch (error) {
      for (const request of group) path.table.failUnsent(request, error as Error);
    }
    const settled = outcomes.map((p) => p.then((replies): BatchResult<M> => ({ ok: true, messages: replies }), (error: Error): BatchResult<M> => ({ ok: false, error })));
    await Promise.all(settled.filter((_, i) => !group[i]!.quiet));
    // Answers come in order, so an error for BEGIN or END came before the last ACK: the rest succeeded.
    for (const request of group) if (request.quiet) path.table.settleQuiet(request);
    return Promise.all(settled);
  }

  /** Rejects everything pending and closes the socket. Idempotent. */
  close(reason = 'the connection was closed'): void {
    this._path.close(reason);
  }

  /** What `await using` calls: close(). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // ---- dumps

  private _dump(message: M, options: DumpOptions, frames: boolean, convert?: (message: M) => unknown, convertFrame?: (frame: Uint8Array) => unknown): Promise<unknown[]> {
    const retries = options.dumpRetries ?? this._dumpRetries;
    const path = this._path;
    const operation = (): string => path.operation(message.type, options);
    const attempt = (lastChance: boolean): Promise<PendingRequest<M>> =>
      new Promise((resolve, reject) => {
        const start = (): void => {
          let outcome: Promise<PendingRequest<M>>;
          try {
            outcome = lastChance || convertFrame === undefined
              ? path.message(message, 'dump', options, RESOLVE_REQUEST, frames, lastChance ? undefined : convert)
              : path.message(message, 'dump', options, RESOLVE_REQUEST, true, convertFrame as (frame: unknown) => unknown);
          } catch (error) {
            path.dumps.leave();
            reject(error);
            return;
          }
          outcome.then(resolve, reject);
        };
        const signal = options.signal;
        path.dumps.enter(start, signal, () => reject(signal?.reason ?? new Error(`${operation()}: aborted`)));
      });
    const run = async (): Promise<unknown[]> => {
      let last: PendingRequest<M> | undefined;
      for (let i = 1; i <= retries + 1; i++) {
        const lastChance = i === retries + 1;
        last = await attempt(lastChance);
        if (!last.interrupted) return convert !== undefined && lastChance ? convertAll(last.replies as M[] | undefined, convert) : (last.replies ?? []);
        this.logger.debug({ attempt: i }, 'dump interrupted, restarting');
      }
      throw new DumpInterruptedError(operation(), retries + 1, (last?.replies ?? []) as M[]);
    };
    return run();
  }
}

/** What dumpConverted keeps of `messages` read whole: each converted, undefined left out. */
function convertAll<M>(messages: M[] | undefined, convert: (message: M) => unknown): unknown[] {
  const kept: unknown[] = [];
  for (const m of messages ?? []) {
    const value = convert(m);
    if (value !== undefined) kept.push(value);
  }
  return kept;
}

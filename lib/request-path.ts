/**
 * The path of one request through a Connection: written into the send buffer, entered in the
 * table, sent (at once when it is alone, else packed with others by the send queue), answered,
 * settled and released; and the reading of every datagram the socket receives.
 */
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_ECHO, NLM_F_REQUEST } from '../messages/constants.js';
import { NLMSG_FLAGS_OFFSET, NLMSG_SEQ_OFFSET, setWrittenFrameHeader, writtenFrameFlags, writtenFrameType } from '../messages/framing.js';
import type { MessageHeader } from '../messages/message.js';
import { CHANGE_ANSWER, DUMP_ANSWERS, OBJECT_REPLY, answerBudget } from './answer-cost.js';
import type { RequestOptions } from './connection.js';
import { Deadlines } from './deadlines.js';
import { DumpLine } from './dump-line.js';
import { ConnectionClosedError, NetlinkOverrunError, RequestTimeoutError, rethrowAtCaller } from './errors.js';
import { SILENT_LOGGER, type Logger } from './log.js';
import type { MessageCodec, RequestWriter } from './message-codec.js';
import { ABANDONED, newPendingRequest, type PendingRequest, renewRequest, QUEUED, RESOLVE_REPLIES, RESOLVE_REQUEST, RESOLVE_VOID, SENT, SETTLED, type Completion } from './pending-request.js';
import { RequestTable } from './protocol.js';
import { ExpiryRead } from './request-path-expiry-read.js';
import { afterTurn, NOT_SENT, QUIET, SENT_LATE, SENT_NOW, SENT_PENDING, SendQueue } from './send-queue.js';
import type { SendOptions, Transport } from './transport.js';
import { monotonicMs } from './clock.js';

/** How long an abandoned request's answer (an abandoned dump's rest) is waited for before it is forgotten. */
const ABANDON_LIMIT_MS = 5_000;
const SLOW: SendOptions = { slow: true };
/** The options of a call that gives none: one object for all (a default `{}` is allocated per call), read by none. */
export const NO_OPTIONS: RequestOptions = Object.freeze({});
/**
 * What a change applied within its call resolves to: one promise for all of them. A caller that
 * gets this very promise back (Connection.change) knows the change was applied already, and need
 * not wait for it (Link.up).
 */
export const APPLIED: Promise<void> = Promise.resolve();

/**
 * A request object for change()'s quick lane, its fixed fields set as the lane needs them: a plain
 * change's ACK completes it, sent alone without NLM_F_ACK (quiet), at the start of the send buffer.
 */
function loneRequest<M>(): PendingRequest<M> {
  const request = newPendingRequest<M>('ack', '', undefined, undefined);
  request.coverable = true;
  request.quiet = true;
  return request;
}

/** What a RequestPath is made with (a Connection's settings). */
export interface RequestPathSettings<M extends MessageHeader> {
  transport: Transport;
  codec: MessageCodec<M>;
  log: Logger;
  /** Appended to operations in errors (with its leading space), or ''. */
  context: string;
  timeoutMs: number;
  receiveBufferBytes: number;
  /** The connection's listeners for messages no request waits for. */
  listeners: ReadonlySet<(message: M) => void>;
}

/** The request path of one Connection (see the top of this file). */
export class RequestPath<M extends MessageHeader> {
  readonly table: RequestTable<M>;
  readonly queue: SendQueue<M>;
  readonly dumps = new DumpLine();
  private readonly _transport: Transport;
  private readonly _codec: MessageCodec<M>;
  private readonly _log: Logger;
  private readonly _context: string;
  private readonly _timeoutMs: number;
  private readonly _receiveBufferBytes: number;
  private readonly _listeners: ReadonlySet<(message: M) => void>;
  private readonly _deadlines: Deadlines<PendingRequest<M>>;
  /** The transport reads answers within its send: a lone request settles within the call that made it. */
  private readonly _direct: boolean;
  /** A request settled within its call, kept for the next one (see PendingRequest.reuse). */
  private _spare: PendingRequest<M> | undefined;
  /** The quick lane's request object, while no change of the lane holds it (see change). */
  private _lone: PendingRequest<M> | undefined;
  /**
   * The quick lane's change while it is being sent, not entered in the table nor charged (see
   * SendQueue.sendLone): a quiet change unanswered within its send (the usual case) never is.
   * Whatever can look for it during the send (an answer read, a socket error, the send's failure)
   * charges and enters it first (_enterLoneOut).
   */
  private _loneOut: PendingRequest<M> | undefined = undefined;
  private _closedReason: string | undefined;
  /** Reading a datagram: what a settling request sets off meanwhile (the next dump, a listener's request) is queued (Transport.onDatagram). */
  private _receiving = false;
  /** Set while the socket is read before requests are expired. */
  private _readingBeforeExpiring: ExpiryRead<M> | undefined;

  constructor(settings: RequestPathSettings<M>) {
    const { transport, codec, listeners } = settings;
    this._transport = transport;
    this._codec = codec;
    this._log = settings.log;
    this._context = settings.context;
    this._timeoutMs = settings.timeoutMs;
    this._receiveBufferBytes = settings.receiveBufferBytes;
    this._listeners = listeners;
    this._direct = transport.answersWithinSend === true;
    const silent = settings.log === SILENT_LOGGER;
    this.queue = new SendQueue(
      answerBudget(settings.receiveBufferBytes),
      // With the silent logger (the default) nothing is traced: straight to the transport, one call less a send.
      silent ? (datagram, slow, quiet) => transport.send(datagram, slow ? SLOW : quiet ? QUIET : undefined) : (datagram, slow, quiet) => this.transmit(datagram, slow, quiet),
      (request, error) => {
        this._enterLoneOut();
        this.table.failUnsent(request, error);
      },
      transport,
      (request) => this._deadlines.add(request),
      silent,
    );
    const unsolicited = (message: M): void => {
      for (const listener of listeners) listener(message);
    };
    this.table = new RequestTable<M>({
      decode: (datagram) => codec.decode(datagram),
      describe: (request) => this.describe(request),
      released: (request, costFreed) => this._released(request, costFreed),
      get unsolicited() {
        return listeners.size > 0 ? unsolicited : undefined;
      },
    });
    this._deadlines = new Deadlines(
      (request) => this._expire(request),
      (due) => this._readBeforeExpiring(due),
    );
    transport.onDatagram((d) => this._received(d));
    transport.onError((e) => this._socketError(e));
    transport.unref();
  }

  /** Why the path is closed (close() ran, or the socket failed); undefined while open. */
  get closedReason(): string | undefined {
    return this._closedReason;
  }

  /** Rejects everything pending and closes the socket. Idempotent. */
  close(reason: string): void {
    if (this._closedReason !== undefined) return;
    this._closedReason = reason;
    // Most connections close with nothing pending (a namespace deleted): no error maker, no walk.
    if (this.table.size !== 0) this.table.failAll((operation) => new ConnectionClosedError(operation, reason));
    this.queue.stop();
    this._deadlines.close();
    this.dumps.close();
    this._transport.close();
  }

  // ---- making requests

  /** Throws when no request can be made: the path is closed, or `options.signal` has aborted. */
  checkOpen(operation: string, options: RequestOptions): void {
    if (this._closedReason !== undefined) throw new ConnectionClosedError(`${options.operation ?? operation}${this._context}`, this._closedReason);
    if (options.signal?.aborted) throw options.signal.reason ?? new Error(`${options.operation ?? operation}${this._context}: aborted`);
  }

  /** Appends `writer`'s message to the send buffer and returns where it starts; nothing of it stays there if it throws. */
  write<T>(writer: Pick<RequestWriter<T>, 'write'>, subject: T): number {
    const w = this.queue.out;
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

  /** Writes a message object, enters it and sends it (see dispatch()); throws what the checks refuse. */
  message<R>(message: M, completion: Completion, options: RequestOptions, resolveWith: number, frames: boolean, convert?: (message: M) => unknown): Promise<R> {
    const operation = options.operation ?? this._codec.typeName(message.type);
    this.checkOpen(operation, options);
    // The sequence number is the connection's: a caller's odd value is not refused.
    const start = this.write(this._codec, Number.isInteger(message.seq) && message.seq >>> 0 === message.seq ? message : { ...message, seq: 0 });
    const request = this.newRequest(completion, operation, undefined, undefined);
    request.frames = frames;
    request.convert = convert;
    this.enter(request, start, completion === 'ack' ? NLM_F_ACK : completion === 'dump' ? NLM_F_DUMP : 0, resolveWith);
    return this.dispatch(request, options);
  }

  /**
   * A change (Connection.change): written by `writer`, entered and, alone on a transport that reads
   * within its send, sent, read and settled before this returns (SendQueue.sendNow), else it waits
   * (_wait). enter() and dispatch() written out: a change awaited at a time runs one function.
   *
   * The quick lane, first: a plain change (RequestWriter.plain), to be the only message in the send
   * buffer, made with nothing else awaited or queued (SendQueue.alone). What prepare(), enter(),
   * SendQueue.sendNow and the general path below do for it, written out: sent without NLM_F_ACK and
   * read within the send, so unanswered it was applied. Its request object is the lane's own
   * (_lone), whose fixed fields are set once (loneRequest): a change sets only what differs. The
   * transport is not ref'd for a send that is over when it returns, only when the send waits
   * (SENT_PENDING); a change unanswered and never looked for within its send (not entered, not
   * charged: see _loneOut) returns with nothing more to undo. A call given no options
   * (NO_OPTIONS) reads none.
   *
   * `rethrows` false: the promise of a change that waits is the table's own, its failure the
   * error as made in the receive path; the caller rethrows it from a reaction of its own
   * (rethrowAtCaller), which it adds anyway: one promise, reaction and microtask less a change.
   * A failure known before this returns (SENT_NOW) is then thrown, its stack taken here, so that
   * the caller's reaction does not take it again without the caller's own frames.
   */
  change<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions, rethrows = true): Promise<void> {
    const queue = this.queue;
    const w = queue.out;
    const start = w.length;
    const given = options === NO_OPTIONS ? undefined : options;
    if (this._closedReason !== undefined || (given !== undefined && given.signal !== undefined)) {
      try {
        this.checkOpen(writer.operation, options);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const operation = given === undefined ? undefined : given.operation;
    const table = this.table;
    let written = false;
    if (start === 0 && writer.plain === true && this._direct && !this._receiving && table.live === 0 && table.draining === 0) {
      try {
        writer.write(w, subject);
        // The plain writers write whole frames, 4-aligned already: the call only where it pads.
        if ((w.length & 3) !== 0) w.align();
      } catch (error) {
        w.truncate(0);
        return Promise.reject(error);
      }
      // The lane's request object: idle whenever no lane change waits (SENT_PENDING took it).
      let lone = this._lone;
      if (lone === undefined) this._lone = lone = loneRequest<M>();
      lone.operation = operation ?? writer.operation;
      lone.describer = operation === undefined ? writer : undefined;
      lone.subject = subject;
      const timeoutMs = given === undefined ? this._timeoutMs : (given.timeoutMs ?? this._timeoutMs);
      lone.timeoutMs = timeoutMs > 0 ? timeoutMs : 0;
      this._loneOut = lone;
      const sent = queue.sendLone(lone, table.seqs);
      // Not entered in the table (nor charged) by anything within the send (see _loneOut).
      const out = this._loneOut !== undefined;
      this._loneOut = undefined;
      if (sent === SENT_PENDING) {
        this._lone = undefined;
        if (out) {
          queue.chargeLone(lone);
          table.enter(lone, lone.seq);
        }
        this.entered();
        return this._wait(lone, options, sent, rethrows);
      }
      if (sent !== NOT_SENT) {
        // Unanswered and never looked for: applied, with nothing charged, entered or ref'd for it
        // (the lane starts with nothing live, so the transport is not ref'd: nothing to unref).
        if (out) return sent === SENT_NOW ? APPLIED : afterTurn(APPLIED);
        if (lone.state === SENT) {
          // Entered and charged within the send (see _enterLoneOut), yet unanswered: applied.
          queue.release(lone);
          table.settledAlone(lone);
          if (table.live === 0 && table.draining === 0) this._transport.unref();
          return sent === SENT_NOW ? APPLIED : afterTurn(APPLIED);
        }
        // Settled within the send: failed (its error answer read, or the send refused), entered first.
        const error = lone.error;
        lone.error = undefined;
        let failed = APPLIED;
        if (error !== undefined) {
          // Made deep in the receive path: its stack starts at the public call instead.
          Error.captureStackTrace(error, this.change);
          // A caller that rethrows (see `rethrows`) would take that stack again in its reaction: thrown.
          if (!rethrows && sent === SENT_NOW) throw error;
          failed = Promise.reject(error);
        }
        return sent === SENT_NOW ? failed : afterTurn(failed);
      }
      // Not alone after all (another change went out alone in this microtask, or more wait): the
      // change is written at the start of the buffer, and goes the way of one made so.
      written = true;
    }
    if (writer.plain === true && given === undefined && (this._receiving || !this._direct || queue.queuing())) return this._burstChange(writer, subject, start, written, rethrows);
    return this._queuedChange(writer, subject, options, operation, start, written, rethrows);
  }

  /**
   * The general path of change(), in a method of its own (see _burstChange): `written` when the
   * quick lane wrote the change at `start` already.
   */
  private _queuedChange<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions, operation: string | undefined, start: number, written: boolean, rethrows: boolean): Promise<void> {
    const table = this.table;
    const queue = this.queue;
    const w = queue.out;
    let request: PendingRequest<M>;
    try {
      if (!written) {
        writer.write(w, subject);
        w.align();
      }
      request = this.newRequest('ack', operation ?? writer.operation, operation === undefined ? writer : undefined, subject);
    } catch (error) {
      w.truncate(start);
      return Promise.reject(error);
    }
    table.enter(request, this.prepare(request, start, NLM_F_ACK, RESOLVE_VOID));
    if (table.live === 1 && table.draining === 0) this._transport.ref();
    this.limit(request, options);
    // Sent alone even after a long run of microtasks (SENT_LATE: its outcome waits for the loop to turn).
    const sent = this._direct && !this._receiving ? queue.sendNow(request, true) : NOT_SENT;
    if (sent === SENT_NOW || sent === SENT_LATE) {
      if (request.state === SENT && request.quiet) {
        // Sent without NLM_F_ACK and unanswered: applied (what _released does for it, written out).
        table.settledAlone(request);
        queue.release(request);
        if (table.live === 0 && table.draining === 0) this._transport.unref();
      }
      if (request.state === SETTLED) {
        const outcome = this._outcome(request, true, this.change, !rethrows && sent === SENT_NOW) as Promise<void>;
        return sent === SENT_NOW ? outcome : afterTurn(outcome);
      }
    }
    return this._wait(request, options, sent === SENT_LATE ? SENT_NOW : sent, rethrows);
  }

  /**
   * The burst lane (see change), in a method of its own: V8 tiers a function up by its bytecode's
   * length against the bytecode each call runs, so code after the quick lane's return, in change
   * itself, kept the quick lane in baseline code for more calls (W1's cold add +6% on Node 22).
   * `written` when the quick lane wrote the change at `start` already.
   */
  private _burstChange<T>(writer: RequestWriter<T>, subject: T, start: number, written: boolean, rethrows: boolean): Promise<void> {
    const table = this.table;
    const queue = this.queue;
    const w = queue.out;
    // The burst lane: a plain change made while the queue queues (another request went out alone
    // in this microtask, or more wait), given no options. What prepare(), enter(), limit() and
    // _wait() do for it, written out: it cannot go out now (sendNow would answer NOT_SENT), so it
    // is queued, to be sent with the others of its burst.
    let burst: PendingRequest<M>;
    try {
      if (!written) {
        writer.write(w, subject);
        w.align();
      }
      burst = newPendingRequest<M>('ack', writer.operation, writer, subject);
    } catch (error) {
      w.truncate(start);
      return Promise.reject(error);
    }
    const view = w.dataView;
    const flags = view.getUint16(start + NLMSG_FLAGS_OFFSET, true) | NLM_F_REQUEST | NLM_F_ACK;
    burst.flags = flags;
    burst.start = start;
    burst.end = w.length;
    burst.cost = CHANGE_ANSWER;
    burst.coverable = true;
    burst.timeoutMs = this._timeoutMs > 0 ? this._timeoutMs : 0;
    const seq = table.enterNew(burst);
    view.setUint16(start + NLMSG_FLAGS_OFFSET, flags, true);
    view.setUint32(start + NLMSG_SEQ_OFFSET, seq, true);
    if (table.live === 1 && table.draining === 0) this._transport.ref();
    const promise = table.promise<void>(burst);
    queue.push(burst);
    // Its answer comes later: an error made then is given the stack of the caller awaiting it (here, or by the caller: see change).
    return rethrows ? promise.catch(rethrowAtCaller) : promise;
  }

  /** A request object: the spare one if there is one (see PendingRequest.reuse). */
  newRequest(completion: Completion, operation: string, describer: RequestWriter<never> | undefined, subject: unknown): PendingRequest<M> {
    const spare = this._spare;
    if (spare === undefined) return newPendingRequest<M>(completion, operation, describer, subject);
    this._spare = undefined;
    return renewRequest(spare, completion, operation, describer, subject);
  }

  /** Enters a request whose message was just appended to the send buffer at `start` in the table. */
  enter(request: PendingRequest<M>, start: number, addFlags: number, resolveWith: number): void {
    this.table.enter(request, this.prepare(request, start, addFlags, resolveWith));
    this.entered();
  }

  /**
   * Sends a request just entered: at once when it is alone (settled before this returns, with a
   * transport that reads answers within its send), else through the queue. Only a request still
   * waiting gets a promise of its own and an abort listener, and, once sent, a deadline.
   */
  dispatch<R>(request: PendingRequest<M>, options: RequestOptions): Promise<R> {
    this.limit(request, options);
    const sent = this._direct && !this._receiving ? this.queue.sendNow(request) : NOT_SENT;
    // Sent without NLM_F_ACK and unanswered when the send returned: applied (see SendQueue.sendNow).
    if (sent === SENT_NOW && request.quiet && request.state === SENT) this.table.settleQuiet(request);
    if (request.state === SETTLED) return this._outcome(request, sent === SENT_NOW, this.dispatch, false) as Promise<R>;
    return this._wait(request, options, sent, true);
  }

  /**
   * The promise of a request not settled by the send (or not sent, `sent`), with its abort
   * listener; a request not sent is queued. `rethrows`: see change.
   */
  private _wait<R>(request: PendingRequest<M>, options: RequestOptions, sent: number, rethrows: boolean): Promise<R> {
    const promise = this.table.promise<R>(request);
    this.watch(request, options);
    if (sent === NOT_SENT && request.state === QUEUED) this.queue.push(request);
    // Its answer comes later: an error made then is given the stack of the caller awaiting it.
    return rethrows ? promise.catch(rethrowAtCaller) : promise;
  }

  /**
   * The promise of a request settled within the call that made it (which may then reuse it); an
   * error's stack starts at `top`'s caller. With `throws`, a failure is thrown instead (see change's `rethrows`).
   */
  private _outcome(request: PendingRequest<M>, reusable: boolean, top: (...args: never[]) => unknown, throws: boolean): Promise<unknown> {
    const error = request.error;
    const mode = request.resolveWith;
    if (reusable && mode !== RESOLVE_REQUEST) this._spare = request;
    if (error !== undefined) {
      // Made deep in the receive path: its stack starts at the public call instead.
      Error.captureStackTrace(error, top);
      if (throws) throw error;
      return Promise.reject(error);
    }
    return mode === RESOLVE_VOID ? APPLIED : Promise.resolve(mode === RESOLVE_REPLIES ? (request.replies ?? []) : request);
  }

  /**
   * Makes the message written at `start` ready to send (its flags and a sequence number, returned)
   * and notes on `request` what flow control and the send queue need.
   */
  prepare(request: PendingRequest<M>, start: number, addFlags: number, resolveWith: number): number {
    const w = this.queue.out;
    const flags = writtenFrameFlags(w, start) | NLM_F_REQUEST | addFlags;
    const seq = this.table.allocateSeq();
    setWrittenFrameHeader(w, start, flags, seq);
    request.flags = flags;
    request.start = start;
    request.end = w.length;
    request.resolveWith = resolveWith;
    const completion = request.completion;
    request.cost = completion === 'dump' ? DUMP_ANSWERS : completion === 'reply' ? OBJECT_REPLY : CHANGE_ANSWER + (flags & NLM_F_ECHO ? OBJECT_REPLY : 0);
    request.coverable = completion === 'ack' && (flags & (NLM_F_ACK | NLM_F_ECHO)) === NLM_F_ACK;
    const slow = this.slowness(writtenFrameType(w, start), flags);
    request.slow = slow !== false;
    request.brief = slow === 'brief';
    return seq;
  }

  /** Whether the kernel takes long over a request of this type and flags (see MessageCodec.isSlow). */
  slowness(type: number, flags: number): false | 'brief' | 'long' {
    return this._codec.isSlow?.(type, flags) ?? false;
  }

  /** A request was entered in the table: hold the event loop while something is awaited (ref on the first, unref after the last). */
  entered(): void {
    if (this.table.live === 1 && this.table.draining === 0) this._transport.ref();
  }

  /**
   * Gives a request its time limit (RequestOptions.timeoutMs), before it is sent: its clock starts
   * once its datagram is handed to the socket (SendQueue's `timed`), not while flow control holds it.
   */
  limit(request: PendingRequest<M>, options: RequestOptions): void {
    const timeoutMs = options.timeoutMs ?? this._timeoutMs;
    request.timeoutMs = timeoutMs > 0 ? timeoutMs : 0;
  }

  /** Gives a request entered in the table and still waiting its abort signal. */
  watch(request: PendingRequest<M>, options: RequestOptions): void {
    const signal = options.signal;
    if (signal) {
      request.signal = signal;
      request.onAbort = () => this.table.fail(request, signal.reason ?? new Error(`${this.describe(request)}: aborted`));
      signal.addEventListener('abort', request.onAbort, { once: true });
    }
  }

  /** The operation of `request` in words, with the connection's context. */
  describe(request: PendingRequest<M>): string {
    const describer = request.describer as { describe?(subject: unknown): string } | undefined;
    return `${describer?.describe ? describer.describe(request.subject) : request.operation}${this._context}`;
  }

  /** The operation of a message type in words, with the connection's context. */
  operation(type: number, options: RequestOptions): string {
    return `${options.operation ?? this._codec.typeName(type)}${this._context}`;
  }

  // ---- settling

  /** Called by the table, synchronously, when a request's promise settled or an abandoned one left. */
  private _released(request: PendingRequest<M>, costFreed: boolean): void {
    if (request.onAbort) {
      request.signal!.removeEventListener('abort', request.onAbort);
      request.onAbort = undefined;
    }
    if (costFreed) this.queue.release(request);
    if (request.state === ABANDONED && !request.abandonTimed) {
      // Its answer is still read when it comes; give up on it after a while.
      request.abandonTimed = true;
      request.timeoutMs = ABANDON_LIMIT_MS;
      request.deadline = monotonicMs() + ABANDON_LIMIT_MS;
      this._deadlines.add(request);
    }
    if (request.completion === 'dump' && request.state === SETTLED) this.dumps.leave();
    if (this.table.live === 0 && this.table.draining === 0) this._transport.unref();
  }

  /**
   * Reads what the kernel has already queued before the requests `due` are expired: an answer that
   * came while the event loop was held up elsewhere settles its request (bounded: see ExpiryRead).
   */
  private _readBeforeExpiring(due: ReadonlyArray<PendingRequest<M>>): void {
    if (this._transport.readQueued === undefined || this._closedReason !== undefined) return;
    this._readingBeforeExpiring = new ExpiryRead(due, this._receiveBufferBytes);
    try {
      this._transport.readQueued();
    } finally {
      this._readingBeforeExpiring = undefined;
    }
  }

  private _expire(request: PendingRequest<M>): void {
    if (request.state === ABANDONED) {
      this._log.debug({ seq: request.seq }, 'no answer to an abandoned request: forgotten');
      this.table.forget(request);
    } else {
      this.table.fail(request, new RequestTimeoutError(this.describe(request), request.timeoutMs));
    }
  }

  // ---- sending

  /** Sends one datagram (see SendQueue's `transmit`). */
  transmit(datagram: Uint8Array, slow: boolean, quiet = false): Promise<void> | undefined {
    if (this._log !== SILENT_LOGGER && this._log.isLevelEnabled('trace')) this._trace('send', datagram);
    return this._transport.send(datagram, slow ? SLOW : quiet ? QUIET : undefined);
  }

  private _trace(direction: string, datagram: Uint8Array): void {
    for (const m of this._codec.decode(new Uint8Array(datagram))) {
      this._log.trace(`${direction} ${this._codec.summarize?.(m) ?? `${this._codec.typeName(m.type)} seq=${m.seq} flags=0x${m.flags.toString(16)}`}`);
    }
  }

  // ---- receiving

  /** Charges and enters the quick lane's change being sent, if it is not yet (see _loneOut): something within its send looks for it. */
  private _enterLoneOut(): void {
    const lone = this._loneOut;
    if (lone === undefined) return;
    this._loneOut = undefined;
    this.queue.chargeLone(lone);
    this.table.enter(lone, lone.seq);
  }

  /** Reads a datagram's answers; false once nothing more is expected (see Transport.onDatagram). */
  private _received(datagram: Uint8Array): boolean {
    this._enterLoneOut();
    if (this._log !== SILENT_LOGGER && this._log.isLevelEnabled('trace')) {
      try {
        this._trace('recv', datagram);
      } catch {
        // reported below
      }
    }
    const outer = this._receiving;
    this._receiving = true;
    const before = this._readingBeforeExpiring;
    const dumpMessages = before === undefined ? 0 : this.table.dumpMessages;
    try {
      this.table.receive(datagram);
    } catch (error) {
      this._log.error({ err: error }, 'undecodable datagram from the kernel');
      this.close(`undecodable datagram from the kernel: ${(error as Error).message}`);
      return false;
    } finally {
      this._receiving = outer;
    }
    const more = this.table.live > 0 || this.table.draining > 0 || this._listeners.size > 0;
    if (before === undefined || !more) return more;
    return before.goesOn(datagram.byteLength, this.table.dumpMessages !== dumpMessages);
  }

  private _socketError(error: Error & { code?: string }): void {
    this._enterLoneOut();
    if (error.code === 'ENOBUFS') {
      this._log.warn('receive buffer overrun (ENOBUFS)');
      this.table.failSent((operation) => new NetlinkOverrunError(operation));
      return;
    }
    this.close(`socket error: ${error.message}`);
  }
}

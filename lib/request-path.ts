/**
 * The path of one request through a Connection: written into the send buffer, entered in the
 * table, sent (at once when it is alone, else packed with others by the send queue), answered,
 * settled and released; and the reading of every datagram the socket receives.
 */
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_ECHO, NLM_F_REQUEST } from '../messages/constants.js';
import type { MessageHeader } from '../messages/message.js';
import { CHANGE_ANSWER, DUMP_ANSWERS, OBJECT_REPLY, answerBudget } from './answer-cost.js';
import type { RequestOptions } from './connection.js';
import { Deadlines } from './deadlines.js';
import { DumpLine } from './dump-line.js';
import { ConnectionClosedError, NetlinkOverrunError, RequestTimeoutError, rethrowAtCaller } from './errors.js';
import { SILENT_LOGGER, type Logger } from './log.js';
import type { MessageCodec, RequestWriter } from './message-codec.js';
import { ABANDONED, newPendingRequest, type PendingRequest, refusal, renewRequest, QUEUED, RESOLVE_APPLIED, RESOLVE_REPLIES, RESOLVE_REQUEST, RESOLVE_VOID, SENT, SETTLED, type Completion } from './pending-request.js';
import { RequestTable } from './protocol.js';
import { ExpiryRead } from './request-path-expiry-read.js';
import { afterTurn, createSendQueue, NOT_SENT, QUIET, SENT_LATE, SENT_NOW, SENT_PENDING, type SendQueue } from './send-queue.js';
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

/**
 * What a change applied within its send resolves with once the loop turned (SENT_LATE): APPLIED's
 * value, or for a caller given the writer's applied() (see RequestWriter.applied) that value.
 */
function appliedLate<T>(writer: RequestWriter<T>, subject: T, rethrows: boolean): Promise<void> {
  return rethrows || writer.applied === undefined ? APPLIED : (Promise.resolve(writer.applied(subject)) as Promise<void>);
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

/**
 * The request path of one Connection (see the top of this file), made by createRequestPath. Its
 * state (and its send queue's, lib/send-queue.ts) is variables of one closure its functions share:
 * a request awaited at a time runs in baseline code (V8's first tiers) for its first thousands,
 * where a field of an object costs an inline-cache call each read or write and a variable of the
 * closure about what a local does.
 */
export interface RequestPath<M extends MessageHeader> {
  readonly table: RequestTable<M>;
  readonly queue: SendQueue<M>;
  readonly dumps: DumpLine;
  /** Why the path is closed (close() ran, or the socket failed); undefined while open. */
  readonly closedReason: string | undefined;
  /** Rejects everything pending and closes the socket. Idempotent. */
  close(reason: string): void;
  /** Throws when no request can be made: the path is closed, or `options.signal` has aborted. */
  checkOpen(operation: string, options: RequestOptions): void;
  /** Appends `writer`'s message to the send buffer and returns where it starts; nothing of it stays there if it throws. */
  write<T>(writer: Pick<RequestWriter<T>, 'write'>, subject: T): number;
  /** Writes a message object, enters it and sends it (see dispatch()); throws what the checks refuse. */
  message<R>(message: M, completion: Completion, options: RequestOptions, resolveWith: number, frames: boolean, convert?: (message: M) => unknown): Promise<R>;
  /**
   * A change (Connection.change): written by `writer`, entered and, alone on a transport that reads
   * within its send, sent, read and settled before this returns (SendQueue.sendNow), else it waits.
   * `rethrows` false: see Connection.change (the promise of a change that waits is
   * the table's own; a failure known before this returns is thrown).
   */
  change<T>(writer: RequestWriter<T>, subject: T, options?: RequestOptions, rethrows?: boolean): Promise<void>;
  /** A request object: the spare one if there is one (see PendingRequest.reuse). */
  newRequest(completion: Completion, operation: string, describer: RequestWriter<never> | undefined, subject: unknown): PendingRequest<M>;
  /** Enters a request whose message was just appended to the send buffer at `start` in the table. */
  enter(request: PendingRequest<M>, start: number, addFlags: number, resolveWith: number): void;
  /**
   * Sends a request just entered: at once when it is alone (settled before this returns, with a
   * transport that reads answers within its send), else through the queue. Only a request still
   * waiting gets a promise of its own and an abort listener, and, once sent, a deadline.
   * `rethrows` false: see change (the caller rethrows a failure that comes later itself).
   */
  dispatch<R>(request: PendingRequest<M>, options: RequestOptions, rethrows?: boolean): Promise<R>;
  /**
   * Sends a request just entered as dispatch() does, but gives it no promise: its outcome stays on
   * it (see RequestTable.enter: state SETTLED or ABANDONED, `error` if it failed, else `replies`),
   * for a caller that reads it once a later request of the same datagram settled (the kernel
   * answers in order). RequestTable.promise gives one to a request still waiting after all.
   */
  post(request: PendingRequest<M>, options: RequestOptions): void;
  /** Whether the kernel takes long over a request of this type and flags (see MessageCodec.isSlow). */
  slowness(type: number, flags: number): false | 'brief' | 'long';
  /** A request was entered in the table: hold the event loop while something is awaited (ref on the first, unref after the last). */
  entered(): void;
  /**
   * Gives a request its time limit (RequestOptions.timeoutMs), before it is sent: its clock starts
   * once its datagram is handed to the socket (SendQueue's `timed`), not while flow control holds it.
   */
  limit(request: PendingRequest<M>, options: RequestOptions): void;
  /** Gives a request entered in the table and still waiting its abort signal. */
  watch(request: PendingRequest<M>, options: RequestOptions): void;
  /** The operation of `request` in words, with the connection's context. */
  describe(request: PendingRequest<M>): string;
  /** The operation of a message type in words, with the connection's context. */
  operation(type: number, options: RequestOptions): string;
  /** Sends one datagram (see SendQueue's `transmit`). */
  transmit(datagram: Uint8Array, slow: boolean, quiet?: boolean): Promise<void> | undefined;
}

/** A request path (see RequestPath). */
export function createRequestPath<M extends MessageHeader>(settings: RequestPathSettings<M>): RequestPath<M> {
  const { transport, codec, listeners } = settings;
  const log = settings.log;
  const context = settings.context;
  const timeoutLimit = settings.timeoutMs;
  const receiveBufferBytes = settings.receiveBufferBytes;
  /** The transport reads answers within its send: a lone request settles within the call that made it. */
  const direct = transport.answersWithinSend === true;
  const silent = log === SILENT_LOGGER;
  /** A request settled within its call, kept for the next one (see PendingRequest.reuse). */
  let spare: PendingRequest<M> | undefined;
  /** The quick lane's request object, while no change of the lane holds it (see change). */
  let idleLone: PendingRequest<M> | undefined;
  /**
   * The quick lane's change while it is being sent, not entered in the table nor charged (see
   * SendQueue.sendLone): a quiet change unanswered within its send (the usual case) never is.
   * Whatever can look for it during the send (an answer read, a socket error, the send's failure)
   * charges and enters it first (enterLoneOut).
   */
  let loneOut: PendingRequest<M> | undefined = undefined;
  // What the quick lane's change being sent is given only if something looks for it (fillLone):
  // variables of the closure, where each field of its request object is an inline-cache store in
  // baseline code, for a change that (unanswered and never looked for) needs none of them.
  let loneWriter: RequestWriter<never> | undefined;
  let loneSubject: unknown;
  let loneOperation: string | undefined;
  let loneTimeoutMs = 0;
  /** Why the path is closed; `self.closedReason` is set with it (close()). */
  let closedReason: string | undefined;
  /** Reading a datagram: what a settling request sets off meanwhile (the next dump, a listener's request) is queued (Transport.onDatagram). */
  let receiving = false;
  /** Set while the socket is read before requests are expired. */
  let readingBeforeExpiring: ExpiryRead<M> | undefined;

  /** Logs a datagram's messages at trace level: made only for a logger that is not the silent one. */
  const trace = silent
    ? undefined
    : (direction: string, datagram: Uint8Array): void => {
        for (const m of codec.decode(new Uint8Array(datagram))) {
          log.trace(`${direction} ${codec.summarize?.(m) ?? `${codec.typeName(m.type)} seq=${m.seq} flags=0x${m.flags.toString(16)}`}`);
        }
      };
  /** Sends one datagram, traced first where the logger traces: with the silent logger (the default), straight to the transport. */
  const transmit = trace === undefined
    ? (datagram: Uint8Array, slow: boolean, quiet?: boolean): Promise<void> | undefined => transport.send(datagram, slow ? SLOW : quiet ? QUIET : undefined)
    : (datagram: Uint8Array, slow: boolean, quiet?: boolean): Promise<void> | undefined => {
        if (log.isLevelEnabled('trace')) trace('send', datagram);
        return transport.send(datagram, slow ? SLOW : quiet ? QUIET : undefined);
      };

  const queue = createSendQueue<M>({
    budget: answerBudget(receiveBufferBytes),
    transmit,
    failed: (request, error) => {
      enterLoneOut();
      table.failUnsent(request, error);
    },
    transport,
    timed,
    transmitsDirectly: silent,
    // The send waits: the lane's change needs its fields for its clock (and then for the table).
    lonePending: fillLone,
  });
  const table = new RequestTable<M>({ codec, describe, released, listeners });
  const seqs = table.seqs;
  /** The requests' time limits: made when the first request is timed (many connections never wait for an answer). */
  let deadlines: Deadlines<PendingRequest<M>> | undefined;
  const dumps = new DumpLine();

  function close(reason: string): void {
    if (closedReason !== undefined) return;
    closedReason = reason;
    self.closedReason = reason;
    // A lone change being sent fails as every change awaited does, not with an answer read after.
    enterLoneOut();
    // Most connections close with nothing pending (a namespace deleted): no error maker, no walk.
    if (table.size !== 0) table.failAll((operation) => new ConnectionClosedError(operation, reason));
    queue.stop();
    deadlines?.close();
    dumps.close();
    transport.close();
  }

  // ---- making requests

  function checkOpen(operation: string, options: RequestOptions): void {
    if (closedReason !== undefined) throw new ConnectionClosedError(`${options.operation ?? operation}${context}`, closedReason);
    if (options.signal?.aborted) throw options.signal.reason ?? new Error(`${options.operation ?? operation}${context}: aborted`);
  }

  function write<T>(writer: Pick<RequestWriter<T>, 'write'>, subject: T): number {
    const w = queue.out;
    const start = w.length;
    try {
      writer.write(w, subject);
    } catch (error) {
      w.truncate(start);
      throw error;
    }
    // Most writers write whole frames, 4-aligned already: the call only where it pads.
    if ((w.length & 3) !== 0) w.align();
    return start;
  }

  function message<R>(message: M, completion: Completion, options: RequestOptions, resolveWith: number, frames: boolean, convert?: (message: M) => unknown): Promise<R> {
    const operation = options.operation ?? codec.typeName(message.type);
    checkOpen(operation, options);
    // The sequence number is the connection's: a caller's odd value is not refused.
    const start = write(codec, Number.isInteger(message.seq) && message.seq >>> 0 === message.seq ? message : { ...message, seq: 0 });
    const request = newRequest(completion, operation, undefined, undefined);
    request.frames = frames;
    request.convert = convert;
    enter(request, start, completion === 'ack' ? NLM_F_ACK : completion === 'dump' ? NLM_F_DUMP : 0, resolveWith);
    return dispatch(request, options);
  }

  /**
   * enter() and dispatch() written out: a change awaited at a time runs one function.
   *
   * Off the lane, first: the burst lane or the general path (burstChange, queuedChange). Then the
   * quick lane: a plain change (RequestWriter.plain), to be the only message in the send
   * buffer, made with nothing else awaited or queued (SendQueue.sendLone). What prepare(), enter(),
   * SendQueue.sendNow and the general path do for it, written out: sent without NLM_F_ACK and
   * read within the send, so unanswered it was applied. Its request object is the lane's own
   * (idleLone), whose fixed fields are set once (loneRequest): a change sets only what differs. The
   * transport is not ref'd for a send that is over when it returns, only when the send waits
   * (SENT_PENDING); a change unanswered and never looked for within its send (not entered, not
   * charged: see loneOut) returns with nothing more to undo, by this function's last statement;
   * every other outcome of the lane is loneOutcome's. A call given no options (NO_OPTIONS) reads none.
   *
   * `rethrows` false: the promise of a change that waits is the table's own, its failure the
   * error as made in the receive path; the caller rethrows it from a reaction of its own
   * (rethrowAtCaller), which it adds anyway: one promise, reaction and microtask less a change.
   * A failure known before this returns (SENT_NOW) is then thrown, its stack taken here, so that
   * the caller's reaction does not take it again without the caller's own frames.
   */
  function change<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions = NO_OPTIONS, rethrows = true): Promise<void> {
    const w = queue.out;
    const start = w.length;
    const given = options === NO_OPTIONS ? undefined : options;
    if (closedReason !== undefined || (given !== undefined && given.signal !== undefined)) {
      try {
        checkOpen(writer.operation, options);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    // The lane needs nothing awaited in the table (live, draining): a number is taken only from an
    // empty table, and every request awaited or draining is in it (see RequestTable.live).
    const seq = start === 0 && writer.plain === true && direct && !receiving ? seqs.takeIfEmpty() : 0;
    if (seq === 0) {
      // Off the lane (laneless() written out: a call less a concurrent change).
      if (writer.plain === true && given === undefined && (receiving || !direct || queue.queuing())) return burstChange(writer, subject, start, false, rethrows);
      return queuedChange(writer, subject, options, given === undefined ? undefined : given.operation, start, false, rethrows);
    }
    try {
      writer.write(w, subject);
      // The plain writers write whole frames, 4-aligned already: the call only where it pads.
      if ((w.length & 3) !== 0) w.align();
    } catch (error) {
      w.truncate(0);
      seqs.giveBack(seq);
      return Promise.reject(error);
    }
    // The lane's request object: idle whenever no lane change waits (SENT_PENDING took it). Its
    // fields are set only if something looks for it (fillLone).
    let lone = idleLone;
    if (lone === undefined) idleLone = lone = loneRequest<M>();
    loneWriter = writer as RequestWriter<never>;
    loneSubject = subject;
    loneOperation = given === undefined ? undefined : given.operation;
    const timeoutMs = given === undefined ? timeoutLimit : (given.timeoutMs ?? timeoutLimit);
    loneTimeoutMs = timeoutMs > 0 ? timeoutMs : 0;
    loneOut = lone;
    const sent = queue.sendLone(lone, seq);
    // Not entered in the table (nor charged) by anything within the send (see loneOut).
    const out = loneOut !== undefined;
    loneOut = undefined;
    if (sent !== SENT_NOW || !out) return loneOutcome(writer, subject, options, lone, seq, sent, out, rethrows);
    // Unanswered and never looked for: applied, with nothing charged, entered or ref'd for it (the
    // lane starts with nothing live, so the transport is not ref'd: nothing to unref). The last
    // statement: V8 counts a call's bytecode up to the return it takes towards the function's
    // tier-up, so this lane's calls, taking the last, get it optimized soonest (3,000 calls on Node 22).
    return APPLIED;
  }

  /**
   * The quick lane's change once sendLone returned, unless it went out at once unanswered and
   * unlooked-for (change's own last return): sent later (SENT_PENDING), applied after a long run
   * of microtasks (SENT_LATE), looked for within its send (entered, charged, perhaps settled), or
   * not sent at all (NOT_SENT: it takes the general path).
   */
  function loneOutcome<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions, lone: PendingRequest<M>, seq: number, sent: number, out: boolean, rethrows: boolean): Promise<void> {
    const operation = options === NO_OPTIONS ? undefined : options.operation;
    if (sent === SENT_PENDING) {
      idleLone = undefined;
      if (out) {
        queue.chargeLone(lone);
        table.enter(lone, lone.seq);
      } else if (lone.state === SETTLED) {
        // The send waited, yet was made and answered before it returned (a refused send the
        // socket retried at once, then read): its answer is read, there is nothing to wait for.
        return outcome(lone, false, change, false) as Promise<void>;
      }
      entered();
      if (!rethrows && operation === undefined && writer.applied !== undefined) lone.resolveWith = RESOLVE_APPLIED;
      return wait(lone, options, sent, rethrows);
    }
    if (sent !== NOT_SENT) {
      // Unanswered and never looked for, sent after a long run of microtasks: applied once the loop turned.
      if (out) return afterTurn(appliedLate(writer, subject, rethrows));
      if (lone.state === SENT) {
        // Entered and charged within the send (see enterLoneOut), yet unanswered: applied.
        queue.release(lone);
        table.settledAlone(lone);
        if (table.live === 0 && table.draining === 0) transport.unref();
        return sent === SENT_NOW ? APPLIED : afterTurn(appliedLate(writer, subject, rethrows));
      }
      // Settled within the send: failed (its error answer read, or the send refused), entered first.
      const error = lone.error;
      lone.error = undefined;
      let failed = APPLIED;
      if (error !== undefined) {
        // Made deep in the receive path: its stack starts at the public call instead.
        Error.captureStackTrace(error, change);
        // A caller that rethrows (see `rethrows`) would take that stack again in its reaction: thrown.
        if (!rethrows && sent === SENT_NOW) throw error;
        failed = Promise.reject(error);
      }
      return sent === SENT_NOW ? failed : afterTurn(failed);
    }
    // Not alone after all (another change went out alone in this microtask, or more wait; or the
    // transport not ready): the change is written at the start of the buffer, and goes the way of
    // one made so, its number handed back for it (nothing else took one meanwhile).
    seqs.giveBack(seq);
    return laneless(writer, subject, options, 0, true, rethrows);
  }

  /** change() off the quick lane: the burst lane or the general path. `written`: see queuedChange. */
  function laneless<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions, start: number, written: boolean, rethrows: boolean): Promise<void> {
    const given = options === NO_OPTIONS ? undefined : options;
    if (writer.plain === true && given === undefined && (receiving || !direct || queue.queuing())) return burstChange(writer, subject, start, written, rethrows);
    return queuedChange(writer, subject, options, given === undefined ? undefined : given.operation, start, written, rethrows);
  }

  /**
   * The general path of change(), in a function of its own (see burstChange): `written` when the
   * quick lane wrote the change at `start` already.
   */
  function queuedChange<T>(writer: RequestWriter<T>, subject: T, options: RequestOptions, operation: string | undefined, start: number, written: boolean, rethrows: boolean): Promise<void> {
    const w = queue.out;
    let request: PendingRequest<M>;
    try {
      if (!written) {
        writer.write(w, subject);
        w.align();
      }
      request = newRequest('ack', operation ?? writer.operation, operation === undefined ? writer : undefined, subject);
    } catch (error) {
      w.truncate(start);
      return Promise.reject(error);
    }
    prepare(request, start, NLM_F_ACK, RESOLVE_VOID);
    if (table.live === 1 && table.draining === 0) transport.ref();
    limit(request, options);
    // Sent alone even after a long run of microtasks (SENT_LATE: its outcome waits for the loop to turn).
    const sent = direct && !receiving ? queue.sendNow(request, true) : NOT_SENT;
    if (sent === SENT_NOW || sent === SENT_LATE) {
      if (request.state === SENT && request.quiet) {
        // Sent without NLM_F_ACK and unanswered: applied (what released does for it, written out).
        table.settledAlone(request);
        queue.release(request);
        if (table.live === 0 && table.draining === 0) transport.unref();
      }
      if (request.state === SETTLED) {
        const result = outcome(request, true, change, !rethrows && sent === SENT_NOW) as Promise<void>;
        return sent === SENT_NOW ? result : afterTurn(result === APPLIED ? appliedLate(writer, subject, rethrows) : result);
      }
    } else if (request.state === SETTLED) {
      // The send waited (SENT_PENDING), yet was made and answered before it returned: see change.
      return outcome(request, false, change, false) as Promise<void>;
    }
    if (!rethrows && operation === undefined && writer.applied !== undefined) request.resolveWith = RESOLVE_APPLIED;
    return wait(request, options, sent === SENT_LATE ? SENT_NOW : sent, rethrows);
  }

  /**
   * The burst lane (see change), in a function of its own: V8 tiers a function up by its bytecode's
   * length against the bytecode each call runs, so code after the quick lane's return, in change
   * itself, kept the quick lane in baseline code for more calls (W1's cold add +6% on Node 22).
   * `written` when the quick lane wrote the change at `start` already.
   */
  function burstChange<T>(writer: RequestWriter<T>, subject: T, start: number, written: boolean, rethrows: boolean): Promise<void> {
    const w = queue.out;
    // The burst lane: a plain change made while the queue queues (another request went out alone
    // in this microtask, or more wait), given no options. What prepare(), enter(), limit() and
    // wait() do for it, written out: it cannot go out now (sendNow would answer NOT_SENT), so it
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
    // The header's type-and-flags and sequence words read and written as words, as SendQueue's
    // sendLone does (host order little-endian, a frame 4-aligned): an indexed load or store each,
    // where a DataView's is a call in baseline code.
    const words = w.wordArray ?? w.words();
    const at = start >>> 2;
    const typeAndFlags = words[at + 1]!;
    const flags = (typeAndFlags >>> 16) | NLM_F_REQUEST | NLM_F_ACK;
    burst.flags = flags;
    burst.start = start;
    burst.end = w.length;
    burst.cost = CHANGE_ANSWER;
    burst.coverable = true;
    burst.timeoutMs = timeoutLimit > 0 ? timeoutLimit : 0;
    // A caller that rethrows itself, given the writer's applied(): the table's promise is the caller's (see RequestWriter.applied).
    if (!rethrows && writer.applied !== undefined) burst.resolveWith = RESOLVE_APPLIED;
    const seq = table.enterNew(burst);
    words[at + 1] = (typeAndFlags & 0xffff) | (flags << 16);
    words[at + 2] = seq;
    if (table.live === 1 && table.draining === 0) transport.ref();
    const promise = table.promise<void>(burst);
    queue.push(burst);
    // Its answer comes later: an error made then is given the stack of the caller awaiting it (here,
    // by the caller, or by the table for a RESOLVE_APPLIED one: see change).
    return rethrows ? promise.catch(rethrowAtCaller) : promise;
  }

  function newRequest(completion: Completion, operation: string, describer: RequestWriter<never> | undefined, subject: unknown): PendingRequest<M> {
    const kept = spare;
    if (kept === undefined) return newPendingRequest<M>(completion, operation, describer, subject);
    spare = undefined;
    return renewRequest(kept, completion, operation, describer, subject);
  }

  function enter(request: PendingRequest<M>, start: number, addFlags: number, resolveWith: number): void {
    prepare(request, start, addFlags, resolveWith);
    // entered() written out: a call less a request.
    if (table.live === 1 && table.draining === 0) transport.ref();
  }

  function dispatch<R>(request: PendingRequest<M>, options: RequestOptions, rethrows = true): Promise<R> {
    // limit() written out: a call less a request.
    const timeoutMs = options.timeoutMs ?? timeoutLimit;
    request.timeoutMs = timeoutMs > 0 ? timeoutMs : 0;
    const sent = direct && !receiving ? queue.sendNow(request) : NOT_SENT;
    // Sent without NLM_F_ACK and unanswered when the send returned: applied (see SendQueue.sendNow).
    if (sent === SENT_NOW && request.quiet && request.state === SENT) table.settleQuiet(request);
    if (request.state === SETTLED) return outcome(request, sent === SENT_NOW, dispatch, false) as Promise<R>;
    return wait(request, options, sent, rethrows);
  }

  function post(request: PendingRequest<M>, options: RequestOptions): void {
    // limit() written out: a call less a request.
    const timeoutMs = options.timeoutMs ?? timeoutLimit;
    request.timeoutMs = timeoutMs > 0 ? timeoutMs : 0;
    const sent = direct && !receiving ? queue.sendNow(request) : NOT_SENT;
    if (sent === SENT_NOW && request.quiet && request.state === SENT) table.settleQuiet(request);
    if (request.state === SETTLED) return;
    // watch() written out: a call less a request.
    const signal = options.signal;
    if (signal) listen(request, signal);
    if (sent === NOT_SENT && request.state === QUEUED) queue.push(request);
  }

  /**
   * The promise of a request not settled by the send (or not sent, `sent`), with its abort
   * listener; a request not sent is queued. `rethrows`: see change.
   */
  function wait<R>(request: PendingRequest<M>, options: RequestOptions, sent: number, rethrows: boolean): Promise<R> {
    const promise = table.promise<R>(request);
    // watch() written out: a call less a request.
    const signal = options.signal;
    if (signal) listen(request, signal);
    if (sent === NOT_SENT && request.state === QUEUED) queue.push(request);
    // Its answer comes later: an error made then is given the stack of the caller awaiting it.
    return rethrows ? promise.catch(rethrowAtCaller) : promise;
  }

  /**
   * The promise of a request settled within the call that made it (which may then reuse it); an
   * error's stack starts at `top`'s caller. With `throws`, a failure is thrown instead (see change's `rethrows`).
   */
  function outcome(request: PendingRequest<M>, reusable: boolean, top: (...args: never[]) => unknown, throws: boolean): Promise<unknown> {
    const error = request.error;
    const mode = request.resolveWith;
    if (reusable && mode !== RESOLVE_REQUEST) spare = request;
    if (error !== undefined) {
      const reported = mode === RESOLVE_APPLIED ? refusal(request, error) : error;
      // Made deep in the receive path: its stack starts at the public call instead.
      Error.captureStackTrace(reported, top);
      if (throws) throw reported;
      return Promise.reject(reported);
    }
    if (mode === RESOLVE_APPLIED) return Promise.resolve((request.describer as RequestWriter<unknown>).applied!(request.subject, request.replies));
    return mode === RESOLVE_VOID ? APPLIED : Promise.resolve(mode === RESOLVE_REPLIES ? (request.replies ?? []) : request);
  }

  /**
   * Makes the message written at `start` ready to send (its flags and a sequence number, returned),
   * enters `request` in the table under that number, and notes on it what flow control and the send queue need.
   */
  function prepare(request: PendingRequest<M>, start: number, addFlags: number, resolveWith: number): number {
    const w = queue.out;
    // The header's type-and-flags and sequence words read and written as words, as burstChange
    // does (host order little-endian, a frame 4-aligned): an indexed load or store each, where the
    // framing helpers were three calls deep to a DataView's method in baseline code.
    const words = w.wordArray ?? w.words();
    const at = start >>> 2;
    const typeAndFlags = words[at + 1]!;
    const type = typeAndFlags & 0xffff;
    const flags = (typeAndFlags >>> 16) | NLM_F_REQUEST | addFlags;
    // A sequence number taken and the request entered under it in one call (RequestTable.enterNew).
    const seq = table.enterNew(request);
    words[at + 1] = type | (flags << 16);
    words[at + 2] = seq;
    request.flags = flags;
    request.start = start;
    request.end = w.length;
    request.resolveWith = resolveWith;
    const completion = request.completion;
    request.cost = completion === 'dump' ? DUMP_ANSWERS : completion === 'reply' ? OBJECT_REPLY : CHANGE_ANSWER + (flags & NLM_F_ECHO ? OBJECT_REPLY : 0);
    request.coverable = completion === 'ack' && (flags & (NLM_F_ACK | NLM_F_ECHO)) === NLM_F_ACK;
    const slow = slowness(type, flags);
    request.slow = slow !== false;
    request.brief = slow === 'brief';
    return seq;
  }

  function slowness(type: number, flags: number): false | 'brief' | 'long' {
    return codec.isSlow?.(type, flags) ?? false;
  }

  function entered(): void {
    if (table.live === 1 && table.draining === 0) transport.ref();
  }

  function limit(request: PendingRequest<M>, options: RequestOptions): void {
    const timeoutMs = options.timeoutMs ?? timeoutLimit;
    request.timeoutMs = timeoutMs > 0 ? timeoutMs : 0;
  }

  function watch(request: PendingRequest<M>, options: RequestOptions): void {
    const signal = options.signal;
    if (signal) listen(request, signal);
  }

  /** watch()'s listener, in a function of its own: a closure over watch's own variables made their context at every call, a signal or not. */
  function listen(request: PendingRequest<M>, signal: AbortSignal): void {
    request.signal = signal;
    request.onAbort = () => table.fail(request, signal.reason ?? new Error(`${describe(request)}: aborted`));
    signal.addEventListener('abort', request.onAbort, { once: true });
  }

  function describe(request: PendingRequest<M>): string {
    const describer = request.describer as { describe?(subject: unknown): string } | undefined;
    return `${describer?.describe ? describer.describe(request.subject) : request.operation}${context}`;
  }

  function operation(type: number, options: RequestOptions): string {
    return `${options.operation ?? codec.typeName(type)}${context}`;
  }

  // ---- settling

  /** Called by the table, synchronously, when a request's promise settled or an abandoned one left. */
  function released(request: PendingRequest<M>, costFreed: boolean): void {
    if (request.onAbort) {
      request.signal!.removeEventListener('abort', request.onAbort);
      request.onAbort = undefined;
    }
    if (costFreed) queue.release(request);
    if (request.state === ABANDONED && !request.abandonTimed) {
      // Its answer is still read when it comes; give up on it after a while.
      request.abandonTimed = true;
      request.timeoutMs = ABANDON_LIMIT_MS;
      request.deadline = monotonicMs() + ABANDON_LIMIT_MS;
      timed(request);
    }
    if (request.completion === 'dump' && request.state === SETTLED) dumps.leave();
    if (table.live === 0 && table.draining === 0) transport.unref();
  }

  /**
   * A request's clock started (its deadline set): it expires then unless settled before. The
   * Deadlines, and the functions only they call, are made with the first.
   */
  function timed(request: PendingRequest<M>): void {
    if (deadlines === undefined) {
      deadlines = new Deadlines<PendingRequest<M>>(
        (expiring) => {
          if (expiring.state === ABANDONED) {
            log.debug({ seq: expiring.seq }, 'no answer to an abandoned request: forgotten');
            table.forget(expiring);
          } else {
            table.fail(expiring, new RequestTimeoutError(describe(expiring), expiring.timeoutMs));
          }
        },
        // Reads what the kernel has already queued before the requests `due` are expired: an answer
        // that came while the event loop was held up elsewhere settles its request (bounded: see ExpiryRead).
        (due) => {
          if (transport.readQueued === undefined || closedReason !== undefined) return;
          readingBeforeExpiring = new ExpiryRead(due, receiveBufferBytes);
          try {
            transport.readQueued();
          } finally {
            readingBeforeExpiring = undefined;
          }
        },
      );
    }
    deadlines.add(request);
  }


  // ---- receiving

  /** Charges and enters the quick lane's change being sent, if it is not yet (see loneOut): something within its send looks for it. */
  function enterLoneOut(): void {
    const lone = loneOut;
    if (lone === undefined) return;
    fillLone(lone);
    loneOut = undefined;
    queue.chargeLone(lone);
    table.enter(lone, lone.seq);
  }

  /**
   * Gives the quick lane's change being sent what change() kept in the closure for it, and state
   * SENT, while it is loneOut (not looked for yet: once it is, it has them, and may be settled).
   */
  function fillLone(lone: PendingRequest<M>): void {
    if (lone !== loneOut) return;
    const operation = loneOperation;
    lone.operation = operation ?? loneWriter!.operation;
    lone.describer = operation === undefined ? loneWriter : undefined;
    lone.subject = loneSubject;
    lone.timeoutMs = loneTimeoutMs;
    lone.state = SENT;
  }

  /** Reads a datagram's answers; false once nothing more is expected (see Transport.onDatagram). */
  function received(datagram: Uint8Array): boolean {
    if (loneOut !== undefined) enterLoneOut();
    if (trace !== undefined && log.isLevelEnabled('trace')) {
      try {
        trace('recv', datagram);
      } catch {
        // reported below
      }
    }
    const outer = receiving;
    receiving = true;
    const before = readingBeforeExpiring;
    const dumpMessages = before === undefined ? 0 : table.dumpMessages;
    try {
      table.receive(datagram);
    } catch (error) {
      log.error({ err: error }, 'undecodable datagram from the kernel');
      close(`undecodable datagram from the kernel: ${(error as Error).message}`);
      return false;
    } finally {
      receiving = outer;
    }
    const more = table.live > 0 || table.draining > 0 || listeners.size > 0;
    if (before === undefined || !more) return more;
    return before.goesOn(datagram.byteLength, table.dumpMessages !== dumpMessages);
  }

  function socketError(error: Error & { code?: string }): void {
    enterLoneOut();
    if (error.code === 'ENOBUFS') {
      log.warn('receive buffer overrun (ENOBUFS)');
      table.failSent((operation) => new NetlinkOverrunError(operation));
      return;
    }
    close(`socket error: ${error.message}`);
  }

  // A plain object of data properties only (closedReason is set by close()): a literal with an
  // accessor is made in dictionary mode, where every property read is a lookup.
  const self: { -readonly [K in keyof RequestPath<M>]: RequestPath<M>[K] } = {
    table,
    queue,
    dumps,
    closedReason: undefined,
    close,
    checkOpen,
    write,
    message,
    change,
    newRequest,
    enter,
    dispatch,
    post,
    slowness,
    entered,
    limit,
    watch,
    describe,
    operation,
    transmit,
  };
  transport.onDatagram(received);
  transport.onError(socketError);
  transport.unref();
  return self;
}

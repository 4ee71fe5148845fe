/**
 * One request's state from the call that made it to its last answer (PendingRequest), and the
 * shared outcome of many changes made together (BatchOutcome).
 */
import type { BatchSlice } from './batch-slice.js';
import type { Timed } from './deadlines.js';
import { rethrowAtCaller } from './errors.js';

/**
 * How a request ends:
 * - 'ack': at the NLMSG_ERROR answering it, 0 for success (messages echoed before it are collected);
 * - 'reply': at the first reply message (a GET for one object, sent without NLM_F_ACK);
 * - 'dump': at NLMSG_DONE, collecting every message before it.
 */
export type Completion = 'ack' | 'reply' | 'dump';

/** In the send queue, not sent yet. */
export const QUEUED = 0;
/** Sent, its answer awaited. */
export const SENT = 1;
/** Answered, failed before it was sent, or drained: out of the table. */
export const SETTLED = 2;
/**
 * Given up by its caller (timeout, abort) after it was sent: the kernel still answers it, so it
 * stays in the table until that answer is read (a dump's last datagram: the kernel refuses another
 * dump on the socket until then), and its answers still count against the receive buffer.
 */
export const ABANDONED = 3;

/** What a request's promise resolves with. */
export const RESOLVE_VOID = 0;
export const RESOLVE_REPLIES = 1;
export const RESOLVE_REQUEST = 2;
/** What the writer's applied() makes of the subject (RequestWriter.applied; `describer` is the writer). */
export const RESOLVE_APPLIED = 3;

/**
 * One request, from the call that made it to its last answer. One object per request, kept small.
 * A plain object of one shape, made by newPendingRequest as a copy of one template: V8 copies its
 * fields in one step, where a class's field initializers store them one by one (30 stores a
 * request, each through an inline cache until the constructor is optimized).
 */
export interface PendingRequest<M> extends Timed {
  seq: number;
  /** QUEUED, SENT, SETTLED or ABANDONED. */
  state: number;
  /** Receive-buffer charge its answers may take (lib/answer-cost.ts), counted while sent. */
  cost: number;
  /** nlmsg_flags as encoded, and where its bytes are in the send queue while queued. */
  flags: number;
  start: number;
  end: number;
  // The booleans are plain fields, not accessors over bits of one number: a request awaited at a
  // time reads and sets several, and each accessor was a call of its own until optimized.
  /** A plain change whose ACK a later request of the same datagram may vouch for (see SendQueue). */
  coverable: boolean;
  /** Sent from a worker thread (SendOptions.slow). */
  slow: boolean;
  /** Slow for a few ms only: unless its datagram carries another slow request, it goes from this thread (see MessageCodec.isSlow). */
  brief: boolean;
  /** Expects no answer unless it fails (an nfnetlink batch's BEGIN/END), settled by the others of `group`. */
  quiet: boolean;
  /** Hand replies on as frames (copies, nlmsghdr included) instead of decoded messages. */
  frames: boolean;
  /** A message of the dump carried NLM_F_DUMP_INTR: the result may be inconsistent. */
  interrupted: boolean;
  /** Abandoned, and given a deadline for its answer. */
  abandonTimed: boolean;
  /** RESOLVE_VOID: undefined; RESOLVE_REPLIES: the replies (an array); RESOLVE_REQUEST: this object; RESOLVE_APPLIED: see there. */
  resolveWith: number;
  /** The requests sent without NLM_F_ACK before this one in its datagram: its answer settles them. */
  covers: Array<PendingRequest<M>> | undefined;
  /** The requests of one transaction: an error for a quiet one fails them all. */
  group: Array<PendingRequest<M>> | undefined;
  replies: Array<M | Uint8Array> | undefined;
  /**
   * Applied to each decoded reply as it is read: what it returns is kept instead of the message
   * (undefined: nothing is kept). See Connection.dumpConverted.
   */
  convert: ((message: M) => unknown) | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  /** The changes of a batch this table entry stands for: it settles them instead of resolve/reject. */
  batch: BatchSlice | undefined;
  /** Its failure, when it failed before it was given a promise (settled within the call that made it). */
  error: Error | undefined;
  completion: Completion;
  /** The operation in words (or its first words, when `describer` says more). */
  operation: string;
  /** Describes the operation from `subject` when an error needs it (a RequestWriter). */
  describer: { describe?(subject: never): string } | undefined;
  subject: unknown;
}

/**
 * Every field of a new request but the four newPendingRequest is given, as a new request has them.
 * Never changed: a request is a copy of it.
 */
const NEW_REQUEST: PendingRequest<never> = {
  deadline: Infinity,
  timeoutMs: 0,
  seq: 0,
  state: QUEUED,
  cost: 0,
  flags: 0,
  start: 0,
  end: 0,
  coverable: false,
  slow: false,
  brief: false,
  quiet: false,
  frames: false,
  interrupted: false,
  abandonTimed: false,
  resolveWith: RESOLVE_VOID,
  covers: undefined,
  group: undefined,
  replies: undefined,
  convert: undefined,
  signal: undefined,
  onAbort: undefined,
  resolve: noop,
  reject: noop,
  batch: undefined,
  error: undefined,
  completion: 'ack',
  operation: '',
  describer: undefined,
  subject: undefined,
};

/**
 * A new request: a copy of NEW_REQUEST (one step for every field, where a literal's `undefined`
 * fields and function values are stored one by one, each through an inline cache until the
 * function is optimized), then its four fields of the call.
 */
export function newPendingRequest<M>(completion: Completion, operation: string, describer: { describe?(subject: never): string } | undefined, subject: unknown): PendingRequest<M> {
  // A template of no message type: its `replies` and `convert` are undefined, as any M.
  const request = { ...NEW_REQUEST } as unknown as PendingRequest<M>;
  request.completion = completion;
  request.operation = operation;
  request.describer = describer;
  request.subject = subject;
  return request;
}

/**
 * Makes a settled request new again, for reuse: only one that was settled within the call that
 * made it is reused (nothing else, no queue, timer, signal or batch, can still refer to it).
 */
export function renewRequest<M>(request: PendingRequest<M>, completion: Completion, operation: string, describer: { describe?(subject: never): string } | undefined, subject: unknown): PendingRequest<M> {
  request.completion = completion;
  request.operation = operation;
  request.describer = describer;
  request.subject = subject;
  request.seq = 0;
  request.state = QUEUED;
  request.cost = 0;
  request.flags = 0;
  request.start = 0;
  request.end = 0;
  request.coverable = false;
  request.slow = false;
  request.brief = false;
  request.quiet = false;
  request.frames = false;
  request.interrupted = false;
  request.abandonTimed = false;
  request.resolveWith = RESOLVE_VOID;
  request.covers = undefined;
  request.group = undefined;
  request.replies = undefined;
  request.convert = undefined;
  request.deadline = Infinity;
  request.timeoutMs = 0;
  request.error = undefined;
  return request;
}

/** Does nothing: stands for a resolving function not handed over yet, and marks a rejection as handled. */
export function noop(): void {}

/**
 * The outcome of many changes made together: one entry per change, undefined where it was applied,
 * else its error. Its changes settle into it instead of promises of their own.
 */
export class BatchOutcome {
  readonly results: Array<Error | undefined>;
  readonly promise: Promise<Array<Error | undefined>>;
  private _waiting: number;
  private _resolve: (results: Array<Error | undefined>) => void = noop;

  constructor(count: number) {
    this.results = new Array<Error | undefined>(count).fill(undefined);
    this._waiting = count;
    this.promise = new Promise((resolve) => (this._resolve = resolve));
    if (count === 0) this._resolve(this.results);
  }

  /** Change `index` was applied (no error) or failed. */
  settle(index: number, error: Error | undefined): void {
    if (error !== undefined) this.results[index] = error;
    if (--this._waiting === 0) this._resolve(this.results);
  }

  /** `count` changes still waiting were applied. */
  settleMany(count: number): void {
    this._waiting -= count;
    if (this._waiting === 0) this._resolve(this.results);
  }

  /** The `count` changes of [from, to) still waiting (no error recorded yet) failed with `error`. */
  failWaiting(from: number, to: number, error: Error, count: number): void {
    const results = this.results;
    for (let i = from; i < to; i++) if (results[i] === undefined) results[i] = error;
    this.settleMany(count);
  }
}

/** Rejects the caller's promise, or fails the changes of the request's batch slice, or records the error on the request (no promise yet). */
export function rejectRequest<M>(request: PendingRequest<M>, error: Error): void {
  if (request.batch !== undefined) request.batch.settle(error);
  else if (request.reject === noop) request.error = error;
  else if (request.resolveWith === RESOLVE_APPLIED) rejectAtCaller(request.resolve, refusal(request, error));
  else request.reject(error);
}

/** The error a RESOLVE_APPLIED request's failure is reported with (see RequestWriter.refused). */
export function refusal<M>(request: PendingRequest<M>, error: Error): Error {
  const writer = request.describer as { refused?(subject: unknown, error: Error): Error } | undefined;
  return writer?.refused === undefined ? error : writer.refused(request.subject, error);
}

/**
 * Fails the promise of a RESOLVE_APPLIED request, whose caller adds no reaction to rethrow from:
 * it is resolved with a promise that rethrows `error` from a reaction (rethrowAtCaller), made to
 * run only after the two are chained (the chaining job is queued before the rejection that runs
 * it), so that V8's async stack trace goes on from it to the code awaiting the caller's promise.
 * A failure only: three promises and jobs, where a reaction on every change would cost one each.
 */
function rejectAtCaller(resolve: (value: never) => void, error: Error): void {
  resolve(failedAtCaller(error) as never);
}

/**
 * A promise that fails with `error` rethrown from a reaction (rethrowAtCaller) that runs only once
 * it is chained to the caller's promise (see rejectAtCaller): what applied() returns for a failure.
 */
export function failedAtCaller(error: unknown): Promise<never> {
  const rejected = APPLIED_ANSWER.then(() => {
    throw error;
  });
  return rejected.catch(rethrowAtCaller);
}

/** A settled promise to start rejectAtCaller's chain from. */
const APPLIED_ANSWER: Promise<void> = Promise.resolve();

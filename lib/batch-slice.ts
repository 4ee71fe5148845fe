/**
 * Many changes made in one call (Connection.changes), sent as slices: runs of consecutive changes
 * that go in one datagram each, with one entry in the request table per slice instead of one per
 * change. The changes of a batch get consecutive sequence numbers; in a slice only the last asks
 * for an ACK, and the kernel answers the others only when they fail (in order, before that ACK). So
 * an error is matched to its change by its sequence number, and the slice's ACK (or the error of
 * its last change) settles every change of the slice not answered before it.
 */
import { NLM_F_ACK, NLM_F_REQUEST } from '../messages/constants.js';
import { setWrittenFrameHeader, writtenFrameFlags, writtenFrameType } from '../messages/framing.js';
import type { MessageHeader } from '../messages/message.js';
import { CHANGE_ANSWER } from './answer-cost.js';
import type { RequestOptions } from './connection.js';
import type { RequestWriter } from './message-codec.js';
import { BatchOutcome, newPendingRequest, RESOLVE_VOID } from './pending-request.js';
import type { RequestPath } from './request-path.js';
import { MAX_DATAGRAM } from './send-queue.js';

/**
 * The changes of one batch sent in one datagram: the batch's entries [from, to) (those refused by
 * their checks among them are settled already and were not sent), sequence numbers `base + i`.
 */
export class BatchSlice {
  /** Changes of the slice sent and not settled yet. */
  #waiting: number;

  constructor(
    readonly outcome: BatchOutcome,
    /** The sequence number of the batch's entry 0 (entry i has base + i, modulo 2^32). */
    readonly base: number,
    readonly from: number,
    readonly to: number,
    sent: number,
    /** The operation of entry i in words, for its error (with the connection's context). */
    readonly describe: (i: number) => string,
  ) {
    this.#waiting = sent;
  }

  /** The first sequence number of the slice, and how many follow it: the numbers it holds. */
  get first(): number {
    return (this.base + this.from) >>> 0;
  }
  get count(): number {
    return this.to - this.from;
  }

  /** The batch entry of `seq` (one of the slice's). */
  entryOf(seq: number): number {
    return (seq - this.base) >>> 0;
  }

  /** The kernel refused the change with `seq` (sent in this slice). */
  failEntry(seq: number, error: Error): void {
    const i = this.entryOf(seq);
    if (this.#waiting === 0 || this.outcome.results[i] !== undefined) return;
    this.#waiting--;
    this.outcome.settle(i, error);
  }

  /**
   * The slice's outcome (it settles as its table entry would): with no error, every change still
   * waiting was applied (the ACK of its last change came); with one, they all failed with it (a
   * timeout, an abort, the connection closed, answers lost).
   */
  settle(error: Error | undefined): void {
    const waiting = this.#waiting;
    if (waiting === 0) return;
    this.#waiting = 0;
    if (error === undefined) this.outcome.settleMany(waiting);
    else this.outcome.failWaiting(this.from, this.to, error, waiting);
  }
}

/**
 * Writes `subjects` (each with its writer: `one`, or `writers[i]`) into the send queue as slices and
 * queues them; the promise resolves with one entry per subject (see Connection.changes). A subject
 * whose checks throw gets that error and is not sent.
 */
export function sendBatch<M extends MessageHeader, T>(
  path: RequestPath<M>,
  one: RequestWriter<T> | undefined,
  writers: ReadonlyArray<RequestWriter<T>> | undefined,
  subjects: readonly T[],
  options: RequestOptions,
): Promise<Array<Error | undefined>> {
  const count = subjects.length;
  const outcome = new BatchOutcome(count);
  if (count === 0) return outcome.promise;
  if (path.closedReason !== undefined || options.signal?.aborted) {
    for (let i = 0; i < count; i++) {
      try {
        path.checkOpen((one ?? writers![i]!).operation, options);
      } catch (error) {
        outcome.settle(i, error as Error);
      }
    }
    return outcome.promise;
  }
  const perSlice = Math.max(1, Math.floor(path.queue.budget / CHANGE_ANSWER));
  const describe = (i: number): string => {
    const writer = one ?? writers![i]!;
    return path.describe(newPendingRequest<M>('ack', options.operation ?? writer.operation, options.operation === undefined ? writer : undefined, subjects[i]));
  };
  const base = path.table.reserveSeqs(count);
  const w = path.queue.out;
  let sliceStart = w.length;
  let from = 0;
  let sent = 0;
  let last = -1;
  let lastStart = 0;
  let slow = false;
  // Whether the last type and flags seen are slow ones: a batch mostly repeats one kind of change.
  let seenType = -1;
  let seenFlags = -1;
  let seenSlow = false;
  for (let i = 0; i < count; i++) {
    const writer = one ?? writers![i]!;
    const start = w.length;
    try {
      writer.write(w, subjects[i]!);
    } catch (error) {
      w.truncate(start);
      outcome.settle(i, error as Error);
      continue;
    }
    w.align();
    if (sent > 0 && (sent === perSlice || w.length - sliceStart > MAX_DATAGRAM)) {
      queueSlice(path, outcome, describe, base, from, i, sent, sliceStart, start, lastStart, last, one ?? writers![last]!, subjects[last], slow, options);
      sliceStart = start;
      from = i;
      sent = 0;
      slow = false;
    }
    const flags = writtenFrameFlags(w, start) | NLM_F_REQUEST;
    setWrittenFrameHeader(w, start, flags, (base + i) >>> 0);
    const type = writtenFrameType(w, start);
    if (type !== seenType || flags !== seenFlags) {
      seenType = type;
      seenFlags = flags;
      seenSlow = path.slowness(type, flags) !== false;
    }
    if (seenSlow) slow = true;
    sent++;
    last = i;
    lastStart = start;
  }
  if (sent > 0) queueSlice(path, outcome, describe, base, from, count, sent, sliceStart, w.length, lastStart, last, one ?? writers![last]!, subjects[last], slow, options);
  return outcome.promise;
}

/** Makes the table entry of the slice written at [start, end) of the send buffer and queues it. */
function queueSlice<M extends MessageHeader, T>(
  path: RequestPath<M>,
  outcome: BatchOutcome,
  describe: (i: number) => string,
  base: number,
  from: number,
  to: number,
  sent: number,
  start: number,
  end: number,
  lastStart: number,
  last: number,
  lastWriter: RequestWriter<T>,
  lastSubject: T | undefined,
  slow: boolean,
  options: RequestOptions,
): void {
  const w = path.queue.out;
  const seq = (base + last) >>> 0;
  const flags = writtenFrameFlags(w, lastStart) | NLM_F_ACK;
  setWrittenFrameHeader(w, lastStart, flags, seq);
  const slice = new BatchSlice(outcome, base, from, to, sent, describe);
  const request = newPendingRequest<M>('ack', options.operation ?? lastWriter.operation, options.operation === undefined ? lastWriter : undefined, lastSubject);
  request.flags = flags;
  request.start = start;
  request.end = end;
  request.resolveWith = RESOLVE_VOID;
  request.cost = sent * CHANGE_ANSWER;
  request.slow = slow;
  path.table.addSlice(request, seq, slice);
  path.entered();
  path.limit(request, options);
  path.watch(request, options);
  path.queue.push(request);
}

import { NLM_F_ACK, NLM_F_ECHO, NLM_F_REQUEST } from '../messages/constants.js';
import { setFrameFlags } from '../messages/framing.js';
import { CHANGE_ANSWER } from './answer-cost.js';
import { Writer } from '../messages/writer.js';
import { noop, QUEUED, SENT, type PendingRequest } from './pending-request.js';
import { PrefixViews } from './views.js';
import { monotonicMs } from './clock.js';
import type { SendOptions, Transport } from './transport.js';

/** The most bytes the queue puts in one datagram. */
export const MAX_DATAGRAM = 64 * 1024;
/** Queued requests are sent once the answers in flight fall to this share of the budget (so many go per datagram). */
const REFILL_AT = 0.5;
/**
 * Flushes run as microtasks, so that requests made in the same tick share a datagram. A caller
 * that awaits one request after another makes a chain of them that never lets the event loop
 * turn (the transport reads each answer within the send); after this many flushes, or this long,
 * the next goes through setImmediate, so that neither many quick requests nor a few the kernel
 * takes milliseconds over (an address added to a device that holds thousands) starve timers and I/O.
 */
const MICROTASK_FLUSHES = 256;
/**
 * Creations or deletions queued (outside a hold) after which they are sent at once, before the
 * caller's tick ends, when nothing is in flight and they fit one datagram: it goes to the kernel
 * from a worker thread (MessageCodec.isSlow), which works on it while the caller makes the rest
 * (200 veth pairs made in one Promise.all: the first datagram no longer waits for the 200th pair).
 */
const EARLY_SLOW = 48;
const MICROTASK_RUN_MS = 2;
/** The options of a quiet send (SendOptions.quiet): one object for all. */
export const QUIET: SendOptions = { quiet: true };
/** Scheduling through a resolved promise: queueMicrotask wraps each callback in an AsyncResource. */
const RESOLVED = Promise.resolve();
/**
 * The send buffer's first size. It grows (doubling) when a burst needs more and is then kept, so a
 * busy connection pays for growing once; a namespace's connection that makes a few requests at a
 * time (a container's) never needs more, and each byte of a new buffer is zeroed when it is made.
 */
const FIRST_SEND_BUFFER = 1024;

/** What sendNow() did: left the request to be queued, or sent it (the transport done with it, or not yet). */
export const NOT_SENT = 0;
export const SENT_NOW = 1;
export const SENT_PENDING = 2;
/**
 * Sent and done as with SENT_NOW, by a caller that lets the event loop turn before it settles (see
 * sendNow's `overrun`): the run of microtasks it came in had gone on too long.
 */
export const SENT_LATE = 3;

/** `outcome`, settled once the event loop has turned: what a caller does with SENT_LATE. */
export function afterTurn<T>(outcome: Promise<T>): Promise<T> {
  // A rejection is the adopting promise's to report, not this one's.
  outcome.catch(noop);
  return new Promise((resolve) => setImmediate(resolve, outcome));
}

/**
 * A change that asks for its echo (NLM_F_ECHO) followed in its datagram by a GET (a lookup, which is
 * always answered, by its reply or an error): the change needs no ACK. The kernel answers the two
 * in order, so the GET's answer comes after the change's echo or error, and settles the change
 * (VethPair.create sends a creation and its peer's lookup so: one answer fewer per pair).
 */
function echoedBefore<M>(change: PendingRequest<M>, next: PendingRequest<M>): boolean {
  return change.completion === 'ack' && (change.flags & (NLM_F_ECHO | NLM_F_ACK)) === (NLM_F_ECHO | NLM_F_ACK) && change.batch === undefined && next.completion === 'reply';
}

/**
 * Requests waiting to be sent, and the answers in flight. Each request is encoded once, straight
 * into one send buffer, when it is made; in a microtask the queue is packed into datagrams (each a
 * run of consecutive requests, at most 64 KiB) while the answers they may bring fit the budget
 * (lib/answer-cost.ts). The buffer is reused from its start once everything in it is sent.
 */
export class SendQueue<M> {
  /** Requests not yet sent, in order, at [_head, _tail); the array is reused, never replaced. */
  private readonly _queue: Array<PendingRequest<M> | undefined> = [];
  private _head = 0;
  private _tail = 0;
  /**
   * Where a request's message is written, before push() (a field, not a getter: read for every
   * request). Only the queue replaces it.
   */
  out = new Writer(FIRST_SEND_BUFFER);
  private _inFlight = 0;
  private readonly _views = new PrefixViews();
  private _scheduled = false;
  private _stopped = false;
  /** Flushes run as microtasks since the event loop last turned, and when the first of them was scheduled. */
  private _microtaskFlushes = 0;
  private _runStart = 0;
  private readonly _endRun = (): void => {
    this._microtaskFlushes = 0;
  };
  private readonly _budget: number;
  private readonly _transmit: (datagram: Uint8Array, slow: boolean, quiet: boolean) => Promise<void> | undefined;
  private readonly _failed: (request: PendingRequest<M>, error: Error) => void;
  /** The transport, asked whether it reads until empty (Transport.readsUntilEmpty). */
  private readonly _transport: Pick<Transport, 'readsUntilEmpty' | 'send' | 'sendAlone'>;
  /**
   * `transmit` is the transport's send and nothing more (nothing traced), and the transport has
   * sendAlone: sendLone calls that itself, one call less and no checks made twice.
   */
  private readonly _transmitsDirectly: boolean;
  private readonly _timed: (request: PendingRequest<M>) => void;
  private readonly _flush = (): void => {
    this._scheduled = false;
    this._flushQueue();
  };
  /** Bulk calls under way (see hold()): their requests go out together, none alone. */
  private _holds = 0;
  /** A request went out alone in this microtask: others made in it are concurrent, and queued together. */
  private _burst = false;
  private readonly _endBurst = (): void => {
    this._burst = false;
  };
  /** Inside a transmit: a request made from a listener called within it is queued, never sent from there. */
  private _sending = false;
  /** Creations and deletions queued since the queue was last flushed (see EARLY_SLOW). */
  private _slowQueued = 0;

  /**
   * `transmit` sends one datagram (the bytes are reused once it returns), like Transport.send:
   * undefined when sent, a promise when the send waits; it throws when the socket refuses it.
   * `failed` is told of each request a failed send carried; `timed` of each request whose clock
   * started (see left()). `transport` is asked whether it reads until empty (Transport.readsUntilEmpty,
   * read where it is needed, not through a function of the queue's): while it does, a plain change sent alone with nothing else awaited goes without NLM_F_ACK (`quiet`,
   * see sendNow()). `transmitsDirectly`: `transmit` only calls `transport.send` (see _transmitsDirectly).
   */
  constructor(
    budget: number,
    transmit: (datagram: Uint8Array, slow: boolean, quiet: boolean) => Promise<void> | undefined,
    failed: (request: PendingRequest<M>, error: Error) => void,
    transport: Pick<Transport, 'readsUntilEmpty' | 'send' | 'sendAlone'>,
    timed: (request: PendingRequest<M>) => void,
    transmitsDirectly = false,
  ) {
    this._budget = budget;
    this._transmit = transmit;
    this._failed = failed;
    this._transport = transport;
    this._timed = timed;
    this._transmitsDirectly = transmitsDirectly && transport.sendAlone !== undefined;
  }

  /** The receive-buffer charge the answers in flight may take at most (see lib/answer-cost.ts). */
  get budget(): number {
    return this._budget;
  }

  /** Receive-buffer charge of the answers that may be in flight. */
  get inFlight(): number {
    return this._inFlight;
  }

  /** Queues a request whose bytes were just written to `out` at [request.start, request.end). */
  push(request: PendingRequest<M>): void {
    this._queue[this._tail++] = request;
    if (request.slow && ++this._slowQueued >= EARLY_SLOW && this._holds === 0) this._flushEarly();
    this._schedule();
  }

  /**
   * Sends what is queued now (see EARLY_SLOW) if it is one datagram that goes off-thread: nothing in
   * flight, every queued request contiguous and fitting the budget and MAX_DATAGRAM, two or more of
   * them slow. Its answers are then read once that send returns, never from within this call.
   */
  private _flushEarly(): void {
    if (this._inFlight !== 0 || this._sending || this._stopped || this._head === this._tail) return;
    const queue = this._queue;
    const start = queue[this._head]!.start;
    let end = start;
    let cost = 0;
    let slow = 0;
    for (let i = this._head; i < this._tail; i++) {
      const request = queue[i]!;
      if (request.state !== QUEUED || request.start !== end) return;
      end = request.end;
      cost += request.cost;
      if (request.slow) slow++;
    }
    if (slow < 2 || end - start > MAX_DATAGRAM || cost > this._budget) return;
    this._flushQueue();
  }

  /**
   * Sends a request whose bytes were just written to `out`, at once and alone, when nothing waits
   * before it and no other request was made in this microtask (requests made together are queued,
   * to share datagrams). With a transport that reads answers within its send, the request is then
   * settled before this returns: one request awaited at a time costs no queueing and no microtask.
   * A plain change sent so with nothing else awaited, where the transport reads until empty, goes
   * without NLM_F_ACK and is marked quiet: the kernel answers it only if it failed, so if it is
   * still SENT when this returns SENT_NOW, it was applied (the caller settles it). The kernel
   * then makes, queues and the socket reads no ACK.
   * NOT_SENT: the caller queues it (push()). Once a run of microtasks has gone on too long, a
   * request is queued, so that the event loop turns before it is sent; with `overrun` it is sent
   * all the same (SENT_LATE) and the caller holds its outcome back until the loop has turned.
   */
  sendNow(request: PendingRequest<M>, overrun = false): number {
    if (this._holds > 0 || this._burst || this._sending || this._stopped || this._head !== this._tail) return NOT_SENT;
    if (this._inFlight > 0 && this._inFlight + request.cost > this._budget) return NOT_SENT;
    const inRun = this._stepInRun();
    if (!inRun && !overrun) return NOT_SENT;
    this._burst = true;
    void RESOLVED.then(this._endBurst);
    // Alone, a request slow for a few ms only is sent from this thread (see MessageCodec.isSlow).
    const slow = request.slow && !request.brief;
    // Nothing else awaited: a plain change needs no ACK where the transport reads until empty (Transport.readsUntilEmpty).
    const quiet = request.coverable && !slow && this._inFlight === 0 && this._transport.readsUntilEmpty === true;
    request.state = SENT;
    this._inFlight += request.cost;
    const out = this.out;
    const datagram = request.start === 0 ? this._views.of(out.buffer, request.end) : out.since(request.start).subarray(0, request.end - request.start);
    if (quiet) {
      request.quiet = true;
      setFrameFlags(datagram, 0, request.flags & ~NLM_F_ACK);
    }
    // A dump's first datagrams are read within the send: its clock starts before. A lone change's
    // is read only if it is still waiting after the send (the clock is not read on the quick path).
    return this._transmitAlone(request, datagram, slow, quiet, inRun, request.completion === 'dump' && request.timeoutMs > 0 ? monotonicMs() : -1);
  }

  /**
   * Whether sendNow() would leave any request made now to be queued (NOT_SENT) whatever the request:
   * held, in a burst, sending, stopped, or with requests queued before it.
   */
  queuing(): boolean {
    return this._holds > 0 || this._burst || this._sending || this._stopped || this._head !== this._tail;
  }

  /**
   * The quick lane's send (RequestPath.change): a plain change (RequestWriter.plain) just written
   * alone at the start of `out`, its operation, subject and time limit set on `request`, by a path
   * that is open: so nothing is queued (what is queued is in `out`) and the queue is not stopped
   * (stop() comes with the path's close). NOT_SENT, with nothing done, unless a change made now
   * would go out at once, alone and without NLM_F_ACK (see sendNow): nothing held, being sent or in
   * flight, and the transport reads until empty. Else `request` is given a sequence number from `seqs` (not entered in the table:
   * RequestPath.change enters it if anything looks for it), its end and state SENT, and its frame
   * is sent without NLM_F_ACK: SENT_NOW, SENT_LATE (see sendNow's `overrun`), or SENT_PENDING
   * (the request then charged: chargeLone). Nothing is charged for it meanwhile, and its flags and
   * cost are not set: a quiet change unanswered within its send (the usual one) was applied and
   * needs neither; whatever looks for it within the send (an answer read, a socket error, the
   * send's failure) has RequestPath.change charge it first (chargeLone), and the caller frees that
   * charge (release()) once it is settled. One function from the check to the socket: each call is
   * a frame and inline-cache calls of its own while the path runs in baseline code.
   */
  sendLone(request: PendingRequest<M>, seqs: { takeNext(): number }): number {
    if (this._holds !== 0 || this._burst || this._sending || this._inFlight !== 0 || this._transport.readsUntilEmpty !== true) return NOT_SENT;
    const out = this.out;
    const end = out.length;
    // The frame's header as words (type and flags, then the sequence number), host order being
    // little-endian: an indexed load or store each, where a DataView's is a call in baseline code.
    const words = out.words();
    const typeAndFlags = words[1]!;
    request.end = end;
    const seq = seqs.takeNext();
    request.seq = seq;
    words[1] = (typeAndFlags & 0xffff) | ((((typeAndFlags >>> 16) | NLM_F_REQUEST) & ~NLM_F_ACK) << 16);
    words[2] = seq;
    // _stepInRun() written out for its usual case (a run under way, not at a clock reading or its
    // end), and _transmitAlone() for a quiet change.
    const steps = this._microtaskFlushes + 1;
    let inRun: boolean;
    if (steps !== 1 && (steps & 15) !== 0 && steps <= MICROTASK_FLUSHES) {
      this._microtaskFlushes = steps;
      inRun = true;
    } else {
      inRun = this._stepInRun();
    }
    this._burst = true;
    void RESOLVED.then(this._endBurst);
    request.state = SENT;
    let pending: Promise<void> | undefined;
    this._sending = true;
    try {
      const datagram = this._views.of(out.buffer, end);
      pending = this._transmitsDirectly ? this._transport.sendAlone!(datagram) : this._transmit(datagram, false, true);
    } catch (error) {
      this._failed(request, error as Error);
    } finally {
      this._sending = false;
    }
    if (this._head === this._tail) out.reset();
    if (pending === undefined) return inRun ? SENT_NOW : SENT_LATE;
    return this._sentLater(request, pending, -1);
  }

  /**
   * Charges the quick lane's change that sendLone sends or sent (see there), and gives it the flags
   * prepare() gives a plain change (NLM_F_ACK included, though sent without): something looks for
   * it. Its frame is still at the start of `out` when this is called (within its send, before
   * anything else is written; or right after sendLone returned).
   */
  chargeLone(request: PendingRequest<M>): void {
    request.flags = (this.out.words()[1]! >>> 16) | NLM_F_ACK;
    request.cost = CHANGE_ANSWER;
    this._inFlight += CHANGE_ANSWER;
  }

  /** The send of sendNow(); `sentAt` is monotonicMs() when the clock started before it, else -1. */
  private _transmitAlone(request: PendingRequest<M>, datagram: Uint8Array, slow: boolean, quiet: boolean, inRun: boolean, sentAt: number): number {
    let pending: Promise<void> | undefined;
    this._sending = true;
    try {
      pending = this._transmit(datagram, slow, quiet);
    } catch (error) {
      this._failed(request, error as Error);
    } finally {
      this._sending = false;
    }
    if (this._head === this._tail) this.out.reset();
    if (pending === undefined) {
      // Quiet and unanswered: applied, settled by the caller, no clock for it.
      if (request.state === SENT && !request.quiet && request.timeoutMs > 0) this._startClock(request, sentAt >= 0 ? sentAt : monotonicMs());
      return inRun ? SENT_NOW : SENT_LATE;
    }
    return this._sentLater(request, pending, sentAt);
  }

  /** A lone request the transport sends later (its send returned `pending`): SENT_PENDING. */
  private _sentLater(request: PendingRequest<M>, pending: Promise<void>, sentAt: number): number {
    // The transport sends it later, with NLM_F_ACK set again (SendOptions.quiet): its ACK settles it.
    request.quiet = false;
    if (request.state === SENT && request.timeoutMs > 0) this._startClock(request, sentAt >= 0 ? sentAt : monotonicMs());
    pending.catch((error: Error) => this._failed(request, error));
    return SENT_PENDING;
  }

  /** Holds sendNow() back until release: a bulk call's requests all go through the queue. */
  hold(): void {
    this._holds++;
  }

  /** Ends a hold(). */
  unhold(): void {
    if (--this._holds === 0 && this._slowQueued >= EARLY_SLOW) this._flushEarly();
  }

  /**
   * The datagram carrying requests [from, to) of `requests` was handed to the socket at `sentAt`
   * (monotonicMs()): the clocks of those still waiting for their answer start then.
   */
  left(requests: ArrayLike<PendingRequest<M> | undefined>, from: number, to: number, sentAt: number): void {
    for (let i = from; i < to; i++) {
      const request = requests[i]!;
      // Answered within the send already, or given no time limit.
      if (request.state === SENT && request.timeoutMs > 0) this._startClock(request, sentAt);
    }
  }

  private _startClock(request: PendingRequest<M>, now: number): void {
    request.deadline = now + request.timeoutMs;
    this._timed(request);
  }

  /** Counts a request sent outside the queue (a transaction's datagram). */
  charge(request: PendingRequest<M>): void {
    this._inFlight += request.cost;
  }

  /** A request's answers are read or no longer expected: its charge is freed. */
  release(request: PendingRequest<M>): void {
    if (request.cost === 0) return;
    this._inFlight -= request.cost;
    request.cost = 0;
    // Refill only below REFILL_AT of the budget, so queued requests go out many per datagram rather
    // than one sendmsg per answer read.
    if (this._head < this._tail && this._inFlight <= this._budget * REFILL_AT) this._schedule();
  }

  /** Sends nothing more (the connection closed). */
  stop(): void {
    this._stopped = true;
  }

  private _schedule(): void {
    if (this._scheduled || this._stopped) return;
    this._scheduled = true;
    if (this._stepInRun()) void RESOLVED.then(this._flush);
    else setImmediate(this._flush);
  }

  /**
   * Counts one more send (a flush, or a request sent at once) in the current run of microtasks;
   * false once the run has gone on too long, and the next send waits for the event loop to turn.
   */
  private _stepInRun(): boolean {
    if (this._microtaskFlushes === 0) {
      setImmediate(this._endRun);
      this._runStart = monotonicMs();
    }
    const steps = ++this._microtaskFlushes;
    // The clock is read every 16th step only: each reading allocates a number.
    if (steps <= MICROTASK_FLUSHES && ((steps & 15) !== 0 || monotonicMs() - this._runStart < MICROTASK_RUN_MS)) return true;
    this._microtaskFlushes = MICROTASK_FLUSHES;
    return false;
  }

  private _nextQueued(): PendingRequest<M> | undefined {
    const queue = this._queue;
    while (this._head < this._tail) {
      const next = queue[this._head]!;
      if (next.state === QUEUED) return next;
      queue[this._head++] = undefined;
    }
    this._head = this._tail = 0;
    this.out.reset();
    return undefined;
  }

  /** Packs queued requests into datagrams while their answers fit the budget. */
  private _flushQueue(): void {
    const queue = this._queue;
    this._slowQueued = 0;
    while (!this._stopped) {
      const first = this._nextQueued();
      if (first === undefined) return;
      if (this._inFlight > 0 && this._inFlight + first.cost > this._budget) break;
      const from = this._head;
      let to = from + 1;
      let end = first.end;
      // Off-thread only for a deletion, or for more than one creation (see MessageCodec.isSlow).
      let slow = first.slow && !first.brief;
      let briefs = first.brief ? 1 : 0;
      this._inFlight += first.cost;
      first.state = SENT;
      while (to < this._tail) {
        const next = queue[to]!;
        if (next.state !== QUEUED || next.start !== end || next.end - first.start > MAX_DATAGRAM || this._inFlight + next.cost > this._budget) break;
        this._inFlight += next.cost;
        next.state = SENT;
        if (next.brief) briefs++;
        else slow ||= next.slow;
        end = next.end;
        to++;
      }
      this._send(from, to, first.start, end, slow || briefs > 1);
      for (let i = from; i < to; i++) queue[i] = undefined;
      this._head = to;
    }
    this._compact();
  }

  /**
   * Sends requests [from, to) of the queue (bytes [start, end) of the send buffer) as one
   * datagram. Of the plain changes in it, only the last asks for an ACK: the kernel answers every
   * failure anyway, in order, so that one ACK settles the others (one answer datagram per sendmsg
   * instead of one per request).
   */
  private _send(from: number, to: number, start: number, end: number, slow: boolean): void {
    const queue = this._queue;
    const datagram = start === 0 ? this._views.of(this.out.buffer, end) : this.out.since(start).subarray(0, end - start);
    if (to - from > 1) {
      let anchor = to - 1;
      while (anchor >= from && !queue[anchor]!.coverable) anchor--;
      for (let i = from; i < to - 1; i++) {
        const p = queue[i]!;
        if (p.coverable) {
          if (i >= anchor) continue;
          setFrameFlags(datagram, p.start - start, p.flags & ~NLM_F_ACK);
          (queue[anchor]!.covers ??= []).push(p);
        } else if (echoedBefore(p, queue[i + 1]!)) {
          setFrameFlags(datagram, p.start - start, p.flags & ~NLM_F_ACK);
          (queue[i + 1]!.covers ??= []).push(p);
        }
      }
    }
    const sentAt = monotonicMs();
    let pending: Promise<void> | undefined;
    try {
      pending = this._transmit(datagram, slow, false);
    } catch (error) {
      for (let i = from; i < to; i++) this._failed(queue[i]!, error as Error);
      return;
    }
    this.left(queue, from, to, sentAt);
    if (pending !== undefined) {
      const parts = queue.slice(from, to) as Array<PendingRequest<M>>;
      pending.catch((error: Error) => {
        for (const p of parts) this._failed(p, error);
      });
    }
  }

  /** Moves the bytes of still-queued requests to the front of the send buffer once much is sent. */
  private _compact(): void {
    const first = this._head < this._tail ? this._queue[this._head] : undefined;
    if (first === undefined || first.start < 64 * 1024 || first.start * 2 < this.out.length) return;
    const shift = first.start;
    const out = new Writer(Math.max(16 * 1024, this.out.length - shift));
    out.bytes(this.out.since(shift));
    this.out = out;
    for (let i = this._head; i < this._tail; i++) {
      const request = this._queue[i]!;
      request.start -= shift;
      request.end -= shift;
    }
  }
}

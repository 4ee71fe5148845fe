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

/** What a SendQueue is made with (see createSendQueue). */
export interface SendQueueSettings<M> {
  /** The receive-buffer charge the answers in flight may take at most (lib/answer-cost.ts). */
  budget: number;
  /**
   * Sends one datagram (the bytes are reused once it returns), like Transport.send: undefined when
   * sent, a promise when the send waits; it throws when the socket refuses it.
   */
  transmit: (datagram: Uint8Array, slow: boolean, quiet: boolean) => Promise<void> | undefined;
  /** Told of each request a failed send carried. */
  failed: (request: PendingRequest<M>, error: Error) => void;
  /**
   * Asked whether it reads until empty (Transport.readsUntilEmpty, read where it is needed; its
   * sendAlone answers it itself): while it does, a plain change sent alone with nothing else
   * awaited goes without NLM_F_ACK (`quiet`, see sendNow()).
   */
  transport: Pick<Transport, 'readsUntilEmpty' | 'send' | 'sendAlone'>;
  /** Told of each request whose clock started (see left()). */
  timed: (request: PendingRequest<M>) => void;
  /** `transmit` only calls `transport.send` (nothing traced): sendLone calls the transport's sendAlone itself. */
  transmitsDirectly?: boolean;
  /**
   * sendLone's send waits (SENT_PENDING): called before its clock is started, so that the caller
   * gives `request` what it keeps elsewhere until something looks for it (its time limit, state SENT).
   */
  lonePending?: (request: PendingRequest<M>) => void;
}

/**
 * Requests waiting to be sent, and the answers in flight. Each request is encoded once, straight
 * into one send buffer, when it is made; in a microtask the queue is packed into datagrams (each a
 * run of consecutive requests, at most 64 KiB) while the answers they may bring fit the budget
 * (lib/answer-cost.ts). The buffer is reused from its start once everything in it is sent.
 *
 * Made by createSendQueue: its state is variables of one closure, which its functions share. A
 * request awaited at a time runs in baseline code (V8's first tiers) for its first thousands, where
 * a field of an object costs an inline-cache call each read or write and a variable of the closure
 * about what a local does.
 */
export interface SendQueue<M> {
  /**
   * Where a request's message is written, before push() (a field, not a getter: read for every
   * request). Only the queue replaces it.
   */
  readonly out: Writer;
  /** The receive-buffer charge the answers in flight may take at most (see lib/answer-cost.ts). */
  readonly budget: number;
  /** Receive-buffer charge of the answers that may be in flight. */
  inFlight(): number;
  /** Queues a request whose bytes were just written to `out` at [request.start, request.end). */
  push(request: PendingRequest<M>): void;
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
  sendNow(request: PendingRequest<M>, overrun?: boolean): number;
  /**
   * Whether sendNow() would leave any request made now to be queued (NOT_SENT) whatever the request:
   * held, in a burst, sending, stopped, or with requests queued before it.
   */
  queuing(): boolean;
  /**
   * The quick lane's send (RequestPath.change): a plain change (RequestWriter.plain) just written
   * alone at the start of `out`, by a path that is open: so nothing is queued (what is queued is in
   * `out`) and the queue is not stopped (stop() comes with the path's close). NOT_SENT unless a
   * change made now would go out at once, alone and without NLM_F_ACK (see sendNow): nothing held,
   * being sent or in flight, and the transport reads until empty (which its sendAlone checks
   * itself: refused there, the frame's flags and sequence number are left changed for the caller's
   * general path to set again; nothing else is done). Else its frame is given the sequence number
   * `seq` (taken by RequestPath.change, and handed back there on NOT_SENT; not entered in the
   * table: RequestPath.change enters it if anything looks for it) and sent without NLM_F_ACK:
   * SENT_NOW, SENT_LATE (see sendNow's `overrun`), or SENT_PENDING (`lonePending` told first; the
   * request then charged: chargeLone). `request` is the lane's request object, of which nothing
   * is read or set here unless the send waits or fails: nothing is charged for it meanwhile, and
   * its flags and cost are not set: a quiet change unanswered within its send (the usual one) was
   * applied and needs neither; whatever looks for it within the send (an answer read, a socket
   * error, the send's failure) has RequestPath.change fill, charge (chargeLone) and enter it
   * first, and the caller frees that charge (release()) once it is settled.
   */
  sendLone(request: PendingRequest<M>, seq: number): number;
  /**
   * Charges the quick lane's change that sendLone sends or sent (see there), and gives it the flags
   * prepare() gives a plain change (NLM_F_ACK included, though sent without) and its frame's
   * sequence number: something looks for it. Its frame is still at the start of `out` when this is called (within its send, before
   * anything else is written; or right after sendLone returned).
   */
  chargeLone(request: PendingRequest<M>): void;
  /** Holds sendNow() back until release: a bulk call's requests all go through the queue. */
  hold(): void;
  /** Ends a hold(). */
  unhold(): void;
  /**
   * The datagram carrying requests [from, to) of `requests` was handed to the socket at `sentAt`
   * (monotonicMs()): the clocks of those still waiting for their answer start then.
   */
  left(requests: ArrayLike<PendingRequest<M> | undefined>, from: number, to: number, sentAt: number): void;
  /** Counts a request sent outside the queue (a transaction's datagram). */
  charge(request: PendingRequest<M>): void;
  /** A request's answers are read or no longer expected: its charge is freed. */
  release(request: PendingRequest<M>): void;
  /** Sends nothing more (the connection closed). */
  stop(): void;
}

/** A send queue (see SendQueue). */
export function createSendQueue<M>(settings: SendQueueSettings<M>): SendQueue<M> {
  const budget = settings.budget;
  const transmit = settings.transmit;
  const failed = settings.failed;
  const transport = settings.transport;
  const timed = settings.timed;
  const lonePending = settings.lonePending;
  const transmitsDirectly = settings.transmitsDirectly === true && transport.sendAlone !== undefined;
  /** Requests not yet sent, in order, at [head, tail); the array is reused, never replaced. */
  const queue: Array<PendingRequest<M> | undefined> = [];
  let head = 0;
  let tail = 0;
  /** The send buffer: `self.out` is the same writer, replaced together with this one (compact()). */
  let out = new Writer(FIRST_SEND_BUFFER);
  let inFlight = 0;
  const views = new PrefixViews();
  let scheduled = false;
  let stopped = false;
  /** Flushes run as microtasks since the event loop last turned, and when the first of them was scheduled. */
  let microtaskFlushes = 0;
  let runStart = 0;
  const endRun = (): void => {
    microtaskFlushes = 0;
  };
  const flush = (): void => {
    scheduled = false;
    flushQueue();
  };
  /** Bulk calls under way (see hold()): their requests go out together, none alone. */
  let holds = 0;
  /** A request went out alone in this microtask: others made in it are concurrent, and queued together. */
  let burst = false;
  const endBurst = (): void => {
    burst = false;
  };
  /** Inside a transmit: a request made from a listener called within it is queued, never sent from there. */
  let sending = false;
  /** Creations and deletions queued since the queue was last flushed (see EARLY_SLOW). */
  let slowQueued = 0;

  function push(request: PendingRequest<M>): void {
    queue[tail++] = request;
    if (request.slow && ++slowQueued >= EARLY_SLOW && holds === 0) flushEarly();
    schedule();
  }

  /**
   * Sends what is queued now (see EARLY_SLOW) if it is one datagram that goes off-thread: nothing in
   * flight, every queued request contiguous and fitting the budget and MAX_DATAGRAM, two or more of
   * them slow. Its answers are then read once that send returns, never from within this call.
   */
  function flushEarly(): void {
    if (inFlight !== 0 || sending || stopped || head === tail) return;
    const start = queue[head]!.start;
    let end = start;
    let cost = 0;
    let slow = 0;
    for (let i = head; i < tail; i++) {
      const request = queue[i]!;
      if (request.state !== QUEUED || request.start !== end) return;
      end = request.end;
      cost += request.cost;
      if (request.slow) slow++;
    }
    if (slow < 2 || end - start > MAX_DATAGRAM || cost > budget) return;
    flushQueue();
  }

  function sendNow(request: PendingRequest<M>, overrun = false): number {
    if (holds > 0 || burst || sending || stopped || head !== tail) return NOT_SENT;
    if (inFlight > 0 && inFlight + request.cost > budget) return NOT_SENT;
    const inRun = stepInRun();
    if (!inRun && !overrun) return NOT_SENT;
    burst = true;
    void RESOLVED.then(endBurst);
    // Alone, a request slow for a few ms only is sent from this thread (see MessageCodec.isSlow).
    const slow = request.slow && !request.brief;
    // Nothing else awaited: a plain change needs no ACK where the transport reads until empty (Transport.readsUntilEmpty).
    const quiet = request.coverable && !slow && inFlight === 0 && transport.readsUntilEmpty === true;
    request.state = SENT;
    inFlight += request.cost;
    const datagram = request.start === 0 ? views.of(out.buffer, request.end) : out.since(request.start).subarray(0, request.end - request.start);
    if (quiet) {
      request.quiet = true;
      setFrameFlags(datagram, 0, request.flags & ~NLM_F_ACK);
    }
    // A dump's first datagrams are read within the send: its clock starts before. A lone change's
    // is read only if it is still waiting after the send (the clock is not read on the quick path).
    return transmitAlone(request, datagram, slow, quiet, inRun, request.completion === 'dump' && request.timeoutMs > 0 ? monotonicMs() : -1);
  }

  function queuing(): boolean {
    return holds > 0 || burst || sending || stopped || head !== tail;
  }

  // One function from the check to the socket: each call is a frame and inline-cache calls of its
  // own while the path runs in baseline code.
  function sendLone(request: PendingRequest<M>, seq: number): number {
    // The transport's sendAlone checks readsUntilEmpty itself (false: not sent): not read here for it.
    if (holds !== 0 || burst || sending || inFlight !== 0 || (!transmitsDirectly && transport.readsUntilEmpty !== true)) return NOT_SENT;
    const w = out;
    const end = w.length;
    // The frame's header as words (type and flags, then the sequence number), host order being
    // little-endian: an indexed load or store each, where a DataView's is a call in baseline code.
    const words = w.wordArray ?? w.words();
    const typeAndFlags = words[1]!;
    words[1] = (typeAndFlags & 0xffff) | ((((typeAndFlags >>> 16) | NLM_F_REQUEST) & ~NLM_F_ACK) << 16);
    words[2] = seq;
    // transmitAlone() written out for a quiet change. Nothing else is changed before the send: a
    // transport not ready for it (sendAlone's false) leaves the frame at the start of `out` for the
    // caller's general path, which sets its flags and sequence number again.
    let pending: Promise<void> | undefined | false;
    sending = true;
    try {
      pending = transmitsDirectly ? transport.sendAlone!(w.buffer, end) : transmit(views.of(w.buffer, end), false, true);
    } catch (error) {
      failed(request, error as Error);
    } finally {
      sending = false;
    }
    if (pending === false) return NOT_SENT;
    // stepInRun() written out for its usual case (a run under way, not at a clock reading or its end).
    const steps = microtaskFlushes + 1;
    let inRun: boolean;
    if (steps !== 1 && (steps & 15) !== 0 && steps <= MICROTASK_FLUSHES) {
      microtaskFlushes = steps;
      inRun = true;
    } else {
      inRun = stepInRun();
    }
    burst = true;
    void RESOLVED.then(endBurst);
    if (head === tail) {
      // Writer.reset() written out: a call less a change.
      w.length = 0;
      w.depth = 0;
    }
    if (pending === undefined) return inRun ? SENT_NOW : SENT_LATE;
    lonePending?.(request);
    return sentLater(request, pending, -1);
  }

  function chargeLone(request: PendingRequest<M>): void {
    const words = out.words();
    request.flags = (words[1]! >>> 16) | NLM_F_ACK;
    request.seq = words[2]!;
    request.cost = CHANGE_ANSWER;
    inFlight += CHANGE_ANSWER;
  }

  /** The send of sendNow(); `sentAt` is monotonicMs() when the clock started before it, else -1. */
  function transmitAlone(request: PendingRequest<M>, datagram: Uint8Array, slow: boolean, quiet: boolean, inRun: boolean, sentAt: number): number {
    let pending: Promise<void> | undefined;
    sending = true;
    try {
      pending = transmit(datagram, slow, quiet);
    } catch (error) {
      failed(request, error as Error);
    } finally {
      sending = false;
    }
    if (head === tail) out.reset();
    if (pending === undefined) {
      // Quiet and unanswered: applied, settled by the caller, no clock for it.
      if (request.state === SENT && !request.quiet && request.timeoutMs > 0) startClock(request, sentAt >= 0 ? sentAt : monotonicMs());
      return inRun ? SENT_NOW : SENT_LATE;
    }
    return sentLater(request, pending, sentAt);
  }

  /** A lone request the transport sends later (its send returned `pending`): SENT_PENDING. */
  function sentLater(request: PendingRequest<M>, pending: Promise<void>, sentAt: number): number {
    // The transport sends it later, with NLM_F_ACK set again (SendOptions.quiet): its ACK settles it.
    request.quiet = false;
    if (request.state === SENT && request.timeoutMs > 0) startClock(request, sentAt >= 0 ? sentAt : monotonicMs());
    pending.catch((error: Error) => failed(request, error));
    return SENT_PENDING;
  }

  function left(requests: ArrayLike<PendingRequest<M> | undefined>, from: number, to: number, sentAt: number): void {
    for (let i = from; i < to; i++) {
      const request = requests[i]!;
      // Answered within the send already, or given no time limit.
      if (request.state === SENT && request.timeoutMs > 0) startClock(request, sentAt);
    }
  }

  function startClock(request: PendingRequest<M>, now: number): void {
    request.deadline = now + request.timeoutMs;
    timed(request);
  }

  function release(request: PendingRequest<M>): void {
    if (request.cost === 0) return;
    inFlight -= request.cost;
    request.cost = 0;
    // Refill only below REFILL_AT of the budget, so queued requests go out many per datagram rather
    // than one sendmsg per answer read.
    if (head < tail && inFlight <= budget * REFILL_AT) schedule();
  }

  function schedule(): void {
    if (scheduled || stopped) return;
    scheduled = true;
    if (stepInRun()) void RESOLVED.then(flush);
    else setImmediate(flush);
  }

  /**
   * Counts one more send (a flush, or a request sent at once) in the current run of microtasks;
   * false once the run has gone on too long, and the next send waits for the event loop to turn.
   */
  function stepInRun(): boolean {
    if (microtaskFlushes === 0) {
      setImmediate(endRun);
      runStart = monotonicMs();
    }
    const steps = ++microtaskFlushes;
    // The clock is read every 16th step only: each reading allocates a number.
    if (steps <= MICROTASK_FLUSHES && ((steps & 15) !== 0 || monotonicMs() - runStart < MICROTASK_RUN_MS)) return true;
    microtaskFlushes = MICROTASK_FLUSHES;
    return false;
  }

  function nextQueued(): PendingRequest<M> | undefined {
    while (head < tail) {
      const next = queue[head]!;
      if (next.state === QUEUED) return next;
      queue[head++] = undefined;
    }
    head = tail = 0;
    out.reset();
    return undefined;
  }

  /** Packs queued requests into datagrams while their answers fit the budget. */
  function flushQueue(): void {
    slowQueued = 0;
    while (!stopped) {
      const first = nextQueued();
      if (first === undefined) return;
      if (inFlight > 0 && inFlight + first.cost > budget) break;
      const from = head;
      let to = from + 1;
      let end = first.end;
      // Off-thread only for a deletion, or for more than one creation (see MessageCodec.isSlow).
      let slow = first.slow && !first.brief;
      let briefs = first.brief ? 1 : 0;
      inFlight += first.cost;
      first.state = SENT;
      while (to < tail) {
        const next = queue[to]!;
        if (next.state !== QUEUED || next.start !== end || next.end - first.start > MAX_DATAGRAM || inFlight + next.cost > budget) break;
        inFlight += next.cost;
        next.state = SENT;
        if (next.brief) briefs++;
        else slow ||= next.slow;
        end = next.end;
        to++;
      }
      // Past them before the send: their answers, read within it, release their charge, and a
      // release that found them still at the head scheduled another flush, which found nothing.
      head = to;
      send(from, to, first.start, end, slow || briefs > 1);
      for (let i = from; i < to; i++) queue[i] = undefined;
    }
    compact();
  }

  /**
   * Sends requests [from, to) of the queue (bytes [start, end) of the send buffer) as one
   * datagram. Of the plain changes in it, only the last asks for an ACK: the kernel answers every
   * failure anyway, in order, so that one ACK settles the others (one answer datagram per sendmsg
   * instead of one per request).
   */
  function send(from: number, to: number, start: number, end: number, slow: boolean): void {
    const datagram = start === 0 ? views.of(out.buffer, end) : out.since(start).subarray(0, end - start);
    if (to - from > 1) {
      let anchor = to - 1;
      while (anchor >= from && !queue[anchor]!.coverable) anchor--;
      for (let i = from; i < to - 1; i++) {
        const p = queue[i]!;
        if (p.coverable) {
          if (i >= anchor) continue;
          setFrameFlags(datagram, p.start - start, p.flags & ~NLM_F_ACK);
          cover(queue[anchor]!, p);
        } else if (echoedBefore(p, queue[i + 1]!)) {
          setFrameFlags(datagram, p.start - start, p.flags & ~NLM_F_ACK);
          cover(queue[i + 1]!, p);
        }
      }
    }
    const sentAt = monotonicMs();
    let pending: Promise<void> | undefined;
    try {
      pending = transmit(datagram, slow, false);
    } catch (error) {
      for (let i = from; i < to; i++) failed(queue[i]!, error as Error);
      return;
    }
    left(queue, from, to, sentAt);
    if (pending !== undefined) {
      const parts = queue.slice(from, to) as Array<PendingRequest<M>>;
      pending.catch((error: Error) => {
        for (const p of parts) failed(p, error);
      });
    }
  }

  /**
   * `anchor`'s answer settles `p` (PendingRequest.covers). The first makes an array of one: an
   * empty array's first push gives it room for 17.
   */
  function cover(anchor: PendingRequest<M>, p: PendingRequest<M>): void {
    const covers = anchor.covers;
    if (covers === undefined) anchor.covers = [p];
    else covers.push(p);
  }

  /** Moves the bytes of still-queued requests to the front of the send buffer once much is sent. */
  function compact(): void {
    const first = head < tail ? queue[head] : undefined;
    if (first === undefined || first.start < 64 * 1024 || first.start * 2 < out.length) return;
    const shift = first.start;
    const moved = new Writer(Math.max(16 * 1024, out.length - shift));
    moved.bytes(out.since(shift));
    out = moved;
    (self as { out: Writer }).out = moved;
    for (let i = head; i < tail; i++) {
      const request = queue[i]!;
      request.start -= shift;
      request.end -= shift;
    }
  }

  // A plain object of data properties only: a literal with an accessor is made in dictionary mode,
  // where every property read is a lookup, even in optimized code.
  const self: SendQueue<M> = {
    out,
    budget,
    inFlight() {
      return inFlight;
    },
    push,
    sendNow,
    queuing,
    sendLone,
    chargeLone,
    hold() {
      holds++;
    },
    unhold() {
      if (--holds === 0 && slowQueued >= EARLY_SLOW) flushEarly();
    },
    left,
    charge(request) {
      inFlight += request.cost;
    },
    release,
    stop() {
      stopped = true;
    },
  };
  return self;
}

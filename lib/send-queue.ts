import { NLM_F_ACK } from '../messages/constants.js';
import { setFrameFlags } from '../messages/framing.js';
import { Writer } from '../messages/writer.js';
import { QUEUED, SENT, type PendingRequest } from './protocol.js';

const MAX_DATAGRAM = 64 * 1024;
/** Queued requests are sent once the answers in flight fall to this share of the budget (so many go per datagram). */
const REFILL_AT = 0.5;

/**
 * Requests waiting to be sent, and the answers in flight. Each request is encoded once, straight
 * into one send buffer, when it is made; in a microtask the queue is packed into datagrams (each a
 * run of consecutive requests, at most 64 KiB) while the answers they may bring fit the budget
 * (lib/answer-cost.ts). The buffer is reused from its start once everything in it is sent.
 */
export class SendQueue<M> {
  #queue: Array<PendingRequest<M>> = [];
  #head = 0;
  #out = new Writer(16 * 1024);
  #inFlight = 0;
  #scheduled = false;
  #stopped = false;
  readonly #budget: number;
  readonly #transmit: (datagram: Uint8Array, parts: Array<PendingRequest<M>>, slow: boolean) => void;
  readonly #flush = (): void => {
    this.#scheduled = false;
    this.#flushQueue();
  };

  /** `transmit` sends one datagram made of `parts` (synchronously: the bytes are reused after). */
  constructor(budget: number, transmit: (datagram: Uint8Array, parts: Array<PendingRequest<M>>, slow: boolean) => void) {
    this.#budget = budget;
    this.#transmit = transmit;
  }

  /** Where a request's message is written, before push(). */
  get out(): Writer {
    return this.#out;
  }

  /** Receive-buffer charge of the answers that may be in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Queues a request whose bytes were just written to `out` at [request.start, request.end). */
  push(request: PendingRequest<M>): void {
    this.#queue.push(request);
    this.#schedule();
  }

  /** Counts a request sent outside the queue (a transaction's datagram). */
  charge(request: PendingRequest<M>): void {
    this.#inFlight += request.cost;
  }

  /** A request's answers are read or no longer expected: its charge is freed. */
  release(request: PendingRequest<M>): void {
    if (request.cost === 0) return;
    this.#inFlight -= request.cost;
    request.cost = 0;
    // Refill only below REFILL_AT of the budget, so queued requests go out many per datagram rather
    // than one sendmsg per answer read.
    if (this.#head < this.#queue.length && this.#inFlight <= this.#budget * REFILL_AT) this.#schedule();
  }

  /** Sends nothing more (the connection closed). */
  stop(): void {
    this.#stopped = true;
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    queueMicrotask(this.#flush);
  }

  #nextQueued(): PendingRequest<M> | undefined {
    while (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head]!;
      if (next.state === QUEUED) return next;
      this.#head++;
    }
    this.#queue.length = 0;
    this.#head = 0;
    this.#out.reset();
    return undefined;
  }

  /** Packs queued requests into datagrams while their answers fit the budget. */
  #flushQueue(): void {
    const queue = this.#queue;
    while (!this.#stopped) {
      const first = this.#nextQueued();
      if (first === undefined) return;
      if (this.#inFlight > 0 && this.#inFlight + first.cost > this.#budget) break;
      let last = this.#head;
      let end = first.end;
      let slow = first.slow;
      this.#inFlight += first.cost;
      first.state = SENT;
      while (last + 1 < queue.length) {
        const next = queue[last + 1]!;
        if (next.state !== QUEUED || next.start !== end || next.end - first.start > MAX_DATAGRAM || this.#inFlight + next.cost > this.#budget) break;
        this.#inFlight += next.cost;
        next.state = SENT;
        slow ||= next.slow;
        end = next.end;
        last++;
      }
      const parts = queue.slice(this.#head, last + 1);
      this.#head = last + 1;
      this.#send(parts, first.start, end, slow);
    }
    this.#compact();
  }

  /**
   * Sends `parts` (bytes [start, end) of the send buffer) as one datagram. Of the plain changes in
   * it, only the last asks for an ACK: the kernel answers every failure anyway, in order, so that
   * one ACK settles the others (one answer datagram per sendmsg instead of one per request).
   */
  #send(parts: Array<PendingRequest<M>>, start: number, end: number, slow: boolean): void {
    const whole = this.#out.since(start);
    const datagram = end - start === whole.length ? whole : whole.subarray(0, end - start);
    if (parts.length > 1) {
      let anchor = parts.length - 1;
      while (anchor >= 0 && !parts[anchor]!.coverable) anchor--;
      for (let i = 0; i < anchor; i++) {
        const p = parts[i]!;
        if (!p.coverable) continue;
        setFrameFlags(datagram, p.start - start, p.flags & ~NLM_F_ACK);
        (parts[anchor]!.covers ??= []).push(p);
      }
    }
    this.#transmit(datagram, parts, slow);
  }

  /** Moves the bytes of still-queued requests to the front of the send buffer once much is sent. */
  #compact(): void {
    const first = this.#queue[this.#head];
    if (first === undefined || first.start < 64 * 1024 || first.start * 2 < this.#out.length) return;
    const shift = first.start;
    const out = new Writer(Math.max(16 * 1024, this.#out.length - shift));
    out.bytes(this.#out.since(shift));
    this.#out = out;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const request = this.#queue[i]!;
      request.start -= shift;
      request.end -= shift;
    }
  }
}

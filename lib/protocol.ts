import { NLM_F_DUMP_INTR } from '../messages/constants.js';
import type { NetlinkMessage } from '../messages/message.js';
import { NetlinkError } from './errors.js';

/**
 * How a request ends:
 * - 'ack': at the NLMSG_ERROR carrying 0 (messages echoed before it are collected);
 * - 'reply': at the first reply message (a GET for one object, sent without NLM_F_ACK);
 * - 'dump': at NLMSG_DONE, collecting every NLM_F_MULTI message before it.
 */
export type Completion = 'ack' | 'reply' | 'dump';

export interface Outcome {
  messages: NetlinkMessage[];
  /** A message of the dump carried NLM_F_DUMP_INTR: the result may be inconsistent. */
  interrupted: boolean;
}

interface Pending {
  completion: Completion;
  operation: string;
  messages: NetlinkMessage[];
  interrupted: boolean;
  resolve(outcome: Outcome): void;
  reject(error: Error): void;
}

/**
 * The request/reply bookkeeping of one netlink socket, with no I/O: it hands out sequence numbers,
 * matches each received message to its request, and settles requests on ACK, error or DONE.
 * Messages no request waits for (multicast notifications, seq 0) go to `onUnsolicited`.
 */
export class Protocol {
  private nextSeq: number;
  private readonly pending = new Map<number, Pending>();
  /** Requests sent without NLM_F_ACK, by the request whose ACK vouches for them (see coverBy). */
  private readonly covered = new Map<number, number[]>();

  /**
   * `onSettled` is called synchronously whenever a request leaves the pending set (answered,
   * failed, timed out, aborted), before its promise settles: the owner's bookkeeping needs no
   * promise reaction of its own.
   */
  constructor(
    private readonly onUnsolicited: (message: NetlinkMessage) => void = () => {},
    firstSeq = 1,
    private readonly onSettled: ((seq: number) => void) | undefined = undefined,
  ) {
    this.nextSeq = firstSeq;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** A sequence number no pending request uses (0 is skipped: the kernel uses it for notifications). */
  allocateSeq(): number {
    let seq = this.nextSeq;
    while (seq === 0 || this.pending.has(seq)) seq = (seq + 1) >>> 0;
    this.nextSeq = (seq + 1) >>> 0;
    return seq;
  }

  /** Registers a request; the promise settles when its answer arrives, or on fail()/failAll(). */
  track(seq: number, completion: Completion, operation: string): Promise<Outcome> {
    if (this.pending.has(seq)) throw new Error(`sequence number ${seq} is already pending`);
    return new Promise<Outcome>((resolve, reject) => {
      this.pending.set(seq, { completion, operation, messages: [], interrupted: false, resolve, reject });
    });
  }

  isPending(seq: number): boolean {
    return this.pending.has(seq);
  }

  /** Rejects one request (timeout, abort); a late answer to it is then ignored. */
  fail(seq: number, error: Error): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    this.onSettled?.(seq);
    p.reject(error);
  }

  /** Rejects every pending request, e.g. when the socket closes. `makeError` gets each operation. */
  failAll(makeError: (operation: string) => Error): void {
    this.covered.clear();
    const all = [...this.pending];
    this.pending.clear();
    if (this.onSettled) for (const [seq] of all) this.onSettled(seq);
    for (const [, p] of all) p.reject(makeError(p.operation));
  }

  /**
   * Requests `seqs` went out without NLM_F_ACK, in the same datagram before `anchor`, which asks for
   * one. The kernel handles a datagram's messages in order and answers an error for each that fails,
   * so once anchor's answer (ACK or error) arrives, those of `seqs` still pending have succeeded.
   */
  coverBy(anchor: number, seqs: number[]): void {
    if (seqs.length > 0) this.covered.set(anchor, seqs);
  }

  dispatch(message: NetlinkMessage): void {
    if (message.kind === 'error' && this.covered.size > 0) this.settleCovered(message.seq);
    const p = message.seq === 0 ? undefined : this.pending.get(message.seq);
    if (!p) {
      this.onUnsolicited(message);
      return;
    }
    switch (message.kind) {
      case 'error':
        if (message.body.error === 0) {
          this.settle(message.seq, p);
        } else {
          this.pending.delete(message.seq);
          this.onSettled?.(message.seq);
          p.reject(new NetlinkError({ errno: -message.body.error, operation: p.operation, seq: message.seq, ext: message.body.ext }));
        }
        return;
      case 'done':
        if (message.body.error < 0) {
          this.pending.delete(message.seq);
          this.onSettled?.(message.seq);
          p.reject(new NetlinkError({ errno: -message.body.error, operation: p.operation, seq: message.seq, ext: message.body.ext }));
        } else {
          this.settle(message.seq, p);
        }
        return;
      default:
        if (message.flags & NLM_F_DUMP_INTR) p.interrupted = true;
        p.messages.push(message);
        if (p.completion === 'reply') this.settle(message.seq, p);
    }
  }

  private settleCovered(anchor: number): void {
    const seqs = this.covered.get(anchor);
    if (!seqs) return;
    this.covered.delete(anchor);
    for (const seq of seqs) {
      const p = this.pending.get(seq);
      if (p && p.completion === 'ack') this.settle(seq, p);
    }
  }

  private settle(seq: number, p: Pending): void {
    this.pending.delete(seq);
    this.onSettled?.(seq);
    p.resolve({ messages: p.messages, interrupted: p.interrupted });
  }
}

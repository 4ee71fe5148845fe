/**
 * The request/answer bookkeeping of one netlink socket, with no I/O: sequence numbers, the table of
 * requests awaiting answers, and the reading of each received datagram's frames against it.
 */
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_DUMP_INTR } from '../messages/constants.js';
import { doneBody, errorBody } from '../messages/control/error.js';
import type { ExtAckAttrs } from '../messages/control/ext-ack.js';
import { FrameCursor } from '../messages/framing.js';
import { Source } from '../messages/source.js';
import { BatchSlice } from './batch-slice.js';
import { SeqTable } from './seq-table.js';
import { NetlinkError } from './errors.js';
import { ERRNO } from './sys/errno.js';
import {
  ABANDONED, noop, QUEUED, rejectRequest, RESOLVE_APPLIED, RESOLVE_REPLIES, RESOLVE_VOID, SENT, SETTLED, type PendingRequest,
} from './pending-request.js';
import type { RequestWriter } from './message-codec.js';

/**
 * What the table needs from its owner (the request path): a plain object of data properties, made
 * once per connection (no accessor: an object literal with one is made in dictionary mode).
 */
export interface TableOwner<M> {
  /** Decodes a datagram's messages (a stable copy); throws NetlinkDecodeError. */
  readonly codec: { decode(datagram: Uint8Array): M[] };
  /** The words for a request in errors: its operation, described, with the connection's context. */
  describe(request: PendingRequest<M>): string;
  /**
   * `request`'s promise settled (it may stay in the table, ABANDONED), or an abandoned request
   * left the table. `costFreed`: its answers are read or no longer expected.
   */
  released(request: PendingRequest<M>, costFreed: boolean): void;
  /** Told of each message no request waits for (multicast notifications), in the order they were added; nothing is decoded for them while there is none. */
  readonly listeners: ReadonlySet<(message: M) => void>;
}

/**
 * Requests by sequence number, matched with their answers. A change is settled by its ACK or
 * error, a GET by its reply, a dump by NLMSG_DONE; replies arriving before that are collected.
 */
export class RequestTable<M> {
  private readonly _pending = new SeqTable<PendingRequest<M>, BatchSlice>();
  /**
   * The table's sequence numbers, for the request path's lone change: it takes one only while the
   * table holds nothing (takeIfEmpty), and hands it back when the change is not sent after all.
   */
  readonly seqs: Pick<SeqTable<PendingRequest<M>, BatchSlice>, 'takeIfEmpty' | 'giveBack'> = this._pending;
  private readonly _owner: TableOwner<M>;
  private readonly _frames = new FrameCursor();
  private _view: DataView | undefined;
  /** The last two datagrams read through `_view` (see _viewOf), the latest first. */
  private _viewed: Uint8Array | undefined = undefined;
  private _viewedBefore: Uint8Array | undefined = undefined;
  // Fields, not getters over private ones: the request path reads both for many requests, and
  // each getter was a call of its own in code not optimized yet. Only the table changes them.
  // Every request either counts is in the table (enter, enterNew and addSlice give it a slot; it
  // leaves only with or after its decrement): a table that holds nothing has both at 0, which the
  // lone change relies on (it asks the sequence table, SeqTable.takeIfEmpty, not these).
  /** Requests whose caller still waits (queued or sent). */
  live = 0;
  /** Abandoned dumps whose remaining datagrams are still to be read. */
  draining = 0;
  /** Dump messages read so far (not their ends), a running count. */
  private _dumpMessages = 0;
  private _resolve: PendingRequest<M>['resolve'] = noop;
  private _reject: PendingRequest<M>['reject'] = noop;
  /** One executor for every request's promise: it hands the resolving functions over through fields. */
  private readonly _capture = (resolve: (value: never) => void, reject: (error: Error) => void): void => {
    this._resolve = resolve;
    this._reject = reject;
  };

  constructor(owner: TableOwner<M>) {
    this._owner = owner;
  }

  /** Requests in the table: awaited, or abandoned and awaiting their answer. */
  get size(): number {
    return this._pending.size;
  }

  /** Messages of dumps read so far, not counting their ends (NLMSG_DONE): it grows as a dump goes on. */
  get dumpMessages(): number {
    return this._dumpMessages;
  }

  /** Whether a frame with `seq` would be taken as an answer (to a request waited for or abandoned). */
  expects(seq: number): boolean {
    return seq !== 0 && (this._pending.get(seq) !== undefined || this._pending.rangeOf(seq) !== undefined);
  }

  /** A sequence number no request in the table uses (0 is skipped: the kernel uses it for notifications). */
  allocateSeq(): number {
    return this._pending.allocate();
  }

  /** Enters `request` under `seq`; the promise settles with its outcome (see settle() for the value). */
  add<T>(request: PendingRequest<M>, seq: number): Promise<T> {
    this.enter(request, seq);
    return this.promise(request);
  }

  /**
   * Enters `request` under `seq` with no promise yet: if it settles before promise() is called,
   * its outcome stays on it (state SETTLED, `error` set if it failed).
   */
  enter(request: PendingRequest<M>, seq: number): void {
    request.seq = seq;
    this._pending.set(request);
    this.live++;
  }

  /** allocateSeq() and enter() in one step (every request the request path enters): returns the request's sequence number. */
  enterNew(request: PendingRequest<M>): number {
    const seq = this._pending.enterNew(request);
    this.live++;
    return seq;
  }

  /** The promise of a request entered and not settled yet: it settles with the request's outcome. */
  promise<T>(request: PendingRequest<M>): Promise<T> {
    const promise = new Promise<T>(this._capture);
    request.resolve = this._resolve;
    request.reject = this._reject;
    return promise;
  }

  /** `count` consecutive sequence numbers for a batch's changes (see lib/batch-slice.ts); the first is returned. */
  reserveSeqs(count: number): number {
    return this._pending.reserve(count);
  }

  /** Enters the table entry of a batch slice under `seq` (its last change's): it settles the slice's changes. */
  addSlice(request: PendingRequest<M>, seq: number, slice: BatchSlice): void {
    request.seq = seq;
    request.batch = slice;
    this._pending.setReserved(request);
    this._pending.addRange(slice);
    this.live++;
  }

  /**
   * Fails `request` for its caller (timeout, abort). One already sent stays in the table, ABANDONED,
   * until its answer is read or forget() gives up on it: its answers still take receive buffer.
   */
  fail(request: PendingRequest<M>, error: Error): void {
    const state = request.state;
    if (state === SETTLED || state === ABANDONED) return;
    this.live--;
    if (state === SENT) {
      request.state = ABANDONED;
      request.replies = undefined;
      if (request.completion === 'dump') this.draining++;
    } else {
      this._remove(request);
    }
    rejectRequest(request, error);
    this._owner.released(request, false);
  }

  /** Fails `request`, which the kernel never got (its send failed): it leaves the table at once. */
  failUnsent(request: PendingRequest<M>, error: Error): void {
    const state = request.state;
    if (state === SETTLED) return;
    if (state === ABANDONED) {
      this.forget(request);
      return;
    }
    this.live--;
    this._remove(request);
    rejectRequest(request, error);
    this._owner.released(request, true);
  }

  /** Settles a quiet request (no answer expected) as a success, if it is still waiting. */
  settleQuiet(request: PendingRequest<M>): void {
    if (request.state === SENT) this._settle(request);
    else if (request.state === ABANDONED) this.forget(request);
  }

  /**
   * A quiet request that was sent alone and not answered within its send: applied. It leaves the
   * table with nothing to resolve (its caller has no promise yet) and nothing to release but its
   * charge, which the caller frees (see RequestPath.change).
   */
  settledAlone(request: PendingRequest<M>): void {
    this.live--;
    // _remove() for a request of no batch (a lone change never is one), without its call.
    request.state = SETTLED;
    this._pending.delete(request);
  }

  /** Drops an abandoned request whose answer never came: its answers are no longer expected. */
  forget(request: PendingRequest<M>): void {
    if (request.state !== ABANDONED) return;
    if (request.completion === 'dump') this.draining--;
    this._remove(request);
    this._owner.released(request, true);
  }

  /** Rejects everything (the socket closed); `makeError` gets each operation. */
  failAll(makeError: (operation: string) => Error): void {
    const all = this._pending.values();
    this._pending.clear();
    this.live = 0;
    this.draining = 0;
    for (const request of all) {
      const state = request.state;
      request.state = SETTLED;
      if (state !== ABANDONED) rejectRequest(request, makeError(this._owner.describe(request)));
      this._owner.released(request, state !== QUEUED);
    }
  }

  /** Fails every request that was sent (their answers were lost: ENOBUFS); queued ones stay. */
  failSent(makeError: (operation: string) => Error): void {
    for (const request of this._pending.values()) {
      if (request.state === SENT) {
        this.live--;
        this._remove(request);
        rejectRequest(request, makeError(this._owner.describe(request)));
        this._owner.released(request, true);
      } else if (request.state === ABANDONED) {
        this.forget(request);
      }
    }
  }

  /**
   * Reads one datagram's frames. `datagram` may be the transport's buffer: whatever is kept (decoded
   * replies, frames) comes from one copy (new Uint8Array: a Buffer's slice() would share memory),
   * made when the first such frame is met. Throws
   * NetlinkDecodeError on malformed framing or replies.
   */
  receive(datagram: Uint8Array): void {
    const frames = this._frames.reset(datagram, this._viewOf(datagram));
    let stable: Uint8Array | undefined;
    let decoded: M[] | undefined;
    let index = -1;
    while (frames.next()) {
      index++;
      const type = frames.type;
      const seq = frames.seq;
      const request = seq === 0 ? undefined : this._pending.get(seq);
      if (request === undefined) {
        const slice = seq === 0 ? undefined : this._pending.rangeOf(seq);
        if (slice !== undefined) {
          // A change of a batch slice sent without NLM_F_ACK: answered only when it failed.
          const errno = type === NLMSG_ERROR ? frames.status() : 0;
          if (errno < 0) slice.failEntry(seq, new NetlinkError({ errno: -errno, operation: slice.describe(slice.entryOf(seq)), seq, ...optionalExt(this._extAck(frames, true)) }));
          continue;
        }
        const listeners = this._owner.listeners;
        if (listeners.size === 0) continue;
        decoded ??= this._owner.codec.decode((stable ??= new Uint8Array(datagram)));
        const message = decoded[index]!;
        for (const listener of listeners) listener(message);
        continue;
      }
      // Its first answer, whatever it is, comes after those of the requests it vouches for.
      if (request.covers !== undefined) this._settleCovered(request);
      if (type === NLMSG_ERROR) {
        const errno = frames.status();
        // A dump the kernel could not start for want of room is not over: it starts once we read.
        if (errno === -ERRNO.ENOBUFS && request.completion === 'dump') continue;
        if (request.state === ABANDONED) this._drained(request);
        else if (errno === 0) this._settle(request);
        else this._failWith(request, -errno, this._extAck(frames, true));
      } else if (type === NLMSG_DONE) {
        const errno = frames.status();
        if (request.state === ABANDONED) this._drained(request);
        else if (errno >= 0) this._settle(request);
        else this._failWith(request, -errno, this._extAck(frames, false));
      } else if (request.state === ABANDONED) {
        if (request.completion === 'reply') this._drained(request);
        else if (request.completion === 'dump') this._dumpMessages++;
      } else {
        if (frames.flags & NLM_F_DUMP_INTR) request.interrupted = true;
        stable ??= new Uint8Array(datagram);
        const reply = request.frames ? stable.subarray(frames.start, frames.end) : (decoded ??= this._owner.codec.decode(stable))[index]!;
        const convert = request.convert;
        const kept = convert === undefined ? reply : (convert(reply as M) as M | undefined);
        // A request's first reply makes an array of one: an empty one's first push gives it room for 17.
        if (kept !== undefined) {
          const replies = request.replies;
          if (replies === undefined) request.replies = [kept];
          else replies.push(kept);
        }
        if (request.completion === 'reply') this._settle(request);
        else if (request.completion === 'dump') this._dumpMessages++;
      }
    }
  }

  /**
   * A DataView whose offsets match `datagram`'s: the last one made, when `datagram` starts where it
   * did in the same buffer (a transport reading into one reused buffer), else a new one.
   */
  private _viewOf(datagram: Uint8Array): DataView {
    // The same view object as one of the last two met: its bytes are where they were (a transport
    // reading into one buffer hands one view per length, and a veth pair's two answers alternate
    // two lengths). Compared as objects: each property read of a typed array is a call in
    // baseline code.
    if (datagram === this._viewed) return this._view!;
    if (datagram === this._viewedBefore) {
      this._viewedBefore = this._viewed;
      this._viewed = datagram;
      return this._view!;
    }
    this._viewedBefore = this._viewed;
    this._viewed = datagram;
    const view = this._view;
    if (view !== undefined && view.buffer === datagram.buffer && view.byteOffset === datagram.byteOffset && view.byteLength >= datagram.byteLength) return view;
    this._viewedBefore = undefined;
    const buffer = datagram.buffer;
    return (this._view = new DataView(buffer, datagram.byteOffset, buffer.byteLength - datagram.byteOffset));
  }

  /** The extended ACK of an NLMSG_ERROR or NLMSG_DONE carrying an errno (decoded from a copy). */
  private _extAck(frames: FrameCursor, error: boolean): ExtAckAttrs | undefined {
    const src = new Source(new Uint8Array(frames.frame()));
    return (error ? errorBody : doneBody).decode(src, frames.bodyStart - frames.start, frames.length, frames.flags).ext;
  }

  /** The answer to `anchor` came: those it vouches for that are still waiting succeeded. */
  private _settleCovered(anchor: PendingRequest<M>): void {
    const covered = anchor.covers!;
    anchor.covers = undefined;
    // Indexed: a for-of makes an array iterator and its results.
    for (let i = 0; i < covered.length; i++) {
      const request = covered[i]!;
      if (request.state === SENT) this._settle(request);
      else if (request.state === ABANDONED) this._drained(request);
    }
  }

  private _settle(request: PendingRequest<M>): void {
    this.live--;
    // _remove() written out: a call less for every request an answer settles.
    request.state = SETTLED;
    this._pending.delete(request);
    const mode = request.resolveWith;
    const batch = request.batch;
    if (batch !== undefined) {
      this._pending.removeRange(batch);
      batch.settle(undefined);
    } else if (mode === RESOLVE_APPLIED) request.resolve((request.describer as RequestWriter<unknown>).applied!(request.subject, request.replies) as never);
    else request.resolve((mode === RESOLVE_VOID ? undefined : mode === RESOLVE_REPLIES ? (request.replies ?? []) : request) as never);
    this._owner.released(request, true);
  }

  private _failWith(request: PendingRequest<M>, errno: number, ext: ExtAckAttrs | undefined): void {
    this.live--;
    this._remove(request);
    const error = new NetlinkError({ errno, operation: this._owner.describe(request), seq: request.seq, ...optionalExt(ext) });
    const slice = request.batch;
    if (slice !== undefined) {
      // The last change of a batch slice failed: the others still waiting were applied.
      slice.failEntry(request.seq, error);
      slice.settle(undefined);
    } else {
      rejectRequest(request, error);
    }
    this._owner.released(request, true);
    // The kernel stops at a failed batch boundary: the rest of the transaction gets no answer.
    if (request.quiet && request.group) for (const other of request.group) if (other !== request) this.fail(other, error);
  }

  private _drained(request: PendingRequest<M>): void {
    if (request.completion === 'dump') this.draining--;
    this._remove(request);
    this._owner.released(request, true);
  }

  private _remove(request: PendingRequest<M>): void {
    request.state = SETTLED;
    this._pending.delete(request);
    if (request.batch !== undefined) this._pending.removeRange(request.batch);
  }
}

/** `{ ext }` when there is an extended ACK, else nothing. */
function optionalExt(ext: ExtAckAttrs | undefined): { ext?: ExtAckAttrs } {
  return ext ? { ext } : {};
}

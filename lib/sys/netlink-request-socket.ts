/**
 * The request socket: a netlink socket for request/answer traffic, read synchronously.
 *
 * The kernel handles a request inside sendmsg: when send() returns, its answer (ACK, error or
 * reply) is already queued, and a dump produces each next part inside the recvmsg that makes room
 * for it. So nothing needs to be polled: right after a send, inside send(), the socket is read
 * until it has nothing left (or, for a long dump, a slice of it, the rest after the event loop has
 * turned), into one reused buffer. Compared with polling through the event loop this spares a loop
 * turn, a native callback and a fresh buffer per answer, and it keeps no native object per socket.
 * Listeners are called from within send(): the caller must not send again from a listener.
 *
 * A datagram the kernel takes long over (SendOptions.slow: creating or deleting a device) is sent
 * from one of libuv's worker threads instead, and read once that send returns: JavaScript runs
 * meanwhile, where the sendmsg would have held this thread for 0.3-25 ms. Later datagrams wait for
 * it, so the kernel still sees them in order; the hand-off costs about 0.1-0.3 ms.
 *
 * Sockets that join multicast groups are written to at any time: they are netlink-event-socket.ts.
 */
import {
  AF_NETLINK,
  MSG_DONTWAIT,
  MSG_TRUNC,
  NETLINK_ROUTE,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOCKADDR_NL_SIZE,
  SOL_SOCKET,
} from './constants.js';
import { addressOf, bind, closeFd, connect, getsockname, getsockoptInt, sendFailure, sendOffThread, sendOrErrno, socket, socketCalls } from './libc.js';
import type { DirectSocketCalls } from './syscall-stubs.js';
import type { SendOptions, Transport } from '../transport.js';
import { DropCounter, SocketClosedError, SocketListeners, setBufferSize, setNetlinkOptions, type NetlinkSocketOptions } from './netlink-socket-common.js';
import { PrefixViews } from '../views.js';
import { NLM_F_ACK } from '../../messages/constants.js';
import { frameFlags, setFrameFlags } from '../../messages/framing.js';
import { withNetns } from './netns-thread.js';
import { closeFdSoon } from './netns-unpin-batch.js';
import { ERRNO } from './errno.js';
import { SystemCallError } from './system-call-error.js';
import { monotonicMs } from '../clock.js';

/**
 * One read takes a whole datagram: the kernel never sends a longer one to a socket that did not
 * ask for it (a dump datagram is at most 32 KiB; one object's message a few KiB).
 */
const READ_BUFFER = 64 * 1024;
/** Datagrams read per pass before yielding to the event loop (a long dump is read in slices). */
const READS_PER_PASS = 16;
/** When answers are awaited but none is there (never expected, see above): re-read after 1, 2, 4 ... 64 ms. */
const FIRST_RETRY_MS = 1;
const LAST_RETRY_MS = 64;
/** _read()'s `first` when nothing was read yet (below every -errno). */
const NOT_READ = -0x10000;
/** A send the kernel keeps refusing (EAGAIN, ENOBUFS: out of memory) fails after this long. */
const DEFERRED_SEND_LIMIT_MS = 5_000;
const { EAGAIN } = ERRNO;

/**
 * One read buffer for every request socket: a pass reads and copies out each datagram before
 * anything else runs, so passes never overlap, and a socket opened and closed per container costs
 * no 64 KiB allocation (which, churned by the thousand, fragmented the malloc heap). Scratch
 * space, not state: nothing in it means anything once the synchronous read that filled it is over.
 */
const readBuffer = new Uint8Array(READ_BUFFER);
const readViews = new PrefixViews();
/** readBuffer's address (libc.ts addressOf), taken on the first read: reads pass it as a number. */
let readAddress = -1;
/** struct sockaddr_nl with nl_pid 0 and no groups: bound to, the kernel picks the port; connected to, it is the kernel. */
const PORT_0 = Buffer.from([AF_NETLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** getsockname's answer, read right after the call: one buffer for every socket opened. */
const boundAddress = Buffer.alloc(SOCKADDR_NL_SIZE);

/** Opens a request socket, in the namespace `options.netnsFd` refers to if given. */
export function openNetlinkSocket(options: NetlinkSocketOptions = {}): RequestSocket {
  const protocol = options.protocol ?? NETLINK_ROUTE;
  const open = (): number => socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  const fd = options.netnsFd === undefined ? open() : withNetns(options.netnsFd, open);
  try {
    // Port 0: the kernel picks a free port id, read back below.
    bind(fd, PORT_0, 'netlink, port 0');
    const address = boundAddress;
    getsockname(fd, address);
    // Connected to the kernel, the socket takes datagrams from the kernel only: the kernel refuses
    // another process's unicast to it (ECONNREFUSED, for the sender), so a read needs no sender
    // address to tell answers from anything else (recv, not recvfrom: fewer arguments to convert
    // on every request).
    connect(fd, PORT_0, 'netlink, the kernel');
    setNetlinkOptions(fd, options.sendBufferSize);
    if (options.recvBufferSize !== undefined) setBufferSize(fd, SO_RCVBUFFORCE, SO_RCVBUF, options.recvBufferSize);
    return new RequestSocket(fd, address.readUInt32LE(4));
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}

interface Deferred {
  datagram: Uint8Array;
  /** To be sent from a worker thread (see SendOptions.slow in lib/transport.ts). */
  slow: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  /** monotonicMs() after which it fails with the errno of its last attempt. */
  giveUpAt: number;
}

/** A request socket: a Transport, plus its fd and receive buffer size. */
export class RequestSocket implements Transport {
  readonly answersWithinSend = true;
  private readonly _listeners = new SocketListeners();
  private readonly _drops: DropCounter;
  /**
   * Sends waiting their turn, in order: behind one on a worker thread, or refused by the kernel for
   * now (EAGAIN/ENOBUFS: memory pressure) and retried.
   */
  private _deferred: Deferred[] = [];
  private _deferredTimer: ReturnType<typeof setTimeout> | undefined;
  /** The send on a worker thread, if any: it holds the fd (closed only after it) and the datagram. */
  private _offThread: Deferred | undefined;
  private _closed = false;
  /** A pass is under way, or one is scheduled (setImmediate, a retry timer). */
  private _passScheduled = false;
  /**
   * readsUntilEmpty: not closed, no pass under way or scheduled, no send waiting and none on a
   * worker thread. One field, set wherever one of those four changes (_closed, _passScheduled,
   * _deferred, _offThread), so that the getter and sendAlone read one value and cannot disagree.
   */
  private _ready = true;
  private _waiting = false;
  private _retryTimer: ReturnType<typeof setTimeout> | undefined;
  private _retryMs = FIRST_RETRY_MS;
  /** Reading after a quiet send (SendOptions.quiet): finding the socket empty is its success, not a wait. */
  private _quiet = false;
  /** SO_RCVBUF as the kernel granted it: read once at open, and again only after setRecvBufferSize. */
  private _receiveBuffer: number;
  /**
   * The last datagram sent from this thread, kept referenced, and where its bytes are (addressOf):
   * a request connection sends the same view of its send buffer again and again (lib/views.ts: one
   * per length), whose address is then taken once instead of koffi converting the view on every
   * send. Its length is read at each send: a view whose buffer was detached since has none.
   */
  private _sent: Uint8Array | undefined = undefined;
  private _sentAddress = 0;
  /** The buffer sendAlone last sent from, and its address: the quick lane's send buffer (see sendAlone). */
  private _laneBuffer: Uint8Array | undefined = undefined;
  private _laneAddress = 0;
  /** libc.ts's socketCalls: sendRecvAt and recvAt called here, not through a function of libc.ts's. */
  private readonly _calls: DirectSocketCalls;

  constructor(
    readonly fd: number,
    readonly port: number,
    /** SO_RCVBUF as just read by the opener, if it did (a namespace's creation in one call); else read here. */
    receiveBuffer?: number,
  ) {
    this._receiveBuffer = receiveBuffer ?? getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF);
    this._calls = socketCalls();
    this._drops = new DropCounter(fd, port, this._receiveBuffer, READ_BUFFER);
  }

  /** See Transport.readsUntilEmpty: no send waits before the next, and no read pass is under way or scheduled. */
  get readsUntilEmpty(): boolean {
    return this._ready;
  }

  /** Sets _ready from the four fields it stands for, after one of them changed in a way not known here. */
  private _checkReady(): void {
    this._ready = !this._closed && !this._passScheduled && this._deferred.length === 0 && this._offThread === undefined;
  }

  send(datagram: Uint8Array, options?: SendOptions): Promise<void> | undefined {
    if (this._closed) throw new SocketClosedError();
    const slow = options?.slow === true;
    const quiet = options?.quiet === true;
    if (!slow && this._ready) return this._sendNow(datagram, quiet);
    if (!slow && this._deferred.length === 0 && this._offThread === undefined) {
      // Open, nothing waiting, not ready: a pass under way or scheduled reads its answers.
      const sent = sendOrErrno(this.fd, datagram, MSG_DONTWAIT);
      if (sent >= 0) return undefined;
      return this._refused(datagram, -sent, quiet);
    }
    return this._defer(datagram, slow, quiet);
  }

  /**
   * Transport.sendAlone: the first `length` bytes of `buffer` sent as send() sends a quiet datagram
   * that is not slow, when readsUntilEmpty is true; else false, with nothing sent. The request
   * path's quick lane sends so from the start of its send buffer, whose address is then taken once
   * (no view of it made per length).
   */
  sendAlone(buffer: Uint8Array, length: number): Promise<void> | undefined | false {
    if (!this._ready) return false;
    if (buffer !== this._laneBuffer) {
      this._laneAddress = addressOf(buffer);
      this._laneBuffer = buffer;
      if (readAddress < 0) readAddress = addressOf(readBuffer);
    }
    // A buffer detached since its address was taken has no bytes: never read from that address.
    if (length > buffer.length) throw new RangeError(`sendAlone: ${length} bytes from a buffer of ${buffer.length}`);
    const first = this._calls.sendRecvAt(this.fd, this._laneAddress, length, readAddress, READ_BUFFER, MSG_DONTWAIT | MSG_TRUNC);
    // Sent, and nothing to read: a quiet send's success (what _read and _idle would find, in one comparison).
    if (first === -EAGAIN) return undefined;
    const errno = sendFailure(first);
    if (errno !== 0) return this._refused(buffer.subarray(0, length), errno, true);
    this._readAfterSend(first, true);
    return undefined;
  }

  /**
   * send() of a datagram that is not slow, made while readsUntilEmpty is true, quiet or not. Its
   * answers are queued once the send returns: sent and read in one call, then read on (_readNow
   * and _pass written out).
   */
  private _sendNow(datagram: Uint8Array, quiet: boolean): Promise<void> | undefined {
    if (datagram !== this._sent) {
      this._sentAddress = addressOf(datagram);
      this._sent = datagram;
      if (readAddress < 0) readAddress = addressOf(readBuffer);
    }
    const first = this._calls.sendRecvAt(this.fd, this._sentAddress, datagram.byteLength, readAddress, READ_BUFFER, MSG_DONTWAIT | MSG_TRUNC);
    if (first === -EAGAIN && quiet) return undefined;
    const errno = sendFailure(first);
    if (errno !== 0) return this._refused(datagram, errno, quiet);
    this._readAfterSend(first, quiet);
    return undefined;
  }

  /** The reads after a send: `first` what the send's own read returned. */
  private _readAfterSend(first: number, quiet: boolean): void {
    this._quiet = quiet;
    this._passScheduled = true;
    this._ready = false;
    if (this._read(first) && !this._closed) setImmediate(this._pass);
    else {
      this._passScheduled = false;
      this._checkReady();
    }
    this._quiet = false;
  }

  /** A send refused with `errno`: thrown, or (EAGAIN, ENOBUFS, EINTR) made again later. */
  private _refused(datagram: Uint8Array, errno: number, quiet: boolean): Promise<void> {
    const refused = this._sendRefused(errno);
    if (refused instanceof Error) throw refused;
    return this._defer(datagram, false, quiet);
  }

  /** A send made later, in order (after those waiting, or from a worker thread when `slow`). */
  private _defer(datagram: Uint8Array, slow: boolean, quiet: boolean): Promise<void> {
    // The caller may reuse its buffer as soon as this returns: the send that waits keeps a copy.
    const copy = new Uint8Array(datagram);
    // Sent later, it may not be read until empty right after: it asks for its ACK after all.
    if (quiet) setFrameFlags(copy, 0, frameFlags(copy, 0) | NLM_F_ACK);
    return new Promise<void>((resolve, reject) => {
      this._deferred.push({ datagram: copy, slow, resolve, reject, giveUpAt: monotonicMs() + DEFERRED_SEND_LIMIT_MS });
      this._ready = false;
      this._drain();
    });
  }

  onDatagram(listener: (datagram: Uint8Array) => boolean | void): void {
    this._listeners.onDatagram(listener);
  }

  onError(listener: (error: Error) => void): void {
    this._listeners.onError(listener);
  }

  /** Asks for a receive buffer of `bytes` (SO_RCVBUFFORCE as root, else SO_RCVBUF; the kernel doubles it). */
  setRecvBufferSize(bytes: number): void {
    this._assertOpen();
    setBufferSize(this.fd, SO_RCVBUFFORCE, SO_RCVBUF, bytes);
    this._receiveBuffer = getsockoptInt(this.fd, SOL_SOCKET, SO_RCVBUF);
    this._drops.resize(this._receiveBuffer);
  }

  /** The receive buffer the kernel granted, in bytes (only this socket's setRecvBufferSize changes it). */
  getRecvBufferSize(): number {
    this._assertOpen();
    return this._receiveBuffer;
  }

  ref(): void {
    this._waiting = true;
  }

  /** Let the event loop end while nothing is awaited. */
  unref(): void {
    this._waiting = false;
    this._retryMs = FIRST_RETRY_MS;
    if (this._retryTimer !== undefined) clearTimeout(this._retryTimer);
    this._retryTimer = undefined;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._ready = false;
    this.unref();
    if (this._deferredTimer !== undefined) clearTimeout(this._deferredTimer);
    // A worker thread may still be about to send on the fd: closed when it is done, so that the
    // number is not reused by another file first. Else closed in a microtask, with the others of
    // this run of JavaScript (a teardown's) in one call into native code.
    if (this._offThread === undefined) closeFdSoon(this.fd);
    // Apart, so that a close with nothing waiting runs this function to its end: V8 compiles it
    // to baseline code after about eight times its length has run (a teardown's second run).
    if (this._deferred.length !== 0) this._rejectDeferred();
  }

  /** close()'s: the sends still waiting fail. */
  private _rejectDeferred(): void {
    const deferred = this._deferred;
    this._deferred = [];
    for (const d of deferred) d.reject(new SocketClosedError());
  }

  /** undefined when sent (and its answers read); the errno of a failure worth retrying; or the error. */
  private _trySend(datagram: Uint8Array): undefined | number | Error {
    const sent = sendOrErrno(this.fd, datagram, MSG_DONTWAIT);
    if (sent < 0) return this._sendRefused(-sent);
    this._readNow();
    return undefined;
  }

  /** After a send refused with `errno`: that errno if worth retrying (EAGAIN, ENOBUFS, EINTR), or the error. */
  private _sendRefused(errno: number): number | Error {
    const { EAGAIN, ENOBUFS, EINTR } = ERRNO;
    if (errno === EAGAIN || errno === ENOBUFS || errno === EINTR) return errno;
    return new SystemCallError('sendmsg', errno, `netlink port ${this.port}`);
  }

  /** Sends what waits, in order, until one goes to a worker thread or the kernel refuses one for now. */
  private _drain(): void {
    while (!this._closed && this._offThread === undefined && this._deferred.length > 0) {
      const next = this._deferred[0]!;
      if (next.slow) {
        this._sendOffThread(next);
        return;
      }
      let outcome = this._trySend(next.datagram);
      if (typeof outcome === 'number') {
        if (monotonicMs() < next.giveUpAt) {
          this._armDeferredTimer();
          return;
        }
        outcome = new SystemCallError('sendmsg', outcome, `netlink port ${this.port}, still refused after ${DEFERRED_SEND_LIMIT_MS} ms`);
      }
      this._deferred.shift();
      this._checkReady();
      if (outcome === undefined) next.resolve();
      else next.reject(outcome);
    }
  }

  private _sendOffThread(entry: Deferred): void {
    this._deferred.shift();
    this._offThread = entry;
    this._ready = false;
    const done = (sent: number): void => {
      this._offThread = undefined;
      this._checkReady();
      if (this._closed) {
        closeFd(this.fd);
        entry.reject(new SocketClosedError());
        return;
      }
      if (sent >= 0) {
        entry.resolve();
        // The next datagram that waits goes to the kernel first: it works on it while this thread
        // reads what the last one brought.
        this._drain();
        this._readNow();
        return;
      }
      // Nothing was consumed: again from this thread, which learns why (EAGAIN is retried).
      this._deferred.unshift({ ...entry, slow: false });
      this._ready = false;
      this._drain();
    };
    try {
      sendOffThread(this.fd, entry.datagram, MSG_DONTWAIT, done);
    } catch {
      done(-1);
    }
  }

  private _armDeferredTimer(): void {
    if (this._deferredTimer !== undefined) return;
    this._deferredTimer = setTimeout(() => {
      this._deferredTimer = undefined;
      this._drain();
    }, FIRST_RETRY_MS);
  }

  /**
   * Reads what the kernel has queued now, past READS_PER_PASS, until the socket is empty or the
   * listener has what it needs (see Transport.readQueued); a pass then reads on as usual.
   */
  readQueued(): void {
    while (this._read());
    if (this._passScheduled || this._closed) return;
    this._passScheduled = true;
    this._ready = false;
    setImmediate(this._pass);
  }

  /** Reads now, unless a pass is under way or scheduled (it reads what this one would). */
  private _readNow(): void {
    if (this._passScheduled || this._closed) return;
    this._pass();
  }

  /** Reads what is queued, up to READS_PER_PASS datagrams, and hands each on. */
  private readonly _pass = (): void => {
    this._passScheduled = true;
    this._ready = false;
    const more = this._read();
    // More may be queued (a long dump): continue after the event loop has had a turn.
    if (more && !this._closed) setImmediate(this._pass);
    else {
      this._passScheduled = false;
      this._checkReady();
    }
  };

  /**
   * The reads of one pass; true when it stopped at READS_PER_PASS with more perhaps queued.
   * `first`: what a read made already returned (sendRecvOrErrno), taken as the pass's first.
   */
  private _read(first = NOT_READ): boolean {
    for (let reads = 0; reads < READS_PER_PASS; reads++) {
      if (this._closed) return false;
      if (readAddress < 0) readAddress = addressOf(readBuffer);
      const size = first === NOT_READ ? this._calls.recvAt(this.fd, readAddress, READ_BUFFER, MSG_DONTWAIT | MSG_TRUNC) : first;
      first = NOT_READ;
      if (size < 0) {
        const errno = -size;
        if (errno === ERRNO.EINTR) continue;
        if (errno !== ERRNO.EAGAIN) this._listeners.error(new SystemCallError('recvmsg', errno, `netlink port ${this.port}`));
        this._idle();
        return false;
      }
      this._retryMs = FIRST_RETRY_MS;
      if (this._drops.note(readBuffer, size > READ_BUFFER ? READ_BUFFER : size)) this._checkDrops();
      if (size > READ_BUFFER) {
        this._listeners.error(new SystemCallError('recvmsg', ERRNO.EMSGSIZE, `netlink port ${this.port}, datagram of ${size} bytes truncated`));
        continue;
      }
      // A view of the shared buffer: listeners copy what they keep (see Transport.onDatagram).
      // When every listener has all it waited for, the read that would find the socket empty (one
      // syscall per request, for requests awaited one by one) is left to the next send.
      if (!this._listeners.datagram(readViews.of(readBuffer, size))) return false;
    }
    return true;
  }

  /** Nothing more to read. If answers are still awaited, look again later (never expected: see the top). */
  private _idle(): void {
    // A send on a worker thread reads its answers once it returns.
    if (!this._waiting || this._quiet || this._retryTimer !== undefined || this._offThread !== undefined) return;
    const delay = this._retryMs;
    this._retryMs = Math.min(delay * 2, LAST_RETRY_MS);
    this._retryTimer = setTimeout(() => {
      this._retryTimer = undefined;
      this._readNow();
    }, delay);
  }

  private _checkDrops(): void {
    const error = this._drops.check();
    if (error) this._listeners.error(error);
  }

  private _assertOpen(): void {
    if (this._closed) throw new SocketClosedError();
  }
}

/**
 * The transport: one netlink socket (the `netlink` package's raw layer), opened
 * in a chosen network namespace, with extended ACKs and strict checking on.
 */
// The raw socket only: the package's index also loads its generated rtnetlink/nl80211/genl code
// (over 100 ms of start-up).
import { RawNetlinkSocket } from 'netlink/dist/raw.js';
import koffi from 'koffi';
import type { ErrnoException, MessageInfo } from 'netlink';
import { closeSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_NO_ENOBUFS,
  NETLINK_ROUTE,
  SK_MEMINFO_DROPS,
  SOL_NETLINK,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_MEMINFO,
  SO_RCVBUFFORCE,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
} from './constants.js';
import { getsockoptInto, setsockoptInt } from './libc.js';
import { fdOfSocketInode, netlinkSocketInode } from './netlink-socket-fd.js';
import { withNetns } from './netns-thread.js';
import { SystemCallError } from './system-call-error.js';

export interface NetlinkTransport {
  /** Our netlink port id (nl_pid) in the socket's namespace. */
  readonly port: number;
  readonly fd: number;
  /** One sendmsg of the whole datagram. */
  send(datagram: Uint8Array): Promise<void>;
  /** Datagrams from the kernel; anything sent by another port is dropped. */
  onDatagram(listener: (datagram: Buffer) => void): void;
  /** Socket errors, e.g. code 'ENOBUFS' after a receive overrun. With no listener they are thrown, like an EventEmitter 'error'. */
  onError(listener: (error: Error) => void): void;
  addMembership(group: number): void;
  dropMembership(group: number): void;
  setRecvBufferSize(bytes: number): void;
  /** The receive buffer the kernel actually granted (SO_RCVBUF; it doubles what was asked). */
  getRecvBufferSize(): number;
  ref(): void;
  unref(): void;
  /** Idempotent; sends still pending reject with code 'ERR_SOCKET_CLOSED'. */
  close(): void;
}

export interface NetlinkSocketOptions {
  /** Netlink protocol (default NETLINK_ROUTE). */
  protocol?: number;
  /** fd of a network namespace to open the socket in (default: the calling thread's). */
  netnsFd?: number;
  recvBufferSize?: number;
  sendBufferSize?: number;
}

export function openNetlinkSocket(options: NetlinkSocketOptions = {}): NetlinkTransport {
  const protocol = options.protocol ?? NETLINK_ROUTE;
  const { socket, port, fd: known, inode } =
    options.netnsFd === undefined ? createBound(protocol) : withNetns(options.netnsFd, () => createBound(protocol));
  try {
    const fd = known ?? (inode === undefined ? undefined : fdOfSocketInode(inode));
    if (fd === undefined) throw new Error(`netlink socket port ${port} (inode ${inode}) has no fd in /proc/self/fd`);
    setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
    setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    // See RawSocketTransport: an overrun must not reach the binding as an error.
    setsockoptInt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
    const transport = new RawSocketTransport(socket, port, fd);
    if (options.recvBufferSize !== undefined) transport.setRecvBufferSize(options.recvBufferSize);
    if (options.sendBufferSize !== undefined) setBufferSize(fd, SO_SNDBUFFORCE, SO_SNDBUF, options.sendBufferSize);
    return transport;
  } catch (error) {
    socket.close();
    throw error;
  }
}

/**
 * Each datagram is read with one recvmsg into a buffer of this size, instead of the binding's
 * default peek-then-read (which costs a second syscall, and makes the kernel size dump datagrams
 * at ~4 KiB: it sizes them by the largest buffer recvmsg was given, capped near 32 KiB).
 *
 * The size is a trade-off. The binding allocates (and zeroes) a buffer of this size for EVERY
 * datagram, and every ACK is a datagram of its own: with 32 KiB, 10,000 route ACKs meant 320 MB
 * allocated, zeroed and handed to V8 as external memory (memset and scavenges were at the top of
 * the perf profile of W1 batched). Measured side by side (CPU time of the whole W1-batched worker,
 * medians): 8 KiB 2.39 s, 16 KiB 2.56 s, 32 KiB 2.70 s (and 4 KiB about as 8 KiB); the W2 dump of
 * 100,000 routes: 2.01 s, 1.92 s, 2.17 s, wall times equal within noise. 16 KiB keeps most of the
 * gain, dump datagrams four times what a peeking reader gets, and room for any single message the
 * kernel sends for one object (a link with stats and IPv6 settings is 2-3 KiB); a longer datagram
 * is reported as EMSGSIZE.
 */
const RECEIVE_BUFFER = 16 * 1024;
/**
 * An upper bound of what one datagram of `length` bytes was charged to the receive buffer (its skb
 * truesize: the kernel's data allocation, which kmalloc rounds up to at most twice what was asked,
 * and what was asked is at most the larger of the message and the recvmsg-sized dump allocation;
 * plus the sk_buff and skb_shared_info). Used to skip drop checks that cannot find anything.
 */
const chargeOf = (length: number): number => 2 * length + 2 * RECEIVE_BUFFER + 2048;

/** Runs inside the target namespace: the socket and the /proc lookup both belong to it. */
function createBound(protocol: number): { socket: RawNetlinkSocket; port: number; fd?: number; inode?: number } {
  // The binding's typings mark the buffer sizes required; it leaves them as they are when omitted.
  const options = { messagePeeking: false, msgBufferSize: RECEIVE_BUFFER } as ConstructorParameters<typeof RawNetlinkSocket>[1];
  // The kernel gives a new socket the lowest free fd: note which that is just before, and check
  // after (getsockname: netlink, our port; SO_PROTOCOL) that the socket got it. That spares the
  // /proc/net/netlink read and the /proc/self/fd scan (about 0.4 ms of a socket's 0.65 ms, more
  // with many fds open); if another thread took the fd meanwhile, the scan below finds it.
  const guess = openSync('/dev/null', 'r');
  closeSync(guess);
  const socket = new RawNetlinkSocket(protocol, options);
  try {
    const { port } = socket.address();
    if (isNetlinkSocket(guess, protocol, port)) return { socket, port, fd: guess };
    const inode = netlinkSocketInode(protocol, port);
    if (inode === undefined) throw new Error(`netlink socket port ${port} not found in /proc/thread-self/net/netlink`);
    return { socket, port, inode };
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** Tries the FORCE variant (CAP_NET_ADMIN, may exceed net.core.[rw]mem_max), then the capped one. */
function setBufferSize(fd: number, forced: number, capped: number, bytes: number): void {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > 0x7fff_ffff) throw new RangeError(`buffer size must be a positive int, got ${bytes}`);
  try {
    setsockoptInt(fd, SOL_SOCKET, forced, bytes);
  } catch (error) {
    if (!(error instanceof SystemCallError && error.code === 'EPERM')) throw error;
    setsockoptInt(fd, SOL_SOCKET, capped, bytes);
  }
}

const AF_NETLINK = 16;
const SO_PROTOCOL = 38;

/** Whether `fd` is a netlink socket of `protocol` bound to `port` (in the calling thread's namespace). */
function isNetlinkSocket(fd: number, protocol: number, port: number): boolean {
  try {
    const address = Buffer.alloc(12);
    const length = [address.length];
    if (libcExtra().getsockname(fd, address, length) !== 0 || length[0] !== 12) return false;
    if (address.readUInt16LE(0) !== AF_NETLINK || address.readUInt32LE(4) !== port >>> 0) return false;
    const value = Buffer.alloc(4);
    getsockoptInto(fd, SOL_SOCKET, SO_PROTOCOL, value);
    return value.readInt32LE(0) === protocol;
  } catch {
    return false;
  }
}

const MSG_DONTWAIT = 0x40;
const RESOLVED = Promise.resolve();
interface LibcExtra {
  send(fd: number, buffer: Uint8Array, length: number, flags: number): number;
  getsockname(fd: number, address: Buffer, length: number[]): number;
}
// A cache of immutable function bindings (koffi loads libc once per process anyway).
let extra: LibcExtra | undefined;
function libcExtra(): LibcExtra {
  if (extra === undefined) {
    const lib = koffi.load('libc.so.6');
    extra = {
      send: lib.func('long send(int fd, const void *buf, unsigned long len, int flags)'),
      getsockname: lib.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *len)'),
    };
  }
  return extra;
}

class SocketClosedError extends Error {
  override readonly name = 'SocketClosedError';
  readonly code = 'ERR_SOCKET_CLOSED';
  constructor() {
    super('netlink socket is closed');
  }
}

/**
 * Overruns: when the receive buffer is full the kernel drops the datagram and,
 * normally, flags the socket with ENOBUFS. libuv turns that flag (EPOLLERR)
 * into a poll error which the `netlink` binding cannot report (it aborts the
 * process). So the socket runs with NETLINK_NO_ENOBUFS and this class reads the
 * kernel's drop counter (SO_MEMINFO) before handing on each datagram: a drop
 * always leaves queued datagrams behind it, so it is noticed, and reported
 * through onError with code 'ENOBUFS'.
 */
class RawSocketTransport implements NetlinkTransport {
  readonly #socket: RawNetlinkSocket;
  readonly #datagramListeners: Array<(datagram: Buffer) => void> = [];
  readonly #errorListeners: Array<(error: Error) => void> = [];
  readonly #pendingSends = new Set<(error: Error) => void>();
  #closed = false;
  #drops = 0;
  #dropCheckScheduled = false;
  /** Upper bound of the receive-buffer charge of the datagrams read since the last drop check. */
  #charged = 0;
  /** Half the receive buffer: see #noteDatagram. */
  #checkEvery: number;
  // SO_MEMINFO is a u32 array; the drop counter is entry SK_MEMINFO_DROPS.
  readonly #meminfo = new Uint32Array(SK_MEMINFO_DROPS + 1);
  readonly #meminfoBytes = Buffer.from(this.#meminfo.buffer);

  constructor(
    socket: RawNetlinkSocket,
    readonly port: number,
    readonly fd: number,
  ) {
    this.#socket = socket;
    this.#checkEvery = socket.getRecvBufferSize() / 2;
    // Everything below runs under the binding's native callbacks: see callSafely.
    socket.on('message', (datagram: Buffer, info: MessageInfo) =>
      callSafely(() => {
        this.#noteDatagram(datagram.length);
        if (info.port !== 0) return;
        for (const listener of this.#datagramListeners) callSafely(() => listener(datagram));
      }),
    );
    // A datagram larger than RECEIVE_BUFFER arrives cut short: report it rather than decode half of it.
    socket.on('truncatedMessage', (_datagram: Buffer, info: MessageInfo) =>
      callSafely(() => {
        this.#noteDatagram(RECEIVE_BUFFER);
        const detail = `netlink port ${port}, datagram of ${info.truncated ?? '?'} bytes truncated`;
        this.#emitError(new SystemCallError('recvmsg', osConstants.errno.EMSGSIZE, detail));
      }),
    );
    socket.on('error', (error: ErrnoException) => callSafely(() => this.#emitError(asSystemCallError(error, port))));
  }

  send(datagram: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new SocketClosedError());
    // Directly, when nothing is queued in the binding (which would otherwise be overtaken): one
    // send(2), no completion timer and native callback per datagram. Sending to the kernel does not
    // block: it handles the messages inside the call. EAGAIN/ENOBUFS (rare) fall back to the
    // binding, which retries when the socket is writable.
    if (this.#pendingSends.size === 0) {
      const sent = libcExtra().send(this.fd, datagram, datagram.byteLength, MSG_DONTWAIT);
      if (sent >= 0) return RESOLVED;
      const errno = koffi.errno();
      if (errno !== osConstants.errno.EAGAIN && errno !== osConstants.errno.ENOBUFS && errno !== osConstants.errno.EINTR) {
        return Promise.reject(new SystemCallError('sendmsg', errno, `netlink port ${this.port}`));
      }
    }
    // The binding wants a Buffer; this one shares the caller's memory.
    const buffer = Buffer.isBuffer(datagram) ? datagram : Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    return new Promise<void>((resolve, reject) => {
      this.#socket.send(buffer, { port: 0 }, (error) => {
        this.#pendingSends.delete(reject);
        if (error === undefined) resolve();
        else reject(asSystemCallError(error, this.port));
      });
      this.#pendingSends.add(reject);
    });
  }

  onDatagram(listener: (datagram: Buffer) => void): void {
    this.#datagramListeners.push(listener);
  }

  onError(listener: (error: Error) => void): void {
    this.#errorListeners.push(listener);
  }

  addMembership(group: number): void {
    this.#setGroup(NETLINK_ADD_MEMBERSHIP, group);
  }

  dropMembership(group: number): void {
    this.#setGroup(NETLINK_DROP_MEMBERSHIP, group);
  }

  setRecvBufferSize(bytes: number): void {
    this.#assertOpen();
    setBufferSize(this.fd, SO_RCVBUFFORCE, SO_RCVBUF, bytes);
    this.#checkEvery = this.#socket.getRecvBufferSize() / 2;
  }

  getRecvBufferSize(): number {
    this.#assertOpen();
    return this.#socket.getRecvBufferSize();
  }

  ref(): void {
    if (!this.#closed) this.#socket.ref();
  }

  unref(): void {
    if (!this.#closed) this.#socket.unref();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    // The binding drops queued sends without calling back; settle them here.
    for (const reject of this.#pendingSends) reject(new SocketClosedError());
    this.#pendingSends.clear();
  }

  // NETLINK_ADD_MEMBERSHIP takes a group number, so groups above 31 work too
  // (the bind-time bitmask stops at 32).
  #setGroup(option: number, group: number): void {
    this.#assertOpen();
    if (!Number.isInteger(group) || group <= 0 || group > 0xffff_ffff) throw new RangeError(`netlink group must be a positive integer, got ${group}`);
    setsockoptInt(this.fd, SOL_NETLINK, option, group | 0);
  }

  /**
   * A drop happens only when the queue is full: the datagrams queued at that moment are charged at
   * least the whole receive buffer (less one datagram) and are all read after it. So once the
   * datagrams read since the last check may have been charged half the buffer, a check is due;
   * before that, none can find a new drop. (One check per wake-up, i.e. a getsockopt and a
   * setImmediate per ACK when requests go one by one, was 5% of W1's profile.) With a small buffer
   * this checks after every wake-up.
   */
  #noteDatagram(length: number): void {
    this.#charged += chargeOf(length);
    if (this.#charged >= this.#checkEvery) this.#scheduleDropCheck();
  }

  /**
   * The binding reads up to 32 datagrams per wake-up; one check after them is enough (a drop
   * leaves the counter raised) and saves a getsockopt per datagram.
   */
  #scheduleDropCheck(): void {
    if (this.#dropCheckScheduled) return;
    this.#dropCheckScheduled = true;
    setImmediate(() => {
      this.#dropCheckScheduled = false;
      callSafely(() => this.#checkDrops());
    });
  }

  #checkDrops(): void {
    if (this.#closed) return;
    this.#charged = 0;
    getsockoptInto(this.fd, SOL_SOCKET, SO_MEMINFO, this.#meminfoBytes);
    const drops = this.#meminfo[SK_MEMINFO_DROPS] ?? 0;
    if (drops === this.#drops) return;
    const lost = (drops - this.#drops) >>> 0;
    this.#drops = drops;
    this.#emitError(
      new SystemCallError('recvmsg', osConstants.errno.ENOBUFS, `netlink port ${this.port}: receive buffer overrun, ${lost} datagram(s) dropped`),
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new SocketClosedError();
  }

  #emitError(error: Error): void {
    if (this.#errorListeners.length === 0) rethrowLater(error);
    for (const listener of this.#errorListeners) callSafely(() => listener(error));
  }
}

/**
 * These listeners run under a native callback of the binding, where a thrown
 * exception aborts the whole process (C++ terminate). Rethrow it from a clean
 * stack instead, where it is an ordinary uncaught exception.
 */
function callSafely(action: () => void): void {
  try {
    action();
  } catch (error) {
    rethrowLater(error);
  }
}

function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}

function asSystemCallError(error: ErrnoException | Error, port: number): Error {
  const { errno, syscall } = error as Partial<ErrnoException>;
  if (typeof errno !== 'number') return error;
  return new SystemCallError(typeof syscall === 'string' ? syscall : 'poll', errno, `netlink port ${port}`);
}

/**
 * The transport: one netlink socket (the `netlink` package's raw layer), opened
 * in a chosen network namespace, with extended ACKs and strict checking on.
 */
// The raw socket only: the package's index also loads its generated rtnetlink/nl80211/genl code
// (over 100 ms of start-up).
import { RawNetlinkSocket } from 'netlink/dist/raw.js';
import type { ErrnoException, MessageInfo } from 'netlink';
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
  const { socket, port, inode } =
    options.netnsFd === undefined ? createBound(protocol) : withNetns(options.netnsFd, () => createBound(protocol));
  try {
    const fd = fdOfSocketInode(inode);
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

/** Runs inside the target namespace: the socket and the /proc lookup both belong to it. */
/**
 * Each datagram is read with one recvmsg into a buffer of this size, instead of the binding's
 * default peek-then-read. Besides saving a syscall, it matters for dumps: the kernel sizes each
 * dump datagram by the largest buffer recvmsg was given (capped near 32 KiB), so a peeking
 * reader gets ~4 KiB datagrams and eight times as many wake-ups.
 */
const RECEIVE_BUFFER = 32 * 1024;

function createBound(protocol: number): { socket: RawNetlinkSocket; port: number; inode: number } {
  // The binding's typings mark the buffer sizes required; it leaves them as they are when omitted.
  const options = { messagePeeking: false, msgBufferSize: RECEIVE_BUFFER } as ConstructorParameters<typeof RawNetlinkSocket>[1];
  const socket = new RawNetlinkSocket(protocol, options);
  try {
    const { port } = socket.address();
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
  // SO_MEMINFO is a u32 array; the drop counter is entry SK_MEMINFO_DROPS.
  readonly #meminfo = new Uint32Array(SK_MEMINFO_DROPS + 1);
  readonly #meminfoBytes = Buffer.from(this.#meminfo.buffer);

  constructor(
    socket: RawNetlinkSocket,
    readonly port: number,
    readonly fd: number,
  ) {
    this.#socket = socket;
    // Everything below runs under the binding's native callbacks: see callSafely.
    socket.on('message', (datagram: Buffer, info: MessageInfo) =>
      callSafely(() => {
        this.#scheduleDropCheck();
        if (info.port !== 0) return;
        for (const listener of this.#datagramListeners) callSafely(() => listener(datagram));
      }),
    );
    // A datagram larger than RECEIVE_BUFFER arrives cut short: report it rather than decode half of it.
    socket.on('truncatedMessage', (_datagram: Buffer, info: MessageInfo) =>
      callSafely(() => {
        const detail = `netlink port ${port}, datagram of ${info.truncated ?? '?'} bytes truncated`;
        this.#emitError(new SystemCallError('recvmsg', osConstants.errno.EMSGSIZE, detail));
      }),
    );
    socket.on('error', (error: ErrnoException) => callSafely(() => this.#emitError(asSystemCallError(error, port))));
  }

  send(datagram: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new SocketClosedError());
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

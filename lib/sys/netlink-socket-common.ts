/**
 * What the two netlink socket kinds share: buffer sizing, socket options, the closed-socket error,
 * the listeners, and overrun detection through the kernel's drop counter.
 */
import { NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_NO_ENOBUFS, SK_MEMINFO_DROPS, SOL_NETLINK, SOL_SOCKET, SO_MEMINFO, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE } from './constants.js';
import { NLMSG_HDRLEN, NLM_F_MULTI } from '../../messages/constants.js';
import { frameFlags } from '../../messages/framing.js';
import { truesize } from '../answer-cost.js';
import { getsockoptInto, setsockoptInt } from './libc.js';
import { ERRNO } from './errno.js';
import { SystemCallError } from './system-call-error.js';
import { InvalidArgumentError, NetnsRtnlError } from '../../messages/errors.js';
import { isIntegerIn } from '../../messages/checks.js';

/** openNetlinkSocket()'s and openNetlinkEventSocket()'s options. */
export interface NetlinkSocketOptions {
  /** Netlink protocol (default NETLINK_ROUTE). */
  protocol?: number;
  /** fd of a network namespace to open the socket in (default: the calling thread's). */
  netnsFd?: number;
  recvBufferSize?: number;
  sendBufferSize?: number;
}

export class SocketClosedError extends NetnsRtnlError {
  override readonly name = 'SocketClosedError';
  readonly code = 'ERR_SOCKET_CLOSED';
  constructor() {
    super('netlink socket is closed');
  }
}

/** Tries the FORCE variant (CAP_NET_ADMIN, may exceed net.core.[rw]mem_max), then the capped one. */
export function setBufferSize(fd: number, forced: number, capped: number, bytes: number): void {
  if (!isIntegerIn(bytes, 1, 0x7fff_ffff)) {
    throw new InvalidArgumentError(forced === SO_RCVBUFFORCE ? 'recvBufferSize' : 'sendBufferSize', bytes, 'is not a socket buffer size: a whole number of bytes from 1 to 2147483647');
  }
  try {
    setsockoptInt(fd, SOL_SOCKET, forced, bytes);
  } catch (error) {
    if (!(error instanceof SystemCallError && error.code === 'EPERM')) throw error;
    setsockoptInt(fd, SOL_SOCKET, capped, bytes);
  }
}

/**
 * What every socket of ours runs with: extended ACKs (the kernel's error text), strict checking of
 * requests, NETLINK_NO_ENOBUFS (see DropCounter), and the send buffer asked for, if any.
 *
 * NETLINK_CAP_ACK: an error then echoes only the header of the failed request, not the whole
 * request (the extended-ACK attributes, offset of the bad attribute included, still come). So the
 * answer to any change is small whatever the change's size, and flow control can bound what the
 * kernel queues (lib/answer-cost.ts); nothing here reads the echoed payload.
 */
export function setNetlinkOptions(fd: number, sendBufferSize: number | undefined): void {
  setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
  setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  setsockoptInt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
  if (sendBufferSize !== undefined) setBufferSize(fd, SO_SNDBUFFORCE, SO_SNDBUF, sendBufferSize);
}

/**
 * The largest data allocation the kernel makes for one dump datagram (netlink_dump sizes it by
 * the largest buffer recvmsg was given, capped at 32 KiB).
 */
const DUMP_ALLOCATION_CAP = 32 * 1024;

/**
 * Overruns: when the receive buffer is full the kernel drops the datagram. Both socket kinds run
 * with NETLINK_NO_ENOBUFS (the `netlink` binding aborts the process on the ENOBUFS flag, and a flag
 * says nothing of how much was lost) and read the kernel's drop counter (SO_MEMINFO) instead.
 *
 * A drop happens only when the queue is full: the datagrams queued at that moment are charged at
 * least the whole receive buffer (less one datagram) and are all read after it. So once the
 * datagrams read since the last check may have been charged half the buffer, a check is due;
 * before that, none can find a new drop (one getsockopt per datagram was 5% of a profile of
 * requests sent one by one). With a small buffer this checks after every read.
 */
/**
 * SO_MEMINFO's answer (a u32 array; the drop counter is entry SK_MEMINFO_DROPS), one for every
 * socket: read right after the call that fills it (each socket made two objects for it).
 */
const meminfo = new Uint32Array(SK_MEMINFO_DROPS + 1);
const meminfoBytes = Buffer.from(meminfo.buffer);

export class DropCounter {
  private _drops = 0;
  /** Upper bound of the receive-buffer charge of the datagrams read since the last check. */
  private _charged = 0;
  private _checkEvery: number;

  constructor(
    private readonly fd: number,
    private readonly port: number,
    receiveBuffer: number,
    private readonly readSize: number,
  ) {
    this._checkEvery = receiveBuffer / 2;
  }

  resize(receiveBuffer: number): void {
    this._checkEvery = receiveBuffer / 2;
  }

  /**
   * Notes a datagram read (its first message's header flags tell a dump's part from the rest);
   * true once a check is due. The bound is the skb truesize (lib/answer-cost.ts): for a dump's
   * part, that of the dump allocation; for anything else, of an allocation four times the message
   * (the kernel allocates from its estimate of an object's size, above its length).
   */
  note(datagram: Uint8Array, length: number): boolean {
    const multipart = length >= NLMSG_HDRLEN && (frameFlags(datagram, 0) & NLM_F_MULTI) !== 0;
    this._charged += multipart ? 2 * truesize(Math.min(this.readSize, DUMP_ALLOCATION_CAP)) : truesize(4 * length);
    return this._charged >= this._checkEvery;
  }

  /** Reads the counter: an ENOBUFS error describing new drops, or undefined. */
  check(): SystemCallError | undefined {
    this._charged = 0;
    getsockoptInto(this.fd, SOL_SOCKET, SO_MEMINFO, meminfoBytes);
    const drops = meminfo[SK_MEMINFO_DROPS] ?? 0;
    if (drops === this._drops) return undefined;
    const lost = (drops - this._drops) >>> 0;
    this._drops = drops;
    return new SystemCallError('recvmsg', ERRNO.ENOBUFS, `netlink port ${this.port}: receive buffer overrun, ${lost} datagram(s) dropped`);
  }
}

/** The datagram and error listeners of one socket, and how both socket kinds call them. */
export class SocketListeners {
  private readonly _datagram: Array<(datagram: Uint8Array) => boolean | void> = [];
  private readonly _error: Array<(error: Error) => void> = [];

  onDatagram(listener: (datagram: Uint8Array) => boolean | void): void {
    this._datagram.push(listener);
  }

  onError(listener: (error: Error) => void): void {
    this._error.push(listener);
  }

  /** Hands `datagram` to every listener; false when each returned false (expects nothing more). */
  datagram(datagram: Uint8Array): boolean {
    const listeners = this._datagram;
    let more = listeners.length === 0;
    for (let i = 0; i < listeners.length; i++) {
      try {
        if (listeners[i]!(datagram) !== false) more = true;
      } catch (error) {
        rethrowLater(error);
      }
    }
    return more;
  }

  /** Hands `error` to every listener; with none, it is thrown, like an EventEmitter 'error'. */
  error(error: Error): void {
    if (this._error.length === 0) rethrowLater(error);
    for (const listener of this._error) callSafely(() => listener(error));
  }
}

/** Runs a listener; what it throws becomes an uncaught exception from a clean stack. */
export function callSafely(action: () => void): void {
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

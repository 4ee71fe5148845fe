/**
 * The event socket: a netlink socket that joins multicast groups, so the kernel writes to it at
 * any time and it must be polled. It is the `netlink` package's raw socket (its uv_poll watches the
 * fd), opened in a chosen namespace with extended ACKs and strict checking on. Request/answer
 * traffic goes through netlink-request-socket.ts instead, which needs no polling.
 */
import { createRequire } from 'node:module';
import type { ErrnoException, MessageInfo } from 'netlink';
import type { RawNetlinkSocket } from 'netlink/dist/raw.js';
import { closeSync, openSync } from 'node:fs';
import {
  MSG_DONTWAIT,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_ROUTE,
  SOL_NETLINK,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
} from './constants.js';
import { sendOrErrno, setsockoptInt } from './libc.js';
import type { EventTransport, SendOptions } from '../transport.js';
import { DropCounter, SocketClosedError, SocketListeners, callSafely, setBufferSize, setNetlinkOptions, type NetlinkSocketOptions } from './netlink-socket-common.js';
import { findNetlinkSocketFd } from './netlink-socket-fd.js';
import { currentNetnsInode, withNetns } from './netns-thread.js';
import { ERRNO } from './errno.js';
import { InvalidArgumentError } from '../../messages/errors.js';
import { isIntegerIn } from '../../messages/checks.js';
import { SystemCallError, systemCallErrorOf } from './system-call-error.js';

/** Opens an event socket (join groups with addMembership), in the namespace `options.netnsFd` refers to if given. */
export function openNetlinkEventSocket(options: NetlinkSocketOptions = {}): EventSocket {
  const protocol = options.protocol ?? NETLINK_ROUTE;
  const { socket, port, fd } = options.netnsFd === undefined ? createBound(protocol) : withNetns(options.netnsFd, () => createBound(protocol));
  try {
    // NETLINK_NO_ENOBUFS matters here: an overrun reported as an error aborts the binding's process.
    setNetlinkOptions(fd, options.sendBufferSize);
    const transport = new EventSocket(socket, port, fd);
    if (options.recvBufferSize !== undefined) transport.setRecvBufferSize(options.recvBufferSize);
    return transport;
  } catch (error) {
    socket.close();
    throw error;
  }
}

/**
 * The binding reads each datagram with one recvmsg into a fresh buffer of this size (instead of
 * peeking first, which costs a second syscall and makes the kernel size dump datagrams at ~4 KiB).
 * Notifications are one message per datagram; a replayed dump's datagrams fit too.
 */
const RECEIVE_BUFFER = 16 * 1024;

type RawSocketClass = typeof RawNetlinkSocket;

/**
 * The binding's raw socket class, loaded by the first event socket rather than on import (require
 * caches it): loading it takes about 8 ms, which a process that never monitors (a CNI plugin) would
 * pay on every run. Only the raw socket: the package's index also loads its generated
 * rtnetlink/nl80211/genl code (over 100 ms).
 */
function rawSockets(): RawSocketClass {
  return (createRequire(import.meta.url)('netlink/dist/raw.js') as { RawNetlinkSocket: RawSocketClass }).RawNetlinkSocket;
}

/** Runs inside the target namespace: the socket, and the namespace its fd is identified by. */
function createBound(protocol: number): { socket: RawNetlinkSocket; port: number; fd: number } {
  // The binding's typings mark the buffer sizes required; it leaves them as they are when omitted.
  const options = { messagePeeking: false, msgBufferSize: RECEIVE_BUFFER } as ConstructorParameters<RawSocketClass>[1];
  // The kernel gives a new socket the lowest free fd: the one free just before is checked first.
  const likely = openSync('/dev/null', 'r');
  closeSync(likely);
  const socket = new (rawSockets())(protocol, options);
  try {
    const { port } = socket.address();
    return { socket, port, fd: findNetlinkSocketFd({ protocol, port, netnsInode: currentNetnsInode() }, likely) };
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** An event socket: an EventTransport, plus its fd and receive buffer size. */
export class EventSocket implements EventTransport {
  readonly #socket: RawNetlinkSocket;
  readonly #listeners = new SocketListeners();
  readonly #pendingSends = new Set<(error: Error) => void>();
  readonly #drops: DropCounter;
  #closed = false;
  #dropCheckScheduled = false;

  constructor(
    socket: RawNetlinkSocket,
    readonly port: number,
    readonly fd: number,
  ) {
    this.#socket = socket;
    this.#drops = new DropCounter(fd, port, socket.getRecvBufferSize(), RECEIVE_BUFFER);
    // Everything below runs under the binding's native callbacks, where a thrown exception aborts
    // the process (C++ terminate): callSafely rethrows it from a clean stack instead.
    socket.on('message', (datagram: Buffer, info: MessageInfo) =>
      callSafely(() => {
        this.#noteDatagram(datagram, datagram.length);
        if (info.port !== 0) return;
        this.#listeners.datagram(datagram);
      }),
    );
    // A datagram larger than RECEIVE_BUFFER arrives cut short: report it rather than decode half of it.
    socket.on('truncatedMessage', (datagram: Buffer, info: MessageInfo) =>
      callSafely(() => {
        this.#noteDatagram(datagram, RECEIVE_BUFFER);
        const detail = `netlink port ${port}, datagram of ${info.truncated ?? '?'} bytes truncated`;
        this.#listeners.error(new SystemCallError('recvmsg', ERRNO.EMSGSIZE, detail));
      }),
    );
    socket.on('error', (error: ErrnoException) => callSafely(() => this.#listeners.error(asSystemCallError(error, port))));
  }

  send(datagram: Uint8Array, _options?: SendOptions): Promise<void> | undefined {
    if (this.#closed) throw new SocketClosedError();
    // Directly, when nothing is queued in the binding (which would otherwise be overtaken): one
    // send(2), no completion timer and native callback per datagram. Sending to the kernel does not
    // block: it handles the messages inside the call. EAGAIN/ENOBUFS (rare) fall back to the
    // binding, which retries when the socket is writable.
    if (this.#pendingSends.size === 0) {
      const sent = sendOrErrno(this.fd, datagram, MSG_DONTWAIT);
      if (sent >= 0) return undefined;
      const errno = -sent;
      if (errno !== ERRNO.EAGAIN && errno !== ERRNO.ENOBUFS && errno !== ERRNO.EINTR) {
        throw new SystemCallError('sendmsg', errno, `netlink port ${this.port}`);
      }
    }
    // The binding sends later: it gets a copy, the caller may reuse its buffer at once.
    const buffer = Buffer.from(datagram);
    return new Promise<void>((resolve, reject) => {
      this.#socket.send(buffer, { port: 0 }, (error) => {
        this.#pendingSends.delete(reject);
        if (error === undefined) resolve();
        else reject(asSystemCallError(error, this.port));
      });
      this.#pendingSends.add(reject);
    });
  }

  onDatagram(listener: (datagram: Uint8Array) => boolean | void): void {
    this.#listeners.onDatagram(listener);
  }

  onError(listener: (error: Error) => void): void {
    this.#listeners.onError(listener);
  }

  /** Joins multicast group `group` (an RTNLGRP_* number). */
  addMembership(group: number): void {
    this.#setGroup(NETLINK_ADD_MEMBERSHIP, group);
  }

  /** Leaves multicast group `group`. */
  dropMembership(group: number): void {
    this.#setGroup(NETLINK_DROP_MEMBERSHIP, group);
  }

  /** Asks for a receive buffer of `bytes` (SO_RCVBUFFORCE as root, else SO_RCVBUF; the kernel doubles it). */
  setRecvBufferSize(bytes: number): void {
    this.#assertOpen();
    setBufferSize(this.fd, SO_RCVBUFFORCE, SO_RCVBUF, bytes);
    this.#drops.resize(this.#socket.getRecvBufferSize());
  }

  /** The receive buffer the kernel granted, in bytes. */
  getRecvBufferSize(): number {
    this.#assertOpen();
    return this.#socket.getRecvBufferSize();
  }

  ref(): void {
    if (!this.#closed) this.#socket.ref();
  }

  /** Let the event loop end while nothing is awaited. */
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
    if (!isIntegerIn(group, 1, 0xffff_ffff)) throw new InvalidArgumentError('group', group, 'is not a netlink multicast group: a whole number from 1 to 4294967295');
    setsockoptInt(this.fd, SOL_NETLINK, option, group | 0);
  }

  #noteDatagram(datagram: Uint8Array, length: number): void {
    if (this.#drops.note(datagram, length)) this.#scheduleDropCheck();
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
      if (this.#closed) return;
      callSafely(() => {
        const error = this.#drops.check();
        if (error) this.#listeners.error(error);
      });
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new SocketClosedError();
  }
}

function asSystemCallError(error: ErrnoException | Error, port: number): Error {
  return systemCallErrorOf(error, `netlink port ${port}`, 'poll') as Error;
}

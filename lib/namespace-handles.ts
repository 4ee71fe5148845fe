/**
 * What a Namespace holds open: the namespace's fd, its rtnetlink socket and its nftables socket.
 * With releaseWhenIdle (Namespace.current() for VethPair.create), all of it is let go whenever no
 * request is pending and opened again on the next use, so an object nobody closes holds nothing.
 */
import { join } from 'node:path';
import type { Logger } from './log.js';
import { Connection } from './connection.js';
import { NamespaceClosedError, NamespaceReplacedError } from './errors.js';
import { DEFAULT_MONITOR_RECEIVE_BUFFER, Monitor, type MonitorOptions } from './monitor/index.js';
import { Nat } from './nat/nat.js';
import { Nftables } from './nat/nftables.js';
import { Rtnl } from './rtnl/client.js';
import { closeFd, closeFdSoon, createNetnsDirect, netnsInodeOfFd, NotNetnsError, openCurrentNetnsFd, openNetlinkEventSocket, openNetlinkSocket, openNetnsFd, type RequestSocket } from './sys/index.js';
import type { SendOptions, Transport } from './transport.js';
import type { NamespaceRef } from './namespace-options.js';
import { checkInteger, checkNamespaceName, InvalidArgumentError } from './validate.js';

/** Receive buffer asked for the request socket (the kernel grants twice this). */
const REQUEST_SOCKET_BUFFER = 1 << 20;

/** How long opening by name waits for a namespace another process is creating to be mounted. */
const PLACEHOLDER_WAIT_MS = 2000;

/** What every socket of a namespace is given: errors name the namespace; logs carry it. */
export interface SocketOptions {
  context: string;
  logger?: Logger;
  timeoutMs?: number;
}

export interface NamespaceHandlesOptions {
  /** The file that identifies the namespace, opened again after an idle release. */
  path: string;
  /** Shown in errors: `netns NAME`. */
  shown: string;
  releaseWhenIdle: boolean;
  /** What was opened with the namespace (see openHandlesHere): its request socket, for the rtnl client. */
  opened?: OpenedHandles | undefined;
  socketOptions: () => SocketOptions;
  /**
   * Told the rtnl client when it is made, and undefined when it is released: the Namespace itself
   * (its method called straight, with no function in between).
   */
  owner?: { rtnlChanged(rtnl: Rtnl | undefined): void };
  /** For NAT's published ports: the local prefix (hairpin subnet) an address is in. */
  localPrefixOf: (address: string) => Promise<string | undefined>;
}

/** The file a NamespaceRef names, with the name (for a named namespace) and what errors show. */
export function namespaceFile(ref: NamespaceRef, dir: string): { name?: string; path: string; shown: string } {
  if (typeof ref === 'string') return { name: checkNamespaceName(ref), path: join(dir, ref), shown: ref };
  if (typeof ref === 'object' && ref !== null && 'pid' in ref) {
    const path = `/proc/${checkInteger(ref.pid, 'pid', 1, 0x3fffffff)}/ns/net`;
    return { path, shown: path };
  }
  if (typeof ref === 'object' && ref !== null && typeof ref.path === 'string' && ref.path !== '') return { path: ref.path, shown: ref.path };
  throw new InvalidArgumentError('namespace', ref, 'is not a name, { path } or { pid }');
}

/**
 * openNetnsFd with its refusals as InvalidArgumentError (field 'namespace'). With
 * `waitForPlaceholder`, an empty regular file (a namespace being created: the file exists before
 * the namespace is mounted on it) is tried again with growing pauses.
 */
export async function openNetnsFile(path: string, shown: string, waitForPlaceholder: boolean): Promise<number> {
  for (let waited = 0, pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      return openNetnsFd(path);
    } catch (error) {
      if (error instanceof NotNetnsError) {
        if (!error.placeholder || !waitForPlaceholder) throw new InvalidArgumentError('namespace', shown, `is ${error.what}, not a network namespace`, { cause: error });
        if (waited >= PLACEHOLDER_WAIT_MS) {
          throw new InvalidArgumentError('namespace', shown, `is still ${error.what} after ${waited} ms: a namespace being created that was not finished, or a file left by a creator that failed`, { cause: error });
        }
      } else {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') throw new InvalidArgumentError('namespace', shown, `does not exist (no ${path})`, { cause: error });
        if (code === 'ELOOP') throw new InvalidArgumentError('namespace', shown, `is a symlink loop (${path})`, { cause: error });
        throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    waited += pause;
  }
}

/** What Namespace.create opens in the namespace it makes. */
export interface OpenedHandles {
  fd: number;
  socket: RequestSocket;
  /** Read along with the fd where the creation ran in one call. */
  inode?: number;
}

/**
 * The namespace's creation with openHandlesHere's work, in one call into native code where it can
 * be (see lib/sys/netns-create-program.ts); undefined, with nothing done, where it cannot.
 */
export function createHandlesDirect(path: string): OpenedHandles | undefined {
  return createNetnsDirect(path, REQUEST_SOCKET_BUFFER);
}

/**
 * What Namespace.create opens while the thread is still inside the namespace it made: the
 * namespace's fd and the request socket, with no second trip into the namespace for the socket.
 */
export function openHandlesHere(): OpenedHandles {
  const fd = openCurrentNetnsFd();
  try {
    return { fd, socket: openNetlinkSocket({ recvBufferSize: REQUEST_SOCKET_BUFFER }) };
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}

/**
 * The socket, telling `busy` when the Connection over it refs it (a request is pending) and unrefs
 * it (the last one settled). What the socket says of its reads (answersWithinSend,
 * readsUntilEmpty) is passed on, and its sendAlone, which checks readsUntilEmpty itself: a lone
 * change here takes the same quick path as anywhere else, with no getter read for it.
 */
export function busyReporting(socket: Transport & Pick<RequestSocket, 'readQueued'>, busy: (pending: boolean) => void): Transport {
  return new BusyReporting(socket, busy);
}

/**
 * busyReporting's transport. A class, its getter on the prototype: an object literal with an
 * accessor is made in dictionary mode, where every property the request path reads is a lookup.
 */
class BusyReporting implements Transport {
  readonly port: number;
  readonly answersWithinSend: boolean | undefined;
  readonly sendAlone: ((buffer: Uint8Array, length: number) => Promise<void> | undefined | false) | undefined;

  constructor(
    private readonly socket: Transport & Pick<RequestSocket, 'readQueued'>,
    private readonly busy: (pending: boolean) => void,
  ) {
    this.port = socket.port;
    this.answersWithinSend = socket.answersWithinSend;
    this.sendAlone = socket.sendAlone === undefined ? undefined : (buffer, length) => socket.sendAlone!(buffer, length);
  }

  get readsUntilEmpty(): boolean | undefined {
    return this.socket.readsUntilEmpty;
  }

  send(datagram: Uint8Array, options?: SendOptions): Promise<void> | undefined {
    return this.socket.send(datagram, options);
  }

  onDatagram(listener: (datagram: Uint8Array) => boolean | void): void {
    this.socket.onDatagram(listener);
  }

  readQueued(): void {
    this.socket.readQueued();
  }

  onError(listener: (error: Error & { code?: string }) => void): void {
    this.socket.onError(listener);
  }

  ref(): void {
    this.busy(true);
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
    this.busy(false);
  }

  close(): void {
    this.socket.close();
  }
}

export class NamespaceHandles {
  #fd: number | undefined;
  #closed = false;
  #rtnl: Rtnl | undefined;
  /** options.opened's socket until the rtnl client takes it. */
  #socket: RequestSocket | undefined;
  #nat: Nat | undefined;
  /** releaseWhenIdle: a request is pending on the rtnl socket. */
  #busy = false;
  #idleCheck: NodeJS.Immediate | undefined;
  /** The namespace's inode: its identity, checked when the fd is opened again. */
  readonly inode: number;

  constructor(fd: number, private readonly options: NamespaceHandlesOptions) {
    this.#fd = fd;
    this.#socket = options.opened?.socket;
    this.inode = options.opened?.inode ?? netnsInodeOfFd(fd);
    if (options.releaseWhenIdle) this.releaseSoon();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get fd(): number {
    if (this.#closed) throw new NamespaceClosedError(this.options.shown);
    if (this.#fd === undefined) {
      this.#fd = this.reopen();
      this.releaseSoon();
    }
    return this.#fd;
  }

  /** The fd again, after releaseWhenIdle let it go: the same namespace, or a loud error. */
  private reopen(): number {
    const fd = openNetnsFd(this.options.path);
    const inode = netnsInodeOfFd(fd);
    if (inode !== this.inode) {
      closeFd(fd);
      throw new NamespaceReplacedError(this.options.shown, this.options.path, this.inode, inode);
    }
    return fd;
  }

  get rtnl(): Rtnl {
    // The usual case first, with one read of the private field (each read is an inline-cache call in baseline code).
    const made = this.#rtnl;
    if (made !== undefined) return made;
    // A large receive buffer lets many requests be in flight: the Connection keeps their
    // answers within what the kernel granted.
    const socket = this.#socket ?? openNetlinkSocket({ netnsFd: this.fd, recvBufferSize: REQUEST_SOCKET_BUFFER });
    this.#socket = undefined;
    const transport = this.options.releaseWhenIdle ? busyReporting(socket, (busy) => this.socketBusy(busy)) : socket;
    // One literal of one shape (not spreads): the Connection's constructor reads each option once,
    // an absent one as undefined, as it would read a missing property.
    const { context, logger, timeoutMs } = this.options.socketOptions();
    const connection = new Connection(transport, { context, logger, timeoutMs, receiveBufferBytes: socket.getRecvBufferSize() });
    const rtnl = new Rtnl(connection);
    this.#rtnl = rtnl;
    this.options.owner?.rtnlChanged(rtnl);
    return rtnl;
  }

  /** Once made, keeps the sockets and the fd open even with releaseWhenIdle. */
  get nat(): Nat {
    if (!this.#nat) {
      const socketOptions = this.options.socketOptions();
      const logger = socketOptions.logger ? { logger: socketOptions.logger } : {};
      this.#nat = new Nat(Nftables.open({ netnsFd: this.fd, ...socketOptions }), { localPrefixOf: this.options.localPrefixOf, ...logger });
    }
    return this.#nat;
  }

  /** A Monitor on an event socket of its own: it lives until it ends, whatever this object does. */
  monitor(options: MonitorOptions, socketOptions: SocketOptions): Monitor {
    const transport = openNetlinkEventSocket({
      netnsFd: this.fd,
      recvBufferSize: options?.receiveBufferBytes ?? DEFAULT_MONITOR_RECEIVE_BUFFER,
    });
    try {
      return new Monitor(transport, { ...socketOptions, ...options });
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  private socketBusy(busy: boolean): void {
    this.#busy = busy;
    if (!busy) this.releaseSoon();
  }

  /**
   * releaseWhenIdle: after this turn of the event loop, closes the socket and the fd unless a
   * request is pending by then (a continuation after an await sends its next request in a
   * microtask, before the turn ends). A NAT handle, once used, keeps them open.
   */
  private releaseSoon(): void {
    if (!this.options.releaseWhenIdle || this.#idleCheck !== undefined) return;
    this.#idleCheck = setImmediate(() => {
      this.#idleCheck = undefined;
      if (this.#busy || this.#nat !== undefined || this.#closed) return;
      this.close(true);
    });
  }

  /**
   * Closes the sockets and the fd, the fd in a microtask with the others closed in this run of
   * JavaScript (closeFdSoon: a teardown's in one call into native code). With `reopenable`
   * (releaseWhenIdle's release), not for good: the next use opens them again. One function for
   * both, run once per namespace of a teardown: each function more on that path is one more for
   * V8 to tier up in the teardowns that follow the first.
   */
  close(reopenable = false): void {
    if (!reopenable) {
      this.#closed = true;
      if (this.#idleCheck !== undefined) clearImmediate(this.#idleCheck);
      this.#idleCheck = undefined;
    }
    this.#socket?.close();
    this.#socket = undefined;
    const rtnl = this.#rtnl;
    if (rtnl !== undefined) {
      rtnl.close();
      this.#rtnl = undefined;
      this.options.owner?.rtnlChanged(undefined);
    }
    this.#nat?.close();
    this.#nat = undefined;
    if (this.#fd !== undefined) closeFdSoon(this.#fd);
    this.#fd = undefined;
  }
}

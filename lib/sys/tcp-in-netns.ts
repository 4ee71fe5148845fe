/**
 * TCP clients and servers that live in another network namespace, in this process, with no
 * helper process per connection. A socket belongs for good to the namespace it was created in,
 * so socket(2) (and, for a server, bind(2)) run inside withNetns's critical section; the fd is
 * then handed to Node, which drives it from the event loop like any other socket.
 *
 * Two details of Node 20 that matter here (both checked on this machine):
 * - `new net.Socket({ fd })` normally starts reading at once; on a socket that is not connected
 *   yet that fails with ENOTCONN, the socket is destroyed, and a later connect() would quietly
 *   make a NEW socket in the process's own namespace. So the wrapper is made with
 *   `manualStart: true` and connect() is called in the same tick; after 'connect' we check the
 *   handle still owns our fd.
 * - connect() to an IP address needs no DNS lookup; host names are refused, since a lookup
 *   would run on libuv's thread pool, which is in the process's namespace, not the target's.
 */
import { closeSync } from 'node:fs';
import net from 'node:net';
import { endianness } from 'node:os';
import { O_CLOEXEC, SOL_SOCKET } from './constants.js';
import { bind, setsockoptInt, socket } from './libc.js';
import { withNetns } from './netns-thread.js';
import { NetnsRtnlError } from '../../messages/errors.js';

// <bits/socket.h>, <bits/socket_type.h>, <asm-generic/socket.h>
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = O_CLOEXEC;
const SO_REUSEADDR = 2;

export interface NetnsConnectOptions {
  /** An IPv4 or IPv6 address (not a host name). */
  host: string;
  port: number;
  /** Give up (error code ETIMEDOUT) when the connection is not up after this many ms. Default 5000. */
  timeoutMs?: number;
  /** Words for error messages, e.g. 'in netns c1'. */
  context?: string;
}

export interface NetnsListenOptions {
  /** Address to bind, default '0.0.0.0'. */
  host?: string;
  /** Port to bind; 0 (the default) lets the kernel choose: read it from server.address(). */
  port?: number;
  backlog?: number;
  /** Words for error messages, e.g. 'in netns c1'. */
  context?: string;
}

/** Error raised when a connect does not complete in time; `code` is 'ETIMEDOUT'. */
export class ConnectTimeoutError extends NetnsRtnlError {
  override readonly name = 'ConnectTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly address: string,
    readonly port: number,
    readonly timeoutMs: number,
    context?: string,
  ) {
    super(`connect ETIMEDOUT ${address}:${port}${context ? ` ${context}` : ''}: no answer within ${timeoutMs} ms`);
  }
}

function checkHost(host: unknown, field: string): { host: string; family: 4 | 6 } {
  const family = typeof host === 'string' ? net.isIP(host) : 0;
  if (family === 0) throw new TypeError(`${field} must be an IPv4 or IPv6 address (host names are not resolved inside a namespace), got ${JSON.stringify(host)}`);
  return { host: host as string, family: family as 4 | 6 };
}

function checkPort(port: unknown, field: string, min: number): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < min || port > 65535) {
    throw new RangeError(`${field} must be an integer from ${min} to 65535, got ${String(port)}`);
  }
  return port;
}

/** sockaddr_in / sockaddr_in6 in the layout bind(2) takes (family in host order, port big-endian). */
export function encodeSockaddr(host: string, port: number): Buffer {
  const family = checkHost(host, 'host').family;
  const b = Buffer.alloc(family === 4 ? 16 : 28);
  const domain = family === 4 ? AF_INET : AF_INET6;
  if (endianness() === 'LE') b.writeUInt16LE(domain, 0);
  else b.writeUInt16BE(domain, 0);
  b.writeUInt16BE(checkPort(port, 'port', 0), 2);
  if (family === 4) host.split('.').forEach((part, i) => b.writeUInt8(Number(part), 4 + i));
  else ipv6Bytes(host).copy(b, 8); // after sin6_flowinfo; sin6_scope_id stays 0
  return b;
}

function ipv6Bytes(address: string): Buffer {
  let text = address;
  const out = Buffer.alloc(16);
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** A TCP socket made inside the namespace behind `netnsFd`; the caller owns the fd. */
function tcpSocketIn(netnsFd: number, family: 4 | 6, bindTo?: { host: string; port: number }): number {
  return withNetns(netnsFd, () => {
    const fd = socket(family === 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    try {
      if (bindTo) {
        setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        bind(fd, encodeSockaddr(bindTo.host, bindTo.port), `${bindTo.host}:${bindTo.port}`);
      }
      return fd;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  });
}

function handleFd(socket: net.Socket | net.Server): number | undefined {
  return (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
}

/**
 * Connects a TCP socket that lives in the namespace behind `netnsFd`. Resolves once connected;
 * rejects with Node's error (ECONNREFUSED, ENETUNREACH, EHOSTUNREACH ...) or a
 * ConnectTimeoutError, and then nothing is left open.
 */
export function connectInNetns(netnsFd: number, options: NetnsConnectOptions): Promise<net.Socket> {
  if (typeof options !== 'object' || options === null) throw new TypeError('connect options must be { host, port, timeoutMs? }');
  const { host, family } = checkHost(options.host, 'host');
  const port = checkPort(options.port, 'port', 1);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number, got ${String(timeoutMs)}`);
  const fd = tcpSocketIn(netnsFd, family);
  let sock: net.Socket;
  try {
    sock = new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return new Promise<net.Socket>((resolve, reject) => {
    const done = (error: Error | undefined): void => {
      clearTimeout(timer);
      sock.removeListener('connect', onConnect);
      sock.removeListener('error', onError);
      if (error) {
        sock.destroy();
        reject(error);
      } else resolve(sock);
    };
    const onConnect = (): void => {
      // Defence against the trap described at the top: the connection must be on our fd.
      const now = handleFd(sock);
      if (now !== undefined && now !== fd) done(new Error(`connect ${host}:${port}: the socket was replaced (fd ${now}, not ${fd}); it is not in the intended namespace`));
      else done(undefined);
    };
    const onError = (error: Error): void => {
      if (options.context) error.message = `${error.message} ${options.context}`;
      done(error);
    };
    const timer = setTimeout(() => done(new ConnectTimeoutError(host, port, timeoutMs, options.context)), timeoutMs);
    sock.once('connect', onConnect);
    sock.once('error', onError);
    // Same tick as the constructor: see the note at the top of the file.
    sock.connect({ host, port });
  });
}

/**
 * A net.Server listening on a TCP socket that lives in the namespace behind `netnsFd`.
 * Connections it accepts are in that namespace too. Resolves once listening.
 */
export function listenInNetns(
  netnsFd: number,
  options: NetnsListenOptions = {},
  onConnection?: (socket: net.Socket) => void,
): Promise<net.Server> {
  if (typeof options !== 'object' || options === null) throw new TypeError('listen options must be { host?, port?, backlog? }');
  const { host } = checkHost(options.host ?? '0.0.0.0', 'host');
  const port = checkPort(options.port ?? 0, 'port', 0);
  const fd = tcpSocketIn(netnsFd, net.isIP(host) as 4 | 6, { host, port });
  let server: net.Server;
  try {
    server = net.createServer();
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (onConnection) server.on('connection', onConnection);
  return new Promise<net.Server>((resolve, reject) => {
    const onError = (error: Error): void => {
      if (options.context) error.message = `${error.message} ${options.context}`;
      // listen({ fd }) failing leaves the fd with us unless the server took it over.
      if (handleFd(server) !== fd) {
        try {
          closeSync(fd);
        } catch {
          // already closed by the server
        }
      }
      server.close();
      reject(error);
    };
    server.once('error', onError);
    server.listen({ fd, ...(options.backlog !== undefined ? { backlog: options.backlog } : {}) }, () => {
      server.removeListener('error', onError);
      resolve(server);
    });
  });
}

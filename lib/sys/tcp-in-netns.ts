/**
 * TCP clients and servers that live in another network namespace, in this process, with no
 * helper process per connection. A socket belongs for good to the namespace it was created in,
 * so socket(2) (and, for a server, bind(2)) run inside withNetns's critical section; the fd is
 * then handed to Node, which drives it from the event loop like any other socket.
 *
 * Details of Node that matter here (checked on Node 20, 22 and 24):
 * - `new net.Socket({ fd })` normally starts reading at once; on a socket that is not connected
 *   yet that fails with ENOTCONN, the socket is destroyed, and a later connect() would quietly
 *   make a NEW socket in the process's own namespace. So the wrapper is made with
 *   `manualStart: true` and connect() is called in the same tick; after 'connect', ownSocket()
 *   checks that our socket is still the one open (by inode, not by reading Node's handle).
 * - connect() to an IP address needs no DNS lookup; host names are refused, since a lookup
 *   would run on libuv's thread pool, which is in the process's namespace, not the target's.
 * - libuv turns an IPv6 zone ('fe80::1%eth0') into an index with if_nametoindex, on the main
 *   thread but outside the critical section, so in the process's namespace: the socket is bound to
 *   the zone's device instead (SO_BINDTODEVICE, which the kernel resolves in the socket's own
 *   namespace), which is what a link-local bind needs; a link-local connect also needs its scope
 *   id made in the socket's namespace (zoned-connect.ts says why).
 */
import { closeSync, fstatSync } from 'node:fs';
import net from 'node:net';
import { SOCK_CLOEXEC, SOCK_STREAM, SOL_SOCKET, SO_BINDTODEVICE, SO_BINDTOIFINDEX, SO_REUSEADDR } from './constants.js';
import { bind, setsockoptBytes, setsockoptInt, socket } from './libc.js';
import { withNetns } from './netns-thread.js';
import { SocketHandoffError } from './socket-handoff-error.js';
import { boundDeviceName, zonedConnectOptions } from './zoned-connect.js';
import { InvalidArgumentError, NetnsRtnlError } from '../../messages/errors.js';
import { AF_INET, AF_INET6 } from '../../messages/constants.js';
import { checkPort } from '../../messages/checks.js';


/** ns.connect()'s options. */
export interface NetnsConnectOptions {
  /** An IPv4 or IPv6 address (not a host name); IPv6 may carry a zone: 'fe80::1%eth0' (an interface of this namespace). */
  host: string;
  port: number;
  /** Give up (error code ETIMEDOUT) when the connection is not up after this many ms. Default 5000. */
  timeoutMs?: number;
  /** Words for error messages, e.g. 'in netns c1'. */
  context?: string;
}

/** ns.listen()'s options. */
export interface NetnsListenOptions {
  /** Address to bind, default '0.0.0.0'; IPv6 may carry a zone: 'fe80::1%eth0'. */
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

interface Host {
  /** The address without its zone. */
  host: string;
  family: 4 | 6;
  /** An IPv6 zone: an interface name, or an index in decimal. */
  zone?: string;
}

function checkHost(given: unknown, field: string): Host {
  const text = typeof given === 'string' ? given : '';
  const percent = text.indexOf('%');
  const host = percent < 0 ? text : text.slice(0, percent);
  const zone = percent < 0 ? undefined : text.slice(percent + 1);
  const family = net.isIP(host);
  if (family === 0) throw new InvalidArgumentError(field, given, 'is not an IPv4 or IPv6 address (host names are not resolved inside a namespace)');
  if (zone !== undefined && (family !== 6 || zone === '' || zone.includes('\0') || Buffer.byteLength(zone) > 15)) {
    throw new InvalidArgumentError(field, given, "has a zone that is not an interface: only IPv6 takes one, as in 'fe80::1%eth0'");
  }
  return { host, family: family as 4 | 6, ...(zone !== undefined ? { zone } : {}) };
}

/** sockaddr_in / sockaddr_in6 in the layout bind(2) takes (family in host order, port big-endian); a zone is left to bindToZone. */
export function encodeSockaddr(host: string, port: number): Buffer {
  const parsed = checkHost(host, 'host');
  const b = Buffer.alloc(parsed.family === 4 ? 16 : 28);
  const domain = parsed.family === 4 ? AF_INET : AF_INET6;
  // Host order is little-endian wherever the library loads (lib/sys/host-byte-order.ts).
  b.writeUInt16LE(domain, 0);
  b.writeUInt16BE(checkPort(port, 'port', 0), 2);
  if (parsed.family === 4) parsed.host.split('.').forEach((part, i) => b.writeUInt8(Number(part), 4 + i));
  else ipv6Bytes(parsed.host).copy(b, 8); // after sin6_flowinfo; sin6_scope_id stays 0
  return b;
}

/** Binds the socket to the zone's device, looked up by the kernel in the socket's namespace. */
function bindToZone(fd: number, zone: string, context: string | undefined): void {
  try {
    if (/^\d+$/.test(zone)) setsockoptInt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, Number(zone));
    else setsockoptBytes(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${zone}\0`));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ENODEV') throw error;
    throw new InvalidArgumentError('host', `%${zone}`, `names no interface${context ? ` ${context}` : ''} (the zone is looked up in the namespace of the socket)`, { cause: error });
  }
}

/** fe80::/10, the addresses that need a zone (the kernel's and libuv's test). */
function isLinkLocal(ipv6: string): boolean {
  const bytes = ipv6Bytes(ipv6);
  return bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
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
function tcpSocketIn(netnsFd: number, host: Host, context: string | undefined, bindTo?: { port: number }): number {
  return withNetns(netnsFd, () => {
    const fd = socket(host.family === 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    try {
      if (host.zone !== undefined) bindToZone(fd, host.zone, context);
      if (bindTo) {
        setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        bind(fd, encodeSockaddr(host.host, bindTo.port), `${host.host}:${bindTo.port}`);
      }
      return fd;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  });
}

/**
 * Whether `fd` is still the socket we made (inode `inode`). Node closes an fd it was given when it
 * destroys the socket's handle (and a new socket may then get the same number), so this tells
 * whether Node still drives our socket, without reading its private handle.
 */
export function ownSocket(fd: number, inode: number): boolean {
  try {
    return fstatSync(fd).ino === inode;
  } catch {
    return false; // EBADF: closed
  }
}

/**
 * Connects a TCP socket that lives in the namespace behind `netnsFd`. Resolves once connected;
 * rejects with Node's error (ECONNREFUSED, ENETUNREACH, EHOSTUNREACH ...) or a
 * ConnectTimeoutError, and then nothing is left open.
 */
export function connectInNetns(netnsFd: number, options: NetnsConnectOptions): Promise<net.Socket> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, 'is not { host, port, timeoutMs? }');
  const target = checkHost(options.host, 'host');
  const { host } = target;
  if (target.family === 6 && target.zone === undefined && isLinkLocal(host)) {
    throw new InvalidArgumentError('host', options.host, "is link-local: give the interface it is on as a zone, as in 'fe80::1%eth0'");
  }
  const port = checkPort(options.port, 'port', 1);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new InvalidArgumentError('timeoutMs', timeoutMs, 'is not a positive number of ms');
  const fd = tcpSocketIn(netnsFd, target, options.context);
  let inode: number;
  let zoned: string | undefined;
  let sock: net.Socket;
  try {
    inode = fstatSync(fd).ino;
    if (target.zone !== undefined) zoned = `${host}%${boundDeviceName(fd)}`;
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
      // Defence against the trap described at the top: the connection must be on our socket.
      if (!ownSocket(fd, inode)) done(new SocketHandoffError(`connect ${host}:${port}: Node no longer holds the socket made in the namespace (fd ${fd}); the connection is not in the intended namespace`));
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
    sock.connect(zoned === undefined ? { host, port } : zonedConnectOptions(netnsFd, sock, fd, zoned, port, done));
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
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, 'is not { host?, port?, backlog? }');
  const local = checkHost(options.host ?? '0.0.0.0', 'host');
  const port = checkPort(options.port ?? 0, 'port', 0);
  const fd = tcpSocketIn(netnsFd, local, options.context, { port });
  const inode = fstatSync(fd).ino;
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
      // listen({ fd }) failing leaves the fd with us unless the server took it over (and closed it).
      if (ownSocket(fd, inode)) closeSync(fd);
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

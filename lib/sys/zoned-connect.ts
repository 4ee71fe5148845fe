/**
 * Node's connect options for a TCP socket made in another namespace and bound to a device there
 * (SO_BINDTODEVICE), whose destination is link-local.
 *
 * Why not plain `connect({ host: 'fe80::1' })`: libuv (from 1.47, Node 22 on) gives a link-local
 * destination that has no scope id the index of the first interface with a link-local address
 * that getifaddrs() lists, run by the calling thread, so in the process's namespace. The kernel
 * refuses (EINVAL) a scope id that is not the device the socket is bound to, so such a connect
 * works only while the process's namespace happens to have no link-local address, or has one on
 * an interface whose index is the same number.
 *
 * So the destination keeps its zone (the bound device's name), and Node turns it into an index with
 * if_nametoindex inside the socket's namespace: Node connects synchronously from a lookup callback,
 * and the callback runs within withNetns. The host name Node is given is a placeholder that only
 * sends Node to the lookup; it does not appear in errors, which name the address.
 */
import type net from 'node:net';
import { SOL_SOCKET, SO_BINDTODEVICE } from './constants.js';
import { getsockname, getsockoptInto } from './libc.js';
import { withNetns } from './netns-thread.js';
import { SocketHandoffError } from './socket-handoff-error.js';

/** The name of the device `fd` is bound to, as the kernel reports it in the socket's namespace. */
export function boundDeviceName(fd: number): string {
  const name = Buffer.alloc(16); // IFNAMSIZ
  const length = getsockoptInto(fd, SOL_SOCKET, SO_BINDTODEVICE, name);
  const end = name.indexOf(0);
  return name.toString('utf8', 0, end >= 0 && end < length ? end : length);
}

/** The socket's local port (0 before bind or connect gave it one). */
function localPort(fd: number): number {
  const address = Buffer.alloc(28); // sockaddr_in6, the larger of the two
  getsockname(fd, address);
  return address.readUInt16BE(2);
}

/**
 * Options for `socket.connect()` that reach `zoned` (a link-local IPv6 address with the name of the
 * device `fd`, the socket under `socket`, is bound to) in the namespace behind `netnsFd`.
 * `onDeferred` is called if Node did not start the connect inside the lookup callback (a Node that
 * changed how it calls lookup): the scope would then come from the wrong namespace, so the caller
 * fails the connect.
 */
export function zonedConnectOptions(
  netnsFd: number,
  socket: net.Socket,
  fd: number,
  zoned: string,
  port: number,
  onDeferred: (error: SocketHandoffError) => void,
): net.TcpNetConnectOpts {
  return {
    host: 'link-local.zone.invalid',
    port,
    family: 6,
    lookup: (_hostname, _options, callback) => {
      // A connect that fails at once has Node destroy the socket (and close the fd) right there.
      const started = withNetns(netnsFd, () => {
        (callback as (error: null, address: string, family: number) => void)(null, zoned, 6);
        return socket.destroyed || localPort(fd) !== 0;
      });
      if (!started) {
        onDeferred(new SocketHandoffError(`connect ${zoned}:${port}: Node did not start the connect from the lookup callback, so the zone would be resolved outside the socket's namespace`));
      }
    },
  };
}

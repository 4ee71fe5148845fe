/**
 * The `netlink` package hides its socket's fd, and event sockets need it (socket options, the drop
 * counter, direct sends). It is recovered by identification, not by guess: a netlink socket is
 * unique by (network namespace, protocol, port id), and each of those can be read from an fd
 * (SIOCGSKNS, SO_PROTOCOL, getsockname). The fd the kernel most likely gave the socket (the
 * lowest free one just before it was made) is checked first; if it is not the socket, every fd
 * of the process is, and no match is a SocketHandoffError.
 */
import { closeSync, fstatSync, readdirSync } from 'node:fs';
import { AF_NETLINK, SIOCGSKNS, SOCKADDR_NL_SIZE, SOL_SOCKET, SO_PROTOCOL } from './constants.js';
import { getsockname, getsockoptInto, ioctlNoArgument } from './libc.js';
import { SocketHandoffError } from './socket-handoff-error.js';

/** What identifies one netlink socket. */
export interface NetlinkSocketIdentity {
  protocol: number;
  /** The port id it is bound to. */
  port: number;
  /** Inode of its network namespace. */
  netnsInode: number;
}

const address = Buffer.alloc(SOCKADDR_NL_SIZE);
const value = Buffer.alloc(4);

/** Whether `fd` is the netlink socket `identity` describes. */
export function isNetlinkSocket(fd: number, identity: NetlinkSocketIdentity): boolean {
  try {
    if (getsockname(fd, address) !== SOCKADDR_NL_SIZE) return false;
    if (address.readUInt16LE(0) !== AF_NETLINK || address.readUInt32LE(4) !== identity.port >>> 0) return false;
    getsockoptInto(fd, SOL_SOCKET, SO_PROTOCOL, value);
    if (value.readInt32LE(0) !== identity.protocol) return false;
    // Port ids are unique within a namespace only: the socket's own namespace must be the one.
    const netns = ioctlNoArgument(fd, SIOCGSKNS, 'SIOCGSKNS');
    try {
      return fstatSync(netns).ino === identity.netnsInode;
    } finally {
      closeSync(netns);
    }
  } catch {
    return false;
  }
}

/**
 * The fd of the netlink socket `identity` describes: `likely` if it is that socket, else the one
 * among this process's fds that is. Throws when none is.
 */
export function findNetlinkSocketFd(identity: NetlinkSocketIdentity, likely: number, listFds: () => string[] = () => readdirSync('/proc/self/fd')): number {
  if (isNetlinkSocket(likely, identity)) return likely;
  for (const entry of listFds()) {
    const fd = Number(entry);
    if (fd !== likely && isNetlinkSocket(fd, identity)) return fd;
  }
  throw new SocketHandoffError(`no fd of this process is the netlink socket of protocol ${identity.protocol}, port ${identity.port}, in netns inode ${identity.netnsInode}`);
}

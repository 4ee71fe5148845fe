/**
 * The `netlink` package hides its socket's fd. Recover it: the port id is
 * unique per namespace and protocol, /proc/thread-self/net/netlink (read from
 * inside the socket's namespace) maps it to the socket's inode, which is unique
 * on the host, and /proc/self/fd/N links to socket:[inode].
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Inode of the netlink socket bound to `port` for `protocol`, in the calling thread's namespace. */
export function netlinkSocketInode(protocol: number, port: number): number | undefined {
  return findNetlinkSocketInode(readFileSync('/proc/thread-self/net/netlink', 'latin1'), protocol, port);
}

/** Looks a socket up in the text of /proc/net/netlink. */
export function findNetlinkSocketInode(table: string, protocol: number, port: number): number | undefined {
  // Columns: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 10) continue;
    if (Number(columns[1]) === protocol && Number(columns[2]) === port) return Number(columns[9]);
  }
  return undefined;
}

/** The fd of this process that refers to the socket with `inode`, if any. */
export function fdOfSocketInode(inode: number): number | undefined {
  const wanted = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${entry}`) === wanted) return Number(entry);
    } catch {
      // closed while we looked (the fd readdir itself used is one of them)
    }
  }
  return undefined;
}

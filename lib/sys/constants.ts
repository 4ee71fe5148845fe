/**
 * Kernel and libc constants used by lib/sys, checked against the x86_64 headers:
 * <linux/sched.h>, <linux/mount.h>, <sys/mount.h>, <linux/netlink.h>,
 * <bits/socket.h>, <asm-generic/socket.h>, <linux/sock_diag.h>, <linux/nsfs.h> and
 * <asm-generic/fcntl.h>.
 * These values are the same on every Linux architecture Node supports
 * (the generic socket numbers differ only on alpha, mips, parisc and sparc).
 */
// Every module of lib/sys imports these: loading stops here on a big-endian host.
import './host-byte-order.js';

// <linux/sched.h>
export const CLONE_NEWNET = 0x4000_0000;
export const CLONE_NEWNS = 0x0002_0000;
export const CLONE_NEWCGROUP = 0x0200_0000;
export const CLONE_NEWUTS = 0x0400_0000;
export const CLONE_NEWIPC = 0x0800_0000;
export const CLONE_NEWUSER = 0x1000_0000;
export const CLONE_NEWPID = 0x2000_0000;
export const CLONE_NEWTIME = 0x0000_0080;

// <linux/mount.h> (mount flags) and <sys/mount.h> (umount2 flags)
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;
export const MS_SHARED = 1 << 20;
export const MNT_DETACH = 2;
export const UMOUNT_NOFOLLOW = 8;

// <asm-generic/fcntl.h>
export const O_CLOEXEC = 0o2000000;
/** An fd that only names a file: opening it neither blocks (FIFO) nor opens a device. */
export const O_PATH = 0o10000000;

// <linux/nsfs.h>: _IO(0xb7, 0x3), answers the CLONE_NEW* type of a namespace file.
export const NS_GET_NSTYPE = 0xb703;

// <linux/netlink.h>
export const NETLINK_ROUTE = 0;

// <bits/socket.h>, <asm-generic/socket.h>
export { AF_NETLINK } from '../../messages/constants.js';
/** sizeof(struct sockaddr_nl), <linux/netlink.h> */
export const SOCKADDR_NL_SIZE = 12;
export const SOCK_STREAM = 1;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const SOL_SOCKET = 1;
export const SO_PROTOCOL = 38;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SO_MEMINFO = 55;
export const SO_REUSEADDR = 2;
export const SO_BINDTODEVICE = 25;
export const SO_BINDTOIFINDEX = 62;
export const SOL_NETLINK = 270;
/** <linux/sockios.h>: an fd for the network namespace of a socket. */
export const SIOCGSKNS = 0x894c;

// Index of the drop counter in the u32 array SO_MEMINFO returns, <linux/sock_diag.h>
export const SK_MEMINFO_DROPS = 8;

// Socket options at level SOL_NETLINK, <linux/netlink.h>
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_LIST_MEMBERSHIPS = 9;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

/** Not the kernel's: what a combined send and read (syscall-stubs.ts, sendRecv) subtracts from a failed send's -errno (errno values are below 4096). */
export const SEND_FAILED = 4096;
/**
 * Not the kernel's: stat(2)'s parameters as the generic stub takes them (syscall-stubs.ts). Its trial
 * call and libc.ts's stat share one prototype, found by this text.
 */
export const STAT_PARAMETERS = 'const char *path, void *buffer';

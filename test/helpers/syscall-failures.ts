/**
 * Checked system calls of lib/sys/libc.ts made to fail on purpose, each with the errno the kernel
 * gives for it: the cases test/unit/libc-errno*.test.ts and test/integration/errno-clobbered-setup
 * run. None changes anything: every call is refused before it acts. `root` cases need root in a
 * private mount namespace (a mount call, refused, on a directory of their own).
 */
import { closeSync, mkdtempSync, openSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AF_NETLINK, CLONE_NEWNET, MNT_DETACH, MS_SHARED, NETLINK_ROUTE, NS_GET_NSTYPE, SOCK_CLOEXEC, SOCK_RAW, SOCKADDR_NL_SIZE, SOL_SOCKET, SO_RCVBUF, UMOUNT_NOFOLLOW,
} from '../../lib/sys/constants.js';
import { bind, connect, getsockname, getsockoptInt, ioctlNoArgument, mount, setns, setsockoptInt, socket, umount2, unshare } from '../../lib/sys/libc.js';

export interface SyscallFailure {
  what: string;
  /** Makes the call that fails; the error it throws is the case's outcome. */
  run(): void;
  syscall: string;
  code: string;
  /** The whole message, where it is fixed. */
  message?: string;
  root?: boolean;
}

/** A netlink address: port `port`, no groups. */
export function netlinkAddress(port: number, groups = 0): Buffer {
  const address = Buffer.alloc(SOCKADDR_NL_SIZE);
  address.writeUInt16LE(AF_NETLINK, 0);
  address.writeUInt32LE(port, 4);
  address.writeUInt32LE(groups, 8);
  return address;
}

function withFile<T>(path: string, action: (fd: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return action(fd);
  } finally {
    closeSync(fd);
  }
}

function withNetlinkSocket<T>(action: (fd: number) => T): T {
  const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  try {
    return action(fd);
  } finally {
    closeSync(fd);
  }
}

/** The port the kernel gave a netlink socket bound to port 0. */
function boundPort(fd: number): number {
  bind(fd, netlinkAddress(0), 'netlink port 0');
  const address = Buffer.alloc(SOCKADDR_NL_SIZE);
  getsockname(fd, address);
  return address.readUInt32LE(4);
}

function withDirectory<T>(action: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'errno-'));
  try {
    return action(dir);
  } finally {
    rmdirSync(dir);
  }
}

export const SYSCALL_FAILURES: readonly SyscallFailure[] = [
  {
    what: 'socket of a netlink protocol the kernel does not have',
    run: () => closeSync(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 9999)),
    syscall: 'socket',
    code: 'EPROTONOSUPPORT',
    message: 'socket(domain 16, type 0x80003, protocol 9999) failed: EPROTONOSUPPORT (Protocol not supported)',
  },
  {
    what: 'bind of a bound netlink socket to another port',
    run: () => withNetlinkSocket((fd) => bind(fd, netlinkAddress(boundPort(fd) + 1), 'another port')),
    syscall: 'bind',
    code: 'EINVAL',
  },
  {
    what: "bind to a port another socket holds",
    run: () => withNetlinkSocket((first) => withNetlinkSocket((second) => bind(second, netlinkAddress(boundPort(first)), 'a port taken'))),
    syscall: 'bind',
    code: 'EADDRINUSE',
  },
  {
    what: 'bind of a file that is no socket',
    run: () => withFile('/dev/null', (fd) => bind(fd, netlinkAddress(0), 'netlink port 0')),
    syscall: 'bind',
    code: 'ENOTSOCK',
  },
  {
    what: 'connect of a file that is no socket',
    run: () => withFile('/dev/null', (fd) => connect(fd, netlinkAddress(0), 'the kernel')),
    syscall: 'connect',
    code: 'ENOTSOCK',
  },
  {
    what: 'setns on a closed fd',
    run: () => setns(-1, CLONE_NEWNET),
    syscall: 'setns',
    code: 'EBADF',
    message: 'setns(fd -1, 0x40000000) failed: EBADF (Bad file descriptor)',
  },
  {
    what: 'setns on a file that is no namespace',
    run: () => withFile('/dev/null', (fd) => setns(fd, CLONE_NEWNET)),
    syscall: 'setns',
    code: 'EINVAL',
  },
  {
    what: 'unshare with a flag it does not take',
    run: () => unshare(1),
    syscall: 'unshare',
    code: 'EINVAL',
    message: 'unshare(0x1) failed: EINVAL (Invalid argument)',
  },
  {
    what: 'setsockopt on a closed fd',
    run: () => setsockoptInt(-1, SOL_SOCKET, SO_RCVBUF, 4096),
    syscall: 'setsockopt',
    code: 'EBADF',
    message: 'setsockopt(fd -1, level 1, option 8, 4096) failed: EBADF (Bad file descriptor)',
  },
  {
    what: 'setsockopt on a file that is no socket',
    run: () => withFile('/dev/null', (fd) => setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, 4096)),
    syscall: 'setsockopt',
    code: 'ENOTSOCK',
  },
  {
    what: 'getsockopt on a closed fd',
    run: () => getsockoptInt(-1, SOL_SOCKET, SO_RCVBUF),
    syscall: 'getsockopt',
    code: 'EBADF',
  },
  {
    what: 'getsockname of a file that is no socket',
    run: () => withFile('/dev/null', (fd) => getsockname(fd, Buffer.alloc(SOCKADDR_NL_SIZE))),
    syscall: 'getsockname',
    code: 'ENOTSOCK',
  },
  {
    what: 'NS_GET_NSTYPE of a file that is no namespace',
    run: () => withFile('/dev/null', (fd) => ioctlNoArgument(fd, NS_GET_NSTYPE, 'NS_GET_NSTYPE')),
    syscall: 'ioctl',
    code: 'ENOTTY',
  },
  {
    what: 'mount making a directory that is no mount point shared',
    run: () => withDirectory((dir) => mount('', dir, 'none', MS_SHARED)),
    syscall: 'mount',
    code: 'EINVAL',
    root: true,
  },
  {
    what: 'umount2 of a directory that is no mount point',
    run: () => withDirectory((dir) => umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW)),
    syscall: 'umount2',
    code: 'EINVAL',
    root: true,
  },
];

/** The error `failure.run` throws (the test fails if it throws none). */
export function thrownBy(failure: SyscallFailure): unknown {
  try {
    failure.run();
  } catch (error) {
    return error;
  }
  throw new Error(`${failure.what}: no error`);
}

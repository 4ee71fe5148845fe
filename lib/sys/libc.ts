/**
 * The system calls Node does not offer, bound through koffi. The library is
 * loaded on first use, once per process.
 */
import koffi from 'koffi';
import { SystemCallError } from './system-call-error.js';
import { directSocketCalls, type DirectSocketCalls } from './syscall-stubs.js';

interface LibcCalls {
  setns(fd: number, nstype: number): number;
  unshare(flags: number): number;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: null): number;
  umount2(target: string, flags: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, length: number[]): number;
  strerror(errno: number): string;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, length: number): number;
  send: ((fd: number, buffer: Uint8Array, length: number, flags: number) => number) & {
    async(fd: number, buffer: Uint8Array, length: number, flags: number, callback: (error: unknown, result: number) => void): void;
  };
  recvfrom(fd: number, buffer: Uint8Array, length: number, flags: number, address: ArrayBufferView, addressLength: ArrayBufferView): number;
  getsockname(fd: number, address: Buffer, length: number[]): number;
  ioctl(fd: number, request: number): number;
  /** koffi's errno of this thread, taken once: in the bundle every read of `koffi.x` goes through a Proxy that binds a new function. */
  errno(): number;
}

interface LibcFunctions extends LibcCalls {
  /** recvfrom and send returning -errno on failure (see syscall-stubs.ts). */
  direct: DirectSocketCalls;
}

let bound: LibcFunctions | undefined;

// The one piece of module state: a cache of immutable function bindings.
function libc(): LibcFunctions {
  if (bound === undefined) {
    const lib = koffi.load('libc.so.6');
    const calls: LibcCalls = {
      setns: lib.func('int setns(int fd, int nstype)'),
      unshare: lib.func('int unshare(int flags)'),
      mount: lib.func(
        'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)',
      ),
      umount2: lib.func('int umount2(const char *target, int flags)'),
      setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t length)'),
      getsockopt: lib.func('int getsockopt(int fd, int level, int name, _Out_ void *value, _Inout_ uint32_t *length)'),
      strerror: lib.func('const char *strerror(int errnum)'),
      socket: lib.func('int socket(int domain, int type, int protocol)'),
      bind: lib.func('int bind(int fd, const void *addr, uint32_t length)'),
      send: lib.func('long send(int fd, const void *buf, unsigned long len, int flags)'),
      // The address length goes as a 4-byte buffer, not an _Inout_ number array: this is the hot
      // path of every answer, and a buffer passes as a plain pointer.
      recvfrom: lib.func('long recvfrom(int fd, void *buf, unsigned long len, int flags, void *addr, void *addrlen)'),
      getsockname: lib.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *len)'),
      // Declared without the variadic third argument: only requests that take none are made.
      ioctl: lib.func('int ioctl(int fd, unsigned long request)'),
      errno: koffi.errno,
    };
    bound = { ...calls, direct: directSocketCalls(lib) ?? errnoSocketCalls(calls) };
  }
  return bound;
}

/**
 * Where no direct calls can be made (see syscall-stubs.ts): libc's, with errno read right after.
 * The gap between the two remains there.
 */
function errnoSocketCalls(calls: LibcCalls): DirectSocketCalls {
  return {
    recvfrom: (fd, buffer, length, flags, address, addressLength) => {
      const result = calls.recvfrom(fd, buffer, length, flags, address, addressLength);
      return result < 0 ? -calls.errno() : result;
    },
    send: (fd, buffer, length, flags) => {
      const result = calls.send(fd, buffer, length, flags);
      return result < 0 ? -calls.errno() : result;
    },
  };
}

function check(result: number, syscall: string, detail: string): void {
  if (result !== -1) return;
  // Read errno before anything else can call into libc.
  const errno = lastErrno();
  throw new SystemCallError(syscall, errno, detail, libc().strerror(errno));
}

/** Moves the calling thread into the namespace `fd` refers to. */
export function setns(fd: number, nstype: number): void {
  check(libc().setns(fd, nstype), 'setns', `fd ${fd}, 0x${nstype.toString(16)}`);
}

/** Gives the calling thread new namespaces of the kinds in `flags`. */
export function unshare(flags: number): void {
  check(libc().unshare(flags), 'unshare', `0x${flags.toString(16)}`);
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number): void {
  check(libc().mount(source, target, fstype, flags, null), 'mount', `${source ?? 'NULL'} -> ${target}, flags 0x${flags.toString(16)}`);
}

export function umount2(target: string, flags: number): void {
  check(libc().umount2(target, flags), 'umount2', `${target}, ${flags}`);
}

/** setsockopt with an int value, the type every option used here takes. */
export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const buffer = Buffer.from(Int32Array.of(value).buffer);
  check(libc().setsockopt(fd, level, name, buffer, 4), 'setsockopt', `fd ${fd}, level ${level}, option ${name}, ${value}`);
}

/** setsockopt with a value given as bytes (e.g. SO_BINDTODEVICE's interface name). */
export function setsockoptBytes(fd: number, level: number, name: number, value: Buffer): void {
  check(libc().setsockopt(fd, level, name, value, value.length), 'setsockopt', `fd ${fd}, level ${level}, option ${name}, ${value.length} bytes`);
}

/** getsockopt into `value` (reusable on hot paths); returns the number of bytes the kernel wrote. */
export function getsockoptInto(fd: number, level: number, name: number, value: Buffer): number {
  const length = [value.length];
  check(libc().getsockopt(fd, level, name, value, length), 'getsockopt', `fd ${fd}, level ${level}, option ${name}`);
  return length[0] ?? 0;
}

export function getsockoptInt(fd: number, level: number, name: number): number {
  // Native byte order, as the kernel writes these ints.
  const value = new Int32Array(1);
  getsockoptInto(fd, level, name, Buffer.from(value.buffer));
  return value[0] ?? 0;
}

/** socket(2); returns the new fd. It belongs to the calling thread's network namespace for good. */
export function socket(domain: number, type: number, protocol: number): number {
  const fd = libc().socket(domain, type, protocol);
  check(fd, 'socket', `domain ${domain}, type 0x${type.toString(16)}, protocol ${protocol}`);
  return fd;
}

/** bind(2) to an encoded sockaddr (sockaddr_in or sockaddr_in6). */
export function bind(fd: number, sockaddr: Buffer, detail: string): void {
  check(libc().bind(fd, sockaddr, sockaddr.length), 'bind', `fd ${fd}, ${detail}`);
}

/** getsockname(2) into `address`; returns the length the kernel reports. */
export function getsockname(fd: number, address: Buffer): number {
  const length = [address.length];
  check(libc().getsockname(fd, address, length), 'getsockname', `fd ${fd}`);
  return length[0] ?? 0;
}

/** ioctl(2) for a request that takes no argument; returns what the kernel returned. */
export function ioctlNoArgument(fd: number, request: number, detail: string): number {
  const result = libc().ioctl(fd, request);
  check(result, 'ioctl', `fd ${fd}, ${detail}`);
  return result;
}

/** errno as the last system call through koffi on this thread left it. */
function lastErrno(): number {
  return libc().errno();
}

/**
 * send(2) for the hot paths: the bytes sent, or -errno (EAGAIN is an ordinary outcome there, not
 * an exception). The value is the kernel's own, not errno read afterwards: see syscall-stubs.ts.
 */
export function sendOrErrno(fd: number, buffer: Uint8Array, flags: number): number {
  return libc().direct.send(fd, buffer, buffer.byteLength, flags);
}

/**
 * send(2) on one of libuv's worker threads (koffi's asynchronous call); `done` runs on this thread
 * with what send returned, -1 on failure. errno stays on the worker thread: a caller that needs it
 * sends again from this thread (a failed send consumed nothing).
 */
export function sendOffThread(fd: number, buffer: Uint8Array, flags: number, done: (result: number) => void): void {
  libc().send.async(fd, buffer, buffer.byteLength, flags, (error, result) => done(error ? -1 : result));
}

/**
 * Calls `readable` from this thread's event loop whenever `fd` (a socket, made non-blocking by the
 * poll) has something to read, until the returned stop is called; undefined if koffi cannot poll.
 */
export function pollReadable(fd: number, readable: () => void): (() => void) | undefined {
  const poll = (koffi as { node?: { poll?: typeof koffi.node.poll } }).node?.poll;
  if (typeof poll !== 'function') return undefined;
  const handle = poll(fd, { readable: true }, readable);
  return () => handle.close();
}

/** recvfrom(2) for the hot paths: the datagram's size (MSG_TRUNC: its whole size), or -errno, as sendOrErrno. */
export function recvfromOrErrno(fd: number, buffer: Uint8Array, flags: number, address: ArrayBufferView, addressLength: ArrayBufferView): number {
  return libc().direct.recvfrom(fd, buffer, buffer.byteLength, flags, address, addressLength);
}

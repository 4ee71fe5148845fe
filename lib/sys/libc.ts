/**
 * The system calls Node does not offer, bound through koffi. The library is
 * loaded on first use, once per process.
 */
import { openSync } from 'node:fs';
import koffi, { type LibraryHandle } from 'koffi';
import { MSG_DONTWAIT, SEND_FAILED, STAT_PARAMETERS } from './constants.js';
import { nodeFsError, SystemCallError } from './system-call-error.js';
import { directProgram, directSocketCalls, directSyscall, directUnpin, type DirectSocketCalls, type RunProgram, type SyscallName, type UnpinAll } from './syscall-stubs.js';

/** The calls checked here, each returning what the kernel returned: the result, or -errno. */
interface KernelCalls {
  setns(fd: number, nstype: number): number;
  unshare(flags: number): number;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: null): number;
  umount2(target: string, flags: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, length: Uint32Array): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, length: number): number;
  connect(fd: number, addr: Buffer, length: number): number;
  getsockname(fd: number, address: Buffer, length: Uint32Array): number;
  ioctl(fd: number, request: number): number;
  close(fd: number): number;
  unlink(path: string): number;
  open(path: string, flags: number, mode: number): number;
}

/** Each call's C parameters, as both libc's function and the generic stub are declared with them. */
const PARAMETERS: { readonly [K in keyof KernelCalls & SyscallName]: string } = {
  setns: 'int fd, int nstype',
  unshare: 'int flags',
  mount: 'const char *source, const char *target, const char *fstype, unsigned long flags, const void *data',
  umount2: 'const char *target, int flags',
  setsockopt: 'int fd, int level, int name, const void *value, uint32_t length',
  // The lengths go as a 4-byte buffer (socklen_t), not an _Inout_ number array, which koffi converts
  // both ways on every call: SO_RCVBUF and the drop counter are read on every socket's way.
  getsockopt: 'int fd, int level, int name, void *value, void *length',
  socket: 'int domain, int type, int protocol',
  bind: 'int fd, const void *addr, uint32_t length',
  connect: 'int fd, const void *addr, uint32_t length',
  getsockname: 'int fd, void *addr, void *len',
  // Declared without the variadic third argument: only requests that take none are made.
  ioctl: 'int fd, unsigned long request',
  close: 'int fd',
  unlink: 'const char *path',
  // libc's is variadic; the mode is always passed, as an int, which every ABI here passes alike.
  open: 'const char *path, int flags, uint32_t mode',
};

/** libc's own functions, each bound (koffi parsing its prototype) on its first use. */
interface LibcCalls {
  strerror(errno: number): string;
  send: ((fd: number, buffer: Uint8Array, length: number, flags: number) => number) & {
    async(fd: number, buffer: Uint8Array, length: number, flags: number, callback: (error: unknown, result: number) => void): void;
  };
  recv(fd: number, buffer: Uint8Array, length: number, flags: number): number;
  recvfrom(fd: number, buffer: Uint8Array, length: number, flags: number, address: ArrayBufferView, addressLength: ArrayBufferView): number;
}

const LIBC_PROTOTYPES: { readonly [K in keyof LibcCalls]: string } = {
  strerror: 'const char *strerror(int errnum)',
  send: 'long send(int fd, const void *buf, unsigned long len, int flags)',
  recv: 'long recv(int fd, void *buf, unsigned long len, int flags)',
  // The address length goes as a 4-byte buffer, not an _Inout_ number array: this is the hot
  // path of every answer where there are no stubs, and a buffer passes as a plain pointer.
  recvfrom: 'long recvfrom(int fd, void *buf, unsigned long len, int flags, void *addr, void *addrlen)',
};

/**
 * stat(2) and fstat(2) into a caller's buffer (x86_64's struct stat), returning 0 or -errno: only
 * through the generic stub, whose struct layout is the one this machine's kernel writes.
 */
export interface StatCalls {
  stat(path: string, buffer: Uint8Array): number;
  fstat(fd: number, buffer: Uint8Array): number;
}

interface LibcFunctions {
  /** koffi's errno of this thread, taken once: in the bundle every read of `koffi.x` goes through a Proxy that binds a new function. */
  errno(): number;
  /** libc's own functions bound so far (see libcCall). */
  own: Partial<LibcCalls>;
  /** The checked calls, returning -errno on failure. */
  kernel: KernelCalls;
  /** Undefined where there is no page of stubs; null until first asked for. */
  stat: StatCalls | undefined | null;
  lib: LibraryHandle;
  /** Undefined where there is no page of stubs; null until first asked for. */
  unpin: UnpinAll | undefined | null;
  /** recvfrom and send returning -errno on failure (see syscall-stubs.ts). */
  direct: DirectSocketCalls;
  /** Undefined where there is no page of stubs or the stub failed its trial; null until first asked for. */
  program: RunProgram | undefined | null;
  /** koffi.address, taken once (see errno). */
  address: (value: unknown) => bigint;
}

let bound: LibcFunctions | undefined;

// A cache of function bindings, made once (the reused buffers below are the only other module
// state). The hot paths read it as `bound ?? libc()`: no call once it is made.
function libc(): LibcFunctions {
  if (bound === undefined) {
    const lib = koffi.load('libc.so.6');
    const errno = koffi.errno;
    let viaLibc: DirectSocketCalls | undefined;
    const fallback = (): DirectSocketCalls => (viaLibc ??= errnoSocketCalls(errno));
    bound = { errno, own: {}, kernel: kernelCalls(lib, errno), direct: directSocketCalls(lib, fallback) ?? fallback(), stat: null, unpin: null, program: null, lib, address: koffi.address };
  }
  return bound;
}

/**
 * libc's function `name`, bound on its first use: where there are stubs, send, recv and recvfrom
 * serve only off-thread sends, and strerror only errors, so most processes never bind them.
 */
function libcCall<K extends keyof LibcCalls>(name: K): LibcCalls[K] {
  const calls = libc();
  return (calls.own[name] ??= calls.lib.func(LIBC_PROTOTYPES[name]) as LibcCalls[K]);
}

/**
 * Each checked call through the generic stub (see syscall-stubs.ts), or where there is none,
 * libc's function with errno read right after a failure: the gap between the two remains there.
 */
function kernelCalls(lib: LibraryHandle, errno: () => number): KernelCalls {
  const calls: Partial<Record<keyof KernelCalls, (...args: never[]) => number>> = {};
  // Each bound on its first call, in place: a binding (koffi parsing a prototype, a function made)
  // costs a fresh process about 200k instructions, and most processes make a few of these calls.
  for (const [name, parameters] of Object.entries(PARAMETERS) as Array<[keyof KernelCalls, string]>) {
    calls[name] = (...args) => {
      const call = kernelCall(lib, errno, name, parameters);
      calls[name] = call;
      return call(...args);
    };
  }
  return calls as KernelCalls;
}

function kernelCall(lib: LibraryHandle, errno: () => number, name: keyof KernelCalls, parameters: string): (...args: never[]) => number {
  const direct = directSyscall<never[]>(lib, name, parameters);
  if (direct !== undefined) return direct;
  const viaLibc = lib.func(`int ${name}(${parameters})`) as (...args: never[]) => number;
  return (...args) => {
    const result = viaLibc(...args);
    return result === -1 ? -errno() : result;
  };
}

/** stat and fstat through the generic stub; fstat bound on its first call (a build only stats paths). */
function statCalls(lib: LibraryHandle): StatCalls | undefined {
  // STAT_PARAMETERS, not the same text written again: directSyscall then gives the function the
  // page's trial call made.
  const stat = directSyscall<[string, Uint8Array]>(lib, 'stat', STAT_PARAMETERS);
  if (stat === undefined) return undefined;
  const calls: StatCalls = {
    stat,
    fstat: (fd, buffer) => (calls.fstat = directSyscall<[number, Uint8Array]>(lib, 'fstat', 'int fd, void *buffer')!)(fd, buffer),
  };
  return calls;
}

/**
 * Where no direct calls can be made (see syscall-stubs.ts): libc's, with errno read right after.
 * The gap between the two remains there.
 */
function errnoSocketCalls(errno: () => number): DirectSocketCalls {
  const recv: DirectSocketCalls['recv'] = (fd, buffer, length, flags) => {
    const result = libcCall('recv')(fd, buffer, length, flags);
    return result < 0 ? -errno() : result;
  };
  const send: DirectSocketCalls['send'] = (fd, buffer, length, flags) => {
    const result = libcCall('send')(fd, buffer, length, flags);
    return result < 0 ? -errno() : result;
  };
  // koffi takes a number for a pointer parameter as an address.
  const byAddress = (address: number): Uint8Array => address as unknown as Uint8Array;
  return {
    recv,
    recvAt: (fd, address, length, flags) => recv(fd, byAddress(address), length, flags),
    recvfrom: (fd, buffer, length, flags, address, addressLength) => {
      const result = libcCall('recvfrom')(fd, buffer, length, flags, address, addressLength);
      return result < 0 ? -errno() : result;
    },
    send,
    sendRecv: (fd, buffer, length, readBuffer, readLength, readFlags) => {
      const sent = send(fd, buffer, length, MSG_DONTWAIT);
      return sent < 0 ? sent - SEND_FAILED : recv(fd, readBuffer, readLength, readFlags);
    },
    sendRecvAt: (fd, address, length, readAddress, readLength, readFlags) => {
      const sent = send(fd, byAddress(address), length, MSG_DONTWAIT);
      return sent < 0 ? sent - SEND_FAILED : recv(fd, byAddress(readAddress), readLength, readFlags);
    },
    sendAsync: (fd, buffer, length, flags, done) => libcCall('send').async(fd, buffer, length, flags, (error, result) => done(error ? -1 : result)),
  };
}

/**
 * The SystemCallError for `result` (-errno, the kernel's value). Each wrapper below builds its
 * detail only when a call failed: a template with a number or two formatted costs more than the
 * call it would describe.
 */
function failure(result: number, syscall: string, detail: string): SystemCallError {
  return new SystemCallError(syscall, -result, detail, libcCall('strerror')(-result));
}

/** Moves the calling thread into the namespace `fd` refers to. */
export function setns(fd: number, nstype: number): void {
  const result = libc().kernel.setns(fd, nstype);
  if (result < 0) throw failure(result, 'setns', `fd ${fd}, 0x${nstype.toString(16)}`);
}

/** Gives the calling thread new namespaces of the kinds in `flags`. */
export function unshare(flags: number): void {
  const result = libc().kernel.unshare(flags);
  if (result < 0) throw failure(result, 'unshare', `0x${flags.toString(16)}`);
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number): void {
  const result = libc().kernel.mount(source, target, fstype, flags, null);
  if (result < 0) throw failure(result, 'mount', `${source ?? 'NULL'} -> ${target}, flags 0x${flags.toString(16)}`);
}

export function umount2(target: string, flags: number): void {
  const result = libc().kernel.umount2(target, flags);
  if (result < 0) throw umount2Failure(result, target, flags);
}

/** umount2's error for `result` (-errno). */
export function umount2Failure(result: number, target: string, flags: number): SystemCallError {
  return failure(result, 'umount2', `${target}, ${flags}`);
}

/**
 * setsockoptInt's value, reused: the kernel copies it within the call (a new ArrayBuffer per call
 * was half the cost of the five options every socket is opened with).
 */
const intOption = new Int32Array(1);
const intOptionBytes = Buffer.from(intOption.buffer);

/** setsockopt with an int value, the type every option used here takes. */
export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  intOption[0] = value;
  const result = libc().kernel.setsockopt(fd, level, name, intOptionBytes, 4);
  if (result < 0) throw failure(result, 'setsockopt', `fd ${fd}, level ${level}, option ${name}, ${value}`);
}

/** setsockopt with a value given as bytes (e.g. SO_BINDTODEVICE's interface name). */
export function setsockoptBytes(fd: number, level: number, name: number, value: Buffer): void {
  const result = libc().kernel.setsockopt(fd, level, name, value, value.length);
  if (result < 0) throw failure(result, 'setsockopt', `fd ${fd}, level ${level}, option ${name}, ${value.length} bytes`);
}

/** A socklen_t the kernel reads and writes within one call (getsockopt, getsockname), reused. */
const socketLength = new Uint32Array(1);

/** getsockopt into `value` (reusable on hot paths); returns the number of bytes the kernel wrote. */
export function getsockoptInto(fd: number, level: number, name: number, value: Buffer): number {
  socketLength[0] = value.length;
  const result = libc().kernel.getsockopt(fd, level, name, value, socketLength);
  if (result < 0) throw failure(result, 'getsockopt', `fd ${fd}, level ${level}, option ${name}`);
  return socketLength[0] ?? 0;
}

/** getsockoptInt's value, reused (native byte order, as the kernel writes these ints). */
const intValue = new Int32Array(1);
const intValueBytes = Buffer.from(intValue.buffer);

export function getsockoptInt(fd: number, level: number, name: number): number {
  getsockoptInto(fd, level, name, intValueBytes);
  return intValue[0] ?? 0;
}

/** socket(2); returns the new fd. It belongs to the calling thread's network namespace for good. */
export function socket(domain: number, type: number, protocol: number): number {
  const result = libc().kernel.socket(domain, type, protocol);
  if (result < 0) throw failure(result, 'socket', `domain ${domain}, type 0x${type.toString(16)}, protocol ${protocol}`);
  return result;
}

/** bind(2) to an encoded sockaddr (sockaddr_in or sockaddr_in6). */
export function bind(fd: number, sockaddr: Buffer, detail: string): void {
  const result = libc().kernel.bind(fd, sockaddr, sockaddr.length);
  if (result < 0) throw failure(result, 'bind', `fd ${fd}, ${detail}`);
}

/** connect(2) to an encoded sockaddr (for a netlink socket: the peer whose datagrams it takes). */
export function connect(fd: number, sockaddr: Buffer, detail: string): void {
  const result = libc().kernel.connect(fd, sockaddr, sockaddr.length);
  if (result < 0) throw failure(result, 'connect', `fd ${fd}, ${detail}`);
}

/** getsockname(2) into `address`; returns the length the kernel reports. */
export function getsockname(fd: number, address: Buffer): number {
  socketLength[0] = address.length;
  const result = libc().kernel.getsockname(fd, address, socketLength);
  if (result < 0) throw failure(result, 'getsockname', `fd ${fd}`);
  return socketLength[0] ?? 0;
}

/** ioctl(2) for a request that takes no argument; returns what the kernel returned. */
export function ioctlNoArgument(fd: number, request: number, detail: string): number {
  const result = libc().kernel.ioctl(fd, request);
  if (result < 0) throw failure(result, 'ioctl', `fd ${fd}, ${detail}`);
  return result;
}

/**
 * close(2) of an fd the library opened, failing as fs.closeSync does (the same error: Node's, with
 * code, errno and syscall 'close'), without its argument checks and its binding's trace-category
 * lookup, which cost 2-3 times the call itself.
 */
export function closeFd(fd: number): void {
  const result = (bound ?? libc()).kernel.close(fd);
  if (result < 0) throw nodeFsError(-result, 'close');
}

/** close(2) for undoing: Linux releases the fd whatever close returns, so a failure is not reported. */
export function closeFdQuietly(fd: number): void {
  (bound ?? libc()).kernel.close(fd);
}

/**
 * open(2) of a file the library opens for itself (a namespace file, its placeholder), failing as
 * fs.openSync does (Node's error: code, errno, syscall 'open' and path), without its path checks.
 */
export function openFd(path: string, flags: number, mode = 0): number {
  // A C string would end at the NUL: Node's call refuses such a path, with its own error.
  if (path.includes('\0')) return openSync(path, flags, mode);
  const result = libc().kernel.open(path, flags, mode);
  if (result < 0) throw nodeFsError(-result, 'open', path);
  return result;
}

/**
 * unlink(2), failing as Node's unlinkSync wrapped by nodeCall does: a SystemCallError (detail the
 * path) caused by the error Node's own would be.
 */
export function unlink(path: string): void {
  const result = libc().kernel.unlink(path);
  if (result < 0) throw unlinkFailure(result, path);
}

/** unlink's error for `result` (-errno). */
export function unlinkFailure(result: number, path: string): SystemCallError {
  return new SystemCallError('unlink', -result, path, undefined, { cause: nodeFsError(-result, 'unlink', path) });
}

/**
 * For each of the `count` paths of `joined` (each path followed by a NUL but the last, none holding
 * one) umount2(path, flags) and, unless it failed with anything but EINVAL or ENOENT, unlink(path),
 * then close(2) of the first `closing` fds of `fds` (their results not kept, as closeFdQuietly),
 * all in one call into native code (see unpin-code.ts): for path i, umount2's value at 2i of
 * `results` and unlink's at 2i + 1 (0, -errno, or UNLINK_NOT_TRIED); how many paths were not
 * unpinned. Undefined where there is no stub: nothing is done (the fds are left to the caller).
 */
export function unpinJoined(joined: string, count: number, results: Int32Array, flags: number, fds: Int32Array = NO_FDS, closing = 0): number | undefined {
  const calls = bound ?? libc();
  // Bound on the first unpin (a teardown), not with the other calls.
  if (calls.unpin === null) calls.unpin = directUnpin(calls.lib);
  const unpin = calls.unpin;
  if (unpin === undefined) return undefined;
  return unpin(joined, count, results, flags, fds, closing);
}

const NO_FDS = new Int32Array(0);

/** The program stub (see program-code.ts), or undefined where there is none. */
export function programRunner(): RunProgram | undefined {
  const calls = libc();
  if (calls.program === null) calls.program = directProgram(calls.lib);
  return calls.program;
}

/** stat(2) and fstat(2) through the generic stub, or undefined where there is none (see StatCalls). */
export function directStatCalls(): StatCalls | undefined {
  const calls = libc();
  if (calls.stat === null) calls.stat = statCalls(calls.lib);
  return calls.stat;
}

/**
 * send(2) for the hot paths: the bytes sent, or -errno (EAGAIN is an ordinary outcome there, not
 * an exception). The value is the kernel's own, not errno read afterwards: see syscall-stubs.ts.
 */
export function sendOrErrno(fd: number, buffer: Uint8Array, flags: number): number {
  return (bound ?? libc()).direct.send(fd, buffer, buffer.byteLength, flags);
}

/**
 * send(2) on one of libuv's worker threads (koffi's asynchronous call of the send stub, or of
 * libc's send where there is none); `done` runs on this thread with the bytes sent, or a negative
 * number on failure (see DirectSocketCalls.sendAsync): a caller that needs the errno sends again
 * from this thread (a failed send consumed nothing).
 */
export function sendOffThread(fd: number, buffer: Uint8Array, flags: number, done: (result: number) => void): void {
  (bound ?? libc()).direct.sendAsync(fd, buffer, buffer.byteLength, flags, done);
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

/**
 * A datagram sent (MSG_DONTWAIT), then, if it was, one read (recv(2) with `readFlags`) into
 * `readBuffer`, in one call: the read's size or -errno, as recvOrErrno; a failed send gives
 * its -errno minus SEND_FAILED (see sendFailure).
 */
export function sendRecvOrErrno(fd: number, buffer: Uint8Array, readBuffer: Uint8Array, readFlags: number): number {
  return (bound ?? libc()).direct.sendRecv(fd, buffer, buffer.byteLength, readBuffer, readBuffer.byteLength, readFlags);
}

/**
 * The hot socket calls themselves (send, recv, sendRecv, and their forms taking addresses, for a
 * caller that keeps its buffers' addresses: see addressOf), for a caller that makes them itself,
 * one call less each. Each returns the kernel's value (see syscall-stubs.ts).
 */
export function socketCalls(): DirectSocketCalls {
  return (bound ?? libc()).direct;
}

/**
 * Where `buffer`'s bytes are in memory: fixed for as long as its ArrayBuffer lives (V8 keeps the
 * bytes of an ArrayBuffer in place; koffi moves those of a small typed array kept in V8's heap
 * out of it first, for good).
 */
export function addressOf(buffer: Uint8Array): number {
  return Number((bound ?? libc()).address(buffer));
}

/** The errno of a send that sendRecvOrErrno's `result` says failed, or 0 if the send went. */
export function sendFailure(result: number): number {
  return result < -SEND_FAILED ? -(result + SEND_FAILED) : 0;
}

/** recv(2) for the hot paths: the datagram's size (MSG_TRUNC: its whole size), or -errno, as sendOrErrno. */
export function recvOrErrno(fd: number, buffer: Uint8Array, flags: number): number {
  return (bound ?? libc()).direct.recv(fd, buffer, buffer.byteLength, flags);
}

/** recvfrom(2) for the hot paths: the datagram's size (MSG_TRUNC: its whole size), or -errno, as sendOrErrno. */
export function recvfromOrErrno(fd: number, buffer: Uint8Array, flags: number, address: ArrayBufferView, addressLength: ArrayBufferView): number {
  return libc().direct.recvfrom(fd, buffer, buffer.byteLength, flags, address, addressLength);
}

/**
 * System calls made as bare traps, returning what the kernel returned: the result, or -errno.
 * errno is the thread's live variable: koffi.errno() reads it whenever it is called, not when the
 * call failed, and any native work on the main thread in between (a garbage collection step, an
 * interrupt, koffi's own return path) can overwrite it. An empty read taken for ENOENT closed a
 * connection mid-benchmark (bench/results/w1-2026-12-03-d.md). With the kernel's return value
 * nothing is read afterwards, so a one-shot error (a pending sk_err, which the failing call
 * consumes) is never lost or misnamed.
 *
 * libc offers no call that returns the kernel's value (its syscall() sets errno too), so each is
 * a few machine instructions in a page of our own (x86_64). send(2), recv(2) and recvfrom(2), on
 * every request's path, each have a stub of their own: move the fourth argument to the register
 * the system call takes it in, put the call's number in place, trap, return; send and recv are
 * sendto and recvfrom with no address, zeroed in the stub, two arguments fewer to convert on
 * every call (koffi's conversion of a call's arguments costs more than the trap). A request's
 * send and the read of its answer, right after, are one call of a fifth stub (sendRecv): two
 * system calls for one crossing into native code. Every other call
 * (socket, bind, setsockopt, setns, mount, wait4 ...) goes through one generic stub that takes the
 * call's number as its first argument and shifts the rest into the system call's registers.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { ERRNO } from './errno.js';
import { SEND_FAILED, STAT_PARAMETERS } from './constants.js';
import { ARG_IN_PROGRAM, ARG_IS_STEP, MAY_FAIL, PROGRAM_STEP } from './program-code.js';
import { STUB_PAGE_X64 } from './stub-page-bytes.js';
import { PROGRAM_OFFSET, RECV_OFFSET, RECVFROM_OFFSET, SEND_OFFSET, SEND_RECV_OFFSET, SYSCALL_OFFSET, UNPIN_OFFSET } from './stub-page-code.js';

export interface DirectSocketCalls {
  /** Bytes received (with MSG_TRUNC: the datagram's whole size), or -errno. */
  recv(fd: number, buffer: Uint8Array, length: number, flags: number): number;
  /** Bytes received, or -errno. */
  recvfrom(fd: number, buffer: Uint8Array, length: number, flags: number, address: ArrayBufferView, addressLength: ArrayBufferView): number;
  /** Bytes sent to the socket's peer (the kernel, for netlink), or -errno. */
  send(fd: number, buffer: Uint8Array, length: number, flags: number): number;
  /**
   * send(fd, buffer, length, MSG_DONTWAIT), then, if it was sent, recv(fd, readBuffer,
   * readLength, readFlags): recv's value (bytes, or -errno); if the send failed, its -errno
   * minus SEND_FAILED (so below -SEND_FAILED, out of recv's range).
   */
  sendRecv(fd: number, buffer: Uint8Array, length: number, readBuffer: Uint8Array, readLength: number, readFlags: number): number;
  /**
   * sendRecv with the two buffers given by address (libc.ts addressOf): koffi converts a number
   * for an integer parameter in about half what a buffer for a pointer costs it (its pointer
   * conversion tries a BigInt, then asks Node for the buffer's data), on every request.
   */
  sendRecvAt(fd: number, address: number, length: number, readAddress: number, readLength: number, readFlags: number): number;
  /** recv with the buffer given by address (see sendRecvAt). */
  recvAt(fd: number, address: number, length: number, flags: number): number;
  /**
   * send on one of libuv's worker threads; `done` runs on this thread with the bytes sent, or a
   * negative number if it failed (a stub's -errno; -1 from libc's, whose errno stays on the worker
   * thread: a caller that needs it sends again from this thread, a failed send consumed nothing).
   */
  sendAsync(fd: number, buffer: Uint8Array, length: number, flags: number, done: (result: number) => void): void;
}

/** The calls made on this thread (every one but sendAsync). */
type SyncSocketCall = Exclude<keyof DirectSocketCalls, 'sendAsync'>;

/** What koffi gives a function it made: the same call on one of libuv's worker threads. */
interface AsyncForm {
  async(fd: number, buffer: Uint8Array, length: number, flags: number, callback: (error: unknown, result: number) => void): void;
}

/** close of each of `fdCount` fds, then umount2 and unlink for each of `count` NUL-terminated paths, in one call (see unpin-code.ts). */
export type UnpinAll = (paths: string, count: number, results: Int32Array, flags: number, fds: Int32Array, fdCount: number) => number;

/** The first `count` system calls of a program, in one call (see program-code.ts); how many ran. */
export type RunProgram = (program: Uint8Array, count: number) => number;


/**
 * The calls made through the generic stub, with their numbers in <asm/unistd_64.h>. waitpid is
 * wait4 with no rusage, as glibc makes it.
 */
export const X64_NUMBERS = {
  read: 0,
  write: 1,
  open: 2,
  close: 3,
  stat: 4,
  fstat: 5,
  ioctl: 16,
  socket: 41,
  connect: 42,
  bind: 49,
  getsockname: 51,
  setsockopt: 54,
  getsockopt: 55,
  wait4: 61,
  unlink: 87,
  mount: 165,
  umount2: 166,
  unshare: 272,
  pipe2: 293,
  setns: 308,
  memfd_create: 319,
} as const;

export type SyscallName = keyof typeof X64_NUMBERS;

/** A system call bound to the generic stub: the kernel's value, -errno on failure; `async` runs it on one of libuv's worker threads. */
export type DirectSyscall<A extends unknown[]> = ((...args: A) => number) & {
  async(...args: [...A, (error: unknown, result: number) => void]): void;
};

const PAGE = 4096;
const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
/** mmap(2) and mprotect(2) in <asm/unistd_64.h>. */
const MMAP = 9;
const MPROTECT = 10;
/** libc's syscall(), as the page's mmap and mprotect call it (see makeStubs). */
export const PAGE_SYSCALL_PROTOTYPE = 'void *syscall(long nr, void *address, unsigned long length, long prot, long flags, long fd, long offset)';

/** x86_64's struct stat. */
const STAT_BYTES = 144;

interface Stubs {
  /** The page: the generic stub is at SYSCALL_OFFSET. */
  page: unknown;
  /** stat(2) through the generic stub, made for the page's trial call and kept for directSyscall. */
  stat: DirectSyscall<[string, Uint8Array]>;
  /** Made on the first directSocketCalls. */
  socket: DirectSocketCalls | undefined;
  /** Made on the first directUnpin (a teardown); null where its trial call answered otherwise. */
  unpin: UnpinAll | null | undefined;
  /** Made on the first directProgram; null where its trial run answered otherwise. */
  program: RunProgram | null | undefined;
}

/** The page of stubs, made once per process; null where none can be (see stubs). */
let made: Stubs | null | undefined;

/**
 * The page holding the stubs, written once and then made executable; null on a machine without
 * code here, where the kernel refuses executable memory (W^X hardening), or if a trial call of
 * the generic stub, stat(2) of an empty path, does not answer -ENOENT (the others are tried on
 * first use).
 */
function stubs(lib: LibraryHandle): Stubs | null {
  if (made === undefined) made = makeStubs(lib);
  return made;
}

function makeStubs(lib: LibraryHandle): Stubs | null {
  if (process.arch !== 'x64') return null;
  // mmap and mprotect both through libc's syscall(), declared with mmap's arguments: one
  // prototype parsed for the two (each is one parse, and its objects, in a fresh process's first build).
  const syscall = lib.func(PAGE_SYSCALL_PROTOTYPE) as (nr: number, address: unknown, length: number, prot: number, flags: number, fd: number, offset: number) => unknown;
  const page = syscall(MMAP, null, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  // MAP_FAILED is (void *)-1.
  if (page === null || koffi.address(page) === 0xffff_ffff_ffff_ffffn) return null;
  Buffer.from(koffi.view(page, PAGE)).write(STUB_PAGE_X64, 'hex');
  // mprotect's 0 comes back as a null pointer, its -1 as any other.
  if (syscall(MPROTECT, page, PAGE, PROT_READ | PROT_EXEC, 0, 0, 0) !== null) return null;
  // The kernel refuses the empty path before it writes the buffer. The prototype is the one every
  // process's first namespace creation needs anyway (its directory's stat): parsed once for both.
  const stat = genericCall<[string, Uint8Array]>(page, 'stat', STAT_PARAMETERS);
  if (stat('', new Uint8Array(STAT_BYTES)) !== -ERRNO.ENOENT) return null;
  return { page, stat, socket: undefined, unpin: undefined, program: undefined };
}

/**
 * The socket stubs, each decoded (a koffi prototype parsed, a function made: about 0.1 M
 * instructions in a fresh process) and tried on its first call: most processes use two of the
 * four (a namespace's requests go through sendRecv and recv). A stub whose trial call does not
 * answer a bad fd with -EBADF is replaced by `fallback`'s call (libc's, errno read after it).
 */
function socketCalls(page: unknown, fallback: () => DirectSocketCalls): DirectSocketCalls {
  const calls = {} as DirectSocketCalls;
  /** Binds `name` on its first call; the returned function binds it (once) and gives what was bound. */
  const bindOnFirstCall = <K extends SyncSocketCall>(name: K, offset: number, prototype: string, works: (call: DirectSocketCalls[K]) => boolean): (() => DirectSocketCalls[K]) => {
    let bound: DirectSocketCalls[K] | undefined;
    const bind = (): DirectSocketCalls[K] => {
      if (bound !== undefined) return bound;
      const stub = koffi.decode(page, offset, koffi.proto(prototype)) as DirectSocketCalls[K];
      bound = works(stub) ? stub : fallback()[name];
      calls[name] = bound;
      return bound;
    };
    calls[name] = ((...args: unknown[]) => (bind() as (...a: unknown[]) => number)(...args)) as DirectSocketCalls[K];
    return bind;
  };
  // What a trial call reads from and writes into.
  const s = new Uint8Array(4);
  bindOnFirstCall('recv', RECV_OFFSET, 'long (int fd, void *buffer, unsigned long length, int flags)', (call) => call(-1, s, 4, 0) === -ERRNO.EBADF);
  bindOnFirstCall('recvfrom', RECVFROM_OFFSET, 'long (int fd, void *buffer, unsigned long length, int flags, void *address, void *addressLength)', (call) => call(-1, s, 4, 0, s, s) === -ERRNO.EBADF);
  const send = bindOnFirstCall('send', SEND_OFFSET, 'long (int fd, const void *buffer, unsigned long length, int flags)', (call) => call(-1, s, 4, 0) === -ERRNO.EBADF);
  // The send stub's own asynchronous form, not libc's send bound for it: one prototype for both.
  calls.sendAsync = (fd, buffer, length, flags, done) => {
    const call = send() as DirectSocketCalls['send'] & Partial<AsyncForm>;
    if (call.async === undefined) fallback().sendAsync(fd, buffer, length, flags, done);
    else call.async(fd, buffer, length, flags, (error, result) => done(error ? -1 : result));
  };
  bindOnFirstCall(
    'sendRecv',
    SEND_RECV_OFFSET,
    'long (int fd, const void *buffer, unsigned long length, void *readBuffer, unsigned long readLength, int readFlags)',
    (call) => call(-1, s, 4, s, 4, 0) === -ERRNO.EBADF - SEND_FAILED,
  );
  // The same stubs, the buffers as integers (the same registers); a bad fd fails before any address is read.
  bindOnFirstCall('recvAt', RECV_OFFSET, 'long (int fd, uintptr_t address, unsigned long length, int flags)', (call) => call(-1, 0, 4, 0) === -ERRNO.EBADF);
  bindOnFirstCall(
    'sendRecvAt',
    SEND_RECV_OFFSET,
    'long (int fd, uintptr_t address, unsigned long length, uintptr_t readAddress, unsigned long readLength, int readFlags)',
    (call) => call(-1, 0, 4, 0, 4, 0) === -ERRNO.EBADF - SEND_FAILED,
  );
  return calls;
}

/**
 * The unpin stub of the page, tried once: close(-1), which fails and is passed over, then one
 * empty path, which umount2 and unlink both find nothing at (one path not unpinned).
 */
function unpinStub(page: unknown): UnpinAll | null {
  // The paths go as one C string: koffi copies a string's every byte, the NULs between paths too.
  const unpin = koffi.decode(page, UNPIN_OFFSET, koffi.proto('long (const char *paths, long count, void *results, int flags, void *fds, long fdCount)')) as UnpinAll;
  const results = new Int32Array(2);
  if (unpin('', 1, results, 0, new Int32Array([-1]), 1) !== 1 || results[0] !== -ERRNO.ENOENT || results[1] !== -ERRNO.ENOENT) return null;
  return unpin;
}

/**
 * The program stub of the page, tried once: close(-1) allowed to fail, close() of what that
 * returned (a step's value as an argument) allowed to fail, stat() of an empty path held in the
 * program (an address in it), which fails and ends the run before a fourth step.
 */
function programStub(page: unknown): RunProgram | null {
  const run = koffi.decode(page, PROGRAM_OFFSET, koffi.proto('long (void *program, long count)')) as RunProgram;
  const program = new Uint8Array(4 * PROGRAM_STEP + 160);
  const words = new Int32Array(program.buffer);
  const step = (i: number, nr: number, flags: number, first: number, second = 0): void => {
    words.set([nr, flags, first, first < 0 ? -1 : 0, second, 0], i * PROGRAM_STEP / 4);
    words[(i * PROGRAM_STEP + 56) / 4] = 7;
  };
  step(0, X64_NUMBERS.close, MAY_FAIL, -1);
  step(1, X64_NUMBERS.close, MAY_FAIL | ARG_IS_STEP, 0);
  // The empty path at 4 * PROGRAM_STEP (zeroed), the stat buffer after it.
  step(2, X64_NUMBERS.stat, ARG_IN_PROGRAM | (ARG_IN_PROGRAM << 1), 4 * PROGRAM_STEP, 4 * PROGRAM_STEP + 8);
  step(3, X64_NUMBERS.close, 0, -1);
  const value = (i: number): number | undefined => words[(i * PROGRAM_STEP + 56) / 4];
  if (run(program, 4) !== 3) return null;
  if (value(0) !== -ERRNO.EBADF || value(1) !== -ERRNO.EBADF || value(2) !== -ERRNO.ENOENT || value(3) !== 7) return null;
  return run;
}

/** The program stub (see program-code.ts); undefined where there is no page of stubs or it failed its trial. */
export function directProgram(lib: LibraryHandle): RunProgram | undefined {
  const page = stubs(lib);
  if (page === null) return undefined;
  if (page.program === undefined) page.program = programStub(page.page);
  return page.program ?? undefined;
}

/**
 * send, recv, recvfrom and sendRecv from the page of stubs, each tried on its first call and
 * replaced by `fallback`'s if it fails; undefined where there is no page (see stubs).
 */
export function directSocketCalls(lib: LibraryHandle, fallback: () => DirectSocketCalls): DirectSocketCalls | undefined {
  const page = stubs(lib);
  if (page === null) return undefined;
  return (page.socket ??= socketCalls(page.page, fallback));
}

/** The unpin stub (see unpin-code.ts); undefined where there is no page of stubs. */
export function directUnpin(lib: LibraryHandle): UnpinAll | undefined {
  const page = stubs(lib);
  if (page === null) return undefined;
  if (page.unpin === undefined) page.unpin = unpinStub(page.page);
  return page.unpin ?? undefined;
}

/**
 * System call `name` through the generic stub, its arguments as `parameters` declares them (C, as
 * koffi reads it: 'int fd, const void *address, uint32_t length'); undefined where there is no
 * page of stubs (see stubs).
 */
export function directSyscall<A extends unknown[]>(lib: LibraryHandle, name: SyscallName, parameters: string): DirectSyscall<A> | undefined {
  const made = stubs(lib);
  if (made === null) return undefined;
  if (name === 'stat' && parameters === STAT_PARAMETERS) return made.stat as unknown as DirectSyscall<A>;
  return genericCall<A>(made.page, name, parameters);
}

/** System call `name` through the generic stub of `page`, its arguments as `parameters` declares them. */
function genericCall<A extends unknown[]>(page: unknown, name: SyscallName, parameters: string): DirectSyscall<A> {
  const nr = X64_NUMBERS[name];
  const stub = koffi.decode(page, SYSCALL_OFFSET, koffi.proto(`long (long nr, ${parameters})`)) as DirectSyscall<[number, ...A]>;
  // Bound, not wrapped in (...args) => stub(nr, ...args): V8 calls a bound function without a
  // frame of its own, where the wrapper gathered and spread the arguments on every call.
  const call = stub.bind(null, nr) as unknown as DirectSyscall<A>;
  call.async = (...args) => stub.async(nr, ...args);
  return call;
}

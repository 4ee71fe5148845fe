/**
 * send(2) and recvfrom(2) made as bare system calls, returning what the kernel returned: the
 * byte count, or -errno. errno is the thread's live variable: koffi.errno() reads it whenever it
 * is called, not when the call failed, and any native work on the main thread in between (a garbage
 * collection step, an interrupt, koffi's own return path) can overwrite it. An empty read taken for
 * ENOENT closed a connection mid-benchmark (bench/results/w1-2026-12-03-d.md). With the kernel's
 * return value nothing is read afterwards, so a one-shot error (a pending sk_err, which the failing
 * call consumes) is never lost or misnamed.
 *
 * libc offers no call that returns the kernel's value (its syscall() sets errno too), so each is
 * a few machine instructions in a page of our own: move the fourth argument to the register the
 * system call takes it in (x86_64), put the call's number in place, trap, return. send is sendto
 * with no address, zeroed in the stub: two arguments fewer to convert on every call.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { ERRNO } from './errno.js';

export interface DirectSocketCalls {
  /** Bytes received, or -errno. */
  recvfrom(fd: number, buffer: Uint8Array, length: number, flags: number, address: ArrayBufferView, addressLength: ArrayBufferView): number;
  /** Bytes sent to the socket's peer (the kernel, for netlink), or -errno. */
  send(fd: number, buffer: Uint8Array, length: number, flags: number): number;
}

const PAGE = 4096;
const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
/** Where the second function starts in the page. */
const SEND_OFFSET = 32;

/** The two functions' code for this machine, or undefined where none is written (then errno is read). */
function machineCode(): { recvfrom: number[]; send: number[] } | undefined {
  if (process.arch !== 'x64') return undefined;
  // <asm/unistd_64.h>: recvfrom 45, sendto 44.
  const MOV_R10_RCX = [0x49, 0x89, 0xca];
  const XOR_R8D_R8D = [0x45, 0x31, 0xc0];
  const XOR_R9D_R9D = [0x45, 0x31, 0xc9];
  const callAndReturn = (nr: number): number[] => [0xb8, nr, 0, 0, 0, /* syscall */ 0x0f, 0x05, /* ret */ 0xc3];
  return { recvfrom: [...MOV_R10_RCX, ...callAndReturn(45)], send: [...MOV_R10_RCX, ...XOR_R8D_R8D, ...XOR_R9D_R9D, ...callAndReturn(44)] };
}

/**
 * The two calls, from a page written once and then made executable; undefined on a machine without
 * code here, or where the kernel refuses executable memory (W^X hardening), or if a trial call does
 * not answer a bad fd with -EBADF.
 */
export function directSocketCalls(lib: LibraryHandle): DirectSocketCalls | undefined {
  const code = machineCode();
  if (code === undefined) return undefined;
  const mmap = lib.func('void *mmap(void *addr, unsigned long length, int prot, int flags, int fd, long offset)');
  const mprotect = lib.func('int mprotect(void *addr, unsigned long length, int prot)');
  const page: unknown = mmap(null, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  // MAP_FAILED is (void *)-1.
  if (page === null || koffi.address(page) === 0xffff_ffff_ffff_ffffn) return undefined;
  const bytes = new Uint8Array(koffi.view(page, PAGE));
  bytes.set(code.recvfrom, 0);
  bytes.set(code.send, SEND_OFFSET);
  if (mprotect(page, PAGE, PROT_READ | PROT_EXEC) !== 0) return undefined;
  const recvfromType = koffi.proto('long (int fd, void *buffer, unsigned long length, int flags, void *address, void *addressLength)');
  const sendType = koffi.proto('long (int fd, const void *buffer, unsigned long length, int flags)');
  const calls: DirectSocketCalls = {
    recvfrom: koffi.decode(page, recvfromType) as DirectSocketCalls['recvfrom'],
    send: koffi.decode(page, SEND_OFFSET, sendType) as DirectSocketCalls['send'],
  };
  const scratch = new Uint8Array(4);
  if (calls.recvfrom(-1, scratch, 4, 0, scratch, scratch) !== -ERRNO.EBADF || calls.send(-1, scratch, 4, 0) !== -ERRNO.EBADF) return undefined;
  return calls;
}

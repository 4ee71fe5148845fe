/** The page of stubs is mapped and made executable through libc's syscall(): one prototype parsed for mmap and mprotect. */
import koffi, { type LibraryHandle } from 'koffi';
import { describe, expect, it, vi } from 'vitest';
import { ERRNO } from '../../lib/sys/errno.js';

// A module instance of its own: its page of stubs is made here, whatever other files made before.
vi.resetModules();
const { directSyscall, PAGE_SYSCALL_PROTOTYPE } = await import('../../lib/sys/syscall-stubs.js');

describe.runIf(process.arch === 'x64')('the page of stubs', () => {
  it('is made with one function of libc bound, and runs', () => {
    const lib = koffi.load('libc.so.6');
    const bound: string[] = [];
    // koffi's func cannot be spied on (a read-only property of the handle's prototype): a proxy records it.
    const recording = new Proxy(lib, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (key !== 'func' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]) => {
          bound.push(String(args[0]));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as LibraryHandle;
    const close = directSyscall<[number]>(recording, 'close', 'int fd');
    expect(bound).toEqual([PAGE_SYSCALL_PROTOTYPE]);
    // The page runs: the generic stub answers as the kernel does.
    expect(close?.(-1)).toBe(-ERRNO.EBADF);
  });
});

/** The page of stubs is tried with stat(2) of an empty path, and directSyscall's stat is the function made for that trial: one prototype parsed for both. */
import koffi from 'koffi';
import { describe, expect, it, vi } from 'vitest';
import { ERRNO } from '../../lib/sys/errno.js';

// A module instance of its own: its page of stubs is made here, whatever other files made before.
vi.resetModules();
const { directSyscall } = await import('../../lib/sys/syscall-stubs.js');
const { STAT_PARAMETERS } = await import('../../lib/sys/constants.js');

describe.runIf(process.arch === 'x64')("the generic stub's trial", () => {
  it('parses one prototype for the trial and for stat, and stat answers as the kernel does', () => {
    const proto = vi.spyOn(koffi, 'proto');
    const lib = koffi.load('libc.so.6');
    const stat = directSyscall<[string, Uint8Array]>(lib, 'stat', STAT_PARAMETERS)!;
    expect(proto.mock.calls.map(([p]) => p)).toEqual([`long (long nr, ${STAT_PARAMETERS})`]);
    expect(directSyscall(lib, 'stat', STAT_PARAMETERS)).toBe(stat);
    const buffer = new Uint8Array(144);
    expect(stat('/', buffer)).toBe(0);
    // st_mode, the 32-bit word at byte 24: '/' is a directory.
    expect((new Uint32Array(buffer.buffer)[6] ?? 0) & 0o170000).toBe(0o040000);
    expect(stat('', buffer)).toBe(-ERRNO.ENOENT);
    expect(stat('/no/such/path', buffer)).toBe(-ERRNO.ENOENT);
    // Every other call of the generic stub is decoded with its own prototype, as before.
    const close = directSyscall<[number]>(lib, 'close', 'int fd')!;
    expect(close(-1)).toBe(-ERRNO.EBADF);
    expect(proto.mock.calls.map(([p]) => p)).toEqual([`long (long nr, ${STAT_PARAMETERS})`, 'long (long nr, int fd)']);
    proto.mockRestore();
  });
});

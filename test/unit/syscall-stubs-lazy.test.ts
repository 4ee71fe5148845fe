/** The page's socket stubs are decoded and tried one by one on first use, and one failing its trial gives way to the fallback's call. */
import koffi from 'koffi';
import { describe, expect, it, vi } from 'vitest';
import { ERRNO } from '../../lib/sys/errno.js';
import type { DirectSocketCalls } from '../../lib/sys/syscall-stubs.js';

// A module instance of its own: its page of stubs is made here, whatever other files made before.
vi.resetModules();
const { directSocketCalls } = await import('../../lib/sys/syscall-stubs.js');

const RECV = 'long (int fd, void *buffer, unsigned long length, int flags)';

describe.runIf(process.arch === 'x64')('socket stubs', () => {
  const proto = vi.spyOn(koffi, 'proto');
  const decode = vi.spyOn(koffi, 'decode');
  const fallbackRecvfrom = vi.fn(() => -ERRNO.EAGAIN);
  const fallback = vi.fn((): DirectSocketCalls => ({ recv: vi.fn(), recvAt: vi.fn(), recvfrom: fallbackRecvfrom, send: vi.fn(), sendRecv: vi.fn(), sendRecvAt: vi.fn() }));
  const calls = directSocketCalls(koffi.load('libc.so.6'), fallback)!;
  const scratch = new Uint8Array(4);

  it('binds none before its first call, and each once', () => {
    expect(proto.mock.calls.some(([p]) => p === RECV)).toBe(false);
    expect(calls.recv(-1, scratch, 4, 0)).toBe(-ERRNO.EBADF);
    expect(calls.recv(-1, scratch, 4, 0)).toBe(-ERRNO.EBADF);
    expect(proto.mock.calls.filter(([p]) => p === RECV)).toHaveLength(1);
    expect(proto.mock.calls.some(([p]) => String(p).includes('readBuffer'))).toBe(false);
    expect(fallback).not.toHaveBeenCalled();
  });

  it("uses the fallback's call where a stub fails its trial", () => {
    decode.mockImplementationOnce(() => () => 0);
    expect(calls.recvfrom(-1, scratch, 4, 0, scratch, scratch)).toBe(-ERRNO.EAGAIN);
    expect(calls.recvfrom(-1, scratch, 4, 0, scratch, scratch)).toBe(-ERRNO.EAGAIN);
    expect(fallbackRecvfrom).toHaveBeenCalledTimes(2);
    expect(calls.send(-1, scratch, 4, 0)).toBe(-ERRNO.EBADF);
  });
});

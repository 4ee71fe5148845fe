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
  const fallbackSendAsync = vi.fn((_fd: number, _b: Uint8Array, _l: number, _f: number, done: (result: number) => void) => done(-1));
  const fallback = vi.fn((): DirectSocketCalls => ({ recv: vi.fn(), recvAt: vi.fn(), recvfrom: fallbackRecvfrom, send: vi.fn(), sendRecv: vi.fn(), sendRecvAt: vi.fn(), sendAsync: fallbackSendAsync }));
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

  it("sends off-thread through the send stub's own asynchronous form: no other prototype, the kernel's -errno", async () => {
    const sends = (): number => proto.mock.calls.filter(([p]) => String(p).includes('const void *buffer, unsigned long length, int flags)')).length;
    const before = sends();
    const result = await new Promise<number>((resolve) => calls.sendAsync(-1, scratch, 4, 0, resolve));
    // libc's send would have answered -1, its errno left on the worker thread.
    expect(result).toBe(-ERRNO.EBADF);
    expect(sends()).toBe(before);
    expect(fallbackSendAsync).not.toHaveBeenCalled();
  });
});

describe.runIf(process.arch === 'x64')('the off-thread send where the send stub fails its trial', () => {
  it("is the fallback's", async () => {
    vi.resetModules();
    const { directSocketCalls: fresh } = await import('../../lib/sys/syscall-stubs.js');
    const fallbackSendAsync = vi.fn((_fd: number, _b: Uint8Array, _l: number, _f: number, done: (result: number) => void) => done(-1));
    const calls = fresh(koffi.load('libc.so.6'), () => ({ recv: vi.fn(), recvAt: vi.fn(), recvfrom: vi.fn(), send: vi.fn(() => -ERRNO.EBADF), sendRecv: vi.fn(), sendRecvAt: vi.fn(), sendAsync: fallbackSendAsync }))!;
    const decode = vi.spyOn(koffi, 'decode').mockImplementationOnce(() => () => 0);
    expect(await new Promise<number>((resolve) => calls.sendAsync(-1, new Uint8Array(4), 4, 0, resolve))).toBe(-1);
    expect(fallbackSendAsync).toHaveBeenCalledTimes(1);
    decode.mockRestore();
  });
});

/**
 * The setup calls (socket, bind, setsockopt, setns, mount ... and the direct spawn's wait) take a
 * failure's errno from the call itself, not from errno read afterwards: here every function bound
 * through koffi is followed by errno set to ENOENT, as any native work on the main thread between
 * the call and a later read of errno may leave it. Each failure must keep its own errno, and a
 * fallback chosen by errno (setBufferSize's EPERM: the capped option) must still be taken.
 */
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import { ERRNO } from '../../lib/sys/errno.js';

vi.mock('koffi', async (importOriginal) => {
  const real = (await importOriginal<{ default: typeof import('koffi') }>()).default;
  type Bound = ((...args: unknown[]) => unknown) & { async?: (...args: unknown[]) => void };
  const clobbering = (call: Bound): Bound => {
    const wrapped: Bound = (...args) => {
      try {
        return call(...args);
      } finally {
        real.errno(ERRNO.ENOENT);
      }
    };
    if (typeof call.async === 'function') {
      const callAsync = call.async.bind(call);
      wrapped.async = (...args) => {
        const done = args.pop() as (...results: unknown[]) => void;
        callAsync(...args, (...results: unknown[]) => {
          real.errno(ERRNO.ENOENT);
          done(...results);
        });
      };
    }
    return wrapped;
  };
  const koffi = new Proxy(real, {
    get(target, key) {
      if (key === 'load') {
        return (...args: Parameters<typeof real.load>) => {
          const lib = real.load(...args);
          return new Proxy(lib, {
            get: (library, name) => (name === 'func' ? (...declaration: unknown[]) => clobbering((library.func as (...d: unknown[]) => Bound)(...declaration)) : Reflect.get(library, name)),
          });
        };
      }
      if (key === 'decode') {
        return (...args: unknown[]) => {
          const value = (real.decode as (...a: unknown[]) => unknown)(...args);
          return typeof value === 'function' ? clobbering(value as Bound) : value;
        };
      }
      return Reflect.get(target, key);
    },
  });
  return { default: koffi };
});

// The setup file (test/helpers/own-netns.ts) has loaded lib/sys/libc.js, and bound its calls,
// before the mock: everything is loaded afresh.
vi.resetModules();
const koffi = (await import('koffi')).default;
const { SystemCallError } = await import('../../lib/sys/system-call-error.js');
const { AF_NETLINK, SOCK_CLOEXEC, SOCK_RAW, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE, NETLINK_ROUTE } = await import('../../lib/sys/constants.js');
const { bind, getsockoptInt, setsockoptInt, socket } = await import('../../lib/sys/libc.js');
const { setBufferSize } = await import('../../lib/sys/netlink-socket-common.js');
const { openNetlinkSocket } = await import('../../lib/sys/netlink-request-socket.js');
const { spawnDirect } = await import('../../lib/sys/direct-spawn.js');
const { createNamedNetns, deleteNamedNetns } = await import('../../lib/sys/named-netns.js');
const { netlinkAddress, SYSCALL_FAILURES, thrownBy } = await import('../helpers/syscall-failures.js');
const { CAP_NET_ADMIN, withoutCapability } = await import('../helpers/without-capability.js');

if (integrationSkipReason !== undefined) console.log(`errno-clobbered-setup: ${integrationSkipReason}`);

const NETLINK_NETFILTER = 12;
const RLIMIT_NOFILE = 7;

/**
 * Runs `action` with this process allowed `extra` more fds than it has below its lowest free one,
 * then puts the limit back: the next fds asked for past those fail with EMFILE.
 */
function withFewFds<T>(extra: number, action: () => T): T {
  const prlimit = koffi.load('libc.so.6').func('int prlimit(int pid, int resource, const void *limit, _Out_ void *old)') as (pid: number, resource: number, limit: BigUint64Array | null, old: BigUint64Array) => number;
  const probe = openSync('/dev/null', 'r');
  closeSync(probe);
  const saved = new BigUint64Array(2);
  expect(prlimit(0, RLIMIT_NOFILE, null, saved)).toBe(0);
  expect(prlimit(0, RLIMIT_NOFILE, BigUint64Array.of(BigInt(probe + extra), saved[1]!), new BigUint64Array(2))).toBe(0);
  try {
    return action();
  } finally {
    prlimit(0, RLIMIT_NOFILE, saved, new BigUint64Array(2));
  }
}

describe.skipIf(!canRunIntegration)('setup calls with errno overwritten after every foreign call', () => {
  it('the overwriting is in place: errno read after a failed libc call is ENOENT, not its own', () => {
    const close = koffi.load('libc.so.6').func('int close(int fd)') as (fd: number) => number;
    expect(close(-1)).toBe(-1);
    expect(koffi.errno()).toBe(ERRNO.ENOENT);
  });

  it.each(SYSCALL_FAILURES.map((failure) => [failure.what, failure] as const))('%s keeps its own errno', (_what, failure) => {
    const error = thrownBy(failure);
    expect(error).toBeInstanceOf(SystemCallError);
    expect(error).toMatchObject({ syscall: failure.syscall, code: failure.code, errno: ERRNO[failure.code as keyof typeof ERRNO] });
    if (failure.message !== undefined) expect((error as Error).message).toBe(failure.message);
  });

  it('without CAP_NET_ADMIN: SO_RCVBUFFORCE and a netfilter group bind refused with EPERM, and setBufferSize falls back to the capped option', () => {
    const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    const netfilter = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    try {
      withoutCapability(CAP_NET_ADMIN, () => {
        expect(() => setsockoptInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, 65536)).toThrow(
          expect.objectContaining({ code: 'EPERM', errno: 1, syscall: 'setsockopt', message: `setsockopt(fd ${fd}, level 1, option 33, 65536) failed: EPERM (Operation not permitted)` }),
        );
        // nfnetlink lets only CAP_NET_ADMIN join its groups (rtnetlink lets anyone).
        expect(() => bind(netfilter, netlinkAddress(0, 1), 'netfilter group 1')).toThrow(expect.objectContaining({ code: 'EPERM', syscall: 'bind' }));
        setBufferSize(fd, SO_RCVBUFFORCE, SO_RCVBUF, 8192);
        // The kernel doubles what it is given (for its bookkeeping).
        expect(getsockoptInt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(16384);
        const socketWithBuffer = openNetlinkSocket({ recvBufferSize: 8192, sendBufferSize: 8192 });
        socketWithBuffer.close();
      });
    } finally {
      closeSync(fd);
      closeSync(netfilter);
    }
  });

  it('a named namespace is made and removed (mount, setns, unshare, umount2)', () => {
    const path = createNamedNetns('errno-clobbered-setup');
    expect(path).toBe('/run/netns/errno-clobbered-setup');
    deleteNamedNetns('errno-clobbered-setup');
  });

  it("a program that cannot be started for want of fds: pipe2's and memfd_create's EMFILE", () => {
    expect(() => withFewFds(0, () => spawnDirect('/bin/true', [], {}))).toThrow(
      expect.objectContaining({ code: 'EMFILE', syscall: 'pipe2', message: 'pipe2(stdin) failed: EMFILE (Too many open files)' }),
    );
    expect(() => withFewFds(2, () => spawnDirect('/bin/true', [], {}))).toThrow(expect.objectContaining({ code: 'EMFILE', syscall: 'memfd_create' }));
  });

  it('a program started directly is waited for, its exit status read', async () => {
    const child = spawnDirect('/bin/sh', ['-c', 'read line; echo "$line"; exit 3'], {});
    child.end('hello\n');
    const exit = await child.exited;
    expect(exit.status).toBe(3);
    expect(exit.stdout.toString()).toBe('hello\n');
  });
});

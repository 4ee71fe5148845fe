/**
 * The request socket's readiness (one field: lib/sys/netlink-request-socket.ts) through sends the
 * kernel refuses for now (EAGAIN) and retries: the kernel does not refuse a netlink send to itself
 * on request, so the sends here are refused by wrapping libc's calls, `refusals` times each.
 */
import { describe, expect, it, vi } from 'vitest';
import { ERRNO } from '../../lib/sys/errno.js';
import { SEND_FAILED } from '../../lib/sys/constants.js';
import type { DirectSocketCalls } from '../../lib/sys/syscall-stubs.js';
import { canRunIntegration } from '../helpers/sandbox.js';
import { getLink, readinessFields as fourFields, seqsRead } from '../helpers/request-socket-probe.js';

const refusals = vi.hoisted(() => ({ send: 0, lane: 0 }));
vi.mock('../../lib/sys/libc.js', async (importOriginal) => {
  const libc = await importOriginal<typeof import('../../lib/sys/libc.js')>();
  return {
    ...libc,
    sendOrErrno: (fd: number, buffer: Uint8Array, flags: number): number => {
      if (refusals.send === 0) return libc.sendOrErrno(fd, buffer, flags);
      refusals.send--;
      return -ERRNO.EAGAIN;
    },
    socketCalls: (): DirectSocketCalls => {
      const calls = libc.socketCalls();
      return {
        ...calls,
        sendRecvAt: (fd, address, length, readAddress, readLength, readFlags) => {
          if (refusals.lane === 0) return calls.sendRecvAt(fd, address, length, readAddress, readLength, readFlags);
          refusals.lane--;
          return -SEND_FAILED - ERRNO.EAGAIN;
        },
      };
    },
  };
});

// The setup file has loaded the socket's module before the mock: loaded afresh.
vi.resetModules();
const { openNetlinkSocket } = await import('../../lib/sys/netlink-request-socket.js');
type RequestSocket = ReturnType<typeof openNetlinkSocket>;

/** An RTM_GETLINK of the loopback device with sequence number `seq`. */
const getLo = (seq: number): Uint8Array => getLink(new Uint8Array(32), 1, seq);

function expectReady(socket: RequestSocket, ready: boolean): void {
  expect(socket.readsUntilEmpty).toBe(ready);
  expect(fourFields(socket)).toBe(ready);
}

/** Event-loop turns until the socket is ready again, at most `turns`: each checked against the fields. */
async function readyWithin(socket: RequestSocket, turns: number): Promise<boolean> {
  for (let turn = 0; turn < turns && !socket.readsUntilEmpty; turn++) {
    expect(fourFields(socket)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return socket.readsUntilEmpty;
}

describe.skipIf(!canRunIntegration)('request socket: readiness through sends refused for now', () => {
  it('is not ready while a refused sendAlone waits, and ready once it is sent and read', async () => {
    const socket: RequestSocket = openNetlinkSocket();
    try {
      const seen = seqsRead(socket);
      expectReady(socket, true);
      // The lane's send refused, then its retry from _defer too: it waits for the retry timer.
      refusals.lane = 1;
      refusals.send = 2;
      const waiting = socket.sendAlone(getLo(1), 32);
      expect(waiting).toBeInstanceOf(Promise);
      expectReady(socket, false);
      expect(socket.sendAlone(getLo(2), 32)).toBe(false);
      await waiting;
      expect(await readyWithin(socket, 100)).toBe(true);
      expectReady(socket, true);
      expect(socket.sendAlone(getLo(3), 32)).toBeUndefined();
      expect([...new Set(seen)]).toEqual([1, 3]);
    } finally {
      socket.close();
    }
  });

  it('is ready again once a send waiting behind a slow one is sent after refusals', async () => {
    const socket: RequestSocket = openNetlinkSocket();
    try {
      const seen = seqsRead(socket);
      const slow = socket.send(getLo(11), { slow: true });
      const behind = socket.send(getLo(12));
      expectReady(socket, false);
      // The one behind is refused twice once the slow one is out, then sent from the retry timer.
      refusals.send = 2;
      await slow;
      await behind;
      expect(await readyWithin(socket, 100)).toBe(true);
      expectReady(socket, true);
      expect(seen).toEqual([11, 12]);
    } finally {
      socket.close();
    }
  });
});

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

const RTM_GETLINK = 18;
const NLM_F_REQUEST = 1;

/** An RTM_GETLINK of the loopback device with sequence number `seq` (32 bytes). */
function getLo(seq: number, bytes = new Uint8Array(32)): Uint8Array {
  bytes.fill(0, 0, 32);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 32);
  view.setUint32(0, 32, true);
  view.setUint16(4, RTM_GETLINK, true);
  view.setUint16(6, NLM_F_REQUEST, true);
  view.setUint32(8, seq, true);
  view.setInt32(20, 1, true);
  return bytes;
}

/** The four fields readsUntilEmpty stands for, read directly. */
function fourFields(socket: RequestSocket): boolean {
  const fields = socket as unknown as { _closed: boolean; _passScheduled: boolean; _deferred: unknown[]; _offThread: unknown };
  return !fields._closed && !fields._passScheduled && fields._deferred.length === 0 && fields._offThread === undefined;
}

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
      const seen: number[] = [];
      socket.onDatagram((d) => {
        seen.push(new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(8, true));
        return true;
      });
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
      const seen: number[] = [];
      socket.onDatagram((d) => {
        seen.push(new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(8, true));
        return true;
      });
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

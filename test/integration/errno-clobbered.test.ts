/**
 * The sockets take a failed send's or read's errno from the call itself, not from errno read
 * afterwards: here every call through lib/sys/libc.ts is followed by errno set to ENOENT, as any
 * native work on the main thread between the call and a later read of errno may leave it (a W1
 * process once closed its connection on an empty read taken for ENOENT). The ordinary outcome (an
 * empty read) must stay ordinary, and real errors must keep their own errno.
 */
import { execFileSync } from 'node:child_process';
import koffi from 'koffi';
import { describe, expect, it, vi } from 'vitest';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import { NETLINK_ADD_MEMBERSHIP, NETLINK_NO_ENOBUFS, SOL_NETLINK, SystemCallError, openNetlinkEventSocket, openNetlinkSocket, setsockoptInt } from '../../lib/sys/index.js';
import { ERRNO } from '../../lib/sys/errno.js';
import type { Transport } from '../../lib/transport.js';

vi.mock('../../lib/sys/libc.js', async (importOriginal) => {
  const real = await importOriginal<Record<string, unknown>>();
  const clobbering: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(real)) {
    if (typeof value !== 'function') {
      clobbering[name] = value;
      continue;
    }
    clobbering[name] = (...args: unknown[]): unknown => {
      try {
        return (value as (...a: unknown[]) => unknown)(...args);
      } finally {
        koffi.errno(ERRNO.ENOENT);
      }
    };
  }
  return clobbering;
});

if (integrationSkipReason !== undefined) console.log(`errno-clobbered: ${integrationSkipReason}`);

const NLMSG_NOOP = 1;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const RTNLGRP_LINK = 1;

/** A NOOP that asks for an ACK: the kernel answers it with an ACK (error 0) and nothing else. */
function noop(seq: number, length = 16): Uint8Array {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, length, true);
  view.setUint16(4, NLMSG_NOOP, true);
  view.setUint16(6, NLM_F_REQUEST | NLM_F_ACK, true);
  view.setUint32(8, seq, true);
  return bytes;
}

/** Larger than any socket's send buffer as the kernel sizes it by default: sendmsg fails with EMSGSIZE. */
const OVERSIZED = 4 * 1024 * 1024;

describe.skipIf(!canRunIntegration)('sockets with errno overwritten after every call', () => {
  it('a request socket takes an empty read for what it is, and goes on answering', () => {
    const socket = openNetlinkSocket();
    try {
      const errors: Error[] = [];
      let acks = 0;
      socket.onError((error) => errors.push(error));
      // Wanting more after the ACK: the next read finds the socket empty.
      socket.onDatagram((datagram) => {
        if (new DataView(datagram.buffer, datagram.byteOffset).getUint16(4, true) === NLMSG_ERROR) acks++;
        return true;
      });
      expect(socket.send(noop(1))).toBeUndefined();
      expect(socket.send(noop(2))).toBeUndefined();
      socket.readQueued();
      expect(errors).toEqual([]);
      expect(acks).toBe(2);
    } finally {
      socket.close();
    }
  });

  it("a request socket reports a pending socket error, consumed by the read that fails, with its own errno", () => {
    const socket = openNetlinkSocket();
    try {
      const errors: Error[] = [];
      socket.onError((error) => errors.push(error));
      socket.onDatagram(() => true);
      // Overruns reported as the kernel does without NETLINK_NO_ENOBUFS: sk_err set to ENOBUFS, once.
      setsockoptInt(socket.fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 0);
      setsockoptInt(socket.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, RTNLGRP_LINK);
      socket.setRecvBufferSize(1);
      const changes = Array.from({ length: 40 }, (_, i) => `link set lo mtu ${60_000 + i}\n`).join('');
      execFileSync('ip', ['-batch', '-'], { input: changes });
      socket.readQueued();
      const pending = errors.filter((error) => !error.message.includes('dropped'));
      expect(pending).toHaveLength(1);
      expect(pending[0]).toBeInstanceOf(SystemCallError);
      expect((pending[0] as SystemCallError).code).toBe('ENOBUFS');
      expect((pending[0] as SystemCallError).syscall).toBe('recvmsg');
    } finally {
      socket.close();
    }
  });

  it.each([
    ['request', (): Transport => openNetlinkSocket()],
    ['event', (): Transport => openNetlinkEventSocket()],
  ])("a %s socket's refused send fails with the kernel's errno, and the next is sent", (_kind, open) => {
    const socket = open();
    try {
      expect(() => socket.send(noop(1, OVERSIZED))).toThrow(expect.objectContaining({ code: 'EMSGSIZE', syscall: 'sendmsg' }));
      expect(socket.send(noop(2))).toBeUndefined();
    } finally {
      socket.close();
    }
  });
});

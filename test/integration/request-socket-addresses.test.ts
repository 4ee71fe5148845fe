/**
 * The request socket passes a datagram's address, not the view, to its send (taken once per view:
 * lib/sys/netlink-request-socket.ts): what goes to the kernel must still be the view's bytes as
 * they are at each send, for a view sent again after its bytes changed, for another buffer's view,
 * and for a view whose buffer was detached since (it has no bytes left: an empty datagram, which
 * the kernel refuses with ENODATA, as it did when the view itself was passed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openNetlinkSocket, type RequestSocket } from '../../lib/sys/netlink-request-socket.js';
import { canRunIntegration } from '../helpers/sandbox.js';
import { getLink } from '../helpers/request-socket-probe.js';

const NLMSG_ERROR = 2;

/** Each answer read: its type, sequence number, and for an error its errno. */
function answers(socket: RequestSocket): Array<[number, number, number]> {
  const read: Array<[number, number, number]> = [];
  socket.onDatagram((d) => {
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const type = view.getUint16(4, true);
    read.push([type, view.getUint32(8, true), type === NLMSG_ERROR ? -view.getInt32(16, true) : 0]);
    return false;
  });
  return read;
}

describe.skipIf(!canRunIntegration)('request socket: datagrams sent by address', () => {
  let socket: RequestSocket | undefined;
  afterEach(() => socket?.close());

  it('sends each view as its bytes are at the send', () => {
    socket = openNetlinkSocket();
    const read = answers(socket);
    const buffer = new Uint8Array(1024);
    const view = buffer.subarray(0, 32);
    const other = new Uint8Array(256).subarray(64, 96);
    socket.send(getLink(view, 1, 11));
    socket.send(getLink(view, 0x7ffffff0, 12));
    socket.send(getLink(other, 1, 13));
    socket.send(getLink(view, 1, 14));
    expect(read.map(([type, seq, errno]) => [type === NLMSG_ERROR ? 'error' : 'link', seq, errno])).toEqual([
      ['link', 11, 0],
      ['error', 12, 19],
      ['link', 13, 0],
      ['link', 14, 0],
    ]);
  });

  it('sends no byte of a view whose buffer was detached after it was sent', () => {
    socket = openNetlinkSocket();
    const read = answers(socket);
    const view = new Uint8Array(1024).subarray(0, 32);
    socket.send(getLink(view, 1, 21));
    structuredClone(view.buffer, { transfer: [view.buffer] });
    expect(view.byteLength).toBe(0);
    expect(() => socket!.send(view)).toThrow(expect.objectContaining({ code: 'ENODATA' }));
    socket.send(getLink(new Uint8Array(32), 1, 22));
    expect(read.map(([, seq]) => seq)).toEqual([21, 22]);
  });

  it('sends the first bytes of a buffer with sendAlone, as they are at each send', () => {
    socket = openNetlinkSocket();
    const read = answers(socket);
    const buffer = new Uint8Array(1024);
    const other = new Uint8Array(256);
    socket.sendAlone(getLink(buffer, 1, 31), 32);
    socket.sendAlone(getLink(buffer, 0x7ffffff0, 32), 32);
    socket.sendAlone(getLink(other, 1, 33), 32);
    socket.sendAlone(getLink(buffer, 1, 34), 32);
    socket.send(getLink(new Uint8Array(64).subarray(0, 32), 1, 35));
    socket.sendAlone(getLink(buffer, 1, 36), 32);
    expect(read.map(([type, seq, errno]) => [type === NLMSG_ERROR ? 'error' : 'link', seq, errno])).toEqual([
      ['link', 31, 0],
      ['error', 32, 19],
      ['link', 33, 0],
      ['link', 34, 0],
      ['link', 35, 0],
      ['link', 36, 0],
    ]);
  });

  it('sends nothing with sendAlone, answering false, while it would not read until empty', async () => {
    socket = openNetlinkSocket();
    const read = answers(socket);
    const buffer = new Uint8Array(1024);
    expect(socket.readsUntilEmpty).toBe(true);
    expect(socket.sendAlone(getLink(buffer, 1, 51), 32)).toBeUndefined();
    // A slow send waits for a worker thread: sends after it wait their turn.
    const slow = socket.send(getLink(new Uint8Array(32), 1, 52), { slow: true });
    expect(slow).toBeInstanceOf(Promise);
    expect(socket.readsUntilEmpty).toBe(false);
    expect(socket.sendAlone(getLink(buffer, 1, 53), 32)).toBe(false);
    await slow;
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.readsUntilEmpty).toBe(true);
    expect(socket.sendAlone(getLink(buffer, 1, 54), 32)).toBeUndefined();
    expect(read.map(([, seq]) => seq)).toEqual([51, 52, 54]);
    socket.close();
    // Closed: false, where the send was made on the closed descriptor (EBADF) before.
    expect(socket.readsUntilEmpty).toBe(false);
    expect(socket.sendAlone(getLink(buffer, 1, 55), 32)).toBe(false);
  });

  it('refuses with sendAlone more bytes than the buffer holds, a detached one\'s included', () => {
    socket = openNetlinkSocket();
    const read = answers(socket);
    const buffer = new Uint8Array(1024);
    socket.sendAlone(getLink(buffer, 1, 41), 32);
    expect(() => socket!.sendAlone(buffer, 2048)).toThrow(RangeError);
    structuredClone(buffer.buffer, { transfer: [buffer.buffer] });
    expect(() => socket!.sendAlone(buffer, 32)).toThrow(RangeError);
    socket.sendAlone(getLink(new Uint8Array(32), 1, 42), 32);
    expect(read.map(([, seq]) => seq)).toEqual([41, 42]);
  });
});

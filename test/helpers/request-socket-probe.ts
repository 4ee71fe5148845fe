/** What the request socket's integration tests send and look at (lib/sys/netlink-request-socket.ts). */
import type { RequestSocket } from '../../lib/sys/netlink-request-socket.js';

const RTM_GETLINK = 18;
const NLM_F_REQUEST = 1;

/** An RTM_GETLINK of `index` with sequence number `seq`, written into `bytes` (32 bytes). */
export function getLink(bytes: Uint8Array, index: number, seq: number): Uint8Array {
  bytes.fill(0, 0, 32);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 32);
  view.setUint32(0, 32, true);
  view.setUint16(4, RTM_GETLINK, true);
  view.setUint16(6, NLM_F_REQUEST, true);
  view.setUint32(8, seq, true);
  view.setInt32(20, index, true);
  return bytes;
}

/** The four fields readsUntilEmpty stands for (not closed, no pass, no send waiting, none off-thread), read directly. */
export function readinessFields(socket: RequestSocket): boolean {
  const fields = socket as unknown as { _closed: boolean; _passScheduled: boolean; _deferred: unknown[]; _offThread: unknown };
  return !fields._closed && !fields._passScheduled && fields._deferred.length === 0 && fields._offThread === undefined;
}

/**
 * The sequence number of each datagram read, in order; `inListener` is called within the
 * listener first. The listener reads on until the socket is empty (a pass that takes all it may
 * schedules the next).
 */
export function seqsRead(socket: RequestSocket, inListener?: () => void): number[] {
  const seen: number[] = [];
  socket.onDatagram((d) => {
    seen.push(new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(8, true));
    inListener?.();
    return true;
  });
  return seen;
}

/**
 * The socket read before requests are expired (RequestPath's #readBeforeExpiring): how far it may
 * go. It stops once the answers awaited have come, or at what the socket can hold, and a running
 * dump is read only as far as what was queued of it.
 */
import { SETTLED, type PendingRequest } from './pending-request.js';

/** Beyond the receive buffer, what the kernel may have queued: one more datagram (netlink lets one overshoot). */
const QUEUED_BEYOND_BUFFER = 64 * 1024;
/**
 * Datagrams of a running dump read before requests are expired: the kernel makes a dump's next
 * datagram only as one is read, so at most one is queued at a time, and a second one read may be
 * its end, made by the first read (a dump whose last messages were waiting completes, one the kernel
 * is still producing does not: see RequestOptions.timeoutMs).
 */
const DUMP_DATAGRAMS_BEFORE_EXPIRING = 2;

/** One read before expiring the requests `due` (in order), on a socket of `receiveBufferBytes`. */
export class ExpiryRead<M> {
  readonly #due: ReadonlyArray<PendingRequest<M>>;
  /** Where the requests still awaiting an answer other than a dump's end start, in `due`. */
  #next = 0;
  readonly #dumps: ReadonlyArray<PendingRequest<M>>;
  /** Bytes read, and the most the kernel can have queued. */
  #bytes = 0;
  readonly #byteLimit: number;
  #dumpDatagrams = 0;

  constructor(due: ReadonlyArray<PendingRequest<M>>, receiveBufferBytes: number) {
    this.#due = due;
    this.#dumps = due.filter((request) => request.completion === 'dump');
    this.#byteLimit = receiveBufferBytes + QUEUED_BEYOND_BUFFER;
  }

  /** Whether the read goes on after a datagram of `bytes` (`dump`: it carried dump messages). */
  goesOn(bytes: number, dump: boolean): boolean {
    this.#bytes += bytes;
    if (this.#bytes >= this.#byteLimit) return false;
    if (dump) this.#dumpDatagrams++;
    const due = this.#due;
    while (this.#next < due.length && (due[this.#next]!.state === SETTLED || due[this.#next]!.completion === 'dump')) this.#next++;
    if (this.#next < due.length) return true;
    return this.#dumpDatagrams < DUMP_DATAGRAMS_BEFORE_EXPIRING && this.#dumps.some((request) => request.state !== SETTLED);
  }
}

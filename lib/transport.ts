/**
 * What a Connection needs from a netlink socket, and what a Monitor needs beyond that.
 * lib/sys/netlink-request-socket.ts and netlink-event-socket.ts provide the real ones;
 * test/helpers/fake-kernel.ts a function-driven fake.
 */
export interface SendOptions {
  /**
   * The kernel will take long over it (creating a device: 0.3-2 ms; deleting one, which waits for
   * RCU: 10-25 ms): a transport may make the sendmsg from a worker thread, so that JavaScript runs
   * in the meantime. Datagrams still go out in order.
   */
  slow?: boolean;
  /**
   * One change sent without NLM_F_ACK on the strength of readsUntilEmpty (see Transport): nothing
   * answers it unless it failed, so the socket found empty after it is no reason to look again.
   * If it cannot be sent at once (send() returns a promise), the transport sets NLM_F_ACK on the
   * copy it sends later, so that it is answered after all.
   */
  quiet?: boolean;
}

/** A netlink socket as a Connection uses it: datagrams out and in. */
export interface Transport {
  /** Our netlink port id (the nlmsg_pid the kernel answers to); 0 where it is not known. */
  readonly port: number;
  /**
   * True when the answers to a datagram sent are delivered (onDatagram) before send() returns
   * undefined, as the kernel queues them within the sendmsg: a Connection then sends a lone request
   * at once and settles it within the call that made it.
   */
  readonly answersWithinSend?: boolean;
  /**
   * With answersWithinSend: true while the next send() (not slow) will be made at once and then,
   * before it returns undefined, read the socket until it is empty. A change sent then without
   * NLM_F_ACK, while no other answer is awaited, was applied if nothing answered it: the kernel
   * answers a failure within the sendmsg, success only when asked.
   */
  readonly readsUntilEmpty?: boolean;
  /**
   * Sends one datagram (one sendmsg). Returns undefined once the kernel has taken it; a promise
   * when the send has to wait (the transport then keeps its own copy of the bytes, so the caller
   * may reuse its buffer at once). Throws, or rejects, when the socket refuses it.
   */
  send(datagram: Uint8Array, options?: SendOptions): Promise<void> | undefined;
  /**
   * Optional: send(buffer.subarray(0, length), { quiet: true }) when readsUntilEmpty is true, and
   * false, with nothing sent, when it is not: the transport checks what makes it true itself (the
   * caller reads no property for it), and the caller makes no view of its buffer. The request
   * path's quick lane uses it (SendQueue.sendLone), sending from the start of its send buffer.
   */
  sendAlone?(buffer: Uint8Array, length: number): Promise<void> | undefined | false;
  /**
   * Each datagram received. The bytes may be the transport's read buffer: they are valid during
   * the call only, so a listener copies what it keeps. A listener may return false to say it
   * expects nothing more for now (every answer it waited for has come): a transport may then stop
   * reading until its next send.
   */
  onDatagram(listener: (datagram: Uint8Array) => boolean | void): void;
  /**
   * Reads now, without waiting, the datagrams the kernel has already queued, handing each to the
   * onDatagram listener, until none is left or the listener returns false; whatever is left is read
   * as usual afterwards. A Connection calls it before it times requests out, so that an answer that
   * came while the event loop was held up elsewhere is read rather than taken for no answer (a
   * running dump makes its next datagram as one is read: the listener's false is what ends the read
   * then). Optional: a transport without it has its requests timed out on what it delivered so far.
   */
  readQueued?(): void;
  /** Socket-level failures, e.g. an error with code 'ENOBUFS' when the kernel dropped datagrams. */
  onError(listener: (error: Error & { code?: string }) => void): void;
  /** Keep the event loop alive while answers are awaited (ref), or not (unref). */
  ref(): void;
  /** Let the event loop end while nothing is awaited. */
  unref(): void;
  /** Idempotent; sends still waiting reject with code 'ERR_SOCKET_CLOSED'. */
  close(): void;
}

/** A transport whose socket joins multicast groups: the kernel writes to it at any time. */
export interface EventTransport extends Transport {
  /** Joins multicast group `group` (RTNLGRP_* number). */
  addMembership(group: number): void;
  /** Leaves multicast group `group`. */
  dropMembership(group: number): void;
  /** SO_RCVBUF as the kernel set it (twice what was asked), where the transport can read it. */
  getRecvBufferSize?(): number;
}

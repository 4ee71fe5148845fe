/**
 * What a Connection needs from a socket. lib/sys/netlink-request-socket.ts and netlink-event-socket.ts provide the real ones;
 * test/helpers/fake-kernel.ts a function-driven fake.
 */
export interface SendOptions {
  /**
   * The kernel will take long over it (creating a device: 0.3-2 ms; deleting one, which waits for
   * RCU: 10-25 ms): a transport may make the sendmsg from a worker thread, so that JavaScript runs
   * in the meantime. Datagrams still go out in order.
   */
  slow?: boolean;
}

export interface Transport {
  /** Sends one datagram (one sendmsg); resolves once the kernel took it. */
  send(datagram: Uint8Array, options?: SendOptions): Promise<void>;
  /**
   * Each datagram received. A listener may return false to say it expects nothing more for now
   * (every answer it waited for has come): a transport may then stop reading until its next send.
   */
  onDatagram(listener: (datagram: Uint8Array) => boolean | void): void;
  /** Socket-level failures, e.g. an error with code 'ENOBUFS' when the kernel dropped replies. */
  onError(listener: (error: Error & { code?: string }) => void): void;
  /** Keep the event loop alive while requests are pending; let it exit when idle. */
  ref(): void;
  unref(): void;
  close(): void;
}

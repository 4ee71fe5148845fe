/**
 * Dumps take a socket one at a time: the kernel answers a dump started while another is still
 * open on the socket with EBUSY, and a dump stays open until its last datagram has been read, even
 * when its caller gave up on it. A dump enters the line; it starts at once if the socket is free
 * (so it can share a datagram with requests made in the same tick), else when the one before it
 * leaves, that is when the connection has read that dump to its end.
 */
export class DumpLine {
  #busy = false;
  readonly #waiting: Array<() => void> = [];

  /**
   * Calls `start` now, or when the dumps before it are over. Aborting `signal` while it waits
   * takes it out of the line (nothing was sent) and calls `onAbort`.
   */
  enter(start: () => void, signal: AbortSignal | undefined, onAbort: () => void): void {
    if (!this.#busy) {
      this.#busy = true;
      start();
      return;
    }
    if (!signal) {
      this.#waiting.push(start);
      return;
    }
    const aborted = (): void => {
      const at = this.#waiting.indexOf(waiting);
      if (at >= 0) this.#waiting.splice(at, 1);
      onAbort();
    };
    const waiting = (): void => {
      signal.removeEventListener('abort', aborted);
      start();
    };
    signal.addEventListener('abort', aborted, { once: true });
    this.#waiting.push(waiting);
  }

  /** Starts every dump still waiting (the connection closed: each fails at once). */
  close(): void {
    if (this.#waiting.length !== 0) for (const start of this.#waiting.splice(0)) start();
  }

  /** The dump that held the socket is over (read to its end, or never sent): the next one starts. */
  leave(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy = false;
  }
}

/**
 * Views of the start of one reused buffer, kept by length for short lengths: a request path that
 * sends or reads datagrams of the same few sizes (a route change is 44 bytes, its ACK 36) gets the
 * same view object each time instead of a new subarray.
 */
export class PrefixViews {
  private _buffer: Uint8Array | undefined;
  private readonly _views: Array<Uint8Array | undefined> = [];

  constructor(private readonly maxCached = 256) {}

  /** buffer[0, length); `buffer` may change (a writer that grew), which drops the kept views. */
  of(buffer: Uint8Array, length: number): Uint8Array {
    if (length > this.maxCached) return buffer.subarray(0, length);
    if (buffer !== this._buffer) {
      this._buffer = buffer;
      this._views.length = 0;
    }
    return (this._views[length] ??= buffer.subarray(0, length));
  }
}

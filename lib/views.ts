/**
 * Views of the start of one reused buffer, kept by length: a request path that sends or reads
 * datagrams of the same few sizes (a route change is 44 bytes, its ACK 36; a veth's echo and its
 * peer's lookup reply, each over a kilobyte) gets the same view object each time instead of a new
 * subarray. Short lengths are all kept; of longer ones, the last few lengths met.
 */
export class PrefixViews {
  private _buffer: Uint8Array | undefined;
  private readonly _views: Array<Uint8Array | undefined> = [];
  /** The longer lengths kept (0: none), their views, and the slot the next one takes. */
  private readonly _longLengths = [0, 0, 0, 0];
  private readonly _longViews: Array<Uint8Array | undefined> = [undefined, undefined, undefined, undefined];
  private _nextLong = 0;

  constructor(private readonly maxCached = 256) {}

  /** buffer[0, length); `buffer` may change (a writer that grew), which drops the kept views. */
  of(buffer: Uint8Array, length: number): Uint8Array {
    if (buffer !== this._buffer) {
      this._buffer = buffer;
      this._views.length = 0;
      this._longLengths.fill(0);
      this._longViews.fill(undefined);
    }
    if (length > this.maxCached) return this._long(buffer, length);
    return (this._views[length] ??= buffer.subarray(0, length));
  }

  /** A longer view: one of the last four lengths met, else a new one in the oldest slot. */
  private _long(buffer: Uint8Array, length: number): Uint8Array {
    const lengths = this._longLengths;
    for (let i = 0; i < 4; i++) if (lengths[i] === length) return this._longViews[i]!;
    const at = this._nextLong;
    this._nextLong = (at + 1) & 3;
    const view = buffer.subarray(0, length);
    lengths[at] = length;
    this._longViews[at] = view;
    return view;
  }
}

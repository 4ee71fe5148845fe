import { NetlinkDecodeError } from './errors.js';

/** The bytes being decoded, with a DataView over them and the path of the attribute being read. */
export class Source {
  readonly view: DataView;
  readonly path: string[] = [];

  readonly bytes: Uint8Array;
  /** How many attribute sets are being decoded one inside another (see MAX_NESTING). */
  depth = 0;

  constructor(input: Uint8Array) {
    // A plain Uint8Array view, so that slice() copies even when the input is a Node Buffer
    // (whose slice() shares memory, e.g. with a reused receive buffer).
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  error(offset: number, reason: string): NetlinkDecodeError {
    return new NetlinkDecodeError(this.path.join(' > '), offset, reason);
  }

  /** Throws unless [start, end) holds exactly `size` bytes. */
  expectLength(start: number, end: number, size: number, what: string): void {
    if (end - start !== size) throw this.error(start, `${what} needs ${size} bytes, got ${end - start}`);
  }

  /** Throws unless [start, end) holds at least `size` bytes. */
  expectAtLeast(start: number, end: number, size: number, what: string): void {
    if (end - start < size) throw this.error(start, `${what} needs at least ${size} bytes, got ${end - start}`);
  }
}

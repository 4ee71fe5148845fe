import { NetlinkDecodeError } from './errors.js';

/** The bytes being decoded, with a DataView over them and the path of the attribute being read. */
export class Source {
  /** A DataView over `bytes`. */
  readonly view: DataView;
  /** The attribute path being decoded, for errors (`RTM_NEWLINK > IFLA_LINKINFO > ...`). */
  readonly path: string[] = [];

  /** The bytes, as a plain Uint8Array view of the input. */
  readonly bytes: Uint8Array;
  /** How many attribute sets are being decoded one inside another (see MAX_NESTING). */
  depth = 0;

  constructor(input: Uint8Array) {
    // A plain Uint8Array view, so that slice() copies even when the input is a Node Buffer
    // (whose slice() shares memory, e.g. with a reused receive buffer).
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  /** A NetlinkDecodeError at `offset`, with the current path. */
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

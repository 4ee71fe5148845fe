import type { Source } from './source.js';
import type { Writer } from './writer.js';

/** Reads and writes the payload of one message family: its fixed header and its attributes. */
export interface BodyCodec<B> {
  decode(src: Source, start: number, end: number, flags: number): B;
  encode(w: Writer, body: B, field: string, flags: number): void;
}

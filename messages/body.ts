import type { Source } from './source.js';
import type { Writer } from './writer.js';
import { InvalidArgumentError } from './errors.js';

/** Reads and writes the payload of one message family: its fixed header and its attributes. */
export interface BodyCodec<B> {
  /**
   * Reads the body in [start, end); `flags` are the message's nlmsg_flags, `type` its nlmsg_type
   * (a body may read a request differently from a reply).
   */
  decode(src: Source, start: number, end: number, flags: number, type?: number): B;
  /** Writes `body` (`type` as in decode); `field` names it in errors. */
  encode(w: Writer, body: B, field: string, flags: number, type?: number): void;
}

/** The payload kept as bytes: NLMSG_NOOP, NLMSG_OVERRUN and message types without a codec. */
export const rawBody: BodyCodec<Uint8Array> = {
  decode: (src, start, end) => src.bytes.slice(start, end),
  encode(w, body, field) {
    if (!(body instanceof Uint8Array)) throw new InvalidArgumentError(field, body, 'is not the payload as a Uint8Array');
    w.bytes(body);
  },
};

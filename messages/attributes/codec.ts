import type { Source } from '../source.js';
import type { Writer } from '../writer.js';

/**
 * How one attribute payload is read and written.
 * `decode` reads [start, end) of the source and throws only NetlinkDecodeError (through src.error).
 * `encode` validates the value first and throws InvalidArgumentError naming `field`.
 */
export interface Codec<T> {
  /** Short description used in error messages: 'u32', 'IPv4 address', 'nested IFLA_INFO'... */
  readonly label: string;
  /**
   * 'value': the payload is a plain value, compared for equality to keep original bytes on re-encode.
   * 'container': the payload holds attributes (or a header plus attributes) that keep their own wire order.
   */
  readonly shape: 'value' | 'container';
  /** Whether an attribute with this payload is written with NLA_F_NESTED. */
  readonly nestedFlag: boolean;
  /** Reads the payload in [start, end); `siblings` are the attributes decoded beside it so far. */
  decode(src: Source, start: number, end: number, siblings: Readonly<Record<string, unknown>>): T;
  /** Writes `value` as a payload; `field` names it in errors. */
  encode(w: Writer, value: T, field: string): void;
}

/**
 * An attribute kept as it was, full type (with flag bits) and payload: one this library has no table
 * entry for, a repeat of one that is not repeated, or one whose payload its codec cannot read.
 */
export interface RawAttribute {
  type: number;
  data: Uint8Array;
  /**
   * Why a known attribute is here rather than in its field: its payload has a width its codec does
   * not read (an empty NDA_DST, a u32 where the kernel reads a u8). Absent for unknown types.
   */
  reason?: string;
}

/**
 * Marks codecs whose decoding depends on attributes beside them (IFLA_INFO_DATA depends on
 * IFLA_INFO_KIND): the walker decodes them after the rest of their attribute set.
 */
export interface SiblingAwareCodec<T> extends Codec<T> {
  readonly afterSiblings: true;
}

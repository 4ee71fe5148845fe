/**
 * Reading a few attributes of a set without decoding the rest (the summary decoders): the same
 * length checks as decodeAttributes, and the same codecs for the attributes that are read.
 */
import type { Codec } from './codec.js';
import { NLA_HDRLEN, NLA_TYPE_MASK } from './walk.js';
import { align4 } from '../framing.js';
import type { Source } from '../source.js';

/** Calls `visit` with each attribute's type (flag bits cleared) and payload, checking every length. */
export function skimAttributes(src: Source, start: number, end: number, visit: (type: number, start: number, end: number) => void): void {
  for (let off = start; off < end; ) {
    if (end - off < NLA_HDRLEN) throw src.error(off, `${end - off} trailing bytes after the last attribute`);
    const len = src.view.getUint16(off, true);
    if (len < NLA_HDRLEN) throw src.error(off, `nla_len ${len} is below the 4-byte attribute header`);
    if (off + len > end) throw src.error(off, `nla_len ${len} overruns its parent by ${off + len - end} bytes`);
    visit(src.view.getUint16(off + 2, true) & NLA_TYPE_MASK, off + NLA_HDRLEN, off + len);
    off += align4(len);
  }
}

/** Decodes one attribute's payload with `codec`, its kernel name on the error path. */
export function decodeSkimmed(src: Source, name: string, codec: Codec<unknown>, start: number, end: number): unknown {
  src.path.push(name);
  const value = codec.decode(src, start, end, {});
  src.path.pop();
  return value;
}

import type { BodyCodec } from './body.js';
import type { AttrTable } from './attributes/table.js';
import { decodeAttributes, encodeAttributes } from './attributes/walk.js';
import type { Source } from './source.js';
import type { Writer } from './writer.js';
import { checkRecord } from './checks.js';
import { align4 } from './framing.js';

/** A message's fixed header: a struct declared with messages/struct.ts. */
export interface FixedHeader<H> {
  readonly name: string;
  readonly size: number;
  decode(src: Source, at: number, end: number): H;
  encode(w: Writer, value: H, field: string): void;
}

/** A body made of a fixed header then attributes: the header's fields plus `attrs`. */
export type HeaderWithAttributes<H, A> = H & { attrs: A };

/**
 * `encodeTable` picks the table to encode a body's attributes with, for sets where one attribute
 * is read by the kind another names (TCA_OPTIONS by TCA_KIND); by default it is `table`.
 */
export function headerWithAttributes<H, A>(
  header: FixedHeader<H>,
  table: AttrTable<A>,
  encodeTable: (attrs: A) => AttrTable<A> = () => table,
): BodyCodec<HeaderWithAttributes<H, A>> {
  const padded = align4(header.size);
  return {
    decode(src, start, end) {
      const h = header.decode(src, start, end) as HeaderWithAttributes<H, A>;
      const attrStart = Math.min(start + padded, end);
      h.attrs = decodeAttributes(table, src, attrStart, end);
      return h;
    },
    encode(w, body, field) {
      checkRecord(body, field, `a ${header.name} body object`);
      const at = w.length;
      header.encode(w, body, field);
      w.zeros(padded - (w.length - at));
      const attrs = body.attrs ?? ({} as A);
      encodeAttributes(encodeTable(attrs), w, attrs, `${field}.attrs`);
    },
  };
}

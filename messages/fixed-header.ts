import type { BodyCodec } from './body.js';
import type { AttrTable } from './attributes/table.js';
import { decodeAttributes, encodeAttributes } from './attributes/walk.js';
import { describe } from './attributes/scalars.js';
import type { Source } from './source.js';
import type { Writer } from './writer.js';

type FieldKind = 'u8' | 'u16' | 'u32' | 's32' | 'pad8' | 'pad16';

/** A C struct at the start of a message body (ifinfomsg, rtmsg ...): fields in order, pads by kind. */
export type HeaderLayout = ReadonlyArray<readonly [name: string, kind: FieldKind]>;

type HeaderValues<L extends HeaderLayout> = {
  [E in L[number] as E[1] extends 'pad8' | 'pad16' ? never : E[0]]: number;
};

const SIZE: Record<FieldKind, number> = { u8: 1, u16: 2, u32: 4, s32: 4, pad8: 1, pad16: 2 };
const RANGE: Record<FieldKind, readonly [number, number]> = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
  pad8: [0, 0],
  pad16: [0, 0],
};

export interface FixedHeader<H> {
  readonly name: string;
  readonly size: number;
  decode(src: Source, at: number, end: number): H;
  encode(w: Writer, value: H, field: string): void;
}

export function fixedHeader<const L extends HeaderLayout>(name: string, layout: L): FixedHeader<HeaderValues<L>> {
  const fields = layout.map(([field, kind]) => ({ field, kind, size: SIZE[kind] }));
  const size = fields.reduce((n, f) => n + f.size, 0);
  return {
    name,
    size,
    decode(src, at, end) {
      if (end - at < size) throw src.error(at, `${name} needs ${size} bytes, the message has ${end - at}`);
      const v = src.view;
      const out: Record<string, number> = {};
      for (const f of fields) {
        switch (f.kind) {
          case 'u8':
            out[f.field] = v.getUint8(at);
            break;
          case 'u16':
            out[f.field] = v.getUint16(at, true);
            break;
          case 'u32':
            out[f.field] = v.getUint32(at, true);
            break;
          case 's32':
            out[f.field] = v.getInt32(at, true);
            break;
          default:
            break;
        }
        at += f.size;
      }
      return out as HeaderValues<L>;
    },
    encode(w, value, path) {
      const record = value as Record<string, unknown>;
      for (const f of fields) {
        if (f.kind === 'pad8' || f.kind === 'pad16') {
          w.zeros(f.size);
          continue;
        }
        const x = record[f.field] ?? 0;
        const [min, max] = RANGE[f.kind];
        if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${path}.${f.field}: expected an integer, got ${describe(x)}`);
        if (x < min || x > max) throw new RangeError(`${path}.${f.field}: ${x} is out of range ${min}..${max}`);
        if (f.kind === 'u8') w.u8(x);
        else if (f.kind === 'u16') w.u16(x);
        else if (f.kind === 's32') w.s32(x);
        else w.u32(x);
      }
    },
  };
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
  const padded = (header.size + 3) & ~3;
  return {
    decode(src, start, end) {
      const h = header.decode(src, start, end) as HeaderWithAttributes<H, A>;
      const attrStart = Math.min(start + padded, end);
      h.attrs = decodeAttributes(table, src, attrStart, end);
      return h;
    },
    encode(w, body, field) {
      if (typeof body !== 'object' || body === null || Array.isArray(body) || ArrayBuffer.isView(body)) throw new TypeError(`${field}: expected a ${header.name} body object`);
      const at = w.length;
      header.encode(w, body, field);
      w.zeros(padded - (w.length - at));
      const attrs = body.attrs ?? ({} as A);
      encodeAttributes(encodeTable(attrs), w, attrs, `${field}.attrs`);
    },
  };
}

import fu from 'struct-fu';
import type { Field } from 'struct-fu';
import type { Codec } from './codec.js';
import { describe } from './scalars.js';

type FieldKind = 'u8' | 'u16' | 's16' | 'u32' | 's32' | 'u16be' | 'u32be';
const RANGES: Record<FieldKind, [number, number]> = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
  u16be: [0, 0xffff],
  u32be: [0, 0xffffffff],
};
const FU: Record<FieldKind, (name: string) => Field> = {
  u8: fu.uint8,
  u16: fu.uint16le,
  s16: fu.int16le,
  u32: fu.uint32le,
  s32: fu.int32le,
  u16be: fu.uint16,
  u32be: fu.uint32,
};

type StructValue<F extends Readonly<Record<string, FieldKind>>> = { [K in keyof F]: number };

/**
 * A fixed C struct of integer fields in declaration order (no implicit padding: declare pad fields).
 * Kernels may append fields to such structs; extra trailing bytes are accepted on decode.
 */
export function struct<const F extends Readonly<Record<string, FieldKind>>>(label: string, fields: F): Codec<StructValue<F>> {
  const entries = Object.entries(fields) as Array<[string, FieldKind]>;
  const layout = fu.struct<StructValue<F>>(entries.map(([name, kind]) => FU[kind](name)));
  return {
    label,
    shape: 'value',
    nestedFlag: false,
    decode(src, start, end) {
      src.expectAtLeast(start, end, layout.size, label);
      const b = src.bytes;
      return layout.unpack(Buffer.from(b.buffer, b.byteOffset + start, layout.size));
    },
    encode(w, value, field) {
      if (typeof value !== 'object' || value === null) throw new TypeError(`${field}: expected a ${label} object`);
      for (const [name, kind] of entries) {
        const v = (value as Record<string, unknown>)[name];
        const [min, max] = RANGES[kind];
        if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${field}.${name}: expected an integer, got ${describe(v)}`);
        if (v < min || v > max) throw new RangeError(`${field}.${name}: ${v} is out of range ${min}..${max}`);
      }
      w.bytes(layout.pack(value));
    },
  };
}

/** A struct of little-endian u64 counters (rtnl_link_stats64 and kin), decoded as bigints. */
export function u64Struct<const N extends readonly string[]>(label: string, names: N): Codec<{ [K in N[number]]: bigint }> {
  const size = names.length * 8;
  return {
    label,
    shape: 'value',
    nestedFlag: false,
    decode(src, start, end) {
      src.expectAtLeast(start, end, size, label);
      const out: Record<string, bigint> = {};
      for (let i = 0; i < names.length; i++) out[names[i]!] = src.view.getBigUint64(start + i * 8, true);
      return out as { [K in N[number]]: bigint };
    },
    encode(w, value, field) {
      if (typeof value !== 'object' || value === null) throw new TypeError(`${field}: expected a ${label} object`);
      for (const name of names) {
        const v = (value as Record<string, unknown>)[name];
        if (typeof v !== 'bigint') throw new TypeError(`${field}.${name}: expected a bigint, got ${describe(v)}`);
        if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${field}.${name}: ${v} is out of range 0..2^64-1`);
        w.u64(v);
      }
    },
  };
}

/** A struct of little-endian u32 counters (rtnl_link_stats and kin). */
export function u32Struct<const N extends readonly string[]>(label: string, names: N): Codec<{ [K in N[number]]: number }> {
  const fields = Object.fromEntries(names.map((n) => [n, 'u32' as const])) as { [K in N[number]]: 'u32' };
  return struct(label, fields) as Codec<{ [K in N[number]]: number }>;
}

/** A counted array of little-endian u32 values filling the payload (IFLA_INET_CONF, RTAX arrays). */
export const u32Array: Codec<number[]> = {
  label: 'u32 array',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    if ((end - start) % 4 !== 0) throw src.error(start, `u32 array of ${end - start} bytes is not a multiple of 4`);
    const out: number[] = [];
    for (let at = start; at < end; at += 4) out.push(src.view.getUint32(at, true));
    return out;
  },
  encode(w, value, field) {
    if (!Array.isArray(value)) throw new TypeError(`${field}: expected an array of u32`);
    value.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new RangeError(`${field}[${i}]: ${describe(v)} is not a u32`);
      }
      w.u32(v);
    });
  },
};

/** A counted array of little-endian u64 values filling the payload (IFLA_INET6_STATS, ICMP6STATS). */
export const u64Array: Codec<bigint[]> = {
  label: 'u64 array',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    if ((end - start) % 8 !== 0) throw src.error(start, `u64 array of ${end - start} bytes is not a multiple of 8`);
    const out: bigint[] = [];
    for (let at = start; at < end; at += 8) out.push(src.view.getBigUint64(at, true));
    return out;
  },
  encode(w, value, field) {
    if (!Array.isArray(value)) throw new TypeError(`${field}: expected an array of bigint`);
    value.forEach((v, i) => {
      if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${field}[${i}]: ${describe(v)} is not a u64`);
      w.u64(v);
    });
  },
};

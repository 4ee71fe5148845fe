import type { Codec } from './codec.js';
import { u32, u64 } from './scalars.js';
import { checkArray } from '../checks.js';

/** A counted array of `size`-byte values filling the payload, each read and written by `element`. */
function arrayOf<T>(label: string, element: Codec<T>, size: number): Codec<T[]> {
  return {
    label,
    shape: 'value',
    nestedFlag: false,
    decode(src, start, end) {
      if ((end - start) % size !== 0) throw src.error(start, `${label} of ${end - start} bytes is not a multiple of ${size}`);
      const out: T[] = [];
      for (let at = start; at < end; at += size) out.push(element.decode(src, at, at + size, {}));
      return out;
    },
    encode(w, value, field) {
      checkArray(value, field, `an array (${label})`);
      value.forEach((v, i) => element.encode(w, v, `${field}[${i}]`));
    },
  };
}

/** A counted array of little-endian u32 values filling the payload (IFLA_INET_CONF, RTAX arrays). */
export const u32Array: Codec<number[]> = arrayOf('u32 array', u32, 4);

/** A counted array of little-endian u64 values filling the payload (IFLA_INET6_STATS, ICMP6STATS). */
export const u64Array: Codec<bigint[]> = arrayOf('u64 array', u64, 8);

import type { Codec } from './codec.js';
import { checkArray, checkU32, checkU64 } from '../checks.js';

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
    checkArray(value, field, 'an array of u32');
    value.forEach((v, i) => w.u32(checkU32(v, `${field}[${i}]`)));
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
    checkArray(value, field, 'an array of u64 bigints');
    value.forEach((v, i) => w.u64(checkU64(v, `${field}[${i}]`)));
  },
};

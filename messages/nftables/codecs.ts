import type { Codec } from '../attributes/codec.js';
import { checkS32, checkU64 } from '../checks.js';

// nf_tables sends every integer attribute in network byte order. u32be exists in scalars.ts;
// these are the two others it uses: a signed 32-bit priority and 64-bit handles and counters.

/** A big-endian s32 (NFTA_HOOK_PRIORITY, NFTA_VERDICT_CODE). */
export const s32be: Codec<number> = {
  label: 'big-endian s32',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectLength(start, end, 4, 'big-endian s32');
    return src.view.getInt32(start, false);
  },
  encode(w, v, field) {
    w.u32be(checkS32(v, field) >>> 0);
  },
};

/** A big-endian u64 as a bigint (NFTA_*_HANDLE, NFTA_COUNTER_BYTES/PACKETS). */
export const u64be: Codec<bigint> = {
  label: 'big-endian u64',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectLength(start, end, 8, 'big-endian u64');
    return src.view.getBigUint64(start, false);
  },
  encode(w, v, field) {
    checkU64(v, field);
    w.u32be(Number(v >> 32n));
    w.u32be(Number(v & 0xffffffffn));
  },
};

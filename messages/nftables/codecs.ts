import type { Codec } from '../attributes/codec.js';
import { fixed } from '../attributes/scalars.js';
import { checkS32, checkU64 } from '../checks.js';

// nf_tables sends every integer attribute in network byte order. u32be exists in scalars.ts;
// these are the two others it uses: a signed 32-bit priority and 64-bit handles and counters.

/** A big-endian s32 (NFTA_HOOK_PRIORITY, NFTA_VERDICT_CODE). */
export const s32be: Codec<number> = fixed('big-endian s32', 4, (s, at) => s.view.getInt32(at, false), (w, v, f) => w.u32be(checkS32(v, f) >>> 0));

/** A big-endian u64 as a bigint (NFTA_*_HANDLE, NFTA_COUNTER_BYTES/PACKETS). */
export const u64be: Codec<bigint> = fixed(
  'big-endian u64',
  8,
  (s, at) => s.view.getBigUint64(at, false),
  (w, v, f) => {
    checkU64(v, f);
    w.u32be(Number(v >> 32n));
    w.u32be(Number(v & 0xffffffffn));
  },
);

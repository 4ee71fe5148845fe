import type { Codec } from '../attributes/codec.js';
import { bytes, describe, u64 } from '../attributes/scalars.js';
import { struct, u32Struct, u64Struct } from '../attributes/structs.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';

// Statistics of qdiscs, filters and actions: TCA_STATS (struct tc_stats, <linux/pkt_sched.h>)
// and the nested TCA_STATS2 / TCA_ACT_STATS (TCA_STATS_*, <linux/gen_stats.h>).

type Counters<B extends string, N extends string> = { [K in B]: bigint } & { [K in N]: number };

/**
 * A C struct of u64 counters followed by u32 counters, padded to `size` (its sizeof): struct
 * tc_stats and struct gnet_stats_basic. Shorter payloads with all the counters are accepted.
 */
function counters<const B extends readonly string[], const N extends readonly string[]>(
  label: string,
  wide: B,
  narrow: N,
  size: number,
): Codec<Counters<B[number], N[number]>> {
  const used = wide.length * 8 + narrow.length * 4;
  return {
    label,
    shape: 'value',
    nestedFlag: false,
    decode(src, start, end) {
      src.expectAtLeast(start, end, used, label);
      const out: Record<string, bigint | number> = {};
      let at = start;
      for (const name of wide) {
        out[name] = src.view.getBigUint64(at, true);
        at += 8;
      }
      for (const name of narrow) {
        out[name] = src.view.getUint32(at, true);
        at += 4;
      }
      return out as Counters<B[number], N[number]>;
    },
    encode(w, value, field) {
      if (typeof value !== 'object' || value === null) throw new TypeError(`${field}: expected a ${label} object, got ${describe(value)}`);
      const record = value as Record<string, unknown>;
      for (const name of wide) u64.encode(w, record[name] as bigint, `${field}.${name}`);
      for (const name of narrow) {
        const v = record[name];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${field}.${name}: ${describe(v)} is not a u32`);
        w.u32(v);
      }
      w.zeros(size - used);
    },
  };
}

/** struct tc_stats (TCA_STATS), the old statistics block. */
export const tcStats = counters('tc_stats', ['bytes'], ['packets', 'drops', 'overlimits', 'bps', 'pps', 'qlen', 'backlog'], 40);

/** struct gnet_stats_basic (TCA_STATS_BASIC, TCA_STATS_BASIC_HW). */
export const gnetStatsBasic = counters('gnet_stats_basic', ['bytes'], ['packets'], 16);

export const statsAttributes = defineTable('TCA_STATS', [
  attr(1, 'TCA_STATS_BASIC', 'basic', gnetStatsBasic),
  attr(2, 'TCA_STATS_RATE_EST', 'rateEst', struct('gnet_stats_rate_est', { bps: 'u32', pps: 'u32' })),
  attr(3, 'TCA_STATS_QUEUE', 'queue', u32Struct('gnet_stats_queue', ['qlen', 'backlog', 'drops', 'requeues', 'overlimits'])),
  /** The kind's own statistics (what TCA_XSTATS also carries), kept as bytes. */
  attr(4, 'TCA_STATS_APP', 'app', bytes),
  attr(5, 'TCA_STATS_RATE_EST64', 'rateEst64', u64Struct('gnet_stats_rate_est64', ['bps', 'pps'])),
  attr(7, 'TCA_STATS_BASIC_HW', 'basicHw', gnetStatsBasic),
  attr(8, 'TCA_STATS_PKT64', 'pkt64', u64),
]);

export type TcStatsAttrs = ValuesOf<typeof statsAttributes>;

/** struct nla_bitfield32: the bits in `value` that `selector` marks as given. */
export const bitfield32 = struct('nla_bitfield32', { value: 'u32', selector: 'u32' });

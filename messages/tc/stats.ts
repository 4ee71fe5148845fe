import { bytes, u64 } from '../attributes/scalars.js';
import * as C from '../struct.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';

// Statistics of qdiscs, filters and actions: TCA_STATS (struct tc_stats, <linux/pkt_sched.h>)
// and the nested TCA_STATS2 / TCA_ACT_STATS (TCA_STATS_*, <linux/gen_stats.h>).

/** struct tc_stats (TCA_STATS), the old statistics block: 36 bytes of counters, 40 with tail padding. */
export const tcStats = C.struct(
  'tc_stats',
  [C.u64('bytes'), C.u32('packets'), C.u32('drops'), C.u32('overlimits'), C.u32('bps'), C.u32('pps'), C.u32('qlen'), C.u32('backlog'), C.pad('tail', 4)],
  { minSize: 36 },
);

/** struct gnet_stats_basic (TCA_STATS_BASIC, TCA_STATS_BASIC_HW): 12 bytes of counters, 16 with tail padding. */
export const gnetStatsBasic = C.struct('gnet_stats_basic', [C.u64('bytes'), C.u32('packets'), C.pad('tail', 4)], { minSize: 12 });

// Declared here rather than in the table's function: every struct is declared when its module loads
// (scripts/generate-struct-codecs.mjs writes out the code of those declared).
const gnetStatsRateEst = C.struct('gnet_stats_rate_est', [C.u32('bps'), C.u32('pps')]);
const gnetStatsQueue = C.u32Struct('gnet_stats_queue', ['qlen', 'backlog', 'drops', 'requeues', 'overlimits']);
const gnetStatsRateEst64 = C.u64Struct('gnet_stats_rate_est64', ['bps', 'pps']);

/** The TCA_STATS_* attribute table: each attribute's number, kernel name, field name and codec. */
export const statsAttributes = defineTable('TCA_STATS', () => [
  attr(1, 'TCA_STATS_BASIC', 'basic', gnetStatsBasic),
  attr(2, 'TCA_STATS_RATE_EST', 'rateEst', gnetStatsRateEst),
  attr(3, 'TCA_STATS_QUEUE', 'queue', gnetStatsQueue),
  /** The kind's own statistics (what TCA_XSTATS also carries), kept as bytes. */
  attr(4, 'TCA_STATS_APP', 'app', bytes),
  attr(5, 'TCA_STATS_RATE_EST64', 'rateEst64', gnetStatsRateEst64),
  attr(7, 'TCA_STATS_BASIC_HW', 'basicHw', gnetStatsBasic),
  attr(8, 'TCA_STATS_PKT64', 'pkt64', u64),
]);

/** The decoded TCA_STATS_* attributes: one field per attribute of the table, named as the table names it. */
export type TcStatsAttrs = ValuesOf<typeof statsAttributes>;

/** struct nla_bitfield32: the bits in `value` that `selector` marks as given. */
export const bitfield32 = C.struct('nla_bitfield32', [C.u32('value'), C.u32('selector')]);

import { cstring, u32 } from '../attributes/scalars.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { nestedNoFlag } from '../attributes/walk.js';

/**
 * RTA_METRICS members (RTAX_*). RTAX_LOCK is a bit mask of the metrics (1 << RTAX_x) the kernel must
 * not change; RTAX_FEATURES holds RTAX_FEATURE_* bits; RTAX_CC_ALGO names a congestion control module.
 */
export const metricsAttributes = defineTable('RTAX', [
  attr(1, 'RTAX_LOCK', 'lock', u32),
  attr(2, 'RTAX_MTU', 'mtu', u32),
  attr(3, 'RTAX_WINDOW', 'window', u32),
  attr(4, 'RTAX_RTT', 'rtt', u32),
  attr(5, 'RTAX_RTTVAR', 'rttvar', u32),
  attr(6, 'RTAX_SSTHRESH', 'ssthresh', u32),
  attr(7, 'RTAX_CWND', 'cwnd', u32),
  attr(8, 'RTAX_ADVMSS', 'advmss', u32),
  attr(9, 'RTAX_REORDERING', 'reordering', u32),
  attr(10, 'RTAX_HOPLIMIT', 'hoplimit', u32),
  attr(11, 'RTAX_INITCWND', 'initcwnd', u32),
  attr(12, 'RTAX_FEATURES', 'features', u32),
  attr(13, 'RTAX_RTO_MIN', 'rtoMin', u32),
  attr(14, 'RTAX_INITRWND', 'initrwnd', u32),
  attr(15, 'RTAX_QUICKACK', 'quickack', u32),
  attr(16, 'RTAX_CC_ALGO', 'ccAlgo', cstring),
  attr(17, 'RTAX_FASTOPEN_NO_COOKIE', 'fastopenNoCookie', u32),
]);

export type RouteMetrics = ValuesOf<typeof metricsAttributes>;

/** RTA_METRICS: the kernel sends it (and iproute2 writes it) without NLA_F_NESTED. */
export const metrics = nestedNoFlag(metricsAttributes, 'nested RTAX');

import { cstring, u32 } from '../attributes/scalars.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { nestedNoFlag } from '../attributes/walk.js';
import {
  RTAX_ADVMSS,
  RTAX_CC_ALGO,
  RTAX_CWND,
  RTAX_FASTOPEN_NO_COOKIE,
  RTAX_FEATURES,
  RTAX_HOPLIMIT,
  RTAX_INITCWND,
  RTAX_INITRWND,
  RTAX_LOCK,
  RTAX_MTU,
  RTAX_QUICKACK,
  RTAX_REORDERING,
  RTAX_RTO_MIN,
  RTAX_RTT,
  RTAX_RTTVAR,
  RTAX_SSTHRESH,
  RTAX_WINDOW,
} from './constants.js';

/**
 * RTA_METRICS members (RTAX_*). RTAX_LOCK is a bit mask of the metrics (1 << RTAX_x) the kernel must
 * not change; RTAX_FEATURES holds RTAX_FEATURE_* bits; RTAX_CC_ALGO names a congestion control module.
 */
export const metricsAttributes = defineTable('RTAX', () => [
  attr(RTAX_LOCK, 'RTAX_LOCK', 'lock', u32),
  attr(RTAX_MTU, 'RTAX_MTU', 'mtu', u32),
  attr(RTAX_WINDOW, 'RTAX_WINDOW', 'window', u32),
  attr(RTAX_RTT, 'RTAX_RTT', 'rtt', u32),
  attr(RTAX_RTTVAR, 'RTAX_RTTVAR', 'rttvar', u32),
  attr(RTAX_SSTHRESH, 'RTAX_SSTHRESH', 'ssthresh', u32),
  attr(RTAX_CWND, 'RTAX_CWND', 'cwnd', u32),
  attr(RTAX_ADVMSS, 'RTAX_ADVMSS', 'advmss', u32),
  attr(RTAX_REORDERING, 'RTAX_REORDERING', 'reordering', u32),
  attr(RTAX_HOPLIMIT, 'RTAX_HOPLIMIT', 'hoplimit', u32),
  attr(RTAX_INITCWND, 'RTAX_INITCWND', 'initcwnd', u32),
  attr(RTAX_FEATURES, 'RTAX_FEATURES', 'features', u32),
  attr(RTAX_RTO_MIN, 'RTAX_RTO_MIN', 'rtoMin', u32),
  attr(RTAX_INITRWND, 'RTAX_INITRWND', 'initrwnd', u32),
  attr(RTAX_QUICKACK, 'RTAX_QUICKACK', 'quickack', u32),
  attr(RTAX_CC_ALGO, 'RTAX_CC_ALGO', 'ccAlgo', cstring),
  attr(RTAX_FASTOPEN_NO_COOKIE, 'RTAX_FASTOPEN_NO_COOKIE', 'fastopenNoCookie', u32),
]);

/** RTA_METRICS decoded (RTAX_*): mtu, window, rtt, advmss, congestion control ... */
export type RouteMetrics = ValuesOf<typeof metricsAttributes>;

/** RTA_METRICS: the kernel sends it (and iproute2 writes it) without NLA_F_NESTED. */
export const metrics = nestedNoFlag(metricsAttributes, 'nested RTAX');

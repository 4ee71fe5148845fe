import type { Codec } from '../../attributes/codec.js';
import { u32, u64 } from '../../attributes/scalars.js';
import { u32Array } from '../../attributes/structs.js';
import { checkRecord } from '../../checks.js';
import * as C from '../../struct.js';
import { attr, defineTable, type ValuesOf } from '../../attributes/table.js';

// The token bucket filter qdisc: TCA_OPTIONS of kind "tbf" (TCA_TBF_*, <linux/pkt_sched.h>).

/** `<linux/pkt_sched.h>` */
export const TC_LINKLAYER_UNAWARE = 0;
/** `<linux/pkt_sched.h>` */
export const TC_LINKLAYER_ETHERNET = 1;
/** `<linux/pkt_sched.h>` */
export const TC_LINKLAYER_ATM = 2;

/** struct tc_ratespec: a rate in bytes per second (capped at 2^32-1: larger rates add TCA_TBF_RATE64). */
export const tcRatespec = C.struct('tc_ratespec', [C.u8('cellLog'), C.u8('linklayer'), C.u16('overhead'), C.s16('cellAlign'), C.u16('mpu'), C.u32('rate')]);

/** struct tc_ratespec decoded. */
export type TcRatespec = ReturnType<typeof tcRatespec.decode>;

/** struct tc_tbf_qopt (TCA_TBF_PARMS): the rates, the queue limit and the bucket sizes. */
export interface TbfQopt {
  rate: TcRatespec;
  peakrate: TcRatespec;
  /** Bytes that may wait in the queue. */
  limit: number;
  /** The bucket size as the time it takes to send it at `rate`, in scheduler ticks (64 ns). */
  buffer: number;
  /** The peak bucket size in ticks (used with a peak rate only). */
  mtu: number;
}

const RATESPEC_SIZE = 12;
const QOPT_SIZE = 36;

/** struct tc_tbf_qopt (TCA_TBF_PARMS): two tc_ratespec then limit, buffer and mtu. */
export const tbfQopt: Codec<TbfQopt> = {
  label: 'tc_tbf_qopt',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectAtLeast(start, end, QOPT_SIZE, 'tc_tbf_qopt');
    const v = src.view;
    const tail = start + 2 * RATESPEC_SIZE;
    return {
      rate: tcRatespec.decode(src, start, start + RATESPEC_SIZE, {}),
      peakrate: tcRatespec.decode(src, start + RATESPEC_SIZE, tail, {}),
      limit: v.getUint32(tail, true),
      buffer: v.getUint32(tail + 4, true),
      mtu: v.getUint32(tail + 8, true),
    };
  },
  encode(w, value, field) {
    checkRecord(value, field, 'a tc_tbf_qopt object');
    tcRatespec.encode(w, value.rate, `${field}.rate`);
    tcRatespec.encode(w, value.peakrate, `${field}.peakrate`);
    u32.encode(w, value.limit, `${field}.limit`);
    u32.encode(w, value.buffer, `${field}.buffer`);
    u32.encode(w, value.mtu, `${field}.mtu`);
  },
};

/** The TCA_TBF_* attribute table: each attribute's number, kernel name, field name and codec. */
export const tbfAttributes = defineTable('TCA_TBF', () => [
  attr(1, 'TCA_TBF_PARMS', 'parms', tbfQopt),
  /** The rate table tc computes (256 transmit times); the kernel needs it only for linklayer 0. */
  attr(2, 'TCA_TBF_RTAB', 'rtab', u32Array),
  attr(3, 'TCA_TBF_PTAB', 'ptab', u32Array),
  /** The rate in bytes per second when it does not fit tc_ratespec.rate. */
  attr(4, 'TCA_TBF_RATE64', 'rate64', u64),
  attr(5, 'TCA_TBF_PRATE64', 'prate64', u64),
  /** The bucket size in bytes; when given, the kernel derives the buffer time from it. */
  attr(6, 'TCA_TBF_BURST', 'burst', u32),
  attr(7, 'TCA_TBF_PBURST', 'pburst', u32),
]);

/** A tbf qdisc's TCA_OPTIONS decoded (TCA_TBF_*). */
export type TbfOptions = ValuesOf<typeof tbfAttributes>;

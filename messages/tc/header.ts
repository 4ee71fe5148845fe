import * as C from '../struct.js';

// struct tcmsg (<linux/rtnetlink.h>) and the handle values of <linux/pkt_sched.h>.

/**
 * struct tcmsg, the header of qdisc, class and filter messages. Handles are major:minor in one
 * u32 (`1:` is 0x00010000). For a filter, `info` is its priority (high 16 bits) and its
 * ethertype in network byte order (low 16 bits: ETH_P_ALL is 0x0300).
 */
export const tcmsg = C.struct(
  'tcmsg',
  [C.u8('family'), C.pad('pad1', 1), C.pad('pad2', 2), C.s32('ifindex'), C.u32('handle'), C.u32('parent'), C.u32('info')],
  { zeroAbsent: true },
);

/** The fixed header of tc messages (qdiscs, classes, filters: struct tcmsg), field by field. */
export interface TcHeader {
  family: number;
  ifindex: number;
  handle: number;
  parent: number;
  info: number;
}

/** `<linux/pkt_sched.h>` */
export const TC_H_UNSPEC = 0;
/** The parent of a device's root (egress) qdisc. */
export const TC_H_ROOT = 0xffffffff;
/** The parent of an ingress or clsact qdisc. */
export const TC_H_INGRESS = 0xfffffff1;
/** `<linux/pkt_sched.h>` */
export const TC_H_CLSACT = TC_H_INGRESS;
/** `<linux/pkt_sched.h>` */
export const TC_H_MIN_INGRESS = 0xfff2;
/** `<linux/pkt_sched.h>` */
export const TC_H_MIN_EGRESS = 0xfff3;

/** major:minor as one handle. */
export const tcHandle = (major: number, minor: number): number => (((major & 0xffff) << 16) | (minor & 0xffff)) >>> 0;

import { ip } from '../attributes/addresses.js';
import { bytes, ifname, u32, u8 } from '../attributes/scalars.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { headerWithAttributes, type HeaderWithAttributes } from '../fixed-header.js';
import * as C from '../struct.js';

// Policy routing rules (`ip rule`): RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE, <linux/fib_rules.h>.

// fib_rule_hdr.action
/** `<linux/fib_rules.h>` */
export const FR_ACT_UNSPEC = 0;
/** Look the packet up in the rule's table. */
export const FR_ACT_TO_TBL = 1;
/** `<linux/fib_rules.h>` */
export const FR_ACT_GOTO = 2;
/** `<linux/fib_rules.h>` */
export const FR_ACT_NOP = 3;
/** `<linux/fib_rules.h>` */
export const FR_ACT_BLACKHOLE = 6;
/** `<linux/fib_rules.h>` */
export const FR_ACT_UNREACHABLE = 7;
/** `<linux/fib_rules.h>` */
export const FR_ACT_PROHIBIT = 8;

// fib_rule_hdr.flags
/** `<linux/fib_rules.h>` */
export const FIB_RULE_PERMANENT = 0x1;
/** `ip rule add not ...`: the selector is inverted. */
export const FIB_RULE_INVERT = 0x2;
/** `<linux/fib_rules.h>` */
export const FIB_RULE_UNRESOLVED = 0x4;
/** `<linux/fib_rules.h>` */
export const FIB_RULE_IIF_DETACHED = 0x8;
/** `<linux/fib_rules.h>` */
export const FIB_RULE_OIF_DETACHED = 0x10;

/** struct fib_rule_uid_range (FRA_UID_RANGE). */
export const fibRuleUidRange = C.struct('fib_rule_uid_range', [C.u32('start'), C.u32('end')]);
/** struct fib_rule_port_range (FRA_SPORT_RANGE, FRA_DPORT_RANGE). */
export const fibRulePortRange = C.struct('fib_rule_port_range', [C.u16('start'), C.u16('end')]);

/** The FRA_* attribute table: each attribute's number, kernel name, field name and codec. */
export const ruleAttributes = defineTable('FRA', () => [
  attr(1, 'FRA_DST', 'dst', ip),
  attr(2, 'FRA_SRC', 'src', ip),
  attr(3, 'FRA_IIFNAME', 'iifname', ifname),
  attr(4, 'FRA_GOTO', 'goto', u32),
  attr(6, 'FRA_PRIORITY', 'priority', u32),
  attr(10, 'FRA_FWMARK', 'fwmark', u32),
  attr(11, 'FRA_FLOW', 'flow', u32),
  /** A big-endian u64 (the tunnel id of collect_md tunnels), kept as its 8 bytes. */
  attr(12, 'FRA_TUN_ID', 'tunId', bytes),
  attr(13, 'FRA_SUPPRESS_IFGROUP', 'suppressIfgroup', u32),
  attr(14, 'FRA_SUPPRESS_PREFIXLEN', 'suppressPrefixlen', u32),
  attr(15, 'FRA_TABLE', 'table', u32),
  attr(16, 'FRA_FWMASK', 'fwmask', u32),
  attr(17, 'FRA_OIFNAME', 'oifname', ifname),
  attr(19, 'FRA_L3MDEV', 'l3mdev', u8),
  attr(20, 'FRA_UID_RANGE', 'uidRange', fibRuleUidRange),
  attr(21, 'FRA_PROTOCOL', 'protocol', u8),
  attr(22, 'FRA_IP_PROTO', 'ipProto', u8),
  attr(23, 'FRA_SPORT_RANGE', 'sportRange', fibRulePortRange),
  attr(24, 'FRA_DPORT_RANGE', 'dportRange', fibRulePortRange),
]);

/** The decoded FRA_* attributes: one field per attribute of the table, named as the table names it. */
export type RuleAttrs = ValuesOf<typeof ruleAttributes>;

/**
 * struct fib_rule_hdr. `table` holds ids below 256 (ids from 256 up travel in FRA_TABLE with 0
 * here); res1 and res2 are reserved bytes, kept as read.
 */
export const fibRuleHdr = C.struct(
  'fib_rule_hdr',
  [C.u8('family'), C.u8('dstLen'), C.u8('srcLen'), C.u8('tos'), C.u8('table'), C.u8('res1'), C.u8('res2'), C.u8('action'), C.u32('flags')],
  { zeroAbsent: true },
);

/** The fixed header of rule (RTM_*RULE) messages (struct fib_rule_hdr), field by field. */
export interface RuleHeader {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  res1?: number;
  res2?: number;
  /** FR_ACT_*. */
  action: number;
  /** FIB_RULE_* bits. */
  flags: number;
}

/** A rule (RTM_*RULE) message body: the fixed header's fields, and `attrs`. */
export type RuleBody = HeaderWithAttributes<RuleHeader, RuleAttrs>;

/** The codec of a rule (RTM_*RULE) message body (fixed header, then attributes). */
export const ruleBody = headerWithAttributes<RuleHeader, RuleAttrs>(fibRuleHdr, ruleAttributes);

// Constants from <linux/netfilter/nfnetlink.h>, <linux/netfilter/nf_tables.h>,
// <linux/netfilter.h> and <linux/netlink.h>, written out by number.

/** The netlink protocol of nfnetlink sockets. */
export const NETLINK_NETFILTER = 12;

/** nfnetlink message types are (subsystem << 8) | operation. */
export const NFNL_SUBSYS_NFTABLES = 10;
/** `<linux/netfilter/nfnetlink.h>` */
export const NFNETLINK_V0 = 0;

/** Batch delimiters: subsystem 0, carried with res_id = NFNL_SUBSYS_NFTABLES (big-endian). */
export const NFNL_MSG_BATCH_BEGIN = 0x10;
/** `<linux/netfilter/nfnetlink.h>` */
export const NFNL_MSG_BATCH_END = 0x11;

// enum nf_tables_msg_types
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_NEWTABLE = 0;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETTABLE = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_DELTABLE = 2;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_NEWCHAIN = 3;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETCHAIN = 4;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_DELCHAIN = 5;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_NEWRULE = 6;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETRULE = 7;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_DELRULE = 8;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_NEWSET = 9;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETSET = 10;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_DELSET = 11;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_NEWSETELEM = 12;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETSETELEM = 13;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_DELSETELEM = 14;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_NEWGEN = 15;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETGEN = 16;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_TRACE = 17;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_NEWOBJ = 18;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETOBJ = 19;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_DELOBJ = 20;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETOBJ_RESET = 21;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_NEWFLOWTABLE = 22;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_GETFLOWTABLE = 23;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_MSG_DELFLOWTABLE = 24;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_GETRULE_RESET = 25;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_DESTROYTABLE = 26;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_DESTROYCHAIN = 27;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_DESTROYRULE = 28;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_DESTROYSET = 29;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_DESTROYSETELEM = 30;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_DESTROYOBJ = 31;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_DESTROYFLOWTABLE = 32;
/** `<linux/netfilter/nf_tables.h>` (newer than the headers on the test machine) */
export const NFT_MSG_GETSETELEM_RESET = 33;

const NFT_MSG_NAMES = [
  'NEWTABLE', 'GETTABLE', 'DELTABLE', 'NEWCHAIN', 'GETCHAIN', 'DELCHAIN', 'NEWRULE', 'GETRULE', 'DELRULE',
  'NEWSET', 'GETSET', 'DELSET', 'NEWSETELEM', 'GETSETELEM', 'DELSETELEM', 'NEWGEN', 'GETGEN', 'TRACE',
  'NEWOBJ', 'GETOBJ', 'DELOBJ', 'GETOBJ_RESET', 'NEWFLOWTABLE', 'GETFLOWTABLE', 'DELFLOWTABLE',
  'GETRULE_RESET', 'DESTROYTABLE', 'DESTROYCHAIN', 'DESTROYRULE', 'DESTROYSET', 'DESTROYSETELEM',
  'DESTROYOBJ', 'DESTROYFLOWTABLE', 'GETSETELEM_RESET',
] as const;

/** The nlmsg_type of an nf_tables operation: (NFNL_SUBSYS_NFTABLES << 8) | op. */
export function nftType(op: number): number {
  return (NFNL_SUBSYS_NFTABLES << 8) | op;
}

/** The nf_tables operation of a message type, or undefined for other subsystems. */
export function nftOp(type: number): number | undefined {
  return type >> 8 === NFNL_SUBSYS_NFTABLES ? type & 0xff : undefined;
}

/** Kernel names for nfnetlink message types: 'NFT_MSG_NEWRULE', 'NFNL_MSG_BATCH_BEGIN', 'NLMSG_ERROR'. */
export function nftMessageTypeName(type: number): string {
  switch (type) {
    case 1:
      return 'NLMSG_NOOP';
    case 2:
      return 'NLMSG_ERROR';
    case 3:
      return 'NLMSG_DONE';
    case 4:
      return 'NLMSG_OVERRUN';
    case NFNL_MSG_BATCH_BEGIN:
      return 'NFNL_MSG_BATCH_BEGIN';
    case NFNL_MSG_BATCH_END:
      return 'NFNL_MSG_BATCH_END';
  }
  const op = nftOp(type);
  if (op !== undefined && NFT_MSG_NAMES[op]) return `NFT_MSG_${NFT_MSG_NAMES[op]}`;
  return `nfnetlink message type 0x${type.toString(16).padStart(4, '0')}`;
}

/** GET operations of nf_tables (answered by a reply or a dump rather than an ACK). */
export function isNftGet(type: number): boolean {
  const op = nftOp(type);
  return (
    op === NFT_MSG_GETTABLE || op === NFT_MSG_GETCHAIN || op === NFT_MSG_GETRULE || op === NFT_MSG_GETSET ||
    op === NFT_MSG_GETSETELEM || op === NFT_MSG_GETGEN || op === NFT_MSG_GETOBJ || op === NFT_MSG_GETOBJ_RESET ||
    op === NFT_MSG_GETFLOWTABLE || op === NFT_MSG_GETRULE_RESET || op === NFT_MSG_GETSETELEM_RESET
  );
}

// Netfilter protocol families (nfgen_family), <linux/netfilter.h>
/** `<linux/netfilter.h>` */
export const NFPROTO_UNSPEC = 0;
/** `<linux/netfilter.h>` */
export const NFPROTO_INET = 1;
/** `<linux/netfilter.h>` */
export const NFPROTO_IPV4 = 2;
/** `<linux/netfilter.h>` */
export const NFPROTO_ARP = 3;
/** `<linux/netfilter.h>` */
export const NFPROTO_NETDEV = 5;
/** `<linux/netfilter.h>` */
export const NFPROTO_BRIDGE = 7;
/** `<linux/netfilter.h>` */
export const NFPROTO_IPV6 = 10;

// enum nf_inet_hooks
/** `<linux/netfilter.h>` */
export const NF_INET_PRE_ROUTING = 0;
/** `<linux/netfilter.h>` */
export const NF_INET_LOCAL_IN = 1;
/** `<linux/netfilter.h>` */
export const NF_INET_FORWARD = 2;
/** `<linux/netfilter.h>` */
export const NF_INET_LOCAL_OUT = 3;
/** `<linux/netfilter.h>` */
export const NF_INET_POST_ROUTING = 4;

// enum nf_ip_hook_priorities (the named priorities of nft)
/** `<linux/netfilter_ipv4.h>` */
export const NF_IP_PRI_NAT_DST = -100; // dstnat
/** `<linux/netfilter_ipv4.h>` */
export const NF_IP_PRI_FILTER = 0; // filter
/** `<linux/netfilter_ipv4.h>` */
export const NF_IP_PRI_NAT_SRC = 100; // srcnat

// Verdicts (NFTA_VERDICT_CODE): NF_DROP 0, NF_ACCEPT 1, and nf_tables' own negative codes.
/** `<linux/netfilter.h>` */
export const NF_DROP = 0;
/** `<linux/netfilter.h>` */
export const NF_ACCEPT = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CONTINUE = -1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_BREAK = -2;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_JUMP = -3;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_GOTO = -4;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_RETURN = -5;

// enum nft_registers: the verdict register, four 128-bit registers, sixteen 32-bit ones.
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_REG_VERDICT = 0;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_REG_1 = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_REG_2 = 2;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_REG_3 = 3;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_REG_4 = 4;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_REG32_00 = 8;

// enum nft_meta_keys (the ones a masquerade rule and its kin use)
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_LEN = 0;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_PROTOCOL = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_MARK = 3;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_IIF = 4;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_OIF = 5;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_IIFNAME = 6;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_OIFNAME = 7;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_NFPROTO = 15;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_META_L4PROTO = 16;

// enum nft_payload_bases
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_PAYLOAD_LL_HEADER = 0;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_PAYLOAD_NETWORK_HEADER = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_PAYLOAD_TRANSPORT_HEADER = 2;

// enum nft_cmp_ops
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CMP_EQ = 0;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CMP_NEQ = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CMP_LT = 2;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CMP_LTE = 3;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CMP_GT = 4;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CMP_GTE = 5;

// enum nft_bitwise_ops
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_BITWISE_BOOL = 0; // (reg & mask) ^ xor
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_BITWISE_LSHIFT = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_BITWISE_RSHIFT = 2;

// enum nft_nat_types, and the NF_NAT_RANGE_* flags of <linux/netfilter/nf_nat.h>
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_NAT_SNAT = 0;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_NAT_DNAT = 1;
/** `<linux/netfilter/nf_nat.h>` */
export const NF_NAT_RANGE_MAP_IPS = 0x1;
/** `<linux/netfilter/nf_nat.h>` */
export const NF_NAT_RANGE_PROTO_SPECIFIED = 0x2;

// enum nft_fib_result, enum nft_fib_flags; RTN_LOCAL is the address type of the host's own addresses
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_FIB_RESULT_OIF = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_FIB_RESULT_OIFNAME = 2;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_FIB_RESULT_ADDRTYPE = 3;
/** `<linux/netfilter/nf_tables.h>` */
export const NFTA_FIB_F_SADDR = 0x1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFTA_FIB_F_DADDR = 0x2;
/** `<linux/netfilter/nf_tables.h>` */
export const NFTA_FIB_F_MARK = 0x4;
/** `<linux/netfilter/nf_tables.h>` */
export const NFTA_FIB_F_IIF = 0x8;
/** `<linux/netfilter/nf_tables.h>` */
export const NFTA_FIB_F_OIF = 0x10;

// enum nft_ct_keys (the ones used here), and IPS_DST_NAT of enum ip_conntrack_status
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CT_STATE = 0;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CT_DIRECTION = 1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CT_STATUS = 2;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CT_MARK = 3;
/** `<linux/netfilter/nf_conntrack_common.h>` */
export const IPS_SRC_NAT = 0x10;
/** `<linux/netfilter/nf_conntrack_common.h>` */
export const IPS_DST_NAT = 0x20;

// enum nft_chain_flags / nft_table_flags
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_CHAIN_BASE = 0x1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_TABLE_F_DORMANT = 0x1;
/** `<linux/netfilter/nf_tables.h>` */
export const NFT_TABLE_F_OWNER = 0x2;

/** IFNAMSIZ: nft compares interface names as 16 bytes, NUL-padded. */
export { IFNAMSIZ } from '../constants.js';

// Constants from <linux/netlink.h> and <linux/rtnetlink.h>, written out by number.

/** `<linux/netlink.h>` */
export const NLMSG_HDRLEN = 16;

/** `<linux/netlink.h>` */
export const NLMSG_NOOP = 1;
/** `<linux/netlink.h>` */
export const NLMSG_ERROR = 2;
/** `<linux/netlink.h>` */
export const NLMSG_DONE = 3;
/** `<linux/netlink.h>` */
export const NLMSG_OVERRUN = 4;
/** Types below this are netlink's own control messages; families number theirs from here. */
export const NLMSG_MIN_TYPE = 0x10;

/** `<linux/netlink.h>` */
export const NLM_F_REQUEST = 0x01;
/** `<linux/netlink.h>` */
export const NLM_F_MULTI = 0x02;
/** `<linux/netlink.h>` */
export const NLM_F_ACK = 0x04;
/** `<linux/netlink.h>` */
export const NLM_F_ECHO = 0x08;
/** `<linux/netlink.h>` */
export const NLM_F_DUMP_INTR = 0x10;
/** `<linux/netlink.h>` */
export const NLM_F_DUMP_FILTERED = 0x20;
// GET requests
/** `<linux/netlink.h>` */
export const NLM_F_ROOT = 0x100;
/** `<linux/netlink.h>` */
export const NLM_F_MATCH = 0x200;
/** `<linux/netlink.h>` */
export const NLM_F_ATOMIC = 0x400;
/** `<linux/netlink.h>` */
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
// NEW requests
/** `<linux/netlink.h>` */
export const NLM_F_REPLACE = 0x100;
/** `<linux/netlink.h>` */
export const NLM_F_EXCL = 0x200;
/** `<linux/netlink.h>` */
export const NLM_F_CREATE = 0x400;
/** `<linux/netlink.h>` */
export const NLM_F_APPEND = 0x800;
// DELETE requests
/** `<linux/netlink.h>` */
export const NLM_F_NONREC = 0x100;
/** `<linux/netlink.h>` */
export const NLM_F_BULK = 0x200;
// ACK (NLMSG_ERROR) messages
/** `<linux/netlink.h>` */
export const NLM_F_CAPPED = 0x100;
/** `<linux/netlink.h>` */
export const NLM_F_ACK_TLVS = 0x200;

/** `<linux/rtnetlink.h>` */
export const RTM_NEWLINK = 16;
/** `<linux/rtnetlink.h>` */
export const RTM_DELLINK = 17;
/** `<linux/rtnetlink.h>` */
export const RTM_GETLINK = 18;
/** `<linux/rtnetlink.h>` */
export const RTM_SETLINK = 19;
/** `<linux/rtnetlink.h>` */
export const RTM_NEWADDR = 20;
/** `<linux/rtnetlink.h>` */
export const RTM_DELADDR = 21;
/** `<linux/rtnetlink.h>` */
export const RTM_GETADDR = 22;
/** `<linux/rtnetlink.h>` */
export const RTM_NEWROUTE = 24;
/** `<linux/rtnetlink.h>` */
export const RTM_DELROUTE = 25;
/** `<linux/rtnetlink.h>` */
export const RTM_GETROUTE = 26;
/** `<linux/rtnetlink.h>` */
export const RTM_NEWNEIGH = 28;
/** `<linux/rtnetlink.h>` */
export const RTM_DELNEIGH = 29;
/** `<linux/rtnetlink.h>` */
export const RTM_GETNEIGH = 30;
/** `<linux/rtnetlink.h>` */
export const RTM_NEWRULE = 32;
/** `<linux/rtnetlink.h>` */
export const RTM_DELRULE = 33;
/** `<linux/rtnetlink.h>` */
export const RTM_GETRULE = 34;
/** `<linux/rtnetlink.h>` */
export const RTM_NEWQDISC = 36;
/** `<linux/rtnetlink.h>` */
export const RTM_DELQDISC = 37;
/** `<linux/rtnetlink.h>` */
export const RTM_GETQDISC = 38;
/** `<linux/rtnetlink.h>` */
export const RTM_NEWTFILTER = 44;
/** `<linux/rtnetlink.h>` */
export const RTM_DELTFILTER = 45;
/** `<linux/rtnetlink.h>` */
export const RTM_GETTFILTER = 46;
/** `<linux/rtnetlink.h>` */
export const RTM_NEWNSID = 88;
/** `<linux/rtnetlink.h>` */
export const RTM_DELNSID = 89;
/** `<linux/rtnetlink.h>` */
export const RTM_GETNSID = 90;
/** `<linux/rtnetlink.h>` */
export const RTM_NEWNEXTHOP = 104;
/** `<linux/rtnetlink.h>` */
export const RTM_DELNEXTHOP = 105;
/** `<linux/rtnetlink.h>` */
export const RTM_GETNEXTHOP = 106;

/** Message type numbers to their kernel names, for error paths and logs. */
export const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  [NLMSG_NOOP]: 'NLMSG_NOOP',
  [NLMSG_ERROR]: 'NLMSG_ERROR',
  [NLMSG_DONE]: 'NLMSG_DONE',
  [NLMSG_OVERRUN]: 'NLMSG_OVERRUN',
  [RTM_NEWLINK]: 'RTM_NEWLINK',
  [RTM_DELLINK]: 'RTM_DELLINK',
  [RTM_GETLINK]: 'RTM_GETLINK',
  [RTM_SETLINK]: 'RTM_SETLINK',
  [RTM_NEWADDR]: 'RTM_NEWADDR',
  [RTM_DELADDR]: 'RTM_DELADDR',
  [RTM_GETADDR]: 'RTM_GETADDR',
  [RTM_NEWROUTE]: 'RTM_NEWROUTE',
  [RTM_DELROUTE]: 'RTM_DELROUTE',
  [RTM_GETROUTE]: 'RTM_GETROUTE',
  [RTM_NEWNEIGH]: 'RTM_NEWNEIGH',
  [RTM_DELNEIGH]: 'RTM_DELNEIGH',
  [RTM_GETNEIGH]: 'RTM_GETNEIGH',
  [RTM_NEWRULE]: 'RTM_NEWRULE',
  [RTM_DELRULE]: 'RTM_DELRULE',
  [RTM_GETRULE]: 'RTM_GETRULE',
  [RTM_NEWQDISC]: 'RTM_NEWQDISC',
  [RTM_DELQDISC]: 'RTM_DELQDISC',
  [RTM_GETQDISC]: 'RTM_GETQDISC',
  [RTM_NEWTFILTER]: 'RTM_NEWTFILTER',
  [RTM_DELTFILTER]: 'RTM_DELTFILTER',
  [RTM_GETTFILTER]: 'RTM_GETTFILTER',
  [RTM_NEWNSID]: 'RTM_NEWNSID',
  [RTM_DELNSID]: 'RTM_DELNSID',
  [RTM_GETNSID]: 'RTM_GETNSID',
  [RTM_NEWNEXTHOP]: 'RTM_NEWNEXTHOP',
  [RTM_DELNEXTHOP]: 'RTM_DELNEXTHOP',
  [RTM_GETNEXTHOP]: 'RTM_GETNEXTHOP',
};

/** An rtnetlink message type's kernel name ('RTM_NEWLINK'), or 'message type N'. */
export function messageTypeName(type: number): string {
  return MESSAGE_TYPE_NAMES[type] ?? `message type ${type}`;
}

/** IFNAMSIZ (<linux/if.h>): an interface name's buffer, its NUL included. */
export const IFNAMSIZ = 16;

// Address families (<linux/socket.h>)
/** `<sys/socket.h>` */
export const AF_UNSPEC = 0;
/** `<sys/socket.h>` */
export const AF_INET = 2;
/** `<sys/socket.h>` */
export const AF_BRIDGE = 7;
/** `<sys/socket.h>` */
export const AF_INET6 = 10;
/** `<sys/socket.h>` */
export const AF_NETLINK = 16;
/** `<sys/socket.h>` */
export const AF_PACKET = 17;

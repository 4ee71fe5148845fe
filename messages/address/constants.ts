// Constants from <linux/if_addr.h> and, for scopes, <linux/rtnetlink.h> (enum rt_scope_t), written out by number.

// ifa_scope and rtm_scope
/** `<linux/rtnetlink.h>` */
export const RT_SCOPE_UNIVERSE = 0;
/** `<linux/rtnetlink.h>` */
export const RT_SCOPE_SITE = 200;
/** `<linux/rtnetlink.h>` */
export const RT_SCOPE_LINK = 253;
/** `<linux/rtnetlink.h>` */
export const RT_SCOPE_HOST = 254;
/** `<linux/rtnetlink.h>` */
export const RT_SCOPE_NOWHERE = 255;

// IFA_* attribute numbers
/** `<linux/if_addr.h>` */
export const IFA_UNSPEC = 0;
/** `<linux/if_addr.h>` */
export const IFA_ADDRESS = 1;
/** `<linux/if_addr.h>` */
export const IFA_LOCAL = 2;
/** `<linux/if_addr.h>` */
export const IFA_LABEL = 3;
/** `<linux/if_addr.h>` */
export const IFA_BROADCAST = 4;
/** `<linux/if_addr.h>` */
export const IFA_ANYCAST = 5;
/** `<linux/if_addr.h>` */
export const IFA_CACHEINFO = 6;
/** `<linux/if_addr.h>` */
export const IFA_MULTICAST = 7;
/** `<linux/if_addr.h>` */
export const IFA_FLAGS = 8;
/** `<linux/if_addr.h>` */
export const IFA_RT_PRIORITY = 9;
/** `<linux/if_addr.h>` */
export const IFA_TARGET_NETNSID = 10;
/** `<linux/if_addr.h>` */
export const IFA_PROTO = 11;

// ifa_flags (u8 in ifaddrmsg) and IFA_FLAGS (u32, which the kernel prefers when present)
/** `<linux/if_addr.h>` */
export const IFA_F_SECONDARY = 0x01;
/** `<linux/if_addr.h>` */
export const IFA_F_TEMPORARY = IFA_F_SECONDARY;
/** `<linux/if_addr.h>` */
export const IFA_F_NODAD = 0x02;
/** `<linux/if_addr.h>` */
export const IFA_F_OPTIMISTIC = 0x04;
/** `<linux/if_addr.h>` */
export const IFA_F_DADFAILED = 0x08;
/** `<linux/if_addr.h>` */
export const IFA_F_HOMEADDRESS = 0x10;
/** `<linux/if_addr.h>` */
export const IFA_F_DEPRECATED = 0x20;
/** `<linux/if_addr.h>` */
export const IFA_F_TENTATIVE = 0x40;
/** `<linux/if_addr.h>` */
export const IFA_F_PERMANENT = 0x80;
/** `<linux/if_addr.h>` */
export const IFA_F_MANAGETEMPADDR = 0x100;
/** `<linux/if_addr.h>` */
export const IFA_F_NOPREFIXROUTE = 0x200;
/** `<linux/if_addr.h>` */
export const IFA_F_MCAUTOJOIN = 0x400;
/** `<linux/if_addr.h>` */
export const IFA_F_STABLE_PRIVACY = 0x800;

// IFA_PROTO values
/** `<linux/if_addr.h>` */
export const IFAPROT_UNSPEC = 0;
/** `<linux/if_addr.h>` */
export const IFAPROT_KERNEL_LO = 1;
/** `<linux/if_addr.h>` */
export const IFAPROT_KERNEL_RA = 2;
/** `<linux/if_addr.h>` */
export const IFAPROT_KERNEL_LL = 3;

/** ifa_cacheinfo lifetimes meaning "forever". */
export const INFINITY_LIFE_TIME = 0xffffffff;

import { mac } from '../../attributes/addresses.js';
import { s32, u16, u32 } from '../../attributes/scalars.js';
import { attr, defineTable, repeatedAttr, type ValuesOf } from '../../attributes/table.js';
import { nested } from '../../attributes/walk.js';
import { checkU32 } from '../../checks.js';
import { InvalidArgumentError } from '../../errors.js';
import { deviceOption, type DeviceByName, type DeviceOption, type LinkKind } from './kind.js';

// IFLA_MACVLAN_* (<linux/if_link.h>): IFLA_INFO_DATA of kind "macvlan", a device with its own MAC
// address on a parent device (IFLA_LINK). BC_CUTOFF (9) is newer than the 6.1 uapi headers
// distributions such as Debian 12 install: it is from the kernel's own header.

/** enum macvlan_mode: how macvlans on one parent reach each other. */
export const MACVLAN_MODE_PRIVATE = 1;
/** `<linux/if_link.h>` */
export const MACVLAN_MODE_VEPA = 2;
/** `<linux/if_link.h>` */
export const MACVLAN_MODE_BRIDGE = 4;
/** `<linux/if_link.h>` */
export const MACVLAN_MODE_PASSTHRU = 8;
/** `<linux/if_link.h>` */
export const MACVLAN_MODE_SOURCE = 16;

/** IFLA_MACVLAN_FLAGS bits. */
export const MACVLAN_FLAG_NOPROMISC = 1;
/** `<linux/if_link.h>` */
export const MACVLAN_FLAG_NODST = 2;

/** IFLA_MACVLAN_MACADDR_MODE: what a request does to the source-mode address list. */
export const MACVLAN_MACADDR_ADD = 0;
/** `<linux/if_link.h>` */
export const MACVLAN_MACADDR_DEL = 1;
/** `<linux/if_link.h>` */
export const MACVLAN_MACADDR_FLUSH = 2;
/** `<linux/if_link.h>` */
export const MACVLAN_MACADDR_SET = 3;

const IFLA_MACVLAN_MACADDR = 4;

/** IFLA_MACVLAN_MACADDR_DATA: the source-mode address list, one IFLA_MACVLAN_MACADDR each. */
export const macvlanMacaddrData = defineTable('IFLA_MACVLAN_MACADDR_DATA', () => [repeatedAttr(IFLA_MACVLAN_MACADDR, 'IFLA_MACVLAN_MACADDR', 'macaddr', mac)]);

/** The IFLA_MACVLAN_* attribute table: each attribute's number, kernel name, field name and codec. */
export const macvlanAttributes = defineTable('IFLA_MACVLAN', () => [
  attr(1, 'IFLA_MACVLAN_MODE', 'mode', u32), // MACVLAN_MODE_*
  attr(2, 'IFLA_MACVLAN_FLAGS', 'flags', u16), // MACVLAN_FLAG_*
  attr(3, 'IFLA_MACVLAN_MACADDR_MODE', 'macaddrMode', u32), // MACVLAN_MACADDR_*
  attr(IFLA_MACVLAN_MACADDR, 'IFLA_MACVLAN_MACADDR', 'macaddr', mac),
  attr(5, 'IFLA_MACVLAN_MACADDR_DATA', 'macaddrData', nested(macvlanMacaddrData)),
  attr(6, 'IFLA_MACVLAN_MACADDR_COUNT', 'macaddrCount', u32),
  attr(7, 'IFLA_MACVLAN_BC_QUEUE_LEN', 'bcQueueLen', u32),
  attr(8, 'IFLA_MACVLAN_BC_QUEUE_LEN_USED', 'bcQueueLenUsed', u32),
  attr(9, 'IFLA_MACVLAN_BC_CUTOFF', 'bcCutoff', s32),
]);

/** A macvlan's IFLA_INFO_DATA decoded (IFLA_MACVLAN_*): mode, flags, the source-mode address list ... */
export type MacvlanData = ValuesOf<typeof macvlanAttributes>;

const MODES = { private: MACVLAN_MODE_PRIVATE, vepa: MACVLAN_MODE_VEPA, bridge: MACVLAN_MODE_BRIDGE, passthru: MACVLAN_MODE_PASSTHRU, source: MACVLAN_MODE_SOURCE } as const;
/** A macvlan mode by the name `ip link` uses: 'private', 'vepa', 'bridge', 'passthru', 'source'. */
export type MacvlanMode = keyof typeof MODES;

/** `ip link add NAME link PARENT type macvlan mode MODE [nopromisc] [bcqueuelen N]`. */
export interface MacvlanOptions {
  /** The parent device (IFLA_LINK): a name, a Link or an index. */
  link: DeviceOption;
  /** 'vepa' unless given, as in the kernel. */
  mode?: MacvlanMode;
  /** passthru only: leave the parent's promiscuous mode alone. */
  nopromisc?: boolean;
  /** Packets of broadcast and multicast the macvlan queues (IFLA_MACVLAN_BC_QUEUE_LEN). */
  bcQueueLen?: number;
}

/** The macvlan link kind: IFLA_MACVLAN_* data and its creation options. */
export const macvlanKind: LinkKind<'macvlan', MacvlanData, MacvlanOptions> = {
  name: 'macvlan',
  data: macvlanAttributes,
  create(options) {
    const data: MacvlanData = {};
    const attrs: { link?: number } = {};
    const devices: DeviceByName[] = [];
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, 'are missing: a macvlan needs { link: parent }');
    deviceOption(options.link, 'link', devices, (index) => (attrs.link = index));
    if (options.mode !== undefined) {
      if (typeof options.mode !== 'string' || !Object.hasOwn(MODES, options.mode)) {
        throw new InvalidArgumentError('mode', options.mode, `is not a macvlan mode (${Object.keys(MODES).join(', ')})`);
      }
      data.mode = MODES[options.mode];
    }
    if (options.nopromisc) {
      if (options.mode !== 'passthru') throw new InvalidArgumentError('nopromisc', options.nopromisc, "is only valid with mode 'passthru'");
      data.flags = MACVLAN_FLAG_NOPROMISC;
    }
    if (options.bcQueueLen !== undefined) data.bcQueueLen = checkU32(options.bcQueueLen, 'bcQueueLen');
    return { data, attrs, devices };
  },
  describe: (options) => `macvlan mode ${options.mode ?? 'vepa'}`,
};

import { bytes, flag, u16be, u32, u32be, u8 } from '../../attributes/scalars.js';
import { ipv4, ipv6 } from '../../attributes/addresses.js';
import * as C from '../../struct.js';
import { attr, defineTable, type ValuesOf } from '../../attributes/table.js';
import { u8Flag } from '../codecs.js';
import { parseIP } from '../../attributes/ip-text.js';
import { checkInteger, checkU8 } from '../../checks.js';
import { InvalidArgumentError } from '../../errors.js';
import { deviceOption, type DeviceByName, type DeviceOption, type LinkKind } from './kind.js';

// IFLA_VXLAN_* (<linux/if_link.h>): IFLA_INFO_DATA of kind "vxlan". Numbers 31..34 (LOCALBYPASS,
// LABEL_POLICY, RESERVED_BITS, MC_ROUTE) are newer than the 6.1 uapi headers distributions such as
// Debian 12 install: they are from the kernel's own uapi header.

/** struct ifla_vxlan_port_range: the UDP source port range, both ends in network byte order. */
export const vxlanPortRange = C.struct('struct ifla_vxlan_port_range', [C.u16be('low'), C.u16be('high')]);

/** The IFLA_VXLAN_* attribute table: each attribute's number, kernel name, field name and codec. */
export const vxlanAttributes = defineTable('IFLA_VXLAN', () => [
  attr(1, 'IFLA_VXLAN_ID', 'id', u32),
  attr(2, 'IFLA_VXLAN_GROUP', 'group', ipv4), // group or remote address
  attr(3, 'IFLA_VXLAN_LINK', 'link', u32),
  attr(4, 'IFLA_VXLAN_LOCAL', 'local', ipv4),
  attr(5, 'IFLA_VXLAN_TTL', 'ttl', u8),
  attr(6, 'IFLA_VXLAN_TOS', 'tos', u8),
  attr(7, 'IFLA_VXLAN_LEARNING', 'learning', u8),
  attr(8, 'IFLA_VXLAN_AGEING', 'ageing', u32),
  attr(9, 'IFLA_VXLAN_LIMIT', 'limit', u32),
  attr(10, 'IFLA_VXLAN_PORT_RANGE', 'portRange', vxlanPortRange),
  attr(11, 'IFLA_VXLAN_PROXY', 'proxy', u8),
  attr(12, 'IFLA_VXLAN_RSC', 'rsc', u8),
  attr(13, 'IFLA_VXLAN_L2MISS', 'l2miss', u8),
  attr(14, 'IFLA_VXLAN_L3MISS', 'l3miss', u8),
  attr(15, 'IFLA_VXLAN_PORT', 'port', u16be), // destination port, network order
  attr(16, 'IFLA_VXLAN_GROUP6', 'group6', ipv6),
  attr(17, 'IFLA_VXLAN_LOCAL6', 'local6', ipv6),
  attr(18, 'IFLA_VXLAN_UDP_CSUM', 'udpCsum', u8),
  attr(19, 'IFLA_VXLAN_UDP_ZERO_CSUM6_TX', 'udpZeroCsum6Tx', u8),
  attr(20, 'IFLA_VXLAN_UDP_ZERO_CSUM6_RX', 'udpZeroCsum6Rx', u8),
  attr(21, 'IFLA_VXLAN_REMCSUM_TX', 'remcsumTx', u8),
  attr(22, 'IFLA_VXLAN_REMCSUM_RX', 'remcsumRx', u8),
  attr(23, 'IFLA_VXLAN_GBP', 'gbp', flag),
  attr(24, 'IFLA_VXLAN_REMCSUM_NOPARTIAL', 'remcsumNopartial', flag),
  attr(25, 'IFLA_VXLAN_COLLECT_METADATA', 'collectMetadata', u8),
  attr(26, 'IFLA_VXLAN_LABEL', 'label', u32be), // IPv6 flow label, network order
  attr(27, 'IFLA_VXLAN_GPE', 'gpe', flag),
  // NLA_FLAG in the kernel's policy, but vxlan_fill_info sends it as a u8 0/1.
  attr(28, 'IFLA_VXLAN_TTL_INHERIT', 'ttlInherit', u8Flag),
  attr(29, 'IFLA_VXLAN_DF', 'df', u8), // VXLAN_DF_*
  attr(30, 'IFLA_VXLAN_VNIFILTER', 'vnifilter', u8),
  attr(31, 'IFLA_VXLAN_LOCALBYPASS', 'localbypass', u8),
  attr(32, 'IFLA_VXLAN_LABEL_POLICY', 'labelPolicy', u32),
  attr(33, 'IFLA_VXLAN_RESERVED_BITS', 'reservedBits', bytes), // struct vxlanhdr, 8 bytes
  attr(34, 'IFLA_VXLAN_MC_ROUTE', 'mcRoute', u8),
]);

/** A vxlan's IFLA_INFO_DATA decoded (IFLA_VXLAN_*): VNI (`id`), local and remote endpoints, port, underlying device ... */
export type VxlanData = ValuesOf<typeof vxlanAttributes>;

/** `ip link add NAME type vxlan id VNI [local A] [group|remote A] [dstport P] [dev D] [nolearning] [ttl T]`. */
export interface VxlanKindOptions {
  /** VXLAN network identifier, 0 to 16777215. */
  vni: number;
  /** Local tunnel endpoint, IPv4 or IPv6. */
  local?: string;
  /** Multicast group, or a single remote endpoint. */
  group?: string;
  /** UDP destination port (IANA's is 4789; Linux defaults to 8472). */
  port?: number;
  /** Underlying device for the tunnel traffic: a name, a Link or an index. */
  dev?: DeviceOption;
  learning?: boolean;
  ttl?: number;
}

/** A bare IP address option: its text, and whether it is IPv6. */
function address(value: unknown, field: string): { text: string; v6: boolean } {
  const bytes = typeof value === 'string' && !value.includes('/') ? parseIP(value) : undefined;
  if (!bytes) throw new InvalidArgumentError(field, value, 'is not an IPv4 or IPv6 address (without a prefix length)');
  return { text: value as string, v6: bytes.length === 16 };
}

/** The vxlan link kind: IFLA_VXLAN_* data and its creation options. */
export const vxlanKind: LinkKind<'vxlan', VxlanData, VxlanKindOptions> = {
  name: 'vxlan',
  data: vxlanAttributes,
  create(options) {
    const data: VxlanData = { id: checkInteger(options?.vni, 'vni', 0, 0xffffff) };
    const devices: DeviceByName[] = [];
    if (options.local !== undefined) {
      const local = address(options.local, 'local');
      if (local.v6) data.local6 = local.text;
      else data.local = local.text;
    }
    if (options.group !== undefined) {
      const group = address(options.group, 'group');
      if (group.v6) data.group6 = group.text;
      else data.group = group.text;
    }
    if (options.port !== undefined) data.port = checkInteger(options.port, 'port', 1, 65535);
    if (options.dev !== undefined) deviceOption(options.dev, 'dev', devices, (index) => (data.link = index));
    if (options.learning !== undefined) data.learning = options.learning ? 1 : 0;
    if (options.ttl !== undefined) data.ttl = checkU8(options.ttl, 'ttl');
    return { data, devices };
  },
  describe: (options) => `vxlan id ${String(options.vni)}`,
};

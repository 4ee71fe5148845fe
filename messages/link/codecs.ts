import type { Codec } from '../attributes/codec.js';
import { formatHardwareAddress, parseHardwareAddress } from '../attributes/addresses.js';
import { cstring } from '../attributes/scalars.js';
import { checkRecord, checkU16, checkU64, encodeText, isIntegerIn } from '../checks.js';
import { InvalidArgumentError } from '../errors.js';
import * as C from '../struct.js';

// Small codecs for C structs and kernel quirks that only link attributes use.

/** struct rtnl_link_ifmap (IFLA_MAP). */
export interface LinkIfmap {
  memStart: bigint;
  memEnd: bigint;
  baseAddr: bigint;
  irq: number;
  dma: number;
  port: number;
}

/**
 * struct rtnl_link_ifmap: mem_start, mem_end, base_addr (u64), irq (u16), dma, port (u8), then
 * 4 bytes of tail padding on 64-bit ABIs (sizeof 32; 28 where u64 is 4-byte aligned, as on i386).
 */
export const ifmap: Codec<LinkIfmap> = C.struct(
  'struct rtnl_link_ifmap',
  [C.u64('memStart'), C.u64('memEnd'), C.u64('baseAddr'), C.u16('irq'), C.u8('dma'), C.u8('port'), C.pad('tail', 4)],
  { minSize: 28 },
);

/** struct ifla_bridge_id: the STP bridge identifier, priority (2 bytes, network order) then MAC. */
export interface BridgeId {
  /** The priority as a number (0x8000 = 32768 by default); iproute2 prints it in hex before the MAC. */
  priority: number;
  address: string;
}

/** The codec of struct ifla_bridge_id (IFLA_BR_ROOT_ID, IFLA_BR_BRIDGE_ID, IFLA_BRPORT_*_ID). */
export const bridgeId: Codec<BridgeId> = {
  label: 'struct ifla_bridge_id',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectLength(start, end, 8, 'struct ifla_bridge_id');
    const b = src.bytes;
    return { priority: (b[start]! << 8) | b[start + 1]!, address: formatHardwareAddress(b, start + 2, start + 8) };
  },
  encode(w, value, field) {
    const o = checkRecord(value, field, 'a struct ifla_bridge_id object');
    const priority = checkU16(o.priority, `${field}.priority`);
    const mac = typeof o.address === 'string' ? parseHardwareAddress(o.address) : undefined;
    if (!mac || mac.length !== 6) throw new InvalidArgumentError(`${field}.address`, o.address, 'is not a MAC address like 02:00:00:00:00:01');
    w.u16be(priority);
    w.bytes(mac);
  },
};

/**
 * An attribute the kernel's policy declares NLA_FLAG but that its dumps send as a u8 0/1
 * (IFLA_VXLAN_TTL_INHERIT). Decodes a zero-length payload as true and a one-byte one as its
 * number. Encodes true or a non-zero number as a zero-length flag, which is what the kernel
 * accepts (it rejects a payload with ERANGE); 0 cannot be expressed: leave the attribute out.
 */
export const u8Flag: Codec<true | number> = {
  label: 'flag (u8 in dumps)',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    if (end === start) return true;
    src.expectLength(start, end, 1, 'flag (u8 in dumps)');
    return src.bytes[start]!;
  },
  encode(_w, value, field) {
    if (value === true) return;
    if (isIntegerIn(value, 1, 0xff)) return;
    if (value === 0) throw new InvalidArgumentError(field, value, 'cannot be sent: this attribute is a flag, leave it out instead');
    throw new InvalidArgumentError(field, value, 'is not true (a flag is present or absent)');
  },
};

/**
 * NLA_UINT (nla_put_uint): a u32 when the value fits, a u64 otherwise; decoded as a bigint.
 * Encodes 4 bytes when the value fits in 32 bits, 8 otherwise, as the kernel does.
 */
export const uintVar: Codec<bigint> = {
  label: 'uint (4 or 8 bytes)',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    if (end - start === 4) return BigInt(src.view.getUint32(start, true));
    src.expectLength(start, end, 8, 'uint (4 or 8 bytes)');
    return src.view.getBigUint64(start, true);
  },
  encode(w, value, field) {
    const v = checkU64(value, field);
    if (v <= 0xffffffffn) w.u32(Number(v));
    else w.u64(v);
  },
};

/**
 * IFLA_INFO_KIND / IFLA_INFO_SLAVE_KIND: the kernel sends them NUL-terminated (nla_put_string),
 * iproute2 sends them without the NUL (addattr_l with strlen) and the kernel accepts both
 * (NLA_STRING). Decoded up to a NUL or the end; user-built values are written like iproute2.
 */
export const kindName: Codec<string> = {
  label: 'link kind',
  shape: 'value',
  nestedFlag: false,
  decode: cstring.decode,
  encode(w, value, field) {
    if (value === '') throw new InvalidArgumentError(field, value, 'is not a link kind name');
    w.bytes(encodeText(value, field, 55, 'a link kind name')); // MODULE_NAME_LEN - 1
  },
};

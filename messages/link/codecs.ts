import type { Codec } from '../attributes/codec.js';
import { formatHardwareAddress, parseHardwareAddress } from '../attributes/addresses.js';
import { cstring, describe } from '../attributes/scalars.js';

// Small codecs for C structs and kernel quirks that only link attributes use.

function checkInt(field: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${field}: expected an integer, got ${describe(v)}`);
  if (v < 0 || v > max) throw new RangeError(`${field}: ${v} is out of range 0..${max}`);
  return v;
}

function checkU64(field: string, v: unknown): bigint {
  if (typeof v !== 'bigint') throw new TypeError(`${field}: expected a bigint, got ${describe(v)}`);
  if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${field}: ${v} is out of range 0..2^64-1`);
  return v;
}

function checkObject(field: string, v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array || Array.isArray(v)) {
    throw new TypeError(`${field}: expected a ${what} object, got ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

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
export const ifmap: Codec<LinkIfmap> = {
  label: 'struct rtnl_link_ifmap',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectAtLeast(start, end, 28, 'struct rtnl_link_ifmap');
    const v = src.view;
    return {
      memStart: v.getBigUint64(start, true),
      memEnd: v.getBigUint64(start + 8, true),
      baseAddr: v.getBigUint64(start + 16, true),
      irq: v.getUint16(start + 24, true),
      dma: v.getUint8(start + 26),
      port: v.getUint8(start + 27),
    };
  },
  encode(w, value, field) {
    const o = checkObject(field, value, 'struct rtnl_link_ifmap');
    const memStart = checkU64(`${field}.memStart`, o.memStart);
    const memEnd = checkU64(`${field}.memEnd`, o.memEnd);
    const baseAddr = checkU64(`${field}.baseAddr`, o.baseAddr);
    const irq = checkInt(`${field}.irq`, o.irq, 0xffff);
    const dma = checkInt(`${field}.dma`, o.dma, 0xff);
    const port = checkInt(`${field}.port`, o.port, 0xff);
    w.u64(memStart);
    w.u64(memEnd);
    w.u64(baseAddr);
    w.u16(irq);
    w.u8(dma);
    w.u8(port);
    w.zeros(4);
  },
};

/** struct ifla_bridge_id: the STP bridge identifier, priority (2 bytes, network order) then MAC. */
export interface BridgeId {
  /** The priority as a number (0x8000 = 32768 by default); iproute2 prints it in hex before the MAC. */
  priority: number;
  address: string;
}

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
    const o = checkObject(field, value, 'struct ifla_bridge_id');
    const priority = checkInt(`${field}.priority`, o.priority, 0xffff);
    const mac = typeof o.address === 'string' ? parseHardwareAddress(o.address) : undefined;
    if (!mac || mac.length !== 6) throw new TypeError(`${field}.address: ${describe(o.address)} is not a MAC address like 02:00:00:00:00:01`);
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
    if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0xff) return;
    if (value === 0) throw new RangeError(`${field}: 0 cannot be sent; this attribute is a flag, leave it out instead`);
    throw new TypeError(`${field}: expected true (a flag is present or absent), got ${describe(value)}`);
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
    const v = checkU64(field, value);
    if (v <= 0xffffffffn) w.u32(Number(v));
    else w.u64(v);
  },
};

const utf8 = new TextEncoder();

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
    if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${field}: expected a link kind name, got ${describe(value)}`);
    if (!value.isWellFormed()) throw new TypeError(`${field}: ${describe(value)} is not valid Unicode (a lone surrogate), so it has no UTF-8 form`);
    const encoded = utf8.encode(value);
    if (encoded.includes(0)) throw new TypeError(`${field}: ${describe(value)} contains a NUL character`);
    if (encoded.length > 55) throw new RangeError(`${field}: ${describe(value)} is ${encoded.length} bytes, at most 55 allowed`); // MODULE_NAME_LEN - 1
    w.bytes(encoded);
  },
};

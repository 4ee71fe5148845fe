import type { Codec } from '../attributes/codec.js';
import { checkArray, checkRecord, checkS32, checkU8 } from '../checks.js';
import { InvalidArgumentError } from '../errors.js';
import type { AttrTable } from '../attributes/table.js';
import { decodeAttributes, encodeAttributes } from '../attributes/walk.js';
import { align4, keepOriginalLength, rememberedLength, rememberLength } from '../framing.js';

/** One struct rtnexthop of RTA_MULTIPATH with the attributes that follow it (RTA_GATEWAY, RTA_VIA, RTA_ENCAP ...). */
export interface Nexthop<A> {
  /** rtnh_flags: RTNH_F_* bits. */
  flags: number;
  /** rtnh_hops: the weight minus one (`weight 1` is 0). */
  hops: number;
  /** rtnh_ifindex. */
  ifindex: number;
  attrs: A;
}

const RTNH_SIZE = 8;

/**
 * RTA_MULTIPATH: rtnexthop entries, each 4-byte aligned and followed by its own attributes, decoded
 * with `table()` (the route table itself, referenced lazily because it contains this codec).
 * The kernel sends it, and iproute2 writes it, without NLA_F_NESTED.
 */
export function multipath<A>(table: () => AttrTable<A>): Codec<Array<Nexthop<A>>> {
  return {
    label: 'rtnexthop list',
    shape: 'container',
    nestedFlag: false,
    decode(src, start, end) {
      const attrTable = table();
      const view = src.view;
      const out: Array<Nexthop<A>> = [];
      let off = start;
      for (let i = 0; off < end; i++) {
        if (end - off < RTNH_SIZE) throw src.error(off, `${end - off} trailing bytes, too short for an 8-byte rtnexthop`);
        const len = view.getUint16(off, true);
        if (len < RTNH_SIZE) throw src.error(off, `rtnh_len ${len} is below the 8-byte rtnexthop`);
        if (len > end - off) throw src.error(off, `rtnh_len ${len} overruns RTA_MULTIPATH by ${len - (end - off)} bytes`);
        src.path.push(`rtnexthop[${i}]`);
        const attrs = decodeAttributes(attrTable, src, off + RTNH_SIZE, off + len);
        src.path.pop();
        const hop: Nexthop<A> = { flags: view.getUint8(off + 2), hops: view.getUint8(off + 3), ifindex: view.getInt32(off + 4, true), attrs };
        rememberLength(hop, len);
        out.push(hop);
        off += align4(len);
      }
      return out;
    },
    encode(w, value, field) {
      checkArray(value, field, 'an array of next hops ({ flags, hops, ifindex, attrs })');
      const attrTable = table();
      for (let i = 0; i < value.length; i++) {
        const f = `${field}[${i}]`;
        const hop = checkRecord(value[i], f, 'a next hop object') as Partial<Nexthop<A>>;
        const flags = checkU8(hop.flags ?? 0, `${f}.flags`);
        const hops = checkU8(hop.hops ?? 0, `${f}.hops`);
        const ifindex = checkS32(hop.ifindex ?? 0, `${f}.ifindex`);
        w.align();
        const at = w.length;
        w.u16(0);
        w.u8(flags);
        w.u8(hops);
        w.s32(ifindex);
        encodeAttributes(attrTable, w, (hop.attrs ?? {}) as A, `${f}.attrs`);
        const len = keepOriginalLength(w, at, rememberedLength(hop));
        if (len > 0xffff) throw new InvalidArgumentError(f, `${len} bytes`, 'do not fit rtnh_len (a next hop holds at most 65535 bytes)');
        w.setU16(at, len);
      }
    },
  };
}

import type { BodyCodec } from './body.js';
import type { AttrTable } from './attributes/table.js';
import { decodeAttributes, encodeAttributes } from './attributes/walk.js';
import { Source } from './source.js';
import { headerDecoder, type Struct } from './struct.js';
import { InvalidArgumentError, NetlinkDecodeError } from './errors.js';
import { NLM_F_DUMP, NLM_F_REQUEST } from './constants.js';
import type { Writer } from './writer.js';
import { checkRecord, isIntegerIn } from './checks.js';
import { align4 } from './framing.js';

/** A message's fixed header: a struct declared with messages/struct.ts. */
export interface FixedHeader<H> {
  readonly name: string;
  readonly size: number;
  /** Reads the header at `at` (the message ends at `end`). */
  decode(src: Source, at: number, end: number): H;
  /** Writes `value`, each field checked first; `field` names it in errors. */
  encode(w: Writer, value: H, field: string): void;
}

/**
 * What a body kept beside its header's fields where the sender wrote more or less than the
 * struct, so that it is written back as it came. Each is present only where it was found.
 */
export interface HeaderExtras {
  /** Non-zero bytes in the header's pads (ndm_pad1, ndm_pad2) and its alignment to 4, in order. */
  padding?: Uint8Array;
  /**
   * A dump request's bytes after the header that are not attributes, and why they were kept (Go
   * asks for address and route dumps with a 16-byte ifinfomsg where an 8-byte ifaddrmsg or a
   * 12-byte rtmsg belongs).
   */
  trailer?: { bytes: Uint8Array; reason: string };
  /** A dump request shorter than its header: the bytes it had (the fields past them read as 0). */
  headerLength?: number;
}

/** A body made of a fixed header then attributes: the header's fields plus `attrs`. */
export type HeaderWithAttributes<H, A> = H & { attrs: A } & HeaderExtras;

/** The byte ranges [from, to) of a header's pads and of its alignment to 4. */
function padRanges(header: FixedHeader<unknown>, padded: number): Array<[number, number]> {
  const declared = header as Partial<Struct<unknown>>;
  const ranges: Array<[number, number]> = [];
  let at = 0;
  for (const f of declared.fields ?? []) {
    if (f.type === 'pad') ranges.push([at, at + f.size]);
    at += f.size;
  }
  if (padded > header.size) ranges.push([header.size, padded]);
  return ranges;
}

/**
 * A dump request (an RTM_GET* with NLM_F_DUMP): the kernel reads its header leniently. Without
 * strict checking it needs one byte of family (rtnetlink_rcv_msg reads rtgen_family), and each
 * dumpit reads only what it uses of the rest: inet_dump_ifaddr nothing, inet_dump_fib rtm_flags
 * when the header is long enough, rtnl_valid_dump_ifinfo_req a body shorter than ifinfomsg as
 * rtgenmsg then attributes (shortDumpHeader). Attribute parsing there (nlmsg_parse_deprecated)
 * stops at an nla_len below the header without failing, and rtnl_dump_ifinfo dumps every link
 * when it fails.
 */
function isDumpRequest(flags: number, type: number | undefined): boolean {
  return type !== undefined && type < 0x100 && (type & 3) === 2 && (flags & NLM_F_REQUEST) !== 0 && (flags & NLM_F_DUMP) === NLM_F_DUMP;
}

/** How a body's attributes are read where the header alone does not say it. */
export interface HeaderWithAttributesOptions<H, A> {
  /** The table to decode with, chosen by the header's fields (link messages: by ifi_family); `table` by default. */
  decodeTable?: (header: H) => AttrTable<A>;
  /**
   * The table to encode with, chosen by the body (the header's fields or an attribute: TCA_OPTIONS
   * by TCA_KIND); `decodeTable` of the body by default.
   */
  encodeTable?: (body: HeaderWithAttributes<H, A>) => AttrTable<A>;
  /**
   * The header the kernel reads instead where a dump request is shorter than `header`, with
   * attributes after it (rtnl_valid_dump_ifinfo_req reads a link dump shorter than ifinfomsg as
   * rtgenmsg + IFLA_*). Without it, a short dump request is all header.
   */
  shortDumpHeader?: FixedHeader<unknown>;
}

export function headerWithAttributes<H, A>(
  header: FixedHeader<H>,
  table: AttrTable<A>,
  options: HeaderWithAttributesOptions<H, A> = {},
): BodyCodec<HeaderWithAttributes<H, A>> {
  const padded = align4(header.size);
  const pads = padRanges(header as FixedHeader<unknown>, padded);
  const decodeTable = options.decodeTable ?? (() => table);
  const encodeTable = options.encodeTable ?? decodeTable;
  // Where the attributes of a dump request shorter than the header begin.
  const shortSpan = options.shortDumpHeader ? align4(options.shortDumpHeader.size) : header.size;
  // One object for the header's fields and attrs, where the table does not depend on the header.
  const withAttributes = options.decodeTable === undefined ? headerDecoder(header) : undefined;
  return {
    decode(src, start, end, flags, type) {
      const lenient = isDumpRequest(flags, type);
      if (withAttributes !== undefined && !lenient && end - start >= header.size) {
        const attrStart = Math.min(start + padded, end);
        // Pad bytes that are not zero are kept in `padding`, before attrs: the general way.
        if (padBytes(src.bytes, start, attrStart, pads) === undefined) {
          return withAttributes(src, start, end, decodeAttributes(table, src, attrStart, end)) as HeaderWithAttributes<H, A>;
        }
      }
      let h: HeaderWithAttributes<H, A>;
      let attrStart: number;
      if (lenient && end - start < header.size) {
        attrStart = Math.min(start + shortSpan, end);
        h = shortHeader(src, start, attrStart, header);
      } else {
        h = header.decode(src, start, end) as HeaderWithAttributes<H, A>;
        attrStart = Math.min(start + padded, end);
      }
      const padding = padBytes(src.bytes, start, attrStart, pads);
      if (padding) h.padding = padding;
      const attrTable = decodeTable(h);
      if (!lenient) {
        h.attrs = decodeAttributes(attrTable, src, attrStart, end);
        return h;
      }
      try {
        h.attrs = decodeAttributes(attrTable, src, attrStart, end);
      } catch (error) {
        if (!(error instanceof NetlinkDecodeError)) throw error;
        h.attrs = decodeAttributes(attrTable, src, attrStart, attrStart);
        const what = h.headerLength === undefined ? `${header.size}-byte ${header.name}` : `${h.headerLength} bytes of ${header.name}`;
        const reason = `${end - attrStart} bytes after the ${what} are not attributes (${error.message}); a dump request's header is read leniently by the kernel without strict checking, so they are kept`;
        h.trailer = { bytes: src.bytes.slice(attrStart, end), reason };
      }
      return h;
    },
    encode(w, body, field, flags, type) {
      checkRecord(body, field, `a ${header.name} body object`);
      // What only a dump request's lenient reading gives back (see decode) is refused elsewhere.
      const lenient = isDumpRequest(flags, type);
      for (const key of ['headerLength', 'trailer'] as const) {
        if (body[key] !== undefined && !lenient) {
          throw new InvalidArgumentError(`${field}.${key}`, body[key], 'is only kept for a dump request (an RTM_GET* with NLM_F_REQUEST and NLM_F_DUMP)');
        }
      }
      const at = w.length;
      if (body.headerLength !== undefined) {
        writeShortHeader(w, header, body, field, pads);
      } else {
        header.encode(w, body, field);
        w.zeros(padded - (w.length - at));
        if (body.padding !== undefined) writePadding(w, at, pads, body.padding, `${field}.padding`);
      }
      const trailerAt = w.length;
      let trailer: Uint8Array | undefined;
      if (body.trailer !== undefined) {
        const bytes = checkRecord(body.trailer, `${field}.trailer`, 'a trailer { bytes, reason }').bytes;
        if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`${field}.trailer.bytes`, bytes, 'is not a Uint8Array');
        trailer = bytes;
        w.bytes(bytes);
      }
      const attrs = body.attrs ?? ({} as A);
      encodeAttributes(encodeTable(body), w, attrs, `${field}.attrs`);
      // The decoder keeps a trailer only where what follows the header does not read as attributes,
      // and then keeps all of it: attributes after a trailer would come back inside it.
      if (trailer !== undefined && w.length > trailerAt + trailer.length) {
        throw new InvalidArgumentError(`${field}.attrs`, attrs, 'cannot follow a trailer: the decoder keeps everything after the header as the trailer');
      }
      if (trailer !== undefined) {
        const readBack = decodeTable(body) as AttrTable<unknown>;
        if (readsAsAttributes(readBack, trailer)) {
          throw new InvalidArgumentError(`${field}.trailer.bytes`, trailer, `read back as ${readBack.space} attributes: a trailer is only bytes that are not (leave it out)`);
        }
      }
      // A short header is read back as one only while the whole body stays shorter than the
      // header, and then only its first shortSpan bytes are header.
      if (body.headerLength !== undefined) {
        const length = w.length - at;
        if (length >= header.size || body.headerLength !== Math.min(length, shortSpan)) {
          const after = trailer !== undefined ? 'trailer' : 'attrs';
          const why = length >= header.size
            ? `cannot follow a header of headerLength ${body.headerLength}: the body would be ${length} bytes, which reads back as a whole ${header.size}-byte ${header.name}`
            : `cannot follow a header of headerLength ${body.headerLength}: after a short ${header.name} the decoder reads ${shortSpan < header.size ? `attributes from byte ${shortSpan}` : 'nothing but header'}`;
          throw new InvalidArgumentError(`${field}.${after}`, after === 'trailer' ? body.trailer : attrs, why);
        }
      }
    },
  };
}

function readsAsAttributes(table: AttrTable<unknown>, bytes: Uint8Array): boolean {
  try {
    decodeAttributes(table, new Source(bytes), 0, bytes.length);
    return true;
  } catch (error) {
    if (error instanceof NetlinkDecodeError) return false;
    throw error;
  }
}

/** The bytes of the pad ranges when any is not zero. */
function padBytes(bytes: Uint8Array, start: number, end: number, pads: ReadonlyArray<[number, number]>): Uint8Array | undefined {
  let any = false;
  for (const [from, to] of pads) for (let i = start + from; i < Math.min(start + to, end); i++) if (bytes[i] !== 0) any = true;
  if (!any) return undefined;
  const out: number[] = [];
  for (const [from, to] of pads) for (let i = start + from; i < start + to; i++) out.push(i < end ? bytes[i]! : 0);
  return Uint8Array.from(out);
}

function writePadding(w: Writer, at: number, pads: ReadonlyArray<[number, number]>, padding: unknown, field: string): void {
  const total = pads.reduce((n, [from, to]) => n + to - from, 0);
  if (!(padding instanceof Uint8Array) || padding.length !== total) {
    throw new InvalidArgumentError(field, padding, `is not the ${total} pad bytes of the header`);
  }
  const written = w.since(at); // a view of the header just written
  let i = 0;
  for (const [from, to] of pads) for (let o = from; o < to; o++) written[o] = padding[i++]!;
}

/** A dump request whose body is shorter than the header: the fields it has, the rest read as 0. */
function shortHeader<H, A>(src: Source, start: number, end: number, header: FixedHeader<H>): HeaderWithAttributes<H, A> {
  const copy = new Uint8Array(header.size);
  copy.set(src.bytes.subarray(start, end));
  const h = header.decode(new Source(copy), 0, copy.length) as HeaderWithAttributes<H, A>;
  h.headerLength = end - start;
  return h;
}

function writeShortHeader<H>(w: Writer, header: FixedHeader<H>, body: HeaderExtras & H, field: string, pads: ReadonlyArray<[number, number]>): void {
  const length = body.headerLength!;
  if (!isIntegerIn(length, 0, header.size - 1)) {
    throw new InvalidArgumentError(`${field}.headerLength`, length, `is not a length below the ${header.size}-byte ${header.name}`);
  }
  const at = w.length;
  header.encode(w, body, field);
  w.zeros(align4(header.size) - (w.length - at));
  if (body.padding !== undefined) writePadding(w, at, pads, body.padding, `${field}.padding`);
  if (w.since(at + length).some((b) => b !== 0)) {
    throw new InvalidArgumentError(`${field}.headerLength`, length, `cuts off ${header.name} fields or pad bytes that are set`);
  }
  w.truncate(at + length);
}

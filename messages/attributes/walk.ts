import type { Codec, RawAttribute, SiblingAwareCodec } from './codec.js';
import type { AttrSpec, AttrTable } from './table.js';
import { Source } from '../source.js';
import type { Writer } from '../writer.js';
import { Attributes, sameValue, wireOf } from './wire-order.js';
import { align4 } from '../framing.js';
import { checkArray, checkRecord, checkU16 } from '../checks.js';
import { InvalidArgumentError, NetlinkDecodeError } from '../errors.js';

export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;
export const NLA_HDRLEN = 4;

/**
 * How deep attribute sets may nest, in decoding and in encoding. What the kernel sends and accepts
 * nests a few levels (IFLA_LINKINFO > IFLA_INFO_DATA > VETH_INFO_PEER > IFLA_AF_SPEC > AF_INET6 >
 * ... stays under 10, and the kernel's own policy validation stops at MAX_POLICY_RECURSION_DEPTH,
 * 10, in lib/nlattr.c). Two attributes recurse without an end of their own, VETH_INFO_PEER (a
 * link inside a link) and RTA_MULTIPATH (route attributes inside a next hop), so a 64 KiB frame
 * could nest some 16,000 levels and exhaust the stack. 32 leaves room above anything real while
 * keeping the recursion a few hundred frames at most.
 */
export const MAX_NESTING = 32;

/** Where a decoder reports a malformed attribute header: a Source, or a decoder's own path. */
export interface DecodeErrorAt {
  error(offset: number, reason: string): NetlinkDecodeError;
}

/**
 * nla_len of the attribute whose header starts at `off` in a set ending at `end`, checked as every
 * walk over an attribute set checks it: fewer than 4 bytes left, nla_len below the header, or
 * nla_len past `end` throw `at.error(off, ...)`. `member` names what the set holds ('IFLA
 * attribute', 'action'), `parent` the set. The checks throw where they fail rather than return a
 * code: inlined into a decoder's loop, that keeps the loop as fast as the checks written out.
 */
export function attributeLength(view: DataView, off: number, end: number, at: DecodeErrorAt, member: string, parent = 'its parent'): number {
  if (end - off < NLA_HDRLEN) throw at.error(off, `${end - off} trailing bytes after the last ${member}`);
  const len = view.getUint16(off, true);
  if (len < NLA_HDRLEN) throw at.error(off, `nla_len ${len} is below the 4-byte attribute header`);
  if (off + len > end) throw at.error(off, `nla_len ${len} overruns ${parent} by ${off + len - end} bytes`);
  return len;
}

/** nla_type of the attribute whose header starts at `off`, flag bits (NLA_F_NESTED ...) included. */
export function attributeType(view: DataView, off: number): number {
  return view.getUint16(off + 2, true);
}

function isSiblingAware(codec: Codec<unknown>): codec is SiblingAwareCodec<unknown> {
  return (codec as Partial<SiblingAwareCodec<unknown>>).afterSiblings === true;
}

/**
 * Decodes the attributes in [start, end) with `table`. Unknown attributes, and a second occurrence
 * of an attribute that is not repeated, go to `unknown` with their full type and bytes.
 */
export function decodeAttributes<A>(table: AttrTable<A>, src: Source, start: number, end: number): A {
  if (++src.depth > MAX_NESTING) throw src.error(start, `${table.space} attributes nested more than ${MAX_NESTING} levels deep`);
  const out = new Attributes() as Attributes & Record<string, unknown>;
  const view = src.view;
  // Read once: byType is a getter (a table may be built on first use, messages/attributes/table.ts).
  const { byType, member } = table;
  let deferred: Array<[AttrSpec, number, number]> | undefined;
  let off = start;
  while (off < end) {
    const len = attributeLength(view, off, end, src, member);
    const rawType = attributeType(view, off);
    const spec = byType[rawType & NLA_TYPE_MASK];
    if (spec === undefined || (!spec.repeated && out[spec.name] !== undefined)) {
      const unknown = (out.unknown ??= []) as RawAttribute[];
      unknown.push({ type: rawType, data: src.bytes.slice(off + NLA_HDRLEN, off + len) });
    } else if (isSiblingAware(spec.codec)) {
      (deferred ??= []).push([spec, off, len]);
      out[spec.name] = null; // placeholder keeps wire position in key order
    } else {
      src.path.push(spec.kernelName);
      const value = spec.codec.shape === 'value' ? decodeValue(spec, src, off, len, out) : spec.codec.decode(src, off + NLA_HDRLEN, off + len, out);
      src.path.pop();
      if (value === UNREADABLE) {
        const unknown = (out.unknown ??= []) as RawAttribute[];
        unknown.push({ type: rawType, data: src.bytes.slice(off + NLA_HDRLEN, off + len), reason: unreadableReason });
      } else if (spec.repeated) ((out[spec.name] ??= []) as unknown[]).push(value);
      else out[spec.name] = value;
    }
    off += align4(len);
  }
  if (deferred) {
    for (const [spec, at, len] of deferred) {
      src.path.push(spec.kernelName);
      out[spec.name] = spec.codec.decode(src, at + NLA_HDRLEN, at + len, out);
      src.path.pop();
    }
  }
  Attributes.remember(out, src.bytes, start, end);
  src.depth--;
  return out as A;
}

/**
 * Raw bytes given for an attribute set this library has a table for (a link kind's data, an
 * nftables expression's): refused unless the decoder reads them back as that table's attributes.
 */
export function checkRawAttributes(table: AttrTable<unknown>, bytes: Uint8Array, field: string): Uint8Array {
  try {
    decodeAttributes(table, new Source(bytes), 0, bytes.length);
  } catch (error) {
    throw new InvalidArgumentError(field, bytes, `are not ${table.space} attributes (${(error as Error).message})`, { cause: error });
  }
  return bytes;
}

const UNREADABLE = Symbol('unreadable attribute');
let unreadableReason = '';

/**
 * A value attribute's payload (a number, an address, a struct: shape 'value'). A payload of a width
 * its codec does not read is kept as bytes in `unknown` with the reason, not thrown: the kernel's
 * attribute parser lets such payloads through where its policy has no length for the attribute
 * (rtnl_fdb_add parses with no policy at all, so Go's empty NDA_DST in an FDB request is accepted)
 * and, outside strict validation, where the payload is longer than the type (validate_nla checks
 * nla_attr_minlen and only warns about an exact-length mismatch). What is malformed is the framing:
 * nla_len below the header or past the parent still throws.
 */
function decodeValue(spec: AttrSpec, src: Source, off: number, len: number, siblings: Record<string, unknown>): unknown {
  try {
    return spec.codec.decode(src, off + NLA_HDRLEN, off + len, siblings);
  } catch (error) {
    if (!(error instanceof NetlinkDecodeError)) throw error;
    unreadableReason = `${error.message}; kept as bytes`;
    return UNREADABLE;
  }
}

/** A codec for an attribute whose payload is a nested attribute set. */
export function nested<A>(table: AttrTable<A>, label = `nested ${table.space}`): Codec<A> {
  return {
    label,
    shape: 'container',
    nestedFlag: true,
    decode: (src, start, end) => decodeAttributes(table, src, start, end),
    encode: (w, value, field) => encodeAttributes(table, w, value, field),
  };
}

/** Like nested(), for the few attributes the kernel sends and expects without NLA_F_NESTED. */
export function nestedNoFlag<A>(table: AttrTable<A>, label?: string): Codec<A> {
  return { ...nested(table, label), nestedFlag: false };
}

/**
 * Writes one attribute. `wire` is what a decoded attribute held: its type bits, its payload and the
 * payload read alone; while the value is unchanged the payload is written back as it was.
 */
function writeAttribute(w: Writer, spec: AttrSpec, value: unknown, field: string, wire?: { type: number; payload: Uint8Array; value: unknown }): void {
  const type = wire?.type ?? (spec.type | (spec.codec.nestedFlag ? NLA_F_NESTED : 0));
  const at = w.beginAttr(type);
  if (wire && spec.codec.shape === 'value' && sameValue(wire.value, value)) {
    w.bytes(wire.payload);
  } else {
    spec.codec.encode(w, value, field);
  }
  w.endAttr(at, field);
}

/**
 * A value attribute's payload read alone: the value, or UNREADABLE where the decoder kept it in
 * `unknown` instead (its codec cannot read that width). Containers are not read (undefined).
 */
function readAlone(spec: AttrSpec, payload: Uint8Array): unknown {
  if (spec.codec.shape !== 'value') return undefined;
  try {
    return spec.codec.decode(new Source(payload), 0, payload.length, {});
  } catch (error) {
    if (error instanceof NetlinkDecodeError) return UNREADABLE;
    throw error;
  }
}

/**
 * `wrotePlaced` is, for a raw attribute placed among the decoded ones, how many of each field were
 * written before it; undefined for one written after every field.
 */
function writeRaw(w: Writer, attribute: RawAttribute, field: string, table: AttrTable<unknown>, record: Record<string, unknown>, wrotePlaced?: ReadonlyMap<string, number>): void {
  checkRecord(attribute, field, 'an unknown attribute { type: number, data: Uint8Array }');
  checkU16(attribute.type, `${field}.type`);
  if (!(attribute.data instanceof Uint8Array)) throw new InvalidArgumentError(`${field}.data`, attribute.data, 'is not a Uint8Array');
  // A known type would decode as that field, not come back as unknown: only a duplicate that follows
  // the field's own attribute (the decoder keeps later repeats of a single attribute as unknown) and
  // a payload its codec cannot read (it comes back as unknown again) are allowed.
  const spec = table.byType[attribute.type & NLA_TYPE_MASK];
  if (spec && readAlone(spec, attribute.data) !== UNREADABLE) {
    if (spec.repeated || record[spec.name] === undefined || record[spec.name] === null) {
      throw new InvalidArgumentError(`${field}.type`, attribute.type, `is ${spec.kernelName}, a known attribute: set ${spec.name} instead`);
    }
    if (wrotePlaced !== undefined && (wrotePlaced.get(spec.name) ?? 0) === 0) {
      throw new InvalidArgumentError(`${field}.type`, attribute.type, `is ${spec.kernelName} and comes before ${spec.name}'s own attribute: it would decode as ${spec.name}`);
    }
  }
  const at = w.beginAttr(attribute.type);
  w.bytes(attribute.data);
  w.endAttr(at, field);
}

/**
 * Encodes an attribute set. Values decoded from the wire are written back in their original order
 * with their original type bits; values the caller added follow in table order; unknown ones last.
 */
export function encodeAttributes<A>(table: AttrTable<A>, w: Writer, values: A, path: string): void {
  const record = checkRecord(values, path, `an object of ${table.space} attributes`);
  if (++w.depth > MAX_NESTING) throw new InvalidArgumentError(path, w.depth, `levels of nested attributes: at most ${MAX_NESTING} are allowed (the decoder refuses more)`);
  const unknown = checkArray(record.unknown ?? [], `${path}.unknown`, 'an array of raw attributes') as RawAttribute[];
  const used = new Map<string, number>();
  let unknownUsed = 0;
  const wire = wireOf(record);
  const setStart = w.length;
  if (wire) {
    const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
    const byType = table.byType;
    let off = 0;
    while (off + NLA_HDRLEN <= wire.length) {
      const len = view.getUint16(off, true);
      const rawType = attributeType(view, off);
      if (len < NLA_HDRLEN || off + len > wire.length) break;
      const spec = byType[rawType & NLA_TYPE_MASK];
      const payload = wire.subarray(off + NLA_HDRLEN, off + len);
      off += align4(len);
      const count = spec ? (used.get(spec.name) ?? 0) : 0;
      const wireValue = spec === undefined || (!spec.repeated && count > 0) ? UNREADABLE : readAlone(spec, payload);
      if (spec === undefined || wireValue === UNREADABLE) {
        // An entry the caller removed (the array made shorter) drops the attribute; one set to
        // anything else, undefined included, must be a raw attribute (writeRaw refuses it otherwise).
        if (unknownUsed < unknown.length) writeRaw(w, unknown[unknownUsed]!, `${path}.unknown[${unknownUsed}]`, table as AttrTable<unknown>, record, used);
        unknownUsed++;
        continue;
      }
      used.set(spec.name, count + 1);
      const value = record[spec.name];
      if (value === undefined || value === null) continue;
      if (spec.repeated) {
        const list = asList(value, `${path}.${spec.name}`);
        if (count < list.length) writeAttribute(w, spec, list[count], `${path}.${spec.name}[${count}]`, { type: rawType, payload, value: wireValue });
      } else {
        writeAttribute(w, spec, value, `${path}.${spec.name}`, { type: rawType, payload, value: wireValue });
      }
    }
  }
  // The fields set, in table order. Walking the record's keys rather than the whole table: a table
  // has up to ~70 fields and a record a handful, and reading a field a record lacks, across records
  // of many shapes, is a megamorphic lookup (bench/results/messages.md has the cost).
  const present: number[] = [];
  const { byName, specs } = table;
  for (const key of Object.keys(record)) {
    const at = byName.get(key);
    if (at !== undefined) present.push(at);
  }
  if (present.length > 1) present.sort(byNumber);
  for (const at of present) {
    const spec = specs[at]!;
    const value = record[spec.name];
    if (value === undefined || value === null) continue;
    const count = used.get(spec.name) ?? 0;
    if (spec.repeated) {
      const list = asList(value, `${path}.${spec.name}`);
      for (let i = count; i < list.length; i++) writeAttribute(w, spec, list[i], `${path}.${spec.name}[${i}]`);
    } else if (count === 0) {
      writeAttribute(w, spec, value, `${path}.${spec.name}`);
    }
  }
  for (let i = unknownUsed; i < unknown.length; i++) writeRaw(w, unknown[i]!, `${path}.unknown[${i}]`, table as AttrTable<unknown>, record);
  if (wire && wire.length & 3) dropFinalPadding(w, setStart);
  w.depth--;
}

/**
 * A set whose length was not a multiple of 4 on the wire ended with an unpadded attribute: the
 * parent's length did not count that padding. Leave it out again so every enclosing length matches.
 */
function dropFinalPadding(w: Writer, setStart: number): void {
  let at = setStart;
  let last = -1;
  while (at + NLA_HDRLEN <= w.length) {
    last = at;
    at += align4(w.getU16(at));
  }
  if (last < 0) return;
  const end = last + w.getU16(last);
  if (end < w.length && align4(end) === w.length) w.truncate(end);
}

const byNumber = (a: number, b: number): number => a - b;

function asList(value: unknown, field: string): unknown[] {
  return checkArray(value, field, 'an array (the attribute may repeat)');
}

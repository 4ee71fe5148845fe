/**
 * Decoder fuzzing: inputs made from the captured fixtures (test/fixtures/**) by bit flips, byte
 * insertions and deletions, truncations, edits of every length field (nlmsg_len, nla_len,
 * rtnexthop rtnh_len, the nlmsg_len echoed in an NLMSG_ERROR, nested lengths), attribute splices
 * between frames, attributes wrapped in copies of themselves and depth bombs (VETH_INFO_PEER and
 * RTA_MULTIPATH nested up to what a 64 KiB frame holds), fed to decodeMessages (rtnetlink) and
 * decodeNftMessages (nfnetlink), and those starting with an RTM_NEWLINK to decodeLinkSummary too
 * (which must agree with decodeMessages). Every input must decode or throw NetlinkDecodeError, and
 * what decodes must encode again (decoder and encoder agree on what a valid message is) into bytes
 * that decode to the same messages. Input `index` of a run with `seed` is a pure function of
 * (seed, index), so any failure is replayed with `--seed S --replay I`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RTM_GETROUTE, RTM_NEWLINK, RTM_NEWROUTE } from '../messages/constants.js';
import { FrameCursor } from '../messages/framing.js';
import { pendingLinkState, plainLinkState } from '../lib/rtnl/link-reply.js';
import { linkStateBySummary, linkStateOfFrame, type LinkState } from '../lib/rtnl/links.js';
import { routeOfFrame, toRoute, type Route } from '../lib/rtnl/routes.js';
import { decodeLinkSummary, linkSummaryOf, type LinkSummary } from '../messages/link/index.js';
import { decodeMessages, encodeMessages, type NetlinkMessage } from '../messages/message.js';
import { decodeNftMessages, encodeNftMessages, type NftMessage } from '../messages/nftables/index.js';
import { sameValue } from '../messages/attributes/wire-order.js';
import { InvalidArgumentError, NetlinkDecodeError } from '../messages/errors.js';
import { Random } from '../test/helpers/random-source.js';
import { FRAME_LIMIT, multipathBomb, selfNest, vethBomb } from './fuzz-depth.js';
import { MAX_NESTING } from '../messages/attributes/walk.js';

export type Family = 'rtnl' | 'nft';

/** A length field inside a seed frame. */
export interface LengthField {
  offset: number;
  size: 2 | 4;
  what: 'nlmsg_len' | 'nla_len' | 'rtnh_len' | 'echoed nlmsg_len';
  /** Offsets of the enclosing length fields (outermost first), to fix up after a splice. */
  parents: readonly LengthField[];
}

/** An attribute (or rtnexthop) inside a seed frame, with the length fields that enclose it. */
export interface Span {
  start: number;
  /** End including alignment padding (never past the enclosing extent). */
  end: number;
  parents: readonly LengthField[];
}

export interface SeedFrame {
  name: string;
  family: Family;
  bytes: Uint8Array;
  fields: LengthField[];
  spans: Span[];
  /** Offsets where an attribute may be inserted (attribute boundaries), with their enclosing fields. */
  boundaries: Array<{ offset: number; parents: readonly LengthField[] }>;
}

// ---------------------------------------------------------------- seeds

function* jsonFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsonFiles(path);
    else if (entry.name.endsWith('.json')) yield path;
  }
}

/** The fixtures directory, from either the source tree (tools/) or the build (dist/tools/). */
export function fixturesRoot(): string {
  const here = new URL('.', import.meta.url).pathname;
  for (const candidate of [join(here, '../test/fixtures'), join(here, '../../test/fixtures')]) {
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(`fuzz: no test/fixtures directory near ${here}`);
}

/** Every captured frame under test/fixtures/** (nftables ones are decoded with the nfnetlink decoder). */
export function loadSeeds(root = fixturesRoot()): SeedFrame[] {
  const seeds: SeedFrame[] = [];
  for (const file of jsonFiles(root)) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; hex?: string[] };
    if (!Array.isArray(raw.hex)) continue;
    const bytes = Uint8Array.from(Buffer.from(raw.hex.map((line) => line.split('#')[0]!.replace(/\s+/g, '')).join(''), 'hex'));
    if (bytes.length < 16) continue;
    const family: Family = file.includes(`${join('fixtures', 'nftables')}`) ? 'nft' : 'rtnl';
    // Named by path: Go's and pyroute2's fixtures (test/fixtures/go/, pyroute2/) reuse iproute2's names.
    seeds.push(analyze(relative(root, file).replace(/\.json$/, ''), family, bytes));
  }
  if (seeds.length === 0) throw new Error(`fuzz: no fixtures found under ${root}`);
  return seeds;
}

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** Size of the fixed header before the attributes of a message body. */
function headerSize(family: Family, type: number): number | undefined {
  if (family === 'nft') return type >= 16 ? 4 : undefined;
  if (type >= 16 && type <= 19) return 16; // ifinfomsg
  if (type >= 20 && type <= 22) return 8; // ifaddrmsg
  if (type >= 24 && type <= 26) return 12; // rtmsg
  if (type >= 28 && type <= 30) return 12; // ndmsg
  if (type >= 88 && type <= 90) return 4; // rtgenmsg
  return undefined;
}

/** Whether bytes [start, end) are exactly a chain of well-formed attributes (at least one). */
function isAttributeChain(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 4) return false;
  let off = start;
  while (off + 4 <= end) {
    const len = u16(b, off);
    if (len < 4 || off + len > end) return false;
    off += (len + 3) & ~3;
  }
  return off >= end && off - end < 4;
}

/** Maps a seed's length fields, attribute spans and attribute boundaries. */
export function analyze(name: string, family: Family, bytes: Uint8Array): SeedFrame {
  const seed: SeedFrame = { name, family, bytes, fields: [], spans: [], boundaries: [] };
  const walkAttributes = (start: number, end: number, parents: readonly LengthField[], multipathAt: number | undefined, depth: number): void => {
    let off = start;
    while (off + 4 <= end) {
      seed.boundaries.push({ offset: off, parents });
      const len = u16(bytes, off);
      if (len < 4 || off + len > end) return;
      const field: LengthField = { offset: off, size: 2, what: 'nla_len', parents };
      seed.fields.push(field);
      const next = Math.min(end, off + ((len + 3) & ~3));
      seed.spans.push({ start: off, end: next, parents });
      const type = u16(bytes, off + 2) & 0x3fff;
      const inner = [...parents, field];
      if (multipathAt !== undefined && type === multipathAt && depth === 0) {
        walkNexthops(off + 4, off + len, inner);
      } else if (depth < 8) {
        // Nested (a chain right away) or a struct then a chain (VETH_INFO_PEER holds an ifinfomsg).
        for (const prefix of [0, 16]) {
          if (isAttributeChain(bytes, off + 4 + prefix, off + len)) {
            walkAttributes(off + 4 + prefix, off + len, inner, undefined, depth + 1);
            break;
          }
        }
      }
      off = next;
    }
    seed.boundaries.push({ offset: Math.min(off, end), parents });
  };
  const walkNexthops = (start: number, end: number, parents: readonly LengthField[]): void => {
    let off = start;
    while (off + 8 <= end) {
      const len = u16(bytes, off);
      if (len < 8 || off + len > end) return;
      const field: LengthField = { offset: off, size: 2, what: 'rtnh_len', parents };
      seed.fields.push(field);
      seed.spans.push({ start: off, end: Math.min(end, off + ((len + 3) & ~3)), parents });
      walkAttributes(off + 8, off + len, [...parents, field], undefined, 1);
      off += (len + 3) & ~3;
    }
  };
  let off = 0;
  while (off + 16 <= bytes.length) {
    const len = u32(bytes, off);
    if (len < 16 || off + len > bytes.length) break;
    const field: LengthField = { offset: off, size: 4, what: 'nlmsg_len', parents: [] };
    seed.fields.push(field);
    const type = u16(bytes, off + 4);
    const flags = u16(bytes, off + 6);
    const parents = [field];
    const end = off + len;
    if (type === 2 && len >= 36) {
      // nlmsgerr: errno, the echoed request header (its own nlmsg_len), maybe its payload, then ext-ack TLVs.
      seed.fields.push({ offset: off + 20, size: 4, what: 'echoed nlmsg_len', parents });
      const echoed = u32(bytes, off + 20);
      const tlvs = flags & 0x100 ? off + 36 : off + 20 + ((echoed + 3) & ~3);
      if (tlvs < end) walkAttributes(tlvs, end, parents, undefined, 0);
    } else if (type === 3 && len >= 20) {
      if (len > 20) walkAttributes(off + 20, end, parents, undefined, 0);
    } else {
      const header = headerSize(family, type);
      if (header !== undefined && off + 16 + header <= end) {
        walkAttributes(off + 16 + header, end, parents, family === 'rtnl' && type >= 24 && type <= 26 ? 9 : undefined, 0);
      }
    }
    off += (len + 3) & ~3;
  }
  return seed;
}

// ---------------------------------------------------------------- mutations

function setField(b: Uint8Array, f: { offset: number; size: 2 | 4 }, value: number): void {
  if (f.offset + f.size > b.length) return;
  b[f.offset] = value & 0xff;
  b[f.offset + 1] = (value >>> 8) & 0xff;
  if (f.size === 4) {
    b[f.offset + 2] = (value >>> 16) & 0xff;
    b[f.offset + 3] = (value >>> 24) & 0xff;
  }
}

function getField(b: Uint8Array, f: { offset: number; size: 2 | 4 }): number {
  return f.size === 2 ? u16(b, f.offset) : u32(b, f.offset);
}

/** The values a length field is set to: the boundaries a decoder must check. */
export function interestingLengths(current: number, size: 2 | 4, toEnd: number): number[] {
  const max = size === 2 ? 0xffff : 0xffffffff;
  const values = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, current - 1, current + 1, current - 4, current + 4, current + 3, current * 2, toEnd, toEnd + 1, toEnd - 1, 0x7fff, 0x8000, max, max - 3];
  return [...new Set(values.filter((v) => v >= 0 && v <= max && v !== current))];
}

function insertBytes(b: Uint8Array, at: number, extra: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + extra.length);
  out.set(b.subarray(0, at), 0);
  out.set(extra, at);
  out.set(b.subarray(at), at + extra.length);
  return out;
}

function deleteBytes(b: Uint8Array, at: number, count: number): Uint8Array {
  const n = Math.min(count, b.length - at);
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, at), 0);
  out.set(b.subarray(at + n), at);
  return out;
}

/** Adds `delta` to each enclosing length field, so a splice keeps the frame consistent. */
function fixUp(b: Uint8Array, parents: readonly LengthField[], delta: number): void {
  for (const p of parents) setField(b, p, getField(b, p) + delta);
}

const BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x04, 0x08, 0x10];

export interface Input {
  bytes: Uint8Array;
  decoder: Family;
  /** How the input was made, e.g. "route-dump-all-reply-0: nla_len@84=65535". */
  how: string;
}

/** One structure-aware mutation of a seed; `seeds` supplies attributes to splice in. */
function structuredMutation(r: Random, seed: SeedFrame, seeds: readonly SeedFrame[]): { bytes: Uint8Array; how: string } {
  const b = seed.bytes;
  const op = r.int(0, 13);
  switch (op) {
    case 0:
    case 1:
    case 2: {
      // A length field set to a boundary value.
      if (seed.fields.length === 0) break;
      const f = r.pick(seed.fields);
      const out = b.slice();
      const current = getField(out, f);
      const value = r.bool(0.8) ? r.pick(interestingLengths(current, f.size, b.length - f.offset)) : f.size === 2 ? r.u16() : r.u32();
      setField(out, f, value);
      return { bytes: out, how: `${f.what}@${f.offset}=${value}` };
    }
    case 3:
    case 4: {
      // Splice an attribute of another frame in at an attribute boundary, lengths fixed up (or not).
      if (seed.boundaries.length === 0) break;
      const donor = r.pick(seeds);
      if (donor.spans.length === 0) break;
      const span = r.pick(donor.spans);
      const at = r.pick(seed.boundaries);
      const piece = donor.bytes.subarray(span.start, span.end);
      const out = insertBytes(b, at.offset, piece);
      const fix = r.bool(0.85);
      if (fix) fixUp(out, at.parents.filter((p) => p.offset < at.offset), piece.length);
      return { bytes: out, how: `splice ${donor.name}[${span.start}..${span.end}) at ${at.offset}${fix ? '' : ' (lengths not fixed)'}` };
    }
    case 5: {
      // Replace an attribute with one from another frame.
      if (seed.spans.length === 0) break;
      const donor = r.pick(seeds);
      if (donor.spans.length === 0) break;
      const victim = r.pick(seed.spans);
      const span = r.pick(donor.spans);
      const piece = donor.bytes.subarray(span.start, span.end);
      const removed = deleteBytes(b, victim.start, victim.end - victim.start);
      const out = insertBytes(removed, victim.start, piece);
      fixUp(out, victim.parents.filter((p) => p.offset < victim.start), piece.length - (victim.end - victim.start));
      return { bytes: out, how: `replace [${victim.start}..${victim.end}) with ${donor.name}[${span.start}..${span.end})` };
    }
    case 6: {
      // Duplicate an attribute in place.
      if (seed.spans.length === 0) break;
      const span = r.pick(seed.spans);
      const piece = b.slice(span.start, span.end);
      const out = insertBytes(b, span.end, piece);
      fixUp(out, span.parents.filter((p) => p.offset < span.start), piece.length);
      return { bytes: out, how: `duplicate [${span.start}..${span.end})` };
    }
    case 7: {
      // Remove an attribute (lengths fixed up), leaving its parent shorter or empty.
      if (seed.spans.length === 0) break;
      const span = r.pick(seed.spans);
      const out = deleteBytes(b, span.start, span.end - span.start);
      fixUp(out, span.parents.filter((p) => p.offset < span.start), -(span.end - span.start));
      return { bytes: out, how: `remove [${span.start}..${span.end})` };
    }
    case 8: {
      // Two frames in one datagram.
      const other = r.pick(seeds);
      const pad = (4 - (b.length & 3)) & 3;
      const out = new Uint8Array(b.length + pad + other.bytes.length);
      out.set(b, 0);
      out.set(other.bytes, b.length + pad);
      return { bytes: out, how: `concat ${other.name}` };
    }
    case 9: {
      // An attribute's type set to something else (nested bit, byte-order bit, unknown numbers).
      if (seed.spans.length === 0) break;
      const span = r.pick(seed.spans);
      const out = b.slice();
      const type = r.pick([0, 1, 0x8000 | r.int(0, 40), 0x4000 | r.int(0, 40), r.int(0, 60), 0xffff, r.u16()]);
      setField(out, { offset: span.start + 2, size: 2 }, type);
      return { bytes: out, how: `nla_type@${span.start + 2}=${type}` };
    }
    case 10: {
      // The message type or flags changed (kind confusion, NLM_F_CAPPED / ACK_TLVS on an error).
      const msgs = seed.fields.filter((f) => f.what === 'nlmsg_len');
      if (msgs.length === 0) break;
      const m = r.pick(msgs);
      const out = b.slice();
      const which = r.bool();
      const value = which ? r.pick([2, 3, 1, 4, 16, 20, 24, 28, 88, 0x0a00 | r.int(0, 30), r.u16()]) : r.pick([0x100, 0x200, 0x300, 0x2, 0x20, r.u16()]);
      setField(out, { offset: m.offset + (which ? 4 : 6), size: 2 }, value);
      return { bytes: out, how: `${which ? 'nlmsg_type' : 'nlmsg_flags'}@${m.offset}=${value}` };
    }
    case 12: {
      // An attribute wrapped in copies of its own header, a few levels or as many as 64 KiB holds.
      if (seed.spans.length === 0) break;
      const span = r.pick(seed.spans);
      const levels = depthToTry(r);
      return { bytes: selfNest(b, span.start, span.end, span.parents, levels), how: `self-nest [${span.start}..${span.end}) x${levels}` };
    }
    case 13: {
      // A depth bomb through an attribute that recurses, with attributes of this seed innermost.
      const levels = depthToTry(r);
      const inner = seed.spans.length > 0 && r.bool() ? (() => {
        const span = r.pick(seed.spans);
        return b.slice(span.start, span.end);
      })() : new Uint8Array(0);
      const veth = r.bool();
      return { bytes: (veth ? vethBomb : multipathBomb)(levels, inner), how: `${veth ? 'VETH_INFO_PEER' : 'RTA_MULTIPATH'} nested x${levels} around ${inner.length} bytes` };
    }
    default: {
      // A truncation of a structured edit: cut inside an attribute.
      if (seed.spans.length === 0) break;
      const span = r.pick(seed.spans);
      const cut = r.int(span.start, span.end);
      return { bytes: b.slice(0, cut), how: `truncate@${cut}` };
    }
  }
  return { bytes: b.slice(), how: 'copy' };
}

/** A nesting depth: around the limit, a few hundred, or all that a 64 KiB frame holds. */
function depthToTry(r: Random): number {
  switch (r.int(0, 3)) {
    case 0:
      return r.int(MAX_NESTING - 3, MAX_NESTING + 3);
    case 1:
      return r.int(1, 300);
    case 2:
      return r.int(300, 6000);
    default:
      return FRAME_LIMIT;
  }
}

/** A byte-level mutation of any buffer. */
function byteMutation(r: Random, b: Uint8Array): { bytes: Uint8Array; how: string } {
  if (b.length === 0) return { bytes: r.bytes(r.int(1, 32)), how: 'random' };
  switch (r.int(0, 5)) {
    case 0: {
      const out = b.slice();
      const n = r.int(1, 4);
      for (let i = 0; i < n; i++) {
        const bit = r.int(0, out.length * 8 - 1);
        out[bit >> 3]! ^= 1 << (bit & 7);
      }
      return { bytes: out, how: `flip ${n} bit(s)` };
    }
    case 1: {
      const out = b.slice();
      const at = r.int(0, out.length - 1);
      out[at] = r.bool() ? r.pick(BYTES) : r.u8();
      return { bytes: out, how: `byte@${at}=${out[at]}` };
    }
    case 2: {
      const at = r.int(0, b.length);
      const extra = r.bool() ? r.bytes(r.int(1, 8)) : new Uint8Array(r.pick([1, 2, 3, 4, 8]));
      return { bytes: insertBytes(b, at, extra), how: `insert ${extra.length}@${at}` };
    }
    case 3: {
      const at = r.int(0, b.length - 1);
      const n = r.int(1, 8);
      return { bytes: deleteBytes(b, at, n), how: `delete ${n}@${at}` };
    }
    case 4: {
      const at = r.int(0, b.length);
      return { bytes: b.slice(0, at), how: `truncate@${at}` };
    }
    default: {
      // A u32 at an aligned offset set to a boundary value.
      const out = b.slice();
      if (out.length < 4) return { bytes: out, how: 'copy' };
      const at = r.int(0, (out.length >> 2) - 1) * 4;
      const value = r.pick([0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0xffff, r.u32()]);
      setField(out, { offset: at, size: 4 }, value);
      return { bytes: out, how: `u32@${at}=${value}` };
    }
  }
}

/** The systematic inputs: every truncation and every boundary edit of every length field of every seed. */
export interface SystematicItem {
  seed: number;
  truncateAt?: number;
  field?: number;
  value?: number;
  /** A depth bomb of this many levels (FRAME_LIMIT: all that fits), the seed's first attribute innermost. */
  bomb?: { through: 'veth' | 'multipath'; levels: number };
}

/** The depths every run tries for both recursive attributes: the limit's edges, the issue's, the most a frame holds. */
const BOMB_DEPTHS = [1, MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1, 800, 2000, FRAME_LIMIT];

export function systematicPlan(seeds: readonly SeedFrame[]): SystematicItem[] {
  const plan: SystematicItem[] = [];
  for (const through of ['veth', 'multipath'] as const) {
    for (const levels of BOMB_DEPTHS) plan.push({ seed: 0, bomb: { through, levels } });
  }
  seeds.forEach((s, i) => {
    for (let at = 0; at < s.bytes.length; at++) plan.push({ seed: i, truncateAt: at });
    s.fields.forEach((f, j) => {
      for (const value of interestingLengths(getField(s.bytes, f), f.size, s.bytes.length - f.offset)) plan.push({ seed: i, field: j, value });
    });
  });
  return plan;
}

/** Mixes (seed, index) into a 32-bit generator seed. */
export function inputSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index >>> 0), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ Math.floor(index / 4294967296), 0x27d4eb2f) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface Corpus {
  seeds: SeedFrame[];
  plan: SystematicItem[];
}

export function makeCorpus(seeds = loadSeeds()): Corpus {
  return { seeds, plan: systematicPlan(seeds) };
}

/**
 * Input number `index`: every 4th input walks the systematic plan (truncations and length edits)
 * until it is exhausted; the others are random mutations. A pure function of (seed, index).
 */
export function makeInput(corpus: Corpus, seed: number, index: number): Input {
  const r = new Random(inputSeed(seed, index));
  const { seeds, plan } = corpus;
  if (index % 4 === 0 && index / 4 < plan.length) {
    const item = plan[index / 4]!;
    const s = seeds[item.seed]!;
    if (item.bomb) {
      const build = item.bomb.through === 'veth' ? vethBomb : multipathBomb;
      return { bytes: build(item.bomb.levels), decoder: 'rtnl', how: `${item.bomb.through} depth bomb x${item.bomb.levels}` };
    }
    if (item.truncateAt !== undefined) return { bytes: s.bytes.slice(0, item.truncateAt), decoder: s.family, how: `${s.name}: truncate@${item.truncateAt}` };
    const f = s.fields[item.field!]!;
    const out = s.bytes.slice();
    setField(out, f, item.value!);
    return { bytes: out, decoder: s.family, how: `${s.name}: ${f.what}@${f.offset}=${item.value}` };
  }
  const s = r.pick(seeds);
  const steps: string[] = [];
  let current: { bytes: Uint8Array; how: string };
  current = r.bool(0.7) ? structuredMutation(r, s, seeds) : byteMutation(r, s.bytes);
  steps.push(current.how);
  // Sometimes stack a few byte-level mutations on top.
  const extra = r.bool(0.3) ? r.int(1, 3) : 0;
  for (let i = 0; i < extra; i++) {
    current = byteMutation(r, current.bytes);
    steps.push(current.how);
  }
  // One input in ten goes to the other family's decoder.
  const decoder: Family = r.bool(0.1) ? (s.family === 'rtnl' ? 'nft' : 'rtnl') : s.family;
  return { bytes: current.bytes, decoder, how: `${s.name}: ${steps.join(', ')}` };
}

// ---------------------------------------------------------------- running

export interface Failure {
  index: number;
  decoder: Family;
  how: string;
  hex: string;
  error: string;
}

export interface DecodeStats {
  seed: number;
  inputs: number;
  decoded: number;
  rejected: number;
  /** Decoded inputs re-encoded and decoded again to the same messages. */
  reencoded: number;
  byDecoder: Record<Family, number>;
  failures: Failure[];
  failureCount: number;
  slowest: { ms: number; index: number; hex: string; how: string };
  /** Inputs above the slow threshold even when timed again. */
  slowCount: number;
  elapsedMs: number;
  /** RSS in bytes sampled every `sampleEvery` inputs. */
  rssSamples: Array<{ at: number; rss: number; heapUsed: number }>;
  peakRss: number;
  systematicInputs: number;
}

export interface DecodeRunOptions {
  inputs: number;
  seed: number;
  /** Stop collecting failure details after this many (all are counted). */
  maxFailures?: number;
  /** An input slower than this (ms, even when timed again) is a failure. */
  slowMs?: number;
  sampleEvery?: number;
  /** Re-encode one decoded input in this many (1: every one). */
  reencodeEvery?: number;
  onSample?: (sample: { at: number; rss: number; heapUsed: number }, stats: DecodeStats) => void;
  corpus?: Corpus;
}

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function decodeWith(decoder: Family, bytes: Uint8Array): NetlinkMessage[] | NftMessage[] {
  return decoder === 'rtnl' ? decodeMessages(bytes) : decodeNftMessages(bytes);
}

/** Decodes one input; returns 'decoded', 'rejected' or a failure description. */
export type CheckResult = { outcome: 'decoded'; reencoded?: 'ok' } | { outcome: 'rejected' } | { outcome: 'failure'; error: string };

export function checkInput(input: Input, reencode: boolean): CheckResult {
  const summary = input.decoder === 'rtnl' ? (checkLinkSummary(input.bytes) ?? checkLinkFrames(input.bytes) ?? checkRouteFrames(input.bytes)) : undefined;
  if (summary) return { outcome: 'failure', error: summary };
  let messages: NetlinkMessage[] | NftMessage[];
  try {
    messages = decodeWith(input.decoder, input.bytes);
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) return { outcome: 'failure', error: `threw ${describeError(e)}` };
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.bytes.length) {
      return { outcome: 'failure', error: `NetlinkDecodeError offset ${e.offset} outside the ${input.bytes.length}-byte input: ${e.message}` };
    }
    return { outcome: 'rejected' };
  }
  if (!reencode) return { outcome: 'decoded' };
  // Decoder and encoder agree on what a valid message is: what decodes encodes, and comes back the same.
  let bytes: Uint8Array;
  try {
    bytes = input.decoder === 'rtnl' ? encodeMessages(messages as NetlinkMessage[]) : encodeNftMessages(messages as NftMessage[]);
  } catch (e) {
    if (e instanceof InvalidArgumentError) return { outcome: 'failure', error: `the encoder refuses what the decoder accepted: ${e.message}` };
    return { outcome: 'failure', error: `re-encoding what decoded threw ${describeError(e)}` };
  }
  let again: NetlinkMessage[] | NftMessage[];
  try {
    again = decodeWith(input.decoder, bytes);
  } catch (e) {
    return { outcome: 'failure', error: `re-encoded bytes do not decode: ${describeError(e)} (re-encoded: ${hexOf(bytes)})` };
  }
  if (!sameDecoded(messages, again)) {
    return { outcome: 'failure', error: `re-encoded bytes decode to other messages: ${JSON.stringify(again, jsonBytes).slice(0, 400)} (re-encoded: ${hexOf(bytes)})` };
  }
  return { outcome: 'decoded', reencoded: 'ok' };
}

/**
 * Decoded values equal but for where the decoder's notes say a kept raw attribute was ("at byte N"
 * in its reason, an offset in the datagram): bytes the decoder does not keep (after a capped error
 * message's echoed header, say) are not encoded again, so what follows them moves.
 */
export function sameDecoded(a: unknown, b: unknown): boolean {
  return sameValue(a, b) || sameValue(withoutNoteOffsets(a), withoutNoteOffsets(b));
}

function withoutNoteOffsets(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(withoutNoteOffsets);
  return Object.fromEntries(Object.entries(value).map(([k, v]) =>
    [k, k === 'reason' && typeof v === 'string' ? v.replace(/ at byte \d+/g, ' at byte _') : withoutNoteOffsets(v)]));
}

/**
 * When the input starts with an RTM_NEWLINK, decodeLinkSummary must also decode its first frame or
 * throw NetlinkDecodeError, and agree with decodeMessages where both decode. Returns a failure, or
 * undefined.
 */
function checkLinkSummary(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(4, true) !== RTM_NEWLINK) return undefined;
  const frame = bytes.subarray(0, Math.min(bytes.length, Math.max(16, view.getUint32(0, true))));
  let summary: LinkSummary;
  try {
    summary = decodeLinkSummary(frame);
  } catch (e) {
    return e instanceof NetlinkDecodeError ? undefined : `decodeLinkSummary threw ${describeError(e)}`;
  }
  let full: NetlinkMessage | undefined;
  try {
    full = decodeMessages(frame)[0];
  } catch {
    return undefined; // something deeper than the summary reads is malformed
  }
  if (full?.kind !== 'link') return `decodeLinkSummary read a frame that decodeMessages reads as ${full?.kind}`;
  const expected = linkSummaryOf(full.body);
  if (sameValue(summary, expected)) return undefined;
  return `decodeLinkSummary gave ${JSON.stringify(summary)}, decodeMessages ${JSON.stringify(expected)}`;
}

/**
 * When the input starts with an RTM_NEWLINK, the LinkState read from its first frame by the scan
 * (linkStateOfFrame) must be the one read through decodeLinkSummary: same keys and fields, raw an
 * accessor (both decode the same frame the same way when it is read: not read here, a 64 KiB frame
 * takes milliseconds), or the same NetlinkDecodeError; and so must the state a Link reads from its
 * reply when first needed (PendingLinkState). Returns a failure, or undefined.
 */
function checkLinkFrames(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(4, true) !== RTM_NEWLINK) return undefined;
  const frame = bytes.subarray(0, Math.min(bytes.length, Math.max(16, view.getUint32(0, true))));
  const read = (way: (frame: Uint8Array) => LinkState): string => {
    let state: LinkState;
    try {
      state = way(frame.slice());
    } catch (e) {
      return e instanceof NetlinkDecodeError ? `error ${e.message}` : `threw ${describeError(e)}`;
    }
    const raw = Object.getOwnPropertyDescriptor(state, 'raw');
    const fields = Object.keys(state).map((key) => (key === 'raw' ? ['raw', typeof raw?.get] : [key, state[key as keyof LinkState]]));
    return JSON.stringify(fields);
  };
  const scanned = read(linkStateOfFrame);
  const summarized = read(linkStateBySummary);
  if (scanned !== summarized) return `linkStateOfFrame gave ${scanned.slice(0, 400)}, through the summary ${summarized.slice(0, 400)}`;
  // A Link's reply read when first needed: the same state, or the same error at that first read.
  const held = read((frame) => plainLinkState(pendingLinkState(frame)));
  return held === scanned ? undefined : `a pending link state gave ${held.slice(0, 400)}, linkStateOfFrame ${scanned.slice(0, 400)}`;
}

/**
 * When the input starts with a route message, ns.routes()'s reading of each frame (routeOfFrame, on
 * a copy as the receive path reads it) must give what toRoute gives of the decoded messages, raw
 * included, or throw the same NetlinkDecodeError. Returns a failure, or undefined.
 */
function checkRouteFrames(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16) return undefined;
  const type = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(4, true);
  if (type < RTM_NEWROUTE || type > RTM_GETROUTE) return undefined;
  const read = (each: () => Array<Route | undefined>): Array<Route | undefined> | string => {
    try {
      return each();
    } catch (e) {
      return e instanceof NetlinkDecodeError ? e.message : `threw ${describeError(e)}`;
    }
  };
  const decoded = read(() => decodeMessages(bytes).map((m) => (m.kind === 'route' ? toRoute(m.body) : undefined)));
  const framed = read(() => {
    const copy = new Uint8Array(bytes);
    const frames = new FrameCursor(copy);
    const out: Array<Route | undefined> = [];
    while (frames.next()) out.push(routeOfFrame(copy.subarray(frames.start, frames.end)));
    return out;
  });
  if (typeof decoded === 'string' || typeof framed === 'string') {
    return decoded === framed ? undefined : `routeOfFrame gave ${shown(framed)}, decoding ${shown(decoded)}`;
  }
  let same: boolean;
  try {
    same = sameValue(framed, decoded); // reads every raw of the framed routes
  } catch (e) {
    return `a route's raw threw on first read: ${describeError(e)}`;
  }
  return same ? undefined : `routeOfFrame gave ${shown(framed)}, decoding ${shown(decoded)}`;
}

/** Routes or an error's words as JSON, its start (reading a raw that throws shows the error). */
function shown(value: unknown): string {
  try {
    return JSON.stringify(value, jsonBytes).slice(0, 400);
  } catch (e) {
    return describeError(e);
  }
}

const jsonBytes = (_key: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? hexOf(v) : v);

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? ` @ ${e.stack.split('\n').slice(1, 3).map((l) => l.trim()).join(' < ')}` : ''}`;
  return `non-Error ${typeof e}: ${String(e)}`;
}

/**
 * The least CPU time (ms) this process spends on `run` in `times` runs: a loaded machine's
 * scheduler stalls wall-clock time, not the process's own CPU time.
 */
function minCpuTime(run: () => void, times: number): number {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

/** Runs `inputs` inputs from (seed, 0). */
export function runDecodeFuzz(options: DecodeRunOptions): DecodeStats {
  const corpus = options.corpus ?? makeCorpus();
  const maxFailures = options.maxFailures ?? 20;
  const slowMs = options.slowMs ?? 20;
  const sampleEvery = options.sampleEvery ?? 100_000;
  const reencodeEvery = options.reencodeEvery ?? 1;
  const stats: DecodeStats = {
    seed: options.seed,
    inputs: 0,
    decoded: 0,
    rejected: 0,
    reencoded: 0,
    byDecoder: { rtnl: 0, nft: 0 },
    failures: [],
    failureCount: 0,
    slowest: { ms: 0, index: -1, hex: '', how: '' },
    slowCount: 0,
    elapsedMs: 0,
    rssSamples: [],
    peakRss: process.memoryUsage.rss(),
    systematicInputs: Math.min(corpus.plan.length, Math.ceil(options.inputs / 4)),
  };
  const start = performance.now();
  const sample = (at: number) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const m = process.memoryUsage();
    const s = { at, rss: m.rss, heapUsed: m.heapUsed };
    stats.rssSamples.push(s);
    stats.peakRss = Math.max(stats.peakRss, m.rss);
    options.onSample?.(s, stats);
  };
  sample(0);
  for (let index = 0; index < options.inputs; index++) {
    const input = makeInput(corpus, options.seed, index);
    const t0 = performance.now();
    const result = checkInput(input, false);
    let ms = performance.now() - t0;
    stats.inputs++;
    stats.byDecoder[input.decoder]++;
    if (result.outcome === 'decoded') {
      stats.decoded++;
      if (stats.decoded % reencodeEvery === 0) {
        const again = checkInput(input, true);
        if (again.outcome === 'failure') addFailure(stats, maxFailures, index, input, again.error);
        else if (again.outcome === 'decoded' && again.reencoded === 'ok') stats.reencoded++;
      }
    } else if (result.outcome === 'rejected') {
      stats.rejected++;
    } else {
      addFailure(stats, maxFailures, index, input, result.error);
    }
    if (ms > stats.slowest.ms || ms > slowMs) {
      // A pause of the collector or of a loaded machine is not the decoder's: time it again, by CPU time.
      if (ms > 1) ms = minCpuTime(() => void checkInput(input, false), 3);
      if (ms > slowMs) {
        stats.slowCount++;
        addFailure(stats, maxFailures, index, input, `took ${ms.toFixed(2)} ms (limit ${slowMs} ms)`);
      }
      if (ms > stats.slowest.ms) stats.slowest = { ms, index, hex: hexOf(input.bytes), how: input.how };
    }
    if ((index + 1) % sampleEvery === 0) sample(index + 1);
  }
  if (options.inputs % sampleEvery !== 0) sample(options.inputs);
  stats.elapsedMs = performance.now() - start;
  return stats;
}

function addFailure(stats: DecodeStats, maxFailures: number, index: number, input: Input, error: string): void {
  stats.failureCount++;
  if (stats.failures.length < maxFailures) stats.failures.push({ index, decoder: input.decoder, how: input.how, hex: hexOf(input.bytes), error });
}

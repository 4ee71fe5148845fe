/**
 * Encoder fuzzing: a valid message (a random one from test/helpers/random-messages.ts, or a decoded
 * fixture, rtnetlink or nfnetlink) with one field set to a random value: wrong types, out-of-range
 * numbers, bad strings, or a plausible value. encodeMessage must either return bytes that decode
 * back to the message given, or throw InvalidArgumentError whose message names the field.
 */
import { InvalidArgumentError } from '../messages/errors.js';
import { decodeMessages, encodeMessage, type LinkMessage, type NetlinkMessage } from '../messages/message.js';
import { decodeNftMessages, encodeNftMessage, type NftMessage } from '../messages/nftables/index.js';
import { parseIP } from '../messages/attributes/ip-text.js';
import { randomAnyMessage } from '../test/helpers/random-messages.js';
import { Random } from '../test/helpers/random-source.js';
import { inputSeed, loadSeeds, type Family, type SeedFrame } from './fuzz-decode.js';

type Obj = Record<string, unknown>;
type Path = Array<string | number>;

export interface EncodeFailure {
  index: number;
  path: string;
  value: string;
  error: string;
  base: string;
}

export interface EncodeStats {
  seed: number;
  inputs: number;
  /** Encoded, and decoded back equal. */
  roundTripped: number;
  /** Refused with InvalidArgumentError naming the field that was changed. */
  refusedNamingField: number;
  /** Refused with InvalidArgumentError naming another field (the change made that one invalid). */
  refusedNamingOther: number;
  failures: EncodeFailure[];
  failureCount: number;
  elapsedMs: number;
}

export interface EncodeRunOptions {
  inputs: number;
  seed: number;
  maxFailures?: number;
  seeds?: SeedFrame[];
}

/** Every leaf (and every object/array) path in a message, except the discriminating `kind`. */
function paths(value: unknown, prefix: Path, out: Path[], depth = 0): void {
  if (depth > 12) return;
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) {
    out.push(prefix);
    return;
  }
  if (prefix.length > 0) out.push(prefix);
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  for (const k of keys) paths((value as Obj)[k as string], [...prefix, k], out, depth + 1);
}

/** The value at `path`, or undefined where the path leaves the object (a decoded message may lack it). */
function getAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Obj)[k as string];
  }
  return v;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  let v = root;
  for (const k of path.slice(0, -1)) v = (v as Obj)[k as string];
  (v as Obj)[path[path.length - 1] as string] = value;
}

const LONE_SURROGATE = 'a\ud800b';

/** A replacement value for `current`: wrong types, boundaries, bad strings, or a plausible value. */
export function randomValue(r: Random, current: unknown): unknown {
  const anyType = [null, undefined, true, 'x', 7, -1, 1.5, NaN, Infinity, 5n, {}, [], new Uint8Array(3), LONE_SURROGATE];
  if (r.bool(0.2)) return r.pick(anyType);
  if (typeof current === 'number') {
    return r.pick([
      -1, 0, 1, 1.5, -0.5, NaN, Infinity, -Infinity, 255, 256, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 53, -(2 ** 31), -(2 ** 31) - 1,
      current + 1, current - 1, r.u32(), r.int(0, 255), String(current), BigInt(Math.trunc(Number.isFinite(current) ? current : 0)),
    ]);
  }
  if (typeof current === 'bigint') return r.pick([-1n, 0n, 2n ** 64n, 2n ** 64n - 1n, current + 1n, 1, 1.5, String(current), r.u64()]);
  if (typeof current === 'string') {
    return r.pick([
      '', 'x'.repeat(300), 'a\0b', LONE_SURROGATE, 'eth0', '300.1.1.1', '10.0.0', '10.0.0.1/24', 'fe80::1::2', '::ffff:1.2.3.4', '1.2.3.4', 'fd00::1',
      'zz:zz:zz:zz:zz:zz', '02:00:00:00:00', '02:00:00:00:00:01:02', '02:00:00:00:00:01', current.toUpperCase(), current + ' ', ` ${current}`, current.slice(1), 42,
    ]);
  }
  if (current instanceof Uint8Array) return r.pick([new Uint8Array(0), new Uint8Array(70_000), r.bytes(r.int(1, 40)), 'abc', [1, 2, 3], new Uint16Array(2), null]);
  if (typeof current === 'boolean') return r.pick([!current, 1, 0, 'true', null]);
  if (Array.isArray(current)) return r.pick([[], null, 'x', {}, [null], [1], current.concat(current)]);
  if (typeof current === 'object' && current !== null) return r.pick([null, 5, 'x', [], {}]);
  return r.pick(anyType);
}

/** Loose equality of what was encoded and what decoded: absent = undefined/null/[], IPs by bytes, MACs by case. */
/** `position` is the place of `given` in the array that holds it, if one does. */
export function sameAsGiven(given: unknown, decoded: unknown, position?: number): boolean {
  if (given === decoded) return true;
  if (typeof given === 'string' && typeof decoded === 'string') {
    if (given.toLowerCase() === decoded.toLowerCase() && /^[0-9a-f:]+$/i.test(given)) return true;
    const a = parseIP(given);
    const b = parseIP(decoded);
    return a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  // A flag the kernel dumps as a u8 (u8Flag, IFLA_VXLAN_TTL_INHERIT) takes a non-zero number too,
  // sends it as the flag, and decodes the flag as true. (A plain flag refuses numbers.)
  if (decoded === true && typeof given === 'number' && Number.isInteger(given) && given > 0 && given <= 0xff) return true;
  // Raw bytes are accepted for a known link kind's data (checked by the encoder) and come back decoded.
  if (given instanceof Uint8Array && typeof decoded === 'object' && decoded !== null && !(decoded instanceof Uint8Array) && !Array.isArray(decoded)) return true;
  if (given instanceof Uint8Array || decoded instanceof Uint8Array) {
    return given instanceof Uint8Array && decoded instanceof Uint8Array && given.length === decoded.length && given.every((x, i) => x === decoded[i]);
  }
  if (typeof given !== 'object' || typeof decoded !== 'object' || given === null || decoded === null) return false;
  if (Array.isArray(given) !== Array.isArray(decoded)) return false;
  const keys = new Set([...Object.keys(given), ...Object.keys(decoded)]);
  for (const k of keys) {
    const g = (given as Obj)[k];
    const d = (decoded as Obj)[k];
    // nlmsg_len-like fields left out are computed.
    if (k === 'len' && (g === undefined || g === null) && typeof d === 'number') continue;
    // The decoder's note on what it kept as bytes (a raw attribute's, a dump request's trailer's) is not encoded.
    if (k === 'reason' && ('data' in given || 'bytes' in given) && (typeof g === 'string' || typeof d === 'string' || g === null)) continue;
    // A nexthop group member's weight defaults to 1 (NHA_GROUP stores it minus one).
    if (k === 'weight' && (g === undefined || g === null) && d === 1) continue;
    // A u32 selector's nkeys left out is the number of its keys (messages/tc/kinds/u32.ts).
    if (k === 'nkeys' && (g === undefined || g === null) && Array.isArray((given as Obj).keys) && d === ((given as Obj).keys as unknown[]).length) continue;
    // A tc action's order left out is its place in the list, from 1 (actionList).
    if (k === 'order' && (g === undefined || g === null) && position !== undefined && d === position + 1) continue;
    const absent = g === undefined || g === null || (Array.isArray(g) && g.length === 0);
    // Absent fields are written as their defaults: 0 for header fields, nothing for attributes.
    if (absent && (d === undefined || d === 0 || isEmpty(d))) continue;
    if (!sameAsGiven(g, d, Array.isArray(given) ? Number(k) : undefined)) return false;
  }
  return true;
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value) || value instanceof Uint8Array) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `[array of ${value.length}]`;
  if (typeof value === 'object' && value !== null) return '{object}';
  return String(value);
}

interface Base {
  family: Family;
  name: string;
  make: () => NetlinkMessage | NftMessage;
}

/** The bases: decoded fixtures of both families (fresh copies each time). */
function fixtureBases(seeds: readonly SeedFrame[]): Base[] {
  const bases: Base[] = [];
  for (const s of seeds) {
    const decode = s.family === 'rtnl' ? decodeMessages : decodeNftMessages;
    let count: number;
    try {
      count = decode(s.bytes).length;
    } catch {
      continue;
    }
    for (let i = 0; i < count; i++) bases.push({ family: s.family, name: `${s.name}#${i}`, make: () => decode(s.bytes)[i]! });
  }
  return bases;
}

export function runEncodeFuzz(options: EncodeRunOptions): EncodeStats {
  const seeds = options.seeds ?? loadSeeds();
  const bases = fixtureBases(seeds);
  const maxFailures = options.maxFailures ?? 20;
  const stats: EncodeStats = { seed: options.seed, inputs: 0, roundTripped: 0, refusedNamingField: 0, refusedNamingOther: 0, failures: [], failureCount: 0, elapsedMs: 0 };
  const start = performance.now();
  const fail = (f: EncodeFailure) => {
    stats.failureCount++;
    if (stats.failures.length < maxFailures) stats.failures.push(f);
  };
  for (let index = 0; index < options.inputs; index++) {
    const r = new Random(inputSeed(options.seed ^ 0x5bd1e995, index));
    let family: Family;
    let name: string;
    let message: NetlinkMessage | NftMessage;
    if (r.bool(0.5)) {
      const sub = r.fork();
      message = randomAnyMessage(sub);
      family = 'rtnl';
      name = `random message (generator seed ${sub.seed})`;
    } else {
      const base = r.pick(bases);
      message = base.make();
      family = base.family;
      name = base.name;
    }
    const all: Path[] = [];
    paths(message, [], all);
    // A link message's family chooses the table its attributes are read with (linkAttributesFor):
    // attributes decoded under one family, written under another, are another message, so the
    // family of a link message that has attributes is not a field to vary on its own.
    const attrsFollowFamily = (message as { kind: string }).kind === 'link' && Object.keys((message as LinkMessage).body.attrs ?? {}).length > 0;
    // A dump request's header is read leniently (a trailer of non-attributes, a short header: see
    // messages/fixed-header.ts); its type and flags make it a dump request, so they do not vary alone.
    const body = (message as { body?: { trailer?: unknown; headerLength?: unknown } }).body;
    const readAsDump = typeof body === 'object' && body !== null && (body.trailer !== undefined || body.headerLength !== undefined);
    const candidates = all.filter(
      (p) =>
        p.length > 0 &&
        p[0] !== 'kind' &&
        !(attrsFollowFamily && p.length === 2 && p[0] === 'body' && p[1] === 'family') &&
        !(readAsDump && p.length === 1 && (p[0] === 'flags' || p[0] === 'type')),
    );
    if (candidates.length === 0) continue;
    const path = r.pick(candidates);
    const value = randomValue(r, getAt(message, path));
    setAt(message, path, value);
    stats.inputs++;
    const where = path.join('.');
    const encode = family === 'rtnl' ? () => encodeMessage(message as NetlinkMessage) : () => encodeNftMessage(message as NftMessage);
    let bytes: Uint8Array;
    try {
      bytes = encode();
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) {
        fail({ index, path: where, value: show(value), base: name, error: `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` });
        continue;
      }
      // The field changed is named by its key (or, for an array element, by the array's key).
      const key = String([...path].reverse().find((k) => typeof k === 'string') ?? '');
      if (e.message.includes(key)) stats.refusedNamingField++;
      else if (/^[\w$]+(\.[\w$]+|\[\d+\])+\b/.test(e.message) || /^message\./.test(e.message)) stats.refusedNamingOther++;
      else fail({ index, path: where, value: show(value), base: name, error: `${e.name} does not name a field: ${e.message}` });
      continue;
    }
    let decoded: NetlinkMessage[] | NftMessage[];
    try {
      decoded = family === 'rtnl' ? decodeMessages(bytes) : decodeNftMessages(bytes);
    } catch (e) {
      fail({ index, path: where, value: show(value), base: name, error: `encoded bytes do not decode: ${(e as Error).message}; ${Buffer.from(bytes).toString('hex')}` });
      continue;
    }
    const { kind: _k, ...given } = message as unknown as Obj;
    const { kind: _d, ...back } = (decoded[0] ?? {}) as unknown as Obj;
    if (decoded.length !== 1 || !sameAsGiven(given, back)) {
      const got = decoded.length === 1 ? getAt(decoded[0], path) : `${decoded.length} messages`;
      fail({ index, path: where, value: show(value), base: name, error: `encoded without complaint but decodes differently (${where} came back as ${show(got)})` });
      continue;
    }
    stats.roundTripped++;
  }
  stats.elapsedMs = performance.now() - start;
  return stats;
}

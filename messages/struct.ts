/**
 * The one way to declare a C struct of a message: a message's fixed header (ifinfomsg, rtmsg ...)
 * or an attribute's payload (ifa_cacheinfo, rta_cacheinfo ...). Fields sit one after the other
 * (pads are declared, never implied), so offsets and size are sums of field widths; the struct-fu
 * struct of the same fields is the reference layout, made only when something asks for it (tests,
 * the benchmark): the package declares about a hundred structs, and laying each out with struct-fu
 * on every import cost more than the rest of the declarations.
 *
 * Why generated accessors and not struct-fu's own unpack/pack: the route dump decodes one rtmsg per
 * route, and struct-fu's unpack walks its fields with closures into an object grown key by key,
 * from a Buffer it needs made first. The generated decoder is what one would write by hand: one
 * object literal (a single hidden class) read straight from the bytes; the encoder checks each field
 * with the project's integer check and writes it. The measurements are in bench/results/messages.md.
 * struct-fu's unpack/pack stay the reference the generated code is tested against. The code of the
 * package's own structs is written out at build time (messages/struct-source.ts says why).
 */
import fu from 'struct-fu';
import type { Field } from 'struct-fu';
import type { Codec } from './attributes/codec.js';
import { InvalidArgumentError } from './errors.js';
import { integerError, isIntegerIn, u64Error } from './checks.js';
import type { Source } from './source.js';
import { writtenStructCodec } from './struct-codecs.js';
import { decodeSource, encodeSource, ENCODE_SCOPE, shapeKey, type StructShape } from './struct-source.js';
import type { Writer } from './writer.js';

type FieldType = 'u8' | 'u16' | 's16' | 'u32' | 's32' | 'u16be' | 'u32be' | 'u64' | 'pad';

/** One member of a struct declaration: its name, type and width, and the struct-fu field of the reference layout. */
export interface StructField<N extends string = string, T extends FieldType = FieldType> {
  readonly name: N;
  readonly type: T;
  /** Bytes. */
  readonly size: number;
  /** @internal struct-fu's field, made on first read (struct-fu ships no types: kept out of the published .d.ts). */
  readonly layout: Field;
}

/** struct-fu's field makers, by type (u64: struct-fu has no 64-bit integer, it lays out 8 bytes). */
const LAYOUT: Record<FieldType, (name: string, size: number) => Field> = {
  u8: (name) => fu.uint8(name),
  u16: (name) => fu.uint16le(name),
  s16: (name) => fu.int16le(name),
  u32: (name) => fu.uint32le(name),
  s32: (name) => fu.int32le(name),
  u16be: (name) => fu.uint16(name),
  u32be: (name) => fu.uint32(name),
  u64: (name) => fu.byte(name, 8),
  pad: (name, size) => fu.byte(name, size),
};

// Three fields and no private one: the package's imports make about two hundred members.
class Member<N extends string, T extends FieldType> implements StructField<N, T> {
  constructor(
    readonly name: N,
    readonly type: T,
    readonly size: number,
  ) {}
  /** A new struct-fu field at each read: only a struct's layout reads it, once (Struct.layout keeps what it made). */
  get layout(): Field {
    return LAYOUT[this.type](this.name, this.size);
  }
}

function field<N extends string, T extends FieldType>(name: N, type: T, size: number): StructField<N, T> {
  return new Member(name, type, size);
}

/** Little-endian (host order) integers; `*be` in network byte order. */
export const u8 = <N extends string>(name: N) => field(name, 'u8', 1);
export const u16 = <N extends string>(name: N) => field(name, 'u16', 2);
export const s16 = <N extends string>(name: N) => field(name, 's16', 2);
export const u32 = <N extends string>(name: N) => field(name, 'u32', 4);
export const s32 = <N extends string>(name: N) => field(name, 's32', 4);
export const u16be = <N extends string>(name: N) => field(name, 'u16be', 2);
export const u32be = <N extends string>(name: N) => field(name, 'u32be', 4);
/** A little-endian u64, as a bigint. */
export const u64 = <N extends string>(name: N) => field(name, 'u64', 8);
/** Padding the C struct names (__ifi_pad, ndm_pad1 ...): zero when written, skipped when read. */
export const pad = <N extends string>(name: N, bytes: number) => field(name, 'pad', bytes);

type ValueOf<T extends FieldType> = T extends 'u64' ? bigint : number;

/** The decoded object of a struct: its fields but the padding. */
export type StructValues<F extends readonly StructField[]> = {
  [P in F[number] as P['type'] extends 'pad' ? never : P['name']]: P extends StructField<string, infer T> ? ValueOf<T> : never;
};

export interface StructOptions {
  /** Fields left out are written as 0 (message headers: a request names only what it sets). */
  readonly zeroAbsent?: boolean;
  /**
   * Fewer bytes than the struct accepted on decode, as long as every field but trailing padding fits
   * (rtnl_link_ifmap has 4 bytes of tail padding on 64-bit ABIs and none on i386).
   */
  readonly minSize?: number;
}

/**
 * A declared struct: a message's fixed header (FixedHeader) and an attribute payload (Codec) at once.
 * Decoding reads the first `size` bytes and ignores more (kernels append fields to such structs).
 */
export interface Struct<V> extends Codec<V> {
  readonly name: string;
  readonly size: number;
  /**
   * @internal The struct-fu struct of the declaration (offsets, size; its unpack/pack are the
   * reference). Kept out of the published .d.ts: struct-fu ships no types.
   */
  readonly layout: ReturnType<typeof fu.struct>;
  readonly fields: readonly StructField[];
  /** Reads the struct at `at`, as the generated decoder does: one object literal. */
  decode(src: Source, at: number, end: number, siblings?: Readonly<Record<string, unknown>>): V;
  /** Writes `value`, each field checked as an integer of its width first. */
  encode(w: Writer, value: V, field: string): void;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** @internal A struct shape's accessors as messages/struct-codecs.ts holds them. */
export interface GeneratedStructCodec {
  decode(src: Source, at: number, end: number): object;
  /** Written for message headers only (StructShape.withAttributes). */
  decodeWithAttributes?(src: Source, at: number, end: number, attrs: unknown): object;
  encode(w: Writer, value: Readonly<Record<string, unknown>>, field: string): void;
}

/** Every struct declared so far, for scripts/generate-struct-codecs.mjs and its test. */
const declaredShapes: StructShape[] = [];
/** The shape of each declared struct (headerDecoder). */
const shapeOf = new WeakMap<object, StructShape>();

/** @internal A decoder of a header struct whose object also has `attrs`, as its last field. */
export type HeaderDecoder = (src: Source, at: number, end: number, attrs: unknown) => object;

/**
 * @internal For headerWithAttributes (messages/fixed-header.ts): the struct `header`'s decoder with
 * an `attrs` field (decodeSource's `withAttributes`), undefined when `header` is not a declared
 * struct. Marks its shape a header, so that scripts/generate-struct-codecs.mjs writes that
 * decoder out; made on first use, as the struct's own accessors are.
 */
export function headerDecoder(header: object): HeaderDecoder | undefined {
  const shape = shapeOf.get(header);
  if (shape === undefined) return undefined;
  shape.withAttributes = true;
  let decode: HeaderDecoder | undefined;
  return (src, at, end, attrs) => {
    decode ??= (writtenStructCodec(shapeKey(shape))?.decodeWithAttributes as HeaderDecoder | undefined) ?? (new Function(`'use strict';\nreturn ${decodeSource(shape, 'js', true)};`)() as HeaderDecoder);
    return decode(src, at, end, attrs);
  };
}

/** @internal The shapes of the structs declared so far (those of every module loaded). */
export function declaredStructShapes(): readonly StructShape[] {
  return declaredShapes;
}

/** The accessors written out at build time for `shape` (messages/struct-codecs.ts), if any. */
function writtenCodec(shape: StructShape): GeneratedStructCodec | undefined {
  return writtenStructCodec(shapeKey(shape));
}

/** `shape`'s decoder: the one written out at build time, or one generated with new Function. */
function compileDecode(shape: StructShape): Struct<object>['decode'] {
  return (writtenCodec(shape)?.decode as Struct<object>['decode'] | undefined) ?? (new Function(`'use strict';\nreturn ${decodeSource(shape, 'js')};`)() as Struct<object>['decode']);
}

/** `shape`'s encoder, as compileDecode. */
function compileEncode(shape: StructShape): Struct<object>['encode'] {
  return (
    (writtenCodec(shape)?.encode as unknown as Struct<object>['encode'] | undefined) ??
    (new Function(...ENCODE_SCOPE, `'use strict';\nreturn ${encodeSource(shape, 'js')};`)(InvalidArgumentError, isIntegerIn, integerError, u64Error) as Struct<object>['encode'])
  );
}

/** Declares a struct from its fields in C order; pads are declared, never implied. */
export function struct<const F extends readonly StructField[]>(name: string, fields: F, options: StructOptions = {}): Struct<StructValues<F>> {
  // Indexed loops: every import runs the package's declarations once, in the interpreter, where
  // for-of's iterator steps and a Set per struct cost more than the checks themselves.
  let size = 0;
  let dataEnd = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (!IDENTIFIER.test(f.name)) throw new Error(`struct ${name}: field name ${JSON.stringify(f.name)} is not a unique identifier`);
    for (let j = 0; j < i; j++) {
      if (fields[j]!.name === f.name) throw new Error(`struct ${name}: field name ${JSON.stringify(f.name)} is not a unique identifier`);
    }
    size += f.size;
    if (f.type !== 'pad') dataEnd = size;
  }
  const minSize = options.minSize ?? size;
  if (minSize < dataEnd || minSize > size) throw new Error(`struct ${name}: minSize ${minSize} must hold every field (${dataEnd}..${size} bytes)`);
  const shape: StructShape = { name, fields, minSize, zeroAbsent: options.zeroAbsent === true };
  declaredShapes.push(shape);
  type Decode = Struct<StructValues<F>>['decode'];
  type Encode = Struct<StructValues<F>>['encode'];

  // The accessors are made on first use, not when the module loads: a program sets up only the
  // structs it reads or writes. The package's own shapes were written out at build time
  // (messages/struct-codecs.ts); any other shape's are generated with new Function. The first call
  // replaces the method on the struct with the accessor.
  let decode: Decode | undefined;
  let encode: Encode | undefined;
  let layout: ReturnType<typeof fu.struct> | undefined;
  const declared: Struct<StructValues<F>> = {
    name,
    label: name,
    shape: 'value',
    nestedFlag: false,
    size,
    get layout() {
      return (layout ??= fu.struct(fields.map((f) => f.layout)));
    },
    fields,
    // Whoever kept a reference to these first methods still works: they reuse the accessor.
    decode(src, at, end) {
      declared.decode = decode ??= compileDecode(shape) as Decode;
      return decode(src, at, end);
    },
    encode(w, value, field) {
      declared.encode = encode ??= compileEncode(shape) as Encode;
      encode(w, value, field);
    },
  };
  shapeOf.set(declared, shape);
  return declared;
}

/** A struct of u32 fields in the given order (rtnl_link_stats and kin). */
export function u32Struct<const N extends readonly string[]>(name: string, names: N): Struct<{ [K in N[number]]: number }> {
  return struct(name, names.map((n) => u32(n))) as unknown as Struct<{ [K in N[number]]: number }>;
}

/** A struct of u64 counters in the given order, decoded as bigints (rtnl_link_stats64 and kin). */
export function u64Struct<const N extends readonly string[]>(name: string, names: N): Struct<{ [K in N[number]]: bigint }> {
  return struct(name, names.map((n) => u64(n))) as unknown as Struct<{ [K in N[number]]: bigint }>;
}

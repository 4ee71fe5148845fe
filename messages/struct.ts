/**
 * The one way to declare a C struct of a message: a message's fixed header (ifinfomsg, rtmsg ...)
 * or an attribute's payload (ifa_cacheinfo, rta_cacheinfo ...). Fields sit one after the other
 * (pads are declared, never implied), so offsets and size are sums of field widths; the struct-fu
 * struct of the same fields is the reference layout, made only when something asks for it (tests,
 * the benchmark): the package declares about a hundred structs, and laying each out with struct-fu
 * on every import cost more than the rest of the declarations. The accessors are generated once,
 * the first time each is used.
 *
 * Why generated accessors and not struct-fu's own unpack/pack: the route dump decodes one rtmsg per
 * route, and struct-fu's unpack walks its fields with closures into an object grown key by key,
 * from a Buffer it needs made first. The generated decoder is what one would write by hand: one
 * object literal (a single hidden class) read straight from the bytes; the encoder checks each field
 * with the project's integer check and writes it. The measurements are in bench/results/messages.md.
 * struct-fu's unpack/pack stay the reference the generated code is tested against.
 */
import fu from 'struct-fu';
import type { Field } from 'struct-fu';
import type { Codec } from './attributes/codec.js';
import { InvalidArgumentError } from './errors.js';
import { integerError, isIntegerIn, checkU64, INTEGER_RANGES } from './checks.js';
import type { Source } from './source.js';
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

class Member<N extends string, T extends FieldType> implements StructField<N, T> {
  #layout: Field | undefined;
  constructor(
    readonly name: N,
    readonly type: T,
    readonly size: number,
  ) {}
  get layout(): Field {
    return (this.#layout ??= LAYOUT[this.type](this.name, this.size));
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

const READ: Record<Exclude<FieldType, 'pad'>, (at: string) => string> = {
  u8: (at) => `b[${at}]`,
  u16: (at) => `v.getUint16(${at}, true)`,
  s16: (at) => `v.getInt16(${at}, true)`,
  u32: (at) => `v.getUint32(${at}, true)`,
  s32: (at) => `v.getInt32(${at}, true)`,
  u16be: (at) => `v.getUint16(${at}, false)`,
  u32be: (at) => `v.getUint32(${at}, false)`,
  u64: (at) => `v.getBigUint64(${at}, true)`,
};

const WRITE: Record<FieldType, string> = {
  u8: 'u8',
  u16: 'u16',
  s16: 's16',
  u32: 'u32',
  s32: 's32',
  u16be: 'u16be',
  u32be: 'u32be',
  u64: 'u64',
  pad: 'zeros',
};

const RANGE_OF: Record<Exclude<FieldType, 'pad' | 'u64'>, readonly [number, number]> = {
  u8: INTEGER_RANGES.u8,
  u16: INTEGER_RANGES.u16,
  s16: INTEGER_RANGES.s16,
  u32: INTEGER_RANGES.u32,
  s32: INTEGER_RANGES.s32,
  u16be: INTEGER_RANGES.u16,
  u32be: INTEGER_RANGES.u32,
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Declares a struct from its fields in C order; pads are declared, never implied. */
export function struct<const F extends readonly StructField[]>(name: string, fields: F, options: StructOptions = {}): Struct<StructValues<F>> {
  const names = new Set<string>();
  for (const f of fields) {
    if (!IDENTIFIER.test(f.name) || names.has(f.name)) throw new Error(`struct ${name}: field name ${JSON.stringify(f.name)} is not a unique identifier`);
    names.add(f.name);
  }
  const offsets: number[] = [];
  let size = 0;
  for (const f of fields) {
    offsets.push(size);
    size += f.size;
  }
  const minSize = options.minSize ?? size;
  const dataEnd = Math.max(0, ...fields.map((f, i) => (f.type === 'pad' ? 0 : offsets[i]! + f.size)));
  if (minSize < dataEnd || minSize > size) throw new Error(`struct ${name}: minSize ${minSize} must hold every field (${dataEnd}..${size} bytes)`);
  const data = fields.filter((f) => f.type !== 'pad');

  // The accessors are generated on first use, not when the module loads: a program compiles only the
  // structs it reads or writes, not every one the package declares on each import. The first call
  // replaces the method on the struct with the generated function.
  const compileDecode = (): Struct<StructValues<F>>['decode'] => {
    // decode: one object literal read straight from the bytes.
    const reads = fields
      .map((f, i) => (f.type === 'pad' ? undefined : `${f.name}: ${READ[f.type](`at + ${offsets[i]}`)}`))
      .filter((line) => line !== undefined);
    const decodeSource = `
    'use strict';
    return function decode(src, at, end) {
      if (end - at < ${minSize}) throw src.error(at, ${JSON.stringify(`${name} needs ${minSize} bytes, got `)} + (end - at));
      const b = src.bytes, v = src.view;
      return { ${reads.join(', ')} };
    };`;
    return new Function(decodeSource)() as Struct<StructValues<F>>['decode'];
  };

  const compileEncode = (): Struct<StructValues<F>>['encode'] => {
    // encode: every field checked (InvalidArgumentError naming it) before any byte is written.
    const checks = data.map((f, i) => {
      const x = `x${i}`;
      const get = `value.${f.name}${options.zeroAbsent ? ` ?? ${f.type === 'u64' ? '0n' : '0'}` : ''}`;
      if (f.type === 'u64') return `const ${x} = ${get}; if (typeof ${x} !== 'bigint' || ${x} < 0n || ${x} > 0xffffffffffffffffn) checkU64(${x}, field + '.${f.name}');`;
      const [min, max] = RANGE_OF[f.type as keyof typeof RANGE_OF];
      return `const ${x} = ${get}; if (!isIntegerIn(${x}, ${min}, ${max})) throw integerError(field + '.${f.name}', ${x}, ${min}, ${max});`;
    });
    const writes = fields.map((f) => {
      if (f.type === 'pad') return `w.zeros(${f.size});`;
      return `w.${WRITE[f.type]}(x${data.indexOf(f)});`;
    });
    const encodeSource = `
    'use strict';
    return function encode(w, value, field) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
        throw new InvalidArgumentError(field, value, ${JSON.stringify(`is not a ${name} object`)});
      }
      ${checks.join('\n      ')}
      ${writes.join('\n      ')}
    };`;
    return new Function('InvalidArgumentError', 'isIntegerIn', 'integerError', 'checkU64', encodeSource)(
      InvalidArgumentError,
      isIntegerIn,
      integerError,
      checkU64,
    ) as Struct<StructValues<F>>['encode'];
  };

  let decode: Struct<StructValues<F>>['decode'] | undefined;
  let encode: Struct<StructValues<F>>['encode'] | undefined;
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
    // Whoever kept a reference to these first methods still works: they reuse the generated function.
    decode(src, at, end) {
      declared.decode = decode ??= compileDecode();
      return decode(src, at, end);
    },
    encode(w, value, field) {
      declared.encode = encode ??= compileEncode();
      encode(w, value, field);
    },
  };
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

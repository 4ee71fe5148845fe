/**
 * The source text of a declared struct's decoder and encoder (messages/struct.ts), in two flavours
 * of the same code: JavaScript, for a struct made at run time with `new Function`, and TypeScript,
 * for messages/struct-codecs.ts, which scripts/generate-struct-codecs.mjs writes from the package's
 * own declarations. Code made with `new Function` is in no code cache, so every process compiles it
 * again; the written-out functions are part of the bundle and cached with it.
 */
import { INTEGER_RANGES } from './checks.js';
import type { StructField } from './struct.js';

/** What a struct's accessors depend on: two declarations of the same shape get the same code. */
export interface StructShape {
  readonly name: string;
  readonly fields: readonly StructField[];
  readonly minSize: number;
  readonly zeroAbsent: boolean;
  /**
   * A message header (headerWithAttributes in messages/fixed-header.ts): it also gets a decoder
   * whose object has `attrs` as its last field (decodeSource's `withAttributes`).
   */
  withAttributes?: boolean;
}

type Flavour = 'js' | 'ts';

const READ: Record<string, (at: string) => string> = {
  u16: (at) => `v.getUint16(${at}, true)`,
  s16: (at) => `v.getInt16(${at}, true)`,
  u32: (at) => `v.getUint32(${at}, true)`,
  s32: (at) => `v.getInt32(${at}, true)`,
  u16be: (at) => `v.getUint16(${at}, false)`,
  u32be: (at) => `v.getUint32(${at}, false)`,
  u64: (at) => `v.getBigUint64(${at}, true)`,
};

/** The C integer range of each field type the encoder checks with isIntegerIn (u64: checked as a bigint). */
export const STRUCT_FIELD_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  u8: INTEGER_RANGES.u8,
  u16: INTEGER_RANGES.u16,
  s16: INTEGER_RANGES.s16,
  u32: INTEGER_RANGES.u32,
  s32: INTEGER_RANGES.s32,
  u16be: INTEGER_RANGES.u16,
  u32be: INTEGER_RANGES.u32,
};

/** The key of a shape in messages/struct-codecs.ts: every property the generated code depends on. */
export function shapeKey(s: StructShape): string {
  return `${s.name}|${s.minSize}|${s.zeroAbsent ? 'zero-absent' : 'all'}|${s.fields.map((f) => `${f.type} ${f.name} ${f.size}`).join(',')}`;
}

function offsets(s: StructShape): number[] {
  const out: number[] = [];
  let at = 0;
  for (const f of s.fields) {
    out.push(at);
    at += f.size;
  }
  return out;
}

/**
 * The decoder: one object literal read straight from the bytes; too few bytes is src.error. With
 * `withAttributes`, decodeWithAttributes: the same with a fourth parameter, `attrs`, as the last
 * field of the literal (an object made with all its fields has room for each in itself; one added
 * after went to a separate property array, 40 bytes more per message).
 */
export function decodeSource(s: StructShape, flavour: Flavour, withAttributes = false): string {
  const at = offsets(s);
  const reads = s.fields.flatMap((f, i) => {
    if (f.type === 'pad') return [];
    const read = f.type === 'u8' ? `b[at + ${at[i]}]${flavour === 'ts' ? '!' : ''}` : READ[f.type]!(`at + ${at[i]}`);
    return [`${f.name}: ${read}`];
  });
  if (withAttributes) reads.push('attrs');
  const params = (flavour === 'ts' ? 'src: Source, at: number, end: number' : 'src, at, end') + (withAttributes ? (flavour === 'ts' ? ', attrs: unknown' : ', attrs') : '');
  // Only the views the reads use (the TypeScript flavour is compiled with noUnusedLocals).
  const data = s.fields.filter((f) => f.type !== 'pad');
  const uses = [...(data.some((f) => f.type === 'u8') ? ['b = src.bytes'] : []), ...(data.some((f) => f.type !== 'u8') ? ['v = src.view'] : [])];
  return [
    `function ${withAttributes ? 'decodeWithAttributes' : 'decode'}(${params}) {`,
    `  if (end - at < ${s.minSize}) throw src.error(at, ${JSON.stringify(`${s.name} needs ${s.minSize} bytes, got `)} + (end - at));`,
    ...(uses.length > 0 ? [`  const ${uses.join(', ')};`] : []),
    `  return { ${reads.join(', ')} };`,
    `}`,
  ].join('\n');
}

/** The encoder: every field checked (InvalidArgumentError naming it) before any byte is written. */
export function encodeSource(s: StructShape, flavour: Flavour): string {
  const data = s.fields.filter((f) => f.type !== 'pad');
  const checks = data.map((f, i) => {
    const x = `x${i}`;
    const get = `value.${f.name}${s.zeroAbsent ? ` ?? ${f.type === 'u64' ? '0n' : '0'}` : ''}`;
    const named = `field + '.${f.name}'`;
    if (f.type === 'u64') return `const ${x} = ${get}; if (typeof ${x} !== 'bigint' || ${x} < 0n || ${x} > 0xffffffffffffffffn) throw u64Error(${named}, ${x});`;
    const [min, max] = STRUCT_FIELD_RANGES[f.type]!;
    return `const ${x} = ${get}; if (!isIntegerIn(${x}, ${min}, ${max})) throw integerError(${named}, ${x}, ${min}, ${max});`;
  });
  const writes = s.fields.map((f) => (f.type === 'pad' ? `w.zeros(${f.size});` : `w.${f.type}(x${data.indexOf(f)});`));
  const params = flavour === 'ts' ? 'w: Writer, value: Readonly<Record<string, unknown>>, field: string' : 'w, value, field';
  return [
    `function encode(${params}) {`,
    `  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {`,
    `    throw new InvalidArgumentError(field, value, ${JSON.stringify(`is not a ${s.name} object`)});`,
    `  }`,
    ...checks.map((line) => `  ${line}`),
    ...writes.map((line) => `  ${line}`),
    `}`,
  ].join('\n');
}

/** The names the encoder's code refers to, in the order `new Function` is given them. */
export const ENCODE_SCOPE = ['InvalidArgumentError', 'isIntegerIn', 'integerError', 'u64Error'] as const;

const PREAMBLE = `// Generated by scripts/generate-struct-codecs.mjs from the package's struct declarations
// (messages/struct.ts): do not edit; \`node scripts/generate-struct-codecs.mjs\` writes it again, and
// test/unit/struct.test.ts fails while it differs from what the declarations make.
import { InvalidArgumentError } from './errors.js';
import { integerError, isIntegerIn, u64Error } from './checks.js';
import type { Source } from './source.js';
import type { GeneratedStructCodec } from './struct.js';
import type { Writer } from './writer.js';
`;

const indent = (text: string, by: string) => text.replace(/^(?=.)/gm, by);

/**
 * messages/struct-codecs.ts and messages/struct-codecs-later.ts for these declarations: one case per
 * shape, sorted by key, in the second file for the structs named in `later` (those only modules of
 * the package's lazily loaded part declare: scripts/later-structs.mjs), in the first for the rest,
 * whose function hands the later names to the second's. Functions rather than tables, so that
 * loading the modules makes nothing: a struct looks its shape up once, on its first use. Two files,
 * so that the package's core and the cni-bridge executable's plain engine hold the code of their
 * own structs only.
 */
export function structCodecsModules(shapes: readonly StructShape[], later: ReadonlySet<string> = new Set()): { written: string; later: string } {
  const byKey = new Map(shapes.map((s) => [shapeKey(s), s]));
  const headers = new Set(shapes.filter((s) => s.withAttributes === true).map(shapeKey));
  const cases = (keys: string[]) =>
    keys.map((key) => {
      const s = byKey.get(key)!;
      const fn = (source: string) => indent(source.replace(/^function /, ''), '        ').trimStart();
      const withAttributes = headers.has(key) ? `        ${fn(decodeSource(s, 'ts', true))},\n` : '';
      return `    case ${JSON.stringify(key)}:\n      return {\n        ${fn(decodeSource(s, 'ts'))},\n${withAttributes}        ${fn(encodeSource(s, 'ts'))},\n      };\n`;
    });
  const keys = [...byKey.keys()].sort();
  const isLater = (key: string) => later.has(byKey.get(key)!.name);
  const laterNames = [...new Set(keys.filter(isLater).map((key) => byKey.get(key)!.name))];
  const handOn = laterNames.length === 0 ? '' : `  switch (key.slice(0, key.indexOf('|'))) {\n${laterNames.map((name) => `    case ${JSON.stringify(name)}:\n`).join('')}      return laterStructCodec(key);\n  }\n`;
  const written = `${PREAMBLE}import { laterStructCodec } from './struct-codecs-later.js';

/** The decoder and encoder of the struct shape \`key\` (shapeKey in messages/struct-source.ts), if written here or in messages/struct-codecs-later.ts. */
export function writtenStructCodec(key: string): GeneratedStructCodec | undefined {
  switch (key) {
${cases(keys.filter((key) => !isLater(key))).join('')}  }
${handOn}  return undefined;
}
`;
  const laterModule = `${PREAMBLE}
/** The decoder and encoder of the struct shape \`key\` of a struct only the package's lazily loaded part declares, if written here. */
export function laterStructCodec(key: string): GeneratedStructCodec | undefined {
  switch (key) {
${cases(keys.filter(isLater)).join('')}  }
  return undefined;
}
`;
  return { written, later: laterModule };
}

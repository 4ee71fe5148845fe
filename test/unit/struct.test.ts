import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as messages from '../../messages/index.js';
import { nlmsghdr } from '../../messages/framing.js';
import { InvalidArgumentError } from '../../messages/errors.js';
import { Source } from '../../messages/source.js';
import * as C from '../../messages/struct.js';
import { writtenStructCodec } from '../../messages/struct-codecs.js';
import { shapeKey, structCodecsModules } from '../../messages/struct-source.js';
// @ts-expect-error: a build script, plain JavaScript without types
import { laterStructNames } from '../../scripts/later-structs.mjs';
import { Writer } from '../../messages/writer.js';
import { Random } from '../helpers/random-source.js';

/** Every struct declaration the package exports, with nlmsghdr. */
function structs(): Array<[string, C.Struct<Record<string, number | bigint>>]> {
  const out: Array<[string, C.Struct<Record<string, number | bigint>>]> = [['nlmsghdr', nlmsghdr as never]];
  const visit = (name: string, value: unknown) => {
    if (typeof value === 'object' && value !== null && 'layout' in value && 'fields' in value && 'size' in value) out.push([name, value as never]);
  };
  for (const [name, value] of Object.entries(messages)) {
    visit(name, value);
    if (name === 'nftables') for (const [inner, v] of Object.entries(value as object)) visit(`nftables.${inner}`, v);
  }
  return out;
}

/** struct-fu's unpack, with its u64 fields (laid out as 8 bytes) read as little-endian bigints. */
function reference(s: C.Struct<Record<string, number | bigint>>, bytes: Uint8Array): Record<string, number | bigint> {
  const raw = s.layout.unpack(Buffer.from(bytes.buffer, bytes.byteOffset, s.size)) as Record<string, unknown>;
  const out: Record<string, number | bigint> = {};
  for (const f of s.fields) {
    if (f.type === 'pad') continue;
    const v = raw[f.name];
    out[f.name] = f.type === 'u64' ? Buffer.from(v as Buffer).readBigUInt64LE(0) : (v as number);
  }
  return out;
}

const all = structs();

describe('struct declarations (struct-fu layouts, generated accessors)', () => {
  it('finds the headers and attribute structs', () => {
    const names = all.map(([n]) => n);
    for (const expected of ['ifinfomsg', 'rtmsg', 'ifaddrmsg', 'ndmsg', 'rtgenmsg', 'nftables.nfgenmsg', 'ifmap', 'rtnlLinkStats64']) expect(names).toContain(expected);
  });

  it.each(all)('%s: decodes as struct-fu unpacks, and encodes as struct-fu packs (pads zero)', (_name, s) => {
    expect(s.size).toBe(s.layout.size);
    const r = new Random(s.size * 7919 + s.fields.length);
    for (let round = 0; round < 200; round++) {
      const bytes = r.bytes(s.size + r.int(0, 8));
      const decoded = s.decode(new Source(bytes), 0, bytes.length) as Record<string, unknown>;
      expect(decoded).toEqual(reference(s, bytes));
      const w = new Writer();
      s.encode(w, decoded as never, 'value');
      const written = w.finish();
      expect(written.length).toBe(s.size);
      const packed = s.layout.pack(Object.fromEntries(s.fields.filter((f) => f.type !== 'u64').map((f) => [f.name, decoded[f.name]])));
      for (const f of s.fields) {
        const at = s.layout.fields[f.name]!.offset;
        const part = written.subarray(at, at + f.layout.size);
        if (f.type === 'pad') expect([...part].every((b) => b === 0)).toBe(true);
        else if (f.type === 'u64') expect(Buffer.from(part).readBigUInt64LE(0)).toBe(decoded[f.name]);
        else expect(Buffer.from(part)).toEqual(packed.subarray(at, at + f.layout.size));
      }
    }
  });

  it('refuses too few bytes with NetlinkDecodeError, and bad fields with InvalidArgumentError naming them', () => {
    const rtmsg = messages.rtmsg as unknown as C.Struct<Record<string, number>>;
    expect(() => rtmsg.decode(new Source(new Uint8Array(11)), 0, 11)).toThrow(/rtmsg needs 12 bytes, got 11/);
    const w = new Writer();
    expect(() => rtmsg.encode(w, { table: 256 }, 'body')).toThrow(InvalidArgumentError);
    expect(() => rtmsg.encode(w, { table: 256 }, 'body')).toThrow(/^body\.table: 256 is not a whole number from 0 to 255$/);
    expect(() => rtmsg.encode(w, { flags: 1.5 }, 'body')).toThrow(/body\.flags: 1\.5/);
    expect(() => rtmsg.encode(w, null as never, 'body')).toThrow(/body: null is not a rtmsg object/);
    // Absent header fields are 0; absent fields of an attribute struct are refused.
    w.reset();
    rtmsg.encode(w, { family: 2 }, 'body');
    expect([...w.finish()]).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const cacheinfo = messages.ifaCacheinfo as unknown as C.Struct<Record<string, number>>;
    expect(() => cacheinfo.encode(new Writer(), { prefered: 1 }, 'ci')).toThrow(/ci\.valid: undefined is not a whole number/);
  });

  it('accepts the shorter i386 rtnl_link_ifmap (28 bytes, no tail padding)', () => {
    const bytes = new Uint8Array(28).fill(1);
    expect(messages.ifmap.decode(new Source(bytes), 0, 28, {})).toMatchObject({ irq: 0x101, dma: 1, port: 1 });
    expect(() => messages.ifmap.decode(new Source(bytes), 0, 27, {})).toThrow(/needs 28 bytes/);
  });

  it('refuses a declaration whose field names repeat', () => {
    expect(() => C.struct('x', [C.u8('a'), C.u8('a')])).toThrow(/unique/);
  });

  it('generates its accessors on first use, once each, not when declared', () => {
    const original = globalThis.Function;
    let generated = 0;
    // `new Function(...)` in struct.ts looks the global up at call time: count what it generates.
    globalThis.Function = new Proxy(original, { construct: (target, args) => (generated++, Reflect.construct(target, args)) });
    try {
      const s = C.struct('lazy_probe', [C.u16('a'), C.pad('p', 2), C.u32('b')]);
      const keptDecode = s.decode;
      expect(generated).toBe(0);
      const bytes = Uint8Array.of(1, 0, 9, 9, 2, 0, 0, 0);
      expect(s.decode(new Source(bytes), 0, 8)).toEqual({ a: 1, b: 2 });
      expect(s.decode(new Source(bytes), 0, 8)).toEqual({ a: 1, b: 2 });
      expect(keptDecode.call(s, new Source(bytes), 0, 8, {})).toEqual({ a: 1, b: 2 });
      expect(generated).toBe(1);
      const w = new Writer();
      s.encode(w, { a: 3, b: 4 }, 'v');
      s.encode(w, { a: 5, b: 6 }, 'v');
      expect([...w.finish()]).toEqual([3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0]);
      expect(generated).toBe(2);
    } finally {
      globalThis.Function = original;
    }
  });

  describe('accessors written at build time (messages/struct-codecs.ts)', () => {
    const MESSAGES = new URL('../../messages/', import.meta.url);
    const modules = readdirSync(MESSAGES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    // Every module of messages/, so that every struct the package declares is declared.
    const loaded = Promise.all(modules.map((f) => import(new URL(f.replace(/\.ts$/, '.js'), MESSAGES).href)));
    const packageShapes = async () => {
      await loaded;
      return C.declaredStructShapes().filter((s) => !['lazy_probe', 'probe_copy'].some((test) => s.name.startsWith(test)));
    };

    it('is what scripts/generate-struct-codecs.mjs makes of the declarations now', async () => {
      const shapes = await packageShapes();
      expect(shapes.length).toBeGreaterThan(30);
      const made = structCodecsModules(shapes, laterStructNames(fileURLToPath(new URL('..', MESSAGES))));
      expect(readFileSync(new URL('struct-codecs.ts', MESSAGES), 'utf8')).toBe(made.written);
      expect(readFileSync(new URL('struct-codecs-later.ts', MESSAGES), 'utf8')).toBe(made.later);
    });

    it('writes the structs only the lazily loaded part declares (traffic control, rules, neighbours, nexthops, nftables) apart', async () => {
      const later = laterStructNames(fileURLToPath(new URL('..', MESSAGES))) as Set<string>;
      expect([...later].sort()).toEqual(expect.arrayContaining(['fib_rule_hdr', 'ndmsg', 'nfgenmsg', 'nhmsg', 'tcmsg', 'tcf_t', 'gnet_stats_queue']));
      for (const name of ['nlmsghdr', 'ifinfomsg', 'ifaddrmsg', 'rtmsg', 'rtgenmsg', 'struct rtnl_link_stats64', 'rta_mfc_stats']) expect(later.has(name), name).toBe(false);
      const { written, later: laterModule } = structCodecsModules(await packageShapes(), later);
      expect(written).not.toContain('"tcmsg|');
      expect(laterModule).toContain('"tcmsg|');
      expect(laterModule).not.toContain('"ifinfomsg|');
    });

    it('gives every struct of the package its written-out decoder and encoder, made by no new Function', async () => {
      const shapes = await packageShapes();
      const original = globalThis.Function;
      let generated = 0;
      globalThis.Function = new Proxy(original, { construct: (target, args) => (generated++, Reflect.construct(target, args)) });
      try {
        for (const shape of shapes) {
          expect(writtenStructCodec(shapeKey(shape)), shape.name).toBeDefined();
          // Declared again with the same shape, and used for the first time.
          const again = C.struct(shape.name, shape.fields, shape);
          const bytes = new Uint8Array(again.size);
          again.encode(new Writer(), again.decode(new Source(bytes), 0, bytes.length, {}) as never, 'value');
        }
        expect(generated).toBe(0);
      } finally {
        globalThis.Function = original;
      }
    });

    it('reads and writes the same bytes as the accessors new Function makes at run time', async () => {
      for (const shape of await packageShapes()) {
        const written = writtenStructCodec(shapeKey(shape))!;
        // Another name is another shape: this one is generated with new Function on first use.
        const copy = `probe_copy_${shape.name.replace(/\W/g, '_')}`;
        const runtime = C.struct(copy, shape.fields, shape);
        expect(writtenStructCodec(shapeKey({ ...shape, name: copy }))).toBeUndefined();
        const size = shape.fields.reduce((n, f) => n + f.size, 0);
        const r = new Random(size * 31 + shape.fields.length);
        for (let round = 0; round < 50; round++) {
          const bytes = r.bytes(size + r.int(0, 4));
          const decoded = written.decode(new Source(bytes), 0, bytes.length) as Record<string, unknown>;
          expect(runtime.decode(new Source(bytes), 0, bytes.length)).toEqual(decoded);
          const [a, b] = [new Writer(), new Writer()];
          written.encode(a, decoded, 'value');
          runtime.encode(b, decoded as never, 'value');
          expect([...a.finish()]).toEqual([...b.finish()]);
        }
        const short = new Source(new Uint8Array(shape.minSize - 1));
        expect(() => written.decode(short, 0, shape.minSize - 1)).toThrow(`${shape.name} needs ${shape.minSize} bytes, got ${shape.minSize - 1}`);
        const bad = Object.fromEntries(shape.fields.map((f) => [f.name, f.type === 'u64' ? -1n : -1.5]));
        const field = shape.fields.find((f) => f.type !== 'pad')!.name;
        expect(() => written.encode(new Writer(), bad, 'v')).toThrow(new RegExp(`^v\\.${field}: `));
        expect(() => runtime.encode(new Writer(), bad as never, 'v')).toThrow(new RegExp(`^v\\.${field}: `));
        expect(() => written.encode(new Writer(), [] as never, 'v')).toThrow(`is not a ${shape.name} object`);
      }
    });
  });
});

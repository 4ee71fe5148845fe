/**
 * scripts/class-names.mjs: a bundled class whose body names itself keeps its name (esbuild writes it
 * `var X = class _X`), with every column after it where it was, and a `_X` that is not esbuild's
 * inner name stops the build rather than being renamed.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript without declarations.
import { classNamesAsWritten } from '../../scripts/class-names.mjs';

const rename = classNamesAsWritten as (code: string, file: string) => string;

const SOURCE = `
export class Pair { static make() { return new Pair(); } is(o) { return o instanceof Pair; } }
export class Plain { x = 1; }
export class Child extends Pair { static make() { return new Child(); } }
`;

async function bundled(source: string): Promise<string> {
  const result = await build({ stdin: { contents: source, loader: 'js' }, bundle: true, format: 'cjs', platform: 'node', minifyWhitespace: true, minifySyntax: true, write: false });
  return result.outputFiles[0]!.text;
}

function load(code: string): Record<string, { name: string; make?: () => object }> {
  const module = { exports: {} as Record<string, { name: string; make?: () => object }> };
  new Function('module', 'exports', code)(module, module.exports);
  return module.exports;
}

describe('classes bundled by esbuild, named as written', () => {
  it('gives a self-naming class its own name, the same class inside its body, at the same length', async () => {
    const code = await bundled(SOURCE);
    expect(code).toMatch(/Pair=class _Pair/);
    expect(load(code).Pair!.name).toBe('_Pair');
    const named = rename(code, 'test.cjs');
    expect(named.length).toBe(code.length);
    expect(named).not.toMatch(/_Pair|_Child/);
    const { Pair, Plain, Child } = load(named);
    expect([Pair!.name, Plain!.name, Child!.name]).toEqual(['Pair', 'Plain', 'Child']);
    const made = Pair!.make!() as { is(o: unknown): boolean };
    expect(made).toBeInstanceOf(Pair as unknown as new () => object);
    expect(made.is(made)).toBe(true);
    expect(Child!.make!()).toBeInstanceOf(Child as unknown as new () => object);
  });

  it('leaves code without such a class as it is', async () => {
    const code = await bundled('export class Plain { x = 1; }');
    expect(rename(code, 'test.cjs')).toBe(code);
  });

  it("refuses a '_X' that is a property or in a string", () => {
    const base = 'var Pair=class _Pair{static make(){return new _Pair}};';
    expect(() => rename(`${base}o._Pair=1;`, 'a.cjs')).toThrow(/a\.cjs: '_Pair' appears as something other than class Pair's inner name/);
    expect(() => rename(`${base}s="_Pair";`, 'b.cjs')).toThrow(/'_Pair'/);
    expect(rename(`${base}var my_Pair=2;`, 'c.cjs')).toBe('var Pair=class Pair {static make(){return new Pair }};var my_Pair=2;');
  });
});

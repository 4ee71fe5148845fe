/**
 * scripts/bundle-lazy-part.mjs: what the core may import from its lazily loaded part (a function or a
 * primitive constant, by name), read from modules as tsc compiled them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript without types
import { coreImports, exportKinds } from '../../scripts/bundle-lazy-part.mjs';

const root = `${mkdtempSync(`${tmpdir()}/lazy-part-`)}/`;
mkdirSync(`${root}dist/lazy`, { recursive: true });
writeFileSync(`${root}dist/lazy/part.js`, 'export const TABLE = { a: 1 };\nexport const NAME = "x";\nexport const BIG = 5n;\nexport function make() { return 1; }\nexport class Thing {}\n');
writeFileSync(`${root}dist/core-fn.js`, "import { make, NAME as n } from './lazy/part.js';\nexport { BIG } from './lazy/part.js';\nexport const v = () => make() + n;\n");
writeFileSync(`${root}dist/core-table.js`, "import { TABLE } from './lazy/part.js';\nexport const t = () => TABLE;\n");
writeFileSync(`${root}dist/core-class.js`, "import { Thing } from './lazy/part.js';\nexport const t = () => new Thing();\n");
writeFileSync(`${root}dist/core-star.js`, "import * as all from './lazy/part.js';\nexport const t = () => all;\n");
writeFileSync(`${root}dist/entry.js`, "export * as part from './lazy/part.js';\n");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lazy = (path: string): boolean => path.startsWith('lazy/');

describe('the lazily loaded part of the bundle', () => {
  it('knows a module\'s exports as functions, primitive constants (their source text) or neither', async () => {
    expect(await exportKinds(root, 'lazy/part.ts')).toEqual({ TABLE: 'other', NAME: { literal: '"x"' }, BIG: { literal: '5n' }, make: 'function', Thing: 'other' });
  });

  it('lets the core import functions and primitive constants by name, and says which', async () => {
    const kinds = { 'lazy/part.ts': await exportKinds(root, 'lazy/part.ts') };
    const used = coreImports(root, { 'core-fn.ts': {}, 'entry.ts': {}, 'lazy/part.ts': {} }, lazy, kinds, ['lazy/part.ts']) as Map<string, Set<string>>;
    expect([...used.get('lazy/part.ts')!].sort()).toEqual(['BIG', 'NAME', 'make']);
  });

  it('fails the build when the core imports an object, a class or the whole module, which it could not have before loading the part', async () => {
    const kinds = { 'lazy/part.ts': await exportKinds(root, 'lazy/part.ts') };
    expect(() => coreImports(root, { 'core-table.ts': {} }, lazy, kinds, [])).toThrow(/core-table\.ts: TABLE from lazy\/part\.ts \(neither a function nor a primitive\)/);
    expect(() => coreImports(root, { 'core-class.ts': {} }, lazy, kinds, [])).toThrow(/Thing from lazy\/part\.ts/);
    expect(() => coreImports(root, { 'core-star.ts': {} }, lazy, kinds, [])).toThrow(/\* as all from lazy\/part\.ts/);
    // An entry's namespace re-export is read from the part itself, unless it is not one of the entries'.
    expect(() => coreImports(root, { 'entry.ts': {} }, lazy, kinds, [])).toThrow(/\* as part from lazy\/part\.ts/);
  });
});

/**
 * scripts/bundle-lazy.mjs's loaderReady shortens a bundle's local names (fewer bytes read and copied
 * at every load) and nothing a program can see: functions and classes keep their `name`, also those
 * named by the variable they are assigned to, and an error's stack still maps to the source line.
 * Needs the build (dist/bin/commonjs-wrapper.js).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderReadyBundle } from '../helpers/loader-ready.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const SOURCE = `export function declaredFunction(longParameterName: number): number {
  const someLocalVariable = longParameterName * 2;
  return someLocalVariable + 1;
}
export const arrowAssigned = (anotherLongParameter: string) => anotherLongParameter.length;
export const ClassExpression = class {
  static made = 0;
};
export class DeclaredClass {
  method(methodParameterName: number): number {
    return methodParameterName;
  }
}
export function innerNames(): string[] {
  const innerArrow = () => 1;
  let reassignedLater;
  reassignedLater = function () {};
  return [innerArrow.name, reassignedLater.name];
}
export function thrower(): never {
  throw new Error('thrown on line 21');
}
`;

// Skipped in a checkout whose node_modules predate terser (the build then warns and keeps the names).
describe.skipIf(!existsSync(`${root}dist/bin/commonjs-wrapper.js`) || !existsSync(`${root}node_modules/terser/package.json`))('a bundle made loader-ready: local names', () => {
  let dir = '';
  let file = '';
  beforeAll(async () => {
    ({ dir, file } = await loaderReadyBundle(SOURCE, 'names'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are shortened: parameters and local variables', () => {
    const text = readFileSync(file, 'latin1');
    for (const name of ['longParameterName', 'someLocalVariable', 'anotherLongParameter', 'methodParameterName']) expect(text.includes(name), name).toBe(false);
  });

  it('leave every function and class its name, and stack traces their source lines', () => {
    const code = `const m = require(${JSON.stringify(file)});
let line;
try { m.thrower(); } catch (error) { line = error.stack.split('\\n')[1]; }
console.log(JSON.stringify({
  names: [m.declaredFunction.name, m.arrowAssigned.name, m.ClassExpression.name, m.DeclaredClass.name, m.thrower.name, ...m.innerNames()],
  values: [m.declaredFunction(2), m.arrowAssigned('abc'), new m.DeclaredClass().method(7), m.ClassExpression.made],
  line,
}));`;
    const r = spawnSync(process.execPath, ['--enable-source-maps', '-e', code], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { names: string[]; values: number[]; line: string };
    expect(out.names).toEqual(['declaredFunction', 'arrowAssigned', 'ClassExpression', 'DeclaredClass', 'thrower', 'innerArrow', 'reassignedLater']);
    expect(out.values).toEqual([5, 3, 7, 0]);
    expect(out.line).toMatch(/at (Object\.)?thrower \(.*names\.ts:21:/);
  });
});

/**
 * The module wrapper the build writes into the bundles (scripts/bundle-lazy.mjs's loaderReady,
 * bin/commonjs-wrapper.ts): bin/run-bundle.ts compiles such a file as it is, Node's require still
 * runs it as a CommonJS module, and its source map still points at the right lines. Needs the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderReadyBundle } from '../helpers/loader-ready.js';
import { scriptSource, wrapAtRunTime, WRITTEN_HEAD, WRITTEN_TAIL } from '../../bin/commonjs-wrapper.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(`${root}dist/bin/commonjs-wrapper.js`);

const SOURCE = `export const answer: number = 42;

export function boom(): never {
  throw new Error('boom from line 4');
}

/** The frame that ran the module's top level. */
export const caller = new Error().stack!.split('\\n')[2];
`;

describe('scriptSource', () => {
  it('takes a file with the written wrapper as it is, and wraps any other', () => {
    const written = `${WRITTEN_HEAD}exports.a = 1;${WRITTEN_TAIL}`;
    expect(scriptSource(written)).toBe(written);
    expect(scriptSource('exports.a = 1;')).toBe(wrapAtRunTime('exports.a = 1;'));
  });
});

describe.skipIf(!built)('a bundle made loader-ready', () => {
  let dir = '';
  let file = '';
  beforeAll(async () => {
    ({ dir, file } = await loaderReadyBundle(SOURCE, 'small'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const node = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH, TMPDIR: dir, ...env }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r;
  };

  it('holds the wrapper, its head on a line of its own', () => {
    const text = readFileSync(file, 'latin1');
    expect(text.startsWith(WRITTEN_HEAD)).toBe(true);
    expect(WRITTEN_HEAD.indexOf('\n')).toBe(WRITTEN_HEAD.length - 1);
    expect(text.endsWith(WRITTEN_TAIL)).toBe(true);
  });

  it("runs under Node's require as a CommonJS module, its source map naming the source's lines", () => {
    const code = `const m = require(${JSON.stringify(file)}); try { m.boom(); } catch (e) { process.stdout.write(JSON.stringify([m.answer, e.stack.split('\\n')[1]])); }`;
    const [answer, frame] = JSON.parse(node(['--enable-source-maps', '-e', code]).stdout) as [number, string];
    expect(answer).toBe(42);
    expect(frame).toMatch(/small\.ts:4:\d+\)$/);
  });

  it('is run by bin/run-bundle.ts as it is, with a code cache V8 accepts', () => {
    const code = `import { runBundle } from ${JSON.stringify(`${root}dist/bin/run-bundle.js`)};
import { keepCodeCache } from ${JSON.stringify(`${root}dist/bin/keep-code-cache.js`)};
const run = runBundle(${JSON.stringify(file)});
keepCodeCache(run, 'loaded');
const m = run.exports;
process.stdout.write(JSON.stringify([m.answer, m.caller]));`;
    const first = node(['--input-type=module', '-e', code], { NODE_DEBUG: 'netns-rtnl' });
    // The loader called the module's function itself: no wrapper of its own around the file's.
    expect(JSON.parse(first.stdout)).toEqual([42, expect.stringMatching(/^ +at runBundle \(/)]);
    expect(first.stderr).toMatch(/: none, written$/m);
    const next = node(['--input-type=module', '-e', code], { NODE_DEBUG: 'netns-rtnl' });
    expect(JSON.parse(next.stdout)[0]).toBe(42);
    expect(next.stderr).toMatch(/: accepted, generation 0$/m);
  });
});

/**
 * bin/code-cache.ts: the cache file (header, atomic write, earlier builds removed, a safe
 * directory only) and the rule for rewriting it at exit, in a temporary directory.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cacheFile, countsWork, GROWTH_REWRITES, GROWTH_WORK_MS, grownSize, readCache, REWRITES, rewriteAtExit, STALE_MS, v8FlagsKey, WORK_MS, writeCache, type CacheFile,
} from '../../bin/code-cache.js';

const uid = process.getuid?.() ?? 0;
const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory with a stand-in bundle file in it. */
function place(): { base: string; bundle: string } {
  const base = mkdtempSync(join(tmpdir(), 'code-cache-file-test-'));
  made.push(base);
  const bundle = join(base, 'bundle.cjs');
  writeFileSync(bundle, 'module.exports = 1;\n');
  return { base, bundle };
}

function cacheOf(bundle: string, base: string): CacheFile {
  const cache = cacheFile(bundle, uid, base);
  if (cache === undefined) throw new Error('no cache place');
  return cache;
}

describe('the code cache file', () => {
  it('is made in a directory of the user only, named for the build and the Node version', () => {
    const { base, bundle } = place();
    const cache = cacheOf(bundle, base);
    expect(cache.dir).toBe(join(base, `netns-rtnl-code-cache-${uid}`));
    expect(statSync(cache.dir).mode & 0o777).toBe(0o700);
    expect(cache.name.startsWith(cache.build)).toBe(true);
    expect(cache.build.startsWith(cache.file)).toBe(true);
    expect(cache.name.endsWith(`-${process.version}-${process.arch}.bin`)).toBe(true);
  });

  it("is named for the process's V8 flags too: a file per set of flags, Node's own options and -e's code aside", () => {
    const { base, bundle } = place();
    const named = (options: string[]) => cacheFile(bundle, uid, base, options)!.name;
    const plain = named([]);
    expect(named(['--input-type=module', '-e', 'await import("x")', '--enable-source-maps', '--cpu-prof'])).toBe(plain);
    const semi = named(['--min-semi-space-size=16']);
    expect(semi).not.toBe(plain);
    expect(named(['--input-type=module', '--min-semi-space-size=16'])).toBe(semi);
    expect(named(['--min-semi-space-size=32'])).not.toBe(semi);
    const cache = cacheOf(bundle, base);
    expect(semi.startsWith(cache.build)).toBe(true);
    expect(semi.endsWith(`-${process.version}-${process.arch}.bin`)).toBe(true);
    expect(v8FlagsKey([])).toBe('');
    expect(v8FlagsKey(['--stack-size=900'])).toMatch(/^v8-[0-9a-f]{8}-$/);
    expect(v8FlagsKey(['--input-type=module', '-e', '0', '--experimental-vm-modules', '--no-warnings', '--cpu-prof-dir=/tmp', '--watch'])).toBe('');
    expect(v8FlagsKey(['-e', '--max-old-space-size=64'])).toBe(v8FlagsKey(['--max-old-space-size=64']));
    // Both are this build's: writing one leaves the other.
    writeCache({ ...cache, name: plain }, Buffer.from('plain'), 0);
    writeCache({ ...cache, name: semi }, Buffer.from('semi'), 0);
    expect(readdirSync(cache.dir).sort()).toEqual([plain, semi].sort());
  });

  it('is named for a variant too, when one is given: a file per kind of process, each kept when the other is written', () => {
    const { base, bundle } = place();
    const plain = cacheOf(bundle, base);
    const add = cacheFile(bundle, uid, base, [], 'ADD')!;
    const del = cacheFile(bundle, uid, base, [], 'DEL')!;
    expect(add.name).toBe(`${plain.build}ADD-${process.version}-${process.arch}.bin`);
    expect(del.name).toBe(`${plain.build}DEL-${process.version}-${process.arch}.bin`);
    expect(cacheFile(bundle, uid, base, [], '')!.name).toBe(plain.name);
    expect(cacheFile(bundle, uid, base, ['--min-semi-space-size=16'], 'ADD')!.name).toMatch(new RegExp(`^${plain.build}ADD-v8-[0-9a-f]{8}-`));
    for (const wrong of ['../x', 'a.b', 'a-b', 'x/y', ' ']) expect(() => cacheFile(bundle, uid, base, [], wrong), wrong).toThrow(RangeError);
    writeCache(add, Buffer.from('add'), 0);
    writeCache(del, Buffer.from('del'), 0);
    writeCache(plain, Buffer.from('plain'), 0);
    expect(readdirSync(plain.dir).sort()).toEqual([add.name, del.name, plain.name].sort());
    expect(readCache(add)!.data.toString()).toBe('add');
  });

  it('has no place in a directory others can write, or that is not a directory', () => {
    const { base, bundle } = place();
    const dir = join(base, `netns-rtnl-code-cache-${uid}`);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect(cacheFile(bundle, uid, base)).toBeUndefined();
    rmSync(dir, { recursive: true });
    writeFileSync(dir, '');
    expect(cacheFile(bundle, uid, base)).toBeUndefined();
  });

  it('reads back what was written, with its generation, from a file only the user can read', () => {
    const { base, bundle } = place();
    const cache = cacheOf(bundle, base);
    expect(readCache(cache)).toBeUndefined();
    const data = Buffer.from('v8 code cache data');
    writeCache(cache, data, 3);
    const read = readCache(cache);
    expect(read?.data.equals(data)).toBe(true);
    expect(read?.generation).toBe(3);
    expect(read?.oneOff).toBe(false);
    expect(read?.writtenMs).toBe(statSync(join(cache.dir, cache.name)).mtimeMs);
    expect(statSync(join(cache.dir, cache.name)).mode & 0o777).toBe(0o600);
    // Nothing but the file itself is left (the temporary was renamed into place).
    expect(readdirSync(cache.dir)).toEqual([cache.name]);
  });

  it('reads back the mark of a cache written by a call that ran one-off code', () => {
    const { base, bundle } = place();
    const cache = cacheOf(bundle, base);
    writeCache(cache, Buffer.from('with the bridge creation'), 0, true);
    expect(readCache(cache)?.oneOff).toBe(true);
    writeCache(cache, Buffer.from('without'), 0);
    expect(readCache(cache)?.oneOff).toBe(false);
  });

  it('keeps the generation within its byte', () => {
    const { base, bundle } = place();
    const cache = cacheOf(bundle, base);
    writeCache(cache, Buffer.from('x'), 1000);
    expect(readCache(cache)?.generation).toBe(255);
  });

  it('is not read when it is not of this format (a file without the header, or only the header)', () => {
    const { base, bundle } = place();
    const cache = cacheOf(bundle, base);
    writeFileSync(join(cache.dir, cache.name), 'not a code cache of this format');
    expect(readCache(cache)).toBeUndefined();
    writeCache(cache, Buffer.alloc(0), 1);
    expect(readCache(cache)).toBeUndefined();
  });

  it('of an earlier build of the same file is removed when the new build writes its own; other files stay', () => {
    const { base, bundle } = place();
    const old = cacheOf(bundle, base);
    writeCache(old, Buffer.from('old build'), 0);
    const other = place();
    const otherCache = cacheOf(other.bundle, base);
    writeCache(otherCache, Buffer.from('another bundle'), 0);
    writeFileSync(bundle, 'module.exports = 2; // rebuilt\n');
    utimesSync(bundle, new Date(), new Date(Date.now() + 5000));
    const rebuilt = cacheOf(bundle, base);
    expect(rebuilt.name).not.toBe(old.name);
    writeCache(rebuilt, Buffer.from('new build'), 0);
    expect(readdirSync(rebuilt.dir).sort()).toEqual([otherCache.name, rebuilt.name].sort());
    expect(readFileSync(join(rebuilt.dir, rebuilt.name)).subarray(8).toString()).toBe('new build');
  });

  it("never writes into a temporary file that exists (another writer's of the same pid): that write fails, the cache stays whole", () => {
    const { base, bundle } = place();
    const cache = cacheOf(bundle, base);
    writeCache(cache, Buffer.from('first'), 0);
    const temporary = join(cache.dir, `${cache.name}.${process.pid}`);
    writeFileSync(temporary, 'half of another writer');
    expect(() => writeCache(cache, Buffer.from('second'), 1)).toThrow();
    expect(readCache(cache)?.data.toString()).toBe('first');
    // The failed write took the leftover away: the next one goes through.
    writeCache(cache, Buffer.from('second'), 1);
    expect(readCache(cache)?.data.toString()).toBe('second');
    expect(readdirSync(cache.dir)).toEqual([cache.name]);
  });

  it('leaves no temporary file behind when the write fails', () => {
    const { base, bundle } = place();
    const cache = cacheOf(bundle, base);
    // The rename cannot replace a directory.
    mkdirSync(join(cache.dir, cache.name));
    expect(() => writeCache(cache, Buffer.from('data'), 0)).toThrow();
    expect(readdirSync(cache.dir)).toEqual([cache.name]);
  });
});

describe('the rule for rewriting the cache at exit', () => {
  const busy = WORK_MS;
  it('leaves it alone for a process that did next to nothing after loading, however young the cache', () => {
    expect(rewriteAtExit({ generation: 0, ageMs: 0, workMs: 0 })).toBe(false);
    expect(rewriteAtExit({ generation: 0, ageMs: STALE_MS, workMs: busy - 1 })).toBe(false);
  });

  it('rewrites it for each of the first REWRITES processes that worked after a build', () => {
    for (let generation = 0; generation < REWRITES; generation++) {
      expect(rewriteAtExit({ generation, ageMs: 0, workMs: busy })).toBe(true);
    }
  });

  it("rewrites it at every exit of the executable's calls until it is settled, whatever they did after loading", () => {
    for (let generation = 0; generation < REWRITES; generation++) {
      expect(rewriteAtExit({ generation, ageMs: 0, workMs: 0 }, true)).toBe(true);
    }
    expect(rewriteAtExit({ generation: REWRITES, ageMs: 0, workMs: busy * 100 }, true)).toBe(false);
    expect(rewriteAtExit({ generation: REWRITES, ageMs: STALE_MS, workMs: 0 }, true)).toBe(false);
    expect(rewriteAtExit({ generation: REWRITES, ageMs: STALE_MS, workMs: busy }, true)).toBe(true);
  });

  it('then only once it is STALE_MS old', () => {
    expect(rewriteAtExit({ generation: REWRITES, ageMs: 0, workMs: busy * 100 })).toBe(false);
    expect(rewriteAtExit({ generation: REWRITES, ageMs: STALE_MS - 1, workMs: busy })).toBe(false);
    expect(rewriteAtExit({ generation: REWRITES, ageMs: STALE_MS, workMs: busy })).toBe(true);
    expect(rewriteAtExit({ generation: 255, ageMs: STALE_MS * 2, workMs: busy })).toBe(true);
  });
});

describe('the check at exit of a settled cache against what the process ran', () => {
  const held = 400_000;
  it('is made by a process that worked GROWTH_WORK_MS after loading a settled cache, for GROWTH_REWRITES generations', () => {
    for (let generation = REWRITES; generation < REWRITES + GROWTH_REWRITES; generation++) {
      expect(grownSize({ generation, ageMs: 0, workMs: GROWTH_WORK_MS }, held)).toBeGreaterThan(held);
    }
    expect(grownSize({ generation: REWRITES + GROWTH_REWRITES, ageMs: 0, workMs: GROWTH_WORK_MS * 10 }, held)).toBe(0);
  });

  it('is not made by a process that worked less, nor before the cache is settled (rewriteAtExit rewrites it then)', () => {
    expect(grownSize({ generation: REWRITES, ageMs: 0, workMs: GROWTH_WORK_MS - 1 }, held)).toBe(0);
    expect(grownSize({ generation: REWRITES, ageMs: STALE_MS, workMs: WORK_MS }, held)).toBe(0);
    for (let generation = 0; generation < REWRITES; generation++) {
      expect(grownSize({ generation, ageMs: 0, workMs: GROWTH_WORK_MS * 10 }, held)).toBe(0);
    }
  });

  it('asks for a sixty-fourth more than the cache loaded, and never less than 4 KB more', () => {
    const settled = { generation: REWRITES, ageMs: 0, workMs: GROWTH_WORK_MS };
    expect(grownSize(settled, 400_000)).toBe(406_250);
    expect(grownSize(settled, 10_000)).toBe(14_096);
  });
});

describe('whether a process counts its work after loading', () => {
  const states = [0, REWRITES - 1, REWRITES, 255].flatMap((generation) => [0, STALE_MS - 1, STALE_MS].map((ageMs) => ({ generation, ageMs })));

  it("always for the entry points' bundles (rewriteAtExit and grownSize look at it)", () => {
    for (const { generation, ageMs } of states) expect(countsWork(generation, ageMs, false)).toBe(true);
  });

  it("for the executable exactly where rewriteAtExit's answer depends on the work", () => {
    for (const { generation, ageMs } of states) {
      const depends = rewriteAtExit({ generation, ageMs, workMs: 0 }, true) !== rewriteAtExit({ generation, ageMs, workMs: WORK_MS * 10 }, true);
      expect(countsWork(generation, ageMs, true), `generation ${generation}, age ${ageMs}`).toBe(depends);
    }
  });
});

/**
 * The package's code cache (bin/run-bundle.ts reads it, bin/keep-code-cache.ts writes it), as the built package uses it: a fresh Node
 * importing `netns-rtnl` with its own TMPDIR; and the rule for rewriting it at exit
 * (bin/code-cache.ts), with a small bundle loaded through the built loader. Needs the build.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GROWTH_REWRITES, GROWTH_WORK_MS, HEADER, REWRITES, STALE_MS, temporaryDirectory, WORK_MS } from '../../bin/code-cache.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(`${root}dist/bundle/netns-rtnl.cjs`);
const uid = process.getuid?.() ?? 0;
const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'code-cache-test-'));
  made.push(dir);
  return dir;
}

/** Imports the package in a fresh Node with this TMPDIR; returns how many names it exports and what the loader reported (NODE_DEBUG=netns-rtnl). */
function importReporting(tmp: string, env: Record<string, string> = {}): { names: number; report: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import('netns-rtnl'); process.stdout.write(String(Object.keys(m).length));`], {
    cwd: root,
    env: { PATH: process.env.PATH, TMPDIR: tmp, NODE_DEBUG: 'netns-rtnl', ...env },
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  return { names: Number(r.stdout), report: r.stderr };
}

/** The same, for tests that expect nothing on stderr. */
function importWith(tmp: string, env: Record<string, string> = {}): number {
  const { names, report } = importReporting(tmp, { NODE_DEBUG: '', ...env });
  expect(report).toBe('');
  return names;
}

const cacheDir = (tmp: string) => join(tmp, `netns-rtnl-code-cache-${uid}`);

describe.skipIf(!built)('the code cache of the package bundle', () => {
  it('is written on the first import into a directory of the user only, and used by the next', () => {
    const tmp = freshTmp();
    const first = importReporting(tmp);
    const names = first.names;
    expect(names).toBeGreaterThan(5);
    expect(first.report).toMatch(/^NETNS-RTNL \d+: code cache \S+\.bin: none, written$/m);
    const dir = cacheDir(tmp);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file, ...more] = readdirSync(dir);
    expect(more).toEqual([]);
    expect(file).toMatch(new RegExp(`-${process.version}-${process.arch}\\.bin$`));
    const written = statSync(join(dir, file!));
    expect(written.mode & 0o777).toBe(0o600);
    const next = importReporting(tmp);
    expect(next.names).toBe(names);
    // Whether it is written again at exit depends on the CPU time the import took after loading (bin/code-cache.ts's rule), not on V8.
    expect(next.report).toMatch(new RegExp(`^NETNS-RTNL \\d+: code cache ${file!.replaceAll('.', '\\.')}: accepted, generation 0$`, 'm'));
  });

  it('is kept apart for processes started with other V8 flags, so that neither replaces the other', () => {
    const tmp = freshTmp();
    const names = importWith(tmp);
    const dir = cacheDir(tmp);
    const [plain] = readdirSync(dir);
    const withFlag = () => {
      const r = spawnSync(process.execPath, ['--min-semi-space-size=16', '--input-type=module', '-e', `const m = await import('netns-rtnl'); process.stdout.write(String(Object.keys(m).length));`], {
        cwd: root,
        env: { PATH: process.env.PATH, TMPDIR: tmp },
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      return Number(r.stdout);
    };
    expect(withFlag()).toBe(names);
    expect(importWith(tmp)).toBe(names);
    expect(withFlag()).toBe(names);
    const files = readdirSync(dir);
    expect(files).toHaveLength(2);
    expect(files).toContain(plain);
    expect(files.find((f) => f !== plain)).toMatch(new RegExp(`-v8-[0-9a-f]{8}-${process.version}-${process.arch}\\.bin$`));
  });

  it('is replaced when it is not one of ours or V8 refuses it', () => {
    const tmp = freshTmp();
    const names = importWith(tmp);
    const dir = cacheDir(tmp);
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), 'not a code cache');
    expect(importWith(tmp)).toBe(names);
    expect(statSync(join(dir, file!)).size).toBeGreaterThan(1000);
    // A cache of the right format that V8 refuses (another build's data) is replaced too.
    const real = readFileSync(join(dir, file!));
    real[HEADER + 12] = real[HEADER + 12]! ^ 0xff;
    writeFileSync(join(dir, file!), real);
    const refused = importReporting(tmp);
    expect(refused.names).toBe(names);
    expect(refused.report).toMatch(/: rejected by V8, written$/m);
    expect(importReporting(tmp).report).toMatch(/: accepted, generation 0$/m);
  });

  it('is left out with --enable-source-maps, so that stack traces name the TypeScript sources', () => {
    const tmp = freshTmp();
    const r = spawnSync(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', `const { Namespace } = await import('netns-rtnl'); await Namespace.open('no/such').catch((e) => process.stdout.write(e.stack));`],
      { cwd: root, env: { PATH: process.env.PATH, TMPDIR: tmp }, encoding: 'utf8' },
    );
    expect(r.stdout).toMatch(/lib\/[\w/-]+\.ts:\d+/);
    expect(existsSync(cacheDir(tmp))).toBe(false);
  });

  it('is not used in a directory others can write, nor with NODE_DISABLE_COMPILE_CACHE=1', () => {
    const open = freshTmp();
    mkdirSync(cacheDir(open));
    chmodSync(cacheDir(open), 0o777);
    importWith(open);
    expect(readdirSync(cacheDir(open))).toEqual([]);

    const disabled = freshTmp();
    importWith(disabled, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(existsSync(cacheDir(disabled))).toBe(false);
  });
});

/** A bundle whose `work` is compiled only when called, and keeps the CPU busy for `ms` of CPU time. */
const SMALL_BUNDLE = `
exports.loaded = true;
exports.work = function work(ms) {
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const start = cpu();
  let spins = 0;
  while (cpu() - start < ms) spins = spinOnce(spins);
  return spins;
};
function spinOnce(n) { return (n + 1) % 1000003; }
`;

/**
 * Code for a fresh Node that defines `loadBundle(file, cacheWhen, loaded)` as the package's loaders
 * load a bundle: run with the cache read (bin/run-bundle.ts), then the cache kept
 * (bin/keep-code-cache.ts, which the package's first bundles carry), and `baselineOffWhileCaching`.
 */
const LOADER = `const { runBundle } = await import(${JSON.stringify(`${root}dist/bin/run-bundle.js`)});
const { keepCodeCache, baselineOffWhileCaching } = await import(${JSON.stringify(`${root}dist/bin/keep-code-cache.js`)});
function loadBundle(file, cacheWhen = 'loaded', loaded = {}) {
  const run = runBundle(file, loaded);
  if (run.cache !== undefined) keepCodeCache(run, cacheWhen);
  return run.exports;
}
`;

interface Small {
  tmp: string;
  bundle: string;
}

function smallBundle(): Small {
  const tmp = freshTmp();
  const bundle = join(tmp, 'small.cjs');
  writeFileSync(bundle, SMALL_BUNDLE);
  return { tmp, bundle };
}

/**
 * Loads the small bundle in a fresh Node through the built loader; with `workMs`, works that long
 * (CPU) after loading it, in the event loop's next turn (`busyFirst`: also that long in the turn of
 * the load, as V8's garbage collection after a large load can be; `run: 'more'`: calling first every
 * function of a bundle that has `more`).
 */
function loadSmall({ tmp, bundle }: Small, options: { workMs?: number; busyFirst?: number; when?: 'loaded' | 'exit'; run?: 'more' } = {}): void {
  const busy = options.busyFirst === undefined ? '' : `m.work(${options.busyFirst});`;
  const more = options.run === 'more' ? `m.more.forEach((f) => f(1));` : '';
  const work = `${busy}${options.workMs === undefined ? '' : `setImmediate(() => { ${more}m.work(${options.workMs}); });`}`;
  const code = `${LOADER}const m = loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(options.when ?? 'loaded')});
if (m.loaded !== true) throw new Error('not loaded');
${work}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { PATH: process.env.PATH, TMPDIR: tmp }, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

/** The small bundle's cache file: its generation, size and contents. */
function smallCache(tmp: string): { path: string; generation: number; size: number; bytes: Buffer } {
  const dir = cacheDir(tmp);
  const [file, ...more] = readdirSync(dir);
  expect(more).toEqual([]);
  const path = join(dir, file!);
  const bytes = readFileSync(path);
  return { path, generation: bytes[5]!, size: bytes.length, bytes };
}

const WORKED = WORK_MS * 3;

/** The small bundle with 200 functions no settling process calls: their data, once run, is far above the growth bound. */
function smallBundleWithMore(): Small {
  const small = smallBundle();
  writeFileSync(small.bundle, `${SMALL_BUNDLE}\nexports.more = [${Array.from({ length: 200 }, (_, i) => `function more${i}(x) { return [x, ${i}, 'more${i}'].join('/'); }`).join(',\n')}];\n`);
  return small;
}

describe.skipIf(!built)('the rule for rewriting the code cache at exit', () => {
  it('leaves the cache of a process that only loaded the bundle as it is', () => {
    const small = smallBundle();
    loadSmall(small);
    const first = smallCache(small.tmp);
    expect(first.generation).toBe(0);
    loadSmall(small);
    expect(smallCache(small.tmp).bytes.equals(first.bytes)).toBe(true);
  });

  it('leaves it as it is when the process spent CPU only in the turn of the load, as V8 collecting garbage right after a load does', () => {
    const small = smallBundle();
    loadSmall(small);
    const first = smallCache(small.tmp);
    loadSmall(small, { busyFirst: WORKED });
    expect(smallCache(small.tmp).bytes.equals(first.bytes)).toBe(true);
  });

  it('rewrites it at the exit of a process that worked after loading, with the functions that process ran', () => {
    const small = smallBundle();
    loadSmall(small);
    const thin = smallCache(small.tmp);
    loadSmall(small, { workMs: WORKED });
    const rich = smallCache(small.tmp);
    expect(rich.generation).toBe(1);
    // `work` and `spinOnce`, compiled on their first call, are in it now.
    expect(rich.size).toBeGreaterThan(thin.size);
  });

  it('keeps what earlier processes ran when a later one rewrites it', () => {
    const small = smallBundle();
    loadSmall(small, { workMs: WORKED });
    const rich = smallCache(small.tmp);
    expect(rich.generation).toBe(1);
    // This process calls nothing of the bundle, yet works: the functions it loaded from the cache stay in.
    const code = `${LOADER}loadBundle(${JSON.stringify(small.bundle)});
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
setImmediate(() => {
  const start = cpu();
  while (cpu() - start < ${WORKED});
});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { PATH: process.env.PATH, TMPDIR: small.tmp }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const after = smallCache(small.tmp);
    expect(after.generation).toBe(2);
    expect(after.size).toBeGreaterThanOrEqual(rich.size);
  });

  it('stops rewriting after REWRITES processes that worked, until the cache is STALE_MS old', () => {
    const small = smallBundle();
    loadSmall(small);
    for (let i = 1; i <= REWRITES; i++) {
      loadSmall(small, { workMs: WORKED });
      expect(smallCache(small.tmp).generation).toBe(i);
    }
    const settled = smallCache(small.tmp);
    const writtenMs = statSync(settled.path).mtimeMs;
    loadSmall(small, { workMs: WORKED });
    expect(statSync(settled.path).mtimeMs).toBe(writtenMs);
    expect(smallCache(small.tmp).bytes.equals(settled.bytes)).toBe(true);
    const old = new Date(Date.now() - STALE_MS - 60_000);
    utimesSync(settled.path, old, old);
    loadSmall(small, { workMs: WORKED });
    expect(smallCache(small.tmp).generation).toBe(REWRITES + 1);
    expect(statSync(settled.path).mtimeMs).toBeGreaterThan(old.getTime());
  });

  it('rewrites a settled cache when a process that worked GROWTH_WORK_MS ran much it lacked, GROWTH_REWRITES times per build', () => {
    const small = smallBundleWithMore();
    loadSmall(small);
    for (let i = 1; i <= REWRITES; i++) loadSmall(small, { workMs: WORKED });
    const settled = smallCache(small.tmp);
    expect(settled.generation).toBe(REWRITES);
    // Worked long, ran nothing new: checked, not written.
    loadSmall(small, { workMs: GROWTH_WORK_MS + WORKED });
    expect(smallCache(small.tmp).bytes.equals(settled.bytes)).toBe(true);
    // Ran the new functions, but worked too little to check.
    loadSmall(small, { workMs: WORKED, run: 'more' });
    expect(smallCache(small.tmp).bytes.equals(settled.bytes)).toBe(true);
    loadSmall(small, { workMs: GROWTH_WORK_MS + WORKED, run: 'more' });
    const grown = smallCache(small.tmp);
    expect(grown.generation).toBe(REWRITES + 1);
    expect(grown.size).toBeGreaterThan(settled.size + 4096);
  });

  it('stops those rewrites after GROWTH_REWRITES', () => {
    const small = smallBundleWithMore();
    loadSmall(small);
    const settled = smallCache(small.tmp);
    // A cache marked as at the last of those generations (its data unchanged: V8 reads only the data).
    const last = Buffer.from(settled.bytes);
    last[5] = REWRITES + GROWTH_REWRITES;
    writeFileSync(settled.path, last);
    // What grew the cache one generation earlier (the test above) leaves this one as it is.
    loadSmall(small, { workMs: GROWTH_WORK_MS + WORKED, run: 'more' });
    expect(smallCache(small.tmp).bytes.equals(last)).toBe(true);
  });

  it("writes a missing cache only at exit when asked to ('exit'), even for a process that did nothing after loading", () => {
    const small = smallBundle();
    loadSmall(small, { when: 'exit' });
    expect(smallCache(small.tmp).generation).toBe(0);
  });

  it('is not written with NODE_DISABLE_COMPILE_CACHE=1, at load or at exit', () => {
    const small = smallBundle();
    const code = `${LOADER}loadBundle(${JSON.stringify(small.bundle)}).work(${WORKED});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      env: { PATH: process.env.PATH, TMPDIR: small.tmp, NODE_DISABLE_COMPILE_CACHE: '1' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(existsSync(cacheDir(small.tmp))).toBe(false);
  });
});

describe.skipIf(!built)('baselineOffWhileCaching (the cni-bridge executable, after its last load)', () => {
  /** Loads the small bundle as the executable loads its engine, then asks; [its answer, whether node:v8 was loaded, the cache's fate]. */
  function call(small: Small): [boolean, boolean, string] {
    const code = `${LOADER}loadBundle(${JSON.stringify(small.bundle)}, 'exit');
const did = baselineOffWhileCaching();
process.stdout.write(JSON.stringify([did, process.moduleLoadList.includes('NativeModule v8')]));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { PATH: process.env.PATH, TMPDIR: small.tmp, NODE_DEBUG: 'netns-rtnl' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const [did, v8] = JSON.parse(r.stdout) as [boolean, boolean];
    return [did, v8, /code cache \S+: (accepted|none|rejected by V8)/.exec(r.stderr)?.[1] ?? r.stderr];
  }

  it('turns Sparkplug off in each process that writes the cache until it is settled, and on again before writing it: the next process accepts it, and once settled keeps Sparkplug', () => {
    const small = smallBundle();
    expect(call(small)).toEqual([true, true, 'none']);
    // Written under the flags it was read with: a cache made with --no-sparkplug would be refused here.
    for (let generation = 0; generation < REWRITES; generation++) {
      expect(call(small)).toEqual([true, true, 'accepted']);
      expect(smallCache(small.tmp).generation).toBe(generation + 1);
    }
    expect(call(small)).toEqual([false, false, 'accepted']);
  });
});

describe.skipIf(!built)("the bundle's require", () => {
  it("gives built-in modules and loaded bundles without making Node's require, which it makes on the first other id", () => {
    const tmp = freshTmp();
    const bundle = join(tmp, 'uses-require.cjs');
    writeFileSync(join(tmp, 'beside.cjs'), 'module.exports = "beside";');
    writeFileSync(bundle, `exports.sep = require('node:path').sep;\nexports.shared = require('./shared.cjs');\nexports.beside = () => require('./beside.cjs');\n`);
    // createRequire counted through node:module's exports, which the loader's import binds to.
    const code = `import module from 'node:module';
const original = module.createRequire;
let made = 0;
module.createRequire = (...args) => (made++, original(...args));
module.syncBuiltinESMExports();
${LOADER}const m = loadBundle(${JSON.stringify(bundle)}, 'loaded', { './shared.cjs': 'shared' });
const atLoad = made;
process.stdout.write(JSON.stringify([m.sep, m.shared, atLoad, m.beside(), made]));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { PATH: process.env.PATH, TMPDIR: tmp }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['/', 'shared', 0, 'beside', 1]);
  });
});

describe('the code cache directory', () => {
  it("is where os.tmpdir() says, read from the environment without loading node:os", () => {
    const saved = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP };
    const cases: Array<Record<'TMPDIR' | 'TMP' | 'TEMP', string | undefined>> = [
      { TMPDIR: '/var/tmp', TMP: '/a', TEMP: '/b' },
      { TMPDIR: '/var/tmp/', TMP: undefined, TEMP: undefined },
      { TMPDIR: '', TMP: '/a/', TEMP: '/b' },
      { TMPDIR: undefined, TMP: undefined, TEMP: '/b' },
      { TMPDIR: undefined, TMP: undefined, TEMP: undefined },
      { TMPDIR: '/', TMP: undefined, TEMP: undefined },
    ];
    try {
      for (const c of cases) {
        for (const [key, value] of Object.entries(c)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
        expect(temporaryDirectory(), JSON.stringify(c)).toBe(tmpdir());
      }
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});

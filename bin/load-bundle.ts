/**
 * Loads one of the package's CommonJS bundles (dist/bundle/netns-rtnl.cjs for the package's entry
 * points, cni-bridge-engine.cjs for the cni-bridge executable) with a V8 code cache of the
 * package's own, and returns its exports.
 *
 * Compiling a ~450 KB bundle is most of what loading it costs; with the code V8 made last time (the
 * bundle's functions that ran, compiled) it is a fraction of that. The cache is a file per bundle
 * build and Node version in a directory that only this user can write,
 * $TMPDIR/netns-rtnl-code-cache-<uid>: read when it is there and V8 accepts it, written (whole, then
 * renamed into place) when it was missing or refused. Like Node's own compile cache (which is
 * process-wide, and not in Node 20) it is a quiet optimisation: any failure compiles without it, and
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off. With source maps on (--enable-source-maps), the bundle
 * is loaded by Node's own require instead, without the cache.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

interface CacheFile {
  dir: string;
  /** `file` (the bundle's device and inode), then `build` (its size and mtime), then the Node version. */
  name: string;
  file: string;
  build: string;
}

/** The cache file for this build of `file` under this Node, or undefined if there is no safe place for it. */
function cacheFile(file: string, uid: number): CacheFile | undefined {
  const dir = `${tmpdir()}/netns-rtnl-code-cache-${uid}`;
  let d;
  try {
    d = lstatSync(dir);
  } catch {
    mkdirSync(dir, { mode: 0o700 });
    d = lstatSync(dir);
  }
  // Code read from here runs as this user: only a directory of this user's that nobody else can write.
  if (!d.isDirectory() || d.uid !== uid || (d.mode & 0o022) !== 0) return undefined;
  const s = statSync(file);
  const fileKey = `${s.dev}-${s.ino}-`;
  const build = `${fileKey}${s.size}-${Math.trunc(s.mtimeMs)}-`;
  return { dir, file: fileKey, build, name: `${build}${process.version}-${process.arch}.bin` };
}

/** Writes the cache, and removes those of earlier builds of the same file (a build rewrites it in place). */
function writeCache(cache: CacheFile, data: Buffer): void {
  const temporary = `${cache.dir}/${cache.name}.${process.pid}`;
  writeFileSync(temporary, data, { mode: 0o600 });
  renameSync(temporary, `${cache.dir}/${cache.name}`);
  for (const name of readdirSync(cache.dir)) {
    if (name.startsWith(cache.file) && !name.startsWith(cache.build)) unlinkSync(`${cache.dir}/${name}`);
  }
}

/**
 * Runs the CommonJS bundle `file` (an absolute path) and returns its module.exports. A cache it
 * writes is made when the bundle has run (`'loaded'`: the functions its evaluation compiled are in
 * it too) or when the process exits (`'exit'`, for a short-lived process such as the cni-bridge
 * executable: also every function that process went on to run).
 */
export function loadBundle(file: string, cacheWhen: 'loaded' | 'exit' = 'loaded'): unknown {
  // Node maps stack traces through a source map (--enable-source-maps) only for code its own loader compiled.
  if (process.sourceMapsEnabled) return createRequire(file)(file) as unknown;
  // The bundles are ASCII (asciiOnly in scripts/bundle-lazy.mjs): read as latin1, the source is a
  // one-byte string made without UTF-8 decoding.
  const source = readFileSync(file, 'latin1');
  let cache: CacheFile | undefined;
  let cachedData: Buffer | undefined;
  if (process.env.NODE_DISABLE_COMPILE_CACHE !== '1' && process.getuid) {
    try {
      cache = cacheFile(file, process.getuid());
      if (cache !== undefined) cachedData = readFileSync(`${cache.dir}/${cache.name}`);
    } catch {
      cachedData = undefined;
    }
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapper, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  if (cache !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    const write = (to: CacheFile) => {
      try {
        writeCache(to, script.createCachedData());
      } catch {
        // No cache this time.
      }
    };
    if (cacheWhen === 'exit') process.once('exit', () => write(cache));
    else write(cache);
  }
  return module.exports;
}

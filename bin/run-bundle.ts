/**
 * Runs one of the package's CommonJS bundles with the V8 code cache earlier processes made for it
 * (bin/code-cache.ts: the file), and returns what a code cache keeper (bin/keep-code-cache.ts)
 * needs to write it: the script, its source and what was read.
 *
 * This is the part of loading a bundle that runs in every process: the entry points
 * (dist/bundle/index.js, messages.js, cni.js) and the cni-bridge executable's first file carry it,
 * and those files are compiled from source at every import or call. The rest (when the cache is
 * written, and writing it) is in the bundles themselves (the core, the executable's shared bundle),
 * whose code is in their cache: bench/results/start-2026-12-06-z.md.
 *
 * Compiling a ~450 KB bundle is most of what loading it costs, and compiling each function on its
 * first call most of what a fresh process's first requests cost; with the code V8 made in earlier
 * processes both are a fraction of that. Like Node's own compile cache (which is process-wide, and
 * not in Node 20) it is a quiet optimisation: any failure compiles without it, and
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off. With source maps on (--enable-source-maps), the bundle
 * is loaded by Node's own require instead, without the cache. The package's bundles carry their
 * module wrapper (bin/commonjs-wrapper.ts), so V8 gets the file's string as it was read; any other
 * CommonJS file is wrapped here.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { cacheFile, readCache, type CacheFile, type CacheRead } from './code-cache.js';
import { scriptSource } from './commonjs-wrapper.js';
import { readLatin1, scratchBuffer } from './scratch-read.js';

/** A bundle run by runBundle. */
export interface RunBundle {
  /** Its absolute path. */
  file: string;
  /** Its module.exports. */
  exports: unknown;
  /** The text V8 compiled (undefined with source maps on: Node's require compiled it). */
  source?: string;
  script?: Script;
  /** Where its code cache is kept; undefined when the process keeps none (see above). */
  cache?: CacheFile;
  /** The cache V8 was given, if one was read. */
  read?: CacheRead;
}

/**
 * What writes a bundle's code cache when the rules say so (bin/keep-code-cache.ts, carried by the
 * bundles that give it): `'loaded'`, without a cache V8 accepts, once the bundle has run; `'exit'`,
 * only when the process exits (a short-lived process such as the cni-bridge executable).
 */
export type KeepCodeCache = (bundle: RunBundle, cacheWhen: 'loaded' | 'exit') => void;

/**
 * Runs the CommonJS bundle `file` (an absolute path). `loaded` gives the bundle's require() what it
 * returns for some files beside it: the exports of a bundle loaded already (without source maps;
 * with them Node's require, which loaded that bundle too, finds it). `variant` names the kind of
 * process, for a cache file of its own (bin/code-cache.ts's cacheFile).
 */
export function runBundle(file: string, loaded: Readonly<Record<string, unknown>> = {}, variant = ''): RunBundle {
  // Node maps stack traces through a source map (--enable-source-maps) only for code its own loader compiled.
  if (process.sourceMapsEnabled) return { file, exports: createRequire(file)(file) as unknown };
  // The bundles are ASCII (asciiOnly in scripts/bundle-lazy.mjs): read as latin1, the source is a
  // one-byte string made without UTF-8 decoding. The source, then the cache, are read into one
  // buffer (bin/scratch-read.ts), which V8 is done with once the script is compiled.
  const source = readLatin1(file);
  let cache: CacheFile | undefined;
  let read: CacheRead | undefined;
  if (process.env.NODE_DISABLE_COMPILE_CACHE !== '1' && process.getuid) {
    try {
      cache = cacheFile(file, process.getuid(), undefined, undefined, variant);
      if (cache !== undefined) read = readCache(cache, scratchBuffer);
    } catch {
      read = undefined;
    }
  }
  const script = new Script(scriptSource(source), { filename: file, ...(read ? { cachedData: read.data } : {}) });
  const module = { exports: {} as unknown };
  // Node's require for the bundle is made on the first id that is neither a bundle loaded already nor
  // a built-in module: an import of the package asks for built-in modules only, and createRequire
  // costs about 2.5 M instructions on Node 20 (bench/results/startup-2026-12-03-d.md).
  let nodeRequire: NodeJS.Require | undefined;
  const require = (id: string): unknown => {
    if (Object.hasOwn(loaded, id)) return loaded[id];
    if (id.startsWith('node:') && process.getBuiltinModule) return process.getBuiltinModule(id);
    return (nodeRequire ??= createRequire(file))(id);
  };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, file, dirname(file));
  return { file, exports: module.exports, source, script, cache, read };
}

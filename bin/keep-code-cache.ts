/**
 * Keeps a bundle's V8 code cache (bin/code-cache.ts: the file, and the rule for when it is written
 * again) once bin/run-bundle.ts has run the bundle: writes it when the process has none V8
 * accepted, and at exit when the rules say so.
 *
 * The bundles that load first carry this module and give it to the loader (the core as
 * `keepCodeCache` of its exports, the cni-bridge executable's shared bundle likewise), so that its
 * code comes from their code cache rather than being compiled from source in every process, as the
 * entry points and the executable's first file are. `NODE_DEBUG=netns-rtnl` prints what the cache
 * did in each process (to stderr, through util.debuglog).
 */
import { createRequire } from 'node:module';
import { debuglog } from 'node:util';
import { Script } from 'node:vm';
import { countsWork, grownSize, readCache, REWRITES, rewriteAtExit, writeCache, type CacheFile } from './code-cache.js';
import { isOneOffCall } from '../lib/cni/one-off-call.js';
import { scriptSource } from './commonjs-wrapper.js';
import type { RunBundle } from './run-bundle.js';

// Node's util module is not loaded unless asked for; with `debug?.(...)` nor are the messages made.
const debug = process.env.NODE_DEBUG ? debuglog('netns-rtnl') : undefined;

/** Whether this process writes a code cache at exit (set by keepCodeCache): a bundle loaded without one, or with one not yet settled. */
let writesAtExit = false;

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Writes the cache if its data is `atLeast` bytes; a failure leaves the process without one this time. */
function tryWrite(cache: CacheFile, data: () => Buffer, generation: number, oneOff = false, atLeast = 0): Buffer | undefined {
  try {
    const made = data();
    if (made.length < atLeast) return undefined;
    writeCache(cache, made, generation, oneOff);
    return made;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the code cache of `bundle`, just run. Without a cache V8 accepts, one is written once the
 * bundle has run (`'loaded'`: its top level in it) or, for a short-lived process such as the
 * cni-bridge executable, only when the process exits (`'exit'`: also every function the process went
 * on to run). At exit the cache is made again when bin/code-cache.ts's rule says the process may
 * have run what it lacks.
 */
export function keepCodeCache(bundle: RunBundle, cacheWhen: 'loaded' | 'exit'): void {
  const { file, source, script, cache: to, read } = bundle;
  if (to === undefined || script === undefined || source === undefined) return;
  const usable = read !== undefined && !script.cachedDataRejected;
  // The length of what the process holds: the cache it loaded (its bytes in the scratch buffer, which
  // later loads reuse), or the one it wrote now.
  const held = usable ? read.data.length : cacheWhen === 'loaded' ? tryWrite(to, () => script.createCachedData(), 0)?.length : undefined;
  const generation = usable ? read.generation : 0;
  debug?.('code cache %s: %s, %s', to.name, usable ? 'accepted' : read ? 'rejected by V8' : 'none', held !== undefined ? (usable ? `generation ${generation}` : 'written') : 'not written');
  const writtenMs = usable ? read.writtenMs : Date.now();
  const loadedOneOff = usable && read.oneOff;
  // A process that loaded a cache not yet settled rewrites it at exit too (rewriteAtExit's everyCall).
  if (cacheWhen === 'exit' && (held === undefined || (usable && generation < REWRITES))) writesAtExit = true;
  // Work is counted from the event loop's next turn (none: no work): a scavenge V8 left pending at the
  // end of the load runs as a task before it, and is the load's (5-20 ms of CPU here). Unreferenced,
  // the immediate keeps no process alive, and one that ends in this turn never makes Node run it.
  // Counted only where the exit rule can look at it (countsWork): on Node 20 the immediate and
  // process.cpuUsage compile about ten of Node's own functions in every call of the executable.
  let loadedCpu: number | undefined;
  if (countsWork(generation, Date.now() - writtenMs, cacheWhen === 'exit')) {
    setImmediate(() => {
      loadedCpu = cpuMs();
    }).unref();
  }
  // Not once(): the 'exit' event comes once, and once() compiles events' wrappers on Node 20.
  process.on('exit', () => {
    const workMs = loadedCpu === undefined ? 0 : cpuMs() - loadedCpu;
    let written;
    // A call of the executable that ran one-off code (lib/cni/one-off-call.ts: the ADD that created
    // the bridge) writes a cache marked as holding it, and rewrites only a cache so marked: one with
    // its code would be every later call's to deserialise. A call that did not, having loaded such a
    // cache (whose functions it now holds compiled), puts in its place the top level alone, from the
    // source compiled afresh under another name (V8's compilation cache would give back this
    // script, compiled functions and all); the calls after it add what they run. When every call
    // runs one-off code, each rewrites the marked cache as calls do without it.
    const oneOff = cacheWhen === 'exit' && isOneOffCall();
    const state = { generation, ageMs: Date.now() - writtenMs, workMs };
    let least: number;
    if (held === undefined) {
      if (cacheWhen === 'exit') written = tryWrite(to, () => script.createCachedData(), 0, oneOff);
    } else if (oneOff && !loadedOneOff) {
      // The cache holds no one-off code: left as it is.
    } else if (cacheWhen === 'exit' && loadedOneOff && !oneOff) {
      written = tryWrite(to, () => new Script(scriptSource(source), { filename: `${file} (top level)` }).createCachedData(), 0);
    } else if (rewriteAtExit(state, cacheWhen === 'exit')) {
      // A larger old cache still has functions V8 dropped since (bytecode flushing in a long process).
      written = tryWrite(to, () => {
        const made = script.createCachedData();
        if (made.length >= held) return made;
        // The loaded cache's bytes were in the scratch buffer: read again.
        const again = readCache(to)?.data;
        return again !== undefined && again.length > made.length ? again : made;
      }, generation + 1, oneOff);
    } else if (cacheWhen === 'loaded' && (least = grownSize(state, held)) > 0) {
      // A settled cache, and a process that worked long: written again if it ran much the cache lacked
      // (the package's executable, 'exit', rewrites its caches at each call until settled instead).
      written = tryWrite(to, () => script.createCachedData(), generation + 1, false, least);
    }
    debug?.('code cache %s at exit, %d ms of CPU after loading: %s', to.name, Math.round(workMs), written ? 'written' : 'not written');
  });
}

/**
 * For a short-lived process of the package's own (the cni-bridge executable), once it has loaded
 * every bundle it will: if it is to write a bundle's code cache when it exits, V8's baseline
 * compiler (Sparkplug) off until then, and on again before the caches are made. Returns whether it did.
 *
 * A code cache keeps, in each function V8 compiled with Sparkplug, that it was so compiled, and a
 * process loading that cache compiles each such function with Sparkplug again at its first call,
 * needed or not; a cache written by a process that ran without Sparkplug holds no such mark, and the
 * processes that read it compile with Sparkplug only what they run enough. The writer pays for
 * node:v8 (about 4 M instructions in an ADD) and for running without Sparkplug, so only the first
 * few calls after a build do (bin/code-cache.ts's REWRITES); a DEL made without the engine, which
 * does not get here, writes with Sparkplug on. V8 refuses a cache made under other flags,
 * hence the order: off only after the last load (a cache's flags are checked when it is read), on
 * again before any cache is made (prepended to the exit listeners, which keepCodeCache registered first).
 */
export function baselineOffWhileCaching(): boolean {
  if (!writesAtExit) return false;
  const v8 = (process.getBuiltinModule?.('node:v8') ?? createRequire(import.meta.url)('node:v8')) as typeof import('node:v8');
  v8.setFlagsFromString('--no-sparkplug');
  process.prependOnceListener('exit', () => v8.setFlagsFromString('--sparkplug'));
  return true;
}

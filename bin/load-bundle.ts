/**
 * The loader each of the package's entry points (dist/bundle/index.js, messages.js, cni.js)
 * carries: runs a bundle once per process (bin/run-bundle.ts) and hands it to the code cache
 * keeper the core gives (bin/keep-code-cache.ts).
 */
import { runBundle, type KeepCodeCache } from './run-bundle.js';
import { withScratch } from './scratch-read.js';

/** Where loadBundleOnce keeps what it loaded: one map per process, whichever copy of this loader made it. */
const LOADED = Symbol.for('netns-rtnl.loaded-bundles');

/**
 * Runs the bundle `file` once per process and returns its exports, its code cache kept by `keep`,
 * or when none is given by the bundle's own (its exports' `keepCodeCache`: the core's). Each of the
 * package's entry points carries this loader rather than importing one module of it (every ES
 * module more costs an import 1-2.5 M instructions of Node's loader), and all of them must share one
 * core: the first to load it keeps it on globalThis under a registered symbol, not enumerable,
 * where every copy finds it.
 */
export function loadBundleOnce(file: string, loaded: Readonly<Record<string, unknown>> = {}, keep?: KeepCodeCache): unknown {
  const holder = globalThis as unknown as { [LOADED]?: Map<string, unknown> };
  let once = holder[LOADED];
  if (once === undefined) {
    once = new Map();
    Object.defineProperty(globalThis, LOADED, { value: once });
  }
  if (!once.has(file)) {
    const bundle = withScratch(() => runBundle(file, loaded));
    once.set(file, bundle.exports);
    if (bundle.cache !== undefined) (keep ?? (bundle.exports as { keepCodeCache: KeepCodeCache }).keepCodeCache)(bundle, 'loaded');
  }
  return once.get(file);
}

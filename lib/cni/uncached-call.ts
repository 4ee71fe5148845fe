/**
 * A call of the cni-bridge executable that runs what later calls of its kind will not: the first ADD
 * of a network, which creates the bridge (and meets its ENODEV first). The executable writes no code
 * cache when such a call exits (bin/load-bundle.ts), so that the caches its ADDs load hold what a
 * plain ADD runs, not the creation's code, which every later ADD would deserialise for nothing. A
 * flag on globalThis under a registered symbol: the engine that sets it and the loader that reads it
 * are separate bundles.
 */
const UNCACHED = Symbol.for('netns-rtnl.uncached-call');

/** Notes that this process's call ran one-off code. */
export function markUncachedCall(): void {
  (globalThis as { [UNCACHED]?: boolean })[UNCACHED] = true;
}

/** Whether markUncachedCall was called in this process. */
export function isUncachedCall(): boolean {
  return (globalThis as { [UNCACHED]?: boolean })[UNCACHED] === true;
}

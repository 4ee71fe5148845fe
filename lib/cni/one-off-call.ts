/**
 * A call of the cni-bridge executable that runs what later calls of its kind will not: the first ADD
 * of a network, which creates the bridge (and meets its ENODEV first). bin/keep-code-cache.ts keeps that
 * code out of the code caches later calls load: such a call writes a cache only where there is none
 * or where one holds one-off code already (the header says so), and the next call that runs none
 * puts a cache without it in its place. A flag on globalThis under a registered symbol: the engine
 * that sets it and the loader that reads it are separate bundles.
 */
const ONE_OFF = Symbol.for('netns-rtnl.one-off-call');

/** Notes that this process's call ran one-off code. */
export function markOneOffCall(): void {
  (globalThis as { [ONE_OFF]?: boolean })[ONE_OFF] = true;
}

/** Whether markOneOffCall was called in this process. */
export function isOneOffCall(): boolean {
  return (globalThis as { [ONE_OFF]?: boolean })[ONE_OFF] === true;
}

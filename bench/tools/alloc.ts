/**
 * Heap allocated per W1 request (issue 19's "under 1 KB per request"), one request awaited at a
 * time: the V8 heap in use before and after N route adds (then N deletes), with no collection in
 * between (the young generation made large enough, and any collection seen is reported, which
 * voids the figure). Run inside a namespace that has veth0 up, as W1 sets it up:
 *
 *   node --expose-gc --max-semi-space-size=256 dist/bench/tools/alloc.js '{"netns":"bw1","n":10000}'
 *
 * Prints one JSON line: bytes per add and per delete, and the collections seen (0 for a valid figure).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Namespace } from '../../lib/index.js';
import { routeAddress } from '../common.js';

const { netns, n } = JSON.parse(process.argv[2] ?? '{}') as { netns: string; n: number };
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('alloc: run with --expose-gc');

let collections = 0;
const kinds: string[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    collections++;
    kinds.push(String((entry as unknown as { detail?: { kind?: number } }).detail?.kind));
  }
});
observer.observe({ entryTypes: ['gc'] });

const ns = await Namespace.open(netns);
const dev = (await ns.link('veth0')).index;
const specs = Array.from({ length: n }, (_, i) => ({ dst: `${routeAddress(i)}/32`, dev }));

async function addAll(): Promise<void> {
  for (const spec of specs) await ns.addRoute(spec);
}
async function deleteAll(): Promise<void> {
  for (const spec of specs) await ns.deleteRoute(spec);
}

/** Bytes of heap one call of `work` allocates per request, and the collections seen during it. */
async function measure(work: () => Promise<void>): Promise<{ perRequest: number; collections: number }> {
  gc!();
  // The observer reports a collection after it; let the one just forced be counted before starting.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const seen = collections;
  const before = process.memoryUsage().heapUsed;
  await work();
  const after = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setImmediate(resolve));
  return { perRequest: Math.round((after - before) / n), collections: collections - seen };
}

// Warm up (optimised code, grown tables), then measure.
await addAll();
await deleteAll();
const add = await measure(addAll);
const del = await measure(deleteAll);
observer.disconnect();
ns.close();
console.log(JSON.stringify({ n, addBytesPerRequest: add.perRequest, deleteBytesPerRequest: del.perRequest, collections: add.collections + del.collections, kinds }));

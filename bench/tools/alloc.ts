/**
 * Heap allocated per W1 request (issue 19's "under 1 KB per request"), one request awaited at a
 * time, for N route adds and then N deletes, in several rounds after a warm-up round. Each phase's
 * allocation is the V8 heap in use after it, minus before it, plus what every collection during it
 * freed (from v8.GCProfiler's before/after heap statistics), so a collection in the middle does not
 * void the figure; the collections of each phase are counted by kind. Run inside a namespace that
 * has veth0 up, as W1 sets it up:
 *
 *   node dist/bench/tools/alloc.js '{"netns":"bw1","n":10000,"rounds":3}'
 *
 * Prints one JSON line: per phase (add, delete), bytes per request of each round and the
 * collections seen in each round.
 */
import v8 from 'node:v8';
import { Namespace } from '../../lib/index.js';
import { routeAddress } from '../common.js';

interface Phase {
  /** Bytes allocated per request, one figure per round. */
  bytesPerRequest: number[];
  /** Collections during each round, by V8's kind ("Scavenge", "MarkSweepCompact", ...). */
  collections: Array<Record<string, number>>;
}

const { netns, n, rounds = 3 } = JSON.parse(process.argv[2] ?? '{}') as { netns: string; n: number; rounds?: number };

const ns = await Namespace.open(netns);
const dev = (await ns.link('veth0')).index;
const specs = Array.from({ length: n }, (_, i) => ({ dst: `${routeAddress(i)}/32`, dev }));

async function addAll(): Promise<void> {
  for (const spec of specs) await ns.addRoute(spec);
}
async function deleteAll(): Promise<void> {
  for (const spec of specs) await ns.deleteRoute(spec);
}

/** One round of `work` into `into`: bytes per request and the collections by kind. */
async function measure(work: () => Promise<void>, into: Phase): Promise<void> {
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = v8.getHeapStatistics().used_heap_size;
  await work();
  const after = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let freed = 0;
  const kinds: Record<string, number> = {};
  for (const gc of statistics) {
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    kinds[gc.gcType] = (kinds[gc.gcType] ?? 0) + 1;
  }
  into.bytesPerRequest.push(Math.round((after - before + freed) / n));
  into.collections.push(kinds);
}

// Warm up (optimised code, grown tables), then measure.
await addAll();
await deleteAll();
const add: Phase = { bytesPerRequest: [], collections: [] };
const del: Phase = { bytesPerRequest: [], collections: [] };
for (let r = 0; r < rounds; r++) {
  await measure(addAll, add);
  await measure(deleteAll, del);
}
ns.close();
console.log(JSON.stringify({ n, add, delete: del }));

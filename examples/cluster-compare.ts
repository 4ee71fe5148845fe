/**
 * `npm run demo -- --compare`: the library's build times beside bench/cluster-ip.sh's (the same
 * cluster through `ip`, `bridge` and `nft` commands), measured in the same run.
 *
 * - The demo's own build is the first in its process: it includes V8 compiling the library's code
 *   as it first runs, which a long-running service pays once.
 * - Then the library builds it again and the script builds it, alternately, RUNS times each; each
 *   side is reported by its median, since one run on a shared machine can be off by a third.
 * - Every timed build starts once the kernel has finished freeing the namespaces torn down before
 *   it (settleAfterTeardown), so that none pays for another's cleanup.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClusterMode } from './cluster.js';
import { settleAfterTeardown } from './common/run.js';

/** How many times each side builds after the demo's first build. */
export const COMPARE_RUNS = 3;

export interface BuildComparison {
  mode: ClusterMode;
  /** The demo's own build, the first in the process. */
  firstMs: number;
  /** The library's builds in the same process after it, in order. */
  rebuildsMs: number[];
  /** bench/cluster-ip.sh's builds and teardowns, in order. */
  scriptBuildsMs: number[];
  scriptTeardownsMs: number[];
}

export type CompareResult = BuildComparison | { error: string };

/**
 * Runs the comparison. `rebuild` builds, checks and tears down the cluster once more with the
 * library and resolves with its build time, or with what failed.
 */
export async function compareBuildTimes(
  mode: ClusterMode,
  scriptPrefix: string,
  firstMs: number,
  rebuild: (run: number) => Promise<{ buildMs: number } | { failed: string }>,
): Promise<CompareResult> {
  const script = ipScriptPath();
  if (!script) return { error: 'bench/cluster-ip.sh is missing' };
  const result: BuildComparison = { mode, firstMs, rebuildsMs: [], scriptBuildsMs: [], scriptTeardownsMs: [] };
  for (let run = 0; run < COMPARE_RUNS; run++) {
    await settleAfterTeardown();
    const again = await rebuild(run);
    if ('failed' in again) return { error: `the library's build ${run + 2} of the cluster failed: ${again.failed}` };
    result.rebuildsMs.push(again.buildMs);
    await settleAfterTeardown();
    const timed = runIpScript(script, scriptPrefix, mode);
    if ('error' in timed) return timed;
    result.scriptBuildsMs.push(timed.buildMs);
    result.scriptTeardownsMs.push(timed.teardownMs);
  }
  return result;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The lines the demo prints. */
export function renderComparison(c: BuildComparison): string[] {
  const script = median(c.scriptBuildsMs);
  const again = median(c.rebuildsMs);
  const ratio = (ms: number): string => `${(script / ms).toFixed(1)}× faster than the script`;
  const list = (values: readonly number[], digits: number): string => values.map((v) => v.toFixed(digits)).join(', ');
  return [
    `build times, each started after the kernel had freed what the previous run tore down (${c.mode === 'vxlan' ? 'overlay: vxlan' : 'routed'}):`,
    `  bench/cluster-ip.sh (ip, bridge, nft commands)   median ${script.toFixed(0)} ms of ${list(c.scriptBuildsMs, 0)}`,
    `  library, built again in this process             median ${again.toFixed(1)} ms of ${list(c.rebuildsMs, 1)} → ${ratio(again)} (a long-running service)`,
    `  library, the first build in this process                ${c.firstMs.toFixed(1)} ms → ${ratio(c.firstMs)} (includes V8 compiling the library's code)`,
  ];
}

/** bench/cluster-ip.sh, from dist/examples/ or, when run from source (the tests), from examples/. */
function ipScriptPath(): string | undefined {
  return ['../../bench/cluster-ip.sh', '../bench/cluster-ip.sh'].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((p) => existsSync(p));
}

function runIpScript(script: string, prefix: string, mode: ClusterMode): { buildMs: number; teardownMs: number } | { error: string } {
  const run = spawnSync('bash', [script, prefix, mode], { encoding: 'utf8', timeout: 60_000 });
  const match = /build_ms=(\d+) teardown_ms=(\d+)/.exec(run.stdout ?? '');
  if (run.status !== 0 || !match) return { error: `bench/cluster-ip.sh failed (${run.error?.message ?? (run.stderr || `exit ${run.status}`).trim().split('\n').pop()})` };
  return { buildMs: Number(match[1]), teardownMs: Number(match[2]) };
}

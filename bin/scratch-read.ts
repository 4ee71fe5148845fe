/**
 * The buffer bin/run-bundle.ts reads a bundle's source and then its code cache into, kept for every
 * load inside one withScratch call (an entry point loads the core and the lazy part or the CNI
 * entry's bundle in one) and let go when the outermost call returns. The cni-bridge executable,
 * whose process ends with its call, loads outside any and keeps it.
 *
 * Each page of memory a process touches for the first time costs a page fault, 15-20 µs apiece on
 * the 2-vCPU guest the project is measured on: a buffer of its own per file (what readFileSync
 * allocates) made a cni-bridge ADD, whose two bundles and their caches are 0.95 MB, fault in about
 * 240 pages for them where one buffer reused touches 90. The buffer is allocated larger than asked
 * (SCRATCH_BYTES): pages never written are never faulted in. Let go when the loads are done, not at
 * the event loop's next turn: an immediate compiles about twenty of Node 20's own functions (timers,
 * async hooks) in every import (bench/results/start-2026-12-06-z.md).
 */
import { closeSync, openSync } from 'node:fs';
import { readWhole } from '../lib/sys/read-whole.js';

/** Room for the largest bundle or cache file, so that one allocation serves a process's loads. */
export const SCRATCH_BYTES = 1 << 20;

let scratch: Buffer | undefined;
let scopes = 0;

/** Runs `loads` with one scratch buffer for all of them, let go when the outermost call returns. */
export function withScratch<T>(loads: () => T): T {
  scopes++;
  try {
    return loads();
  } finally {
    if (--scopes === 0) scratch = undefined;
  }
}

/** A buffer of at least `size` bytes, the same one until the outermost withScratch returns (its contents are the caller's until the next call). */
export function scratchBuffer(size: number): Buffer {
  if (scratch === undefined || scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.max(size, SCRATCH_BYTES));
  return scratch;
}

/** The file at `path` as a latin1 string, read through the scratch buffer. */
export function readLatin1(path: string): string {
  const fd = openSync(path, 'r');
  try {
    return readWhole(fd, scratchBuffer).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

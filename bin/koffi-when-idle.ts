/**
 * The package's system calls (koffi, libc's functions bound, the stub that creates a namespace)
 * made ready once a process that imported the package has been running a while without making
 * one. The bundles bind koffi lazily (scripts/bundle-lazy.mjs), so that an import does not pay for
 * it, and the first call that needed it (a namespace created or opened) paid for all of it: koffi's
 * load, 2.7 M instructions on Node 22 (most of them koffi's own module registration), and the
 * bindings, together a sixth of a fresh process's first cluster build
 * (bench/results/start-2026-12-06-x.md). A process still alive IDLE_MS after its import that has
 * not used them yet makes them ready then: one that imports and ends (or only uses the message
 * codecs) loads nothing, one that calls at once pays on that call as before. A failure is left for
 * the first call that needs them to report.
 */
import { programRunner } from '../lib/sys/libc.js';

/** How long after the import: past an import-only process's end (Node 20 keeps its loop a few ms after an import), short against a program's own set-up. */
export const IDLE_MS = 100;

function makeReady(): void {
  try {
    programRunner();
  } catch {
    // Reported by the first call that needs it.
  }
}

// A wait that times out (V8's own delayed task) rather than setTimeout: it keeps no process alive,
// and it compiles none of Node's timer code, which Node 20 compiles on first use (0.75 M
// instructions of every import, measured).
const waited = typeof Atomics.waitAsync === 'function' ? Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, IDLE_MS) : undefined;
if (waited?.async) void waited.value.then(makeReady);

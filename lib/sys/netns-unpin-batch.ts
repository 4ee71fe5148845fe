/**
 * What a teardown releases, gathered over one run of JavaScript (the deletes and closes of one
 * `Promise.all`) and released together once that run is over: the named namespaces unpinned, then
 * the fds closed. Each `umount2` waits for an RCU grace period and gives up the CPU meanwhile, and
 * whatever runs there evicts what the caller was using: back to back in one call into native code
 * (unpinJoinedNetnsFiles), nothing of ours runs between two unmounts. The system calls and their
 * flags are those of one deleteNamedNetns after another, then one close after another (closes
 * after the unmounts cost the kernel less than before them: see unpin-code.ts).
 *
 * A teardown runs this once per process turn in V8's interpreter or baseline code. V8 compiles a
 * function to baseline code once it has run about eight times its own bytecode (Node 20: 940
 * bytes), in batches: a function that gets there in a teardown after the first makes that
 * teardown compile the whole batch. So what runs once per path (deleteNetnsFileSoon, the
 * settlers) runs to its end, and gets there by the second teardown; what runs once per teardown
 * (releaseWaiting) has no loop, and gets there only after many. Each outcome is made only when
 * one failed.
 */
import { unpinJoinedNetnsFiles, unpinOutcome, type UnpinOutcome } from './named-netns.js';

/** The fds to close: the first `closing` of them. */
let fds: Int32Array<ArrayBuffer> = new Int32Array(32);
let closing = 0;
/** The paths to unpin, and the same joined as the unpin stub takes them (undefined once one holds a NUL). */
let paths: string[] = [];
let joined: string | undefined = '';
/** What every deleteNetnsFileSoon of the batch derives its own promise from. */
let outcome: Promise<UnpinOutcome> | undefined;
let settleOutcome: ((outcome: UnpinOutcome) => void) | undefined;
/** The executor of every batch's promise (no closure each). */
const keepSettle = (resolve: (outcome: UnpinOutcome) => void): void => {
  settleOutcome = resolve;
};
/** releaseWaiting is queued (a microtask) and has not run yet. */
let queued = false;
const RESOLVED = Promise.resolve();
/** Path i's settler, made once per process for each i. */
const settlers: Array<(outcome: UnpinOutcome) => void> = [];

/**
 * close(2) of `fd`, done in a microtask with every other close and unpin asked for before it runs,
 * in one call into native code; the fd is the caller's until then, and no failure is reported
 * (Linux releases an fd whatever close returns). For fds the library holds and no one else uses:
 * a request socket's, a namespace's.
 */
export function closeFdSoon(fd: number): void {
  if (closing === fds.length) fds = grown(fds);
  fds[closing++] = fd;
  if (!queued) queueRelease();
}

/**
 * deleteNetnsFile (a named namespace's path, as namedNetnsPath made it), done in a microtask with
 * every other one asked for before it runs, all in one call into native code, before the fds
 * closeFdSoon was given are closed. The microtask is a promise reaction, not queueMicrotask, which
 * makes an AsyncResource and runs in its scope.
 */
export function deleteNetnsFileSoon(path: string): Promise<void> {
  const i = paths.push(path) - 1;
  // Joined as the stub takes them: a NUL between two paths (koffi ends the string with the last).
  if (path.includes('\0')) joined = undefined;
  else if (joined !== undefined) joined = i === 0 ? path : `${joined}\0${path}`;
  if (i === 0) outcome = new Promise<UnpinOutcome>(keepSettle);
  if (!queued) queueRelease();
  return outcome!.then(settlers[i] ?? settlerFor(i));
}

function queueRelease(): void {
  queued = true;
  void RESOLVED.then(releaseWaiting);
}

function releaseWaiting(): void {
  const batch = paths;
  const text = joined;
  const closed = closing;
  const settle = settleOutcome;
  paths = [];
  joined = '';
  closing = 0;
  settleOutcome = undefined;
  queued = false;
  const unpinned = unpinJoinedNetnsFiles(batch, text, fds, closed);
  if (settle !== undefined) settle(unpinned);
}

/** Path i's settler: throws the error its unpin ended with, if any. */
function settlerFor(i: number): (outcome: UnpinOutcome) => void {
  const settler = (outcome: UnpinOutcome): void => {
    if (outcome.failed !== 0) throwFailure(outcome, i);
  };
  settlers[i] = settler;
  return settler;
}

/** Throws what path i of a batch with failures ended with, if it failed. */
function throwFailure(outcome: UnpinOutcome, i: number): void {
  const failure = outcome.results === undefined ? outcome.errors?.[i] : unpinOutcome(outcome.results, i, outcome.paths[i]!);
  if (failure !== undefined) throw failure;
}

function grown(full: Int32Array): Int32Array<ArrayBuffer> {
  const more = new Int32Array(2 * full.length);
  more.set(full);
  return more;
}

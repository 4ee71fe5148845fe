/**
 * Named namespaces deleted in the same run of JavaScript (the deletes of one `Promise.all`) are
 * unpinned together once that run is over. Each `umount2` waits for an RCU grace period and gives
 * up the CPU meanwhile, and whatever runs there evicts what the caller was using: back to back in
 * one call into native code (unpinNetnsFiles), after every caller has closed its sockets, nothing
 * of ours runs between two unmounts. The system calls, their order and their flags are those of
 * one deleteNamedNetns after another.
 *
 * A teardown runs this once per process turn, mostly in V8's interpreter or baseline code, so it
 * is kept to few functions and little bytecode: paths and settlers in parallel arrays (no object
 * per namespace), and each outcome made only when one failed.
 */
import { unpinNetnsFiles } from './named-netns.js';

let paths: string[] = [];
let resolvers: Array<() => void> = [];
let rejecters: Array<(error: unknown) => void> = [];
const RESOLVED = Promise.resolve();
/** One executor serves every call (no closure each): deleteNetnsFileSoon pushed the path just before. */
const enqueue = (resolve: () => void, reject: (error: unknown) => void): void => {
  resolvers.push(resolve);
  rejecters.push(reject);
};

/**
 * deleteNetnsFile (a named namespace's path, as namedNetnsPath made it), done in a microtask with
 * every other one asked for before it runs, all in one call into native code (unpinNetnsFiles).
 * The microtask is a promise reaction, not queueMicrotask, which makes an AsyncResource and runs in
 * its scope.
 */
export function deleteNetnsFileSoon(path: string): Promise<void> {
  if (paths.push(path) === 1) void RESOLVED.then(unpinWaiting);
  return new Promise<void>(enqueue);
}

function unpinWaiting(): void {
  const batch = paths;
  const resolve = resolvers;
  const reject = rejecters;
  paths = [];
  resolvers = [];
  rejecters = [];
  const failures = unpinNetnsFiles(batch);
  for (let i = 0; i < resolve.length; i++) {
    const error = failures?.[i];
    if (error === undefined) resolve[i]!();
    else reject[i]!(error);
  }
}

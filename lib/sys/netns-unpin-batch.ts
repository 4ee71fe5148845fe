/**
 * Named namespaces deleted in the same run of JavaScript (the deletes of one `Promise.all`) are
 * unpinned together once that run is over. Each `umount2` waits for an RCU grace period and gives
 * up the CPU meanwhile, and whatever runs there evicts what the caller was using: back to back in
 * one call into native code (deleteNetnsFiles), after every caller has closed its sockets, nothing
 * of ours runs between two unmounts. The system calls, their order and their flags are those of
 * one deleteNamedNetns after another.
 */
import { deleteNetnsFiles } from './named-netns.js';

interface Unpin {
  path: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

let waiting: Unpin[] = [];
const RESOLVED = Promise.resolve();
/** The path the promise being made is for: one executor serves every call (no closure each). */
let pathOfNext = '';
const enqueue = (resolve: () => void, reject: (error: unknown) => void): void => {
  waiting.push({ path: pathOfNext, resolve, reject });
};

/**
 * deleteNetnsFile (a named namespace's path, as namedNetnsPath made it), done in a microtask with
 * every other one asked for before it runs, all in one call into native code (deleteNetnsFiles).
 * The microtask is a promise reaction, not queueMicrotask, which makes an AsyncResource and runs in
 * its scope.
 */
export function deleteNetnsFileSoon(path: string): Promise<void> {
  if (waiting.length === 0) void RESOLVED.then(unpinWaiting);
  pathOfNext = path;
  return new Promise<void>(enqueue);
}

function unpinWaiting(): void {
  const batch = waiting;
  waiting = [];
  const paths: string[] = [];
  for (const entry of batch) paths.push(entry.path);
  const outcomes = deleteNetnsFiles(paths);
  for (let i = 0; i < batch.length; i++) {
    const entry = batch[i] as Unpin;
    const error = outcomes[i];
    if (error === undefined) entry.resolve();
    else entry.reject(error);
  }
}

/**
 * A synchronous critical section run with the calling thread in another network
 * namespace. setns(2) and unshare(2) act on one thread only: JavaScript runs on
 * the main thread, so the action sees the target namespace while libuv's pool
 * threads (async fs, dns) stay where they were. That is why the action must be
 * synchronous: anything it leaves for later would run in the original namespace.
 */
import { constants as fsConstants } from 'node:fs';
import { CLONE_NEWNET, O_CLOEXEC } from './constants.js';
import { inodeOfFd, inodeOfPath, sameFile } from './file-identity.js';
import { closeFd, openFd, setns, unshare } from './libc.js';
import { InvalidArgumentError, NetnsRtnlError } from '../../messages/errors.js';

/** The calling thread's network namespace. */
export const THREAD_NETNS = '/proc/thread-self/ns/net';

/** Inode of the calling thread's network namespace (its identity on this host). */
export function currentNetnsInode(): number {
  return inodeOfPath(THREAD_NETNS);
}

/** Opens the calling thread's network namespace for setns and the like; the caller closes it. */
export function openCurrentNetnsFd(): number {
  return openFd(THREAD_NETNS, fsConstants.O_RDONLY | O_CLOEXEC);
}

/** Inode of the network namespace an fd refers to. */
export function netnsInodeOfFd(fd: number): number {
  return inodeOfFd(fd);
}

/** Thrown when the thread could not be put back: the process is then in an unknown state. */
export class NetnsRestoreError extends NetnsRtnlError {
  override readonly name = 'NetnsRestoreError';
  readonly code = 'ERR_NETNS_RESTORE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Runs `action` with the calling thread inside the network namespace `target` (an fd). */
export function withNetns<T>(target: number, action: () => T): T {
  // Already there (e.g. Namespace.current()): setns would need CAP_SYS_ADMIN for nothing,
  // and an unprivileged process could then not even open a socket in its own namespace.
  if (isCurrentNetns(target)) return runInNetns(undefined, action);
  return runInNetns(() => setns(target, CLONE_NEWNET), action);
}

function isCurrentNetns(fd: number): boolean {
  return sameFile(fd, THREAD_NETNS); // false for a bad fd: let setns report it
}

/** Runs `action` with the calling thread inside a brand-new, empty network namespace. */
export function withNewNetns<T>(action: () => T): T {
  return runInNetns(() => unshare(CLONE_NEWNET), action);
}

function runInNetns<T>(enter: (() => void) | undefined, action: () => T): T {
  if (typeof action !== 'function') throw new InvalidArgumentError('action', action, 'is not a function: withNetns runs a synchronous function in the namespace');
  if (isAsyncFunction(action)) throw new InvalidArgumentError('action', action, 'is an async function: withNetns needs a synchronous one (the thread leaves the namespace when it returns, before any await resumes)');
  if (enter === undefined) return refusePromise(action, action());

  const original = openCurrentNetnsFd();
  try {
    const originalInode = inodeOfFd(original);
    enter(); // setns and unshare change nothing when they fail
    let result: T;
    try {
      result = action();
    } catch (error) {
      restore(original, originalInode, error);
      throw error;
    }
    restore(original, originalInode, undefined);
    return refusePromise(action, result);
  } finally {
    closeFd(original);
  }
}

function refusePromise<T>(action: () => T, result: T): T {
  if (isThenable(result)) {
    // Whatever that promise still does runs outside the namespace. It is refused;
    // keep its eventual rejection from also crashing the process as unhandled.
    result.then(undefined, () => undefined);
    throw new InvalidArgumentError('action', action, 'returned a promise: withNetns needs a synchronous function (what runs after an await is outside the namespace)');
  }
  return result;
}

/** Puts the thread back into `original` (an fd) and checks it is there (inode `originalInode`); NetnsRestoreError if not. */
export function restore(original: number, originalInode: number, pending: unknown): void {
  try {
    setns(original, CLONE_NEWNET);
  } catch (error) {
    throw new NetnsRestoreError(`could not return the thread to its network namespace: ${String(error)}`, {
      cause: pending ?? error,
    });
  }
  const now = currentNetnsInode();
  if (now !== originalInode) throw restoredElsewhere(now, originalInode, pending);
}

/** The error when the thread, put back, is in namespace `now` instead of `originalInode`. */
export function restoredElsewhere(now: number, originalInode: number, pending: unknown): NetnsRestoreError {
  return new NetnsRestoreError(`thread is in network namespace ${now} after restoring, expected ${originalInode}`, { cause: pending });
}

function isAsyncFunction(fn: () => unknown): boolean {
  const tag = (fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  return tag === 'AsyncFunction' || tag === 'AsyncGeneratorFunction';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Named network namespaces the way iproute2 keeps them: a bind mount of a
 * namespace file onto /run/netns/NAME, so `ip netns list` and `ip netns exec`
 * see ours and we see theirs.
 */
import { closeSync, constants as fsConstants, mkdirSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MNT_DETACH, MS_BIND, MS_REC, MS_SHARED, O_CLOEXEC } from './constants.js';
import { mount, umount2 } from './libc.js';
import { withNewNetns } from './netns-thread.js';
import { SystemCallError } from './system-call-error.js';

export const DEFAULT_NETNS_DIR = '/run/netns';

export interface NetnsDirOptions {
  /** Directory holding the namespace files (default /run/netns). */
  dir?: string;
}

/** Throws a TypeError unless `name` can be a file name in the netns directory. */
export function validateNetnsName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('namespace name must be a non-empty string');
  if (name === '.' || name === '..') throw new TypeError(`namespace name must not be "${name}"`);
  if (name.includes('/')) throw new TypeError(`namespace name must not contain "/": ${JSON.stringify(name)}`);
  if (name.includes('\0')) throw new TypeError('namespace name must not contain a NUL byte');
  if (Buffer.byteLength(name) > 255) throw new TypeError('namespace name must be at most 255 bytes');
}

/** Path of the file that holds the named namespace. */
export function namedNetnsPath(name: string, options: NetnsDirOptions = {}): string {
  validateNetnsName(name);
  return join(options.dir ?? DEFAULT_NETNS_DIR, name);
}

/**
 * Creates a new, empty network namespace pinned at DIR/NAME and returns that
 * path. Fails with code EEXIST when the name is taken. The calling thread ends
 * in the namespace it started in (verified).
 */
export function createNamedNetns(name: string, options: NetnsDirOptions = {}): string {
  const dir = options.dir ?? DEFAULT_NETNS_DIR;
  const path = namedNetnsPath(name, options);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  makeSharedMountPoint(dir);
  closeSync(openSync(path, fsConstants.O_RDONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | O_CLOEXEC, 0));
  try {
    withNewNetns(() => mount('/proc/thread-self/ns/net', path, 'none', MS_BIND));
  } catch (error) {
    removeQuietly(path);
    throw error;
  }
  return path;
}

/** Unpins DIR/NAME; the namespace itself lives on while anything still uses it. */
export function deleteNamedNetns(name: string, options: NetnsDirOptions = {}): void {
  const path = namedNetnsPath(name, options);
  try {
    umount2(path, MNT_DETACH);
  } catch (error) {
    // EINVAL: not a mount point (a stale file); ENOENT is reported by unlink below.
    if (!(error instanceof SystemCallError && (error.code === 'EINVAL' || error.code === 'ENOENT'))) throw error;
  }
  unlinkSync(path);
}

/** Names in the netns directory (empty when it does not exist), sorted. */
export function listNamedNetns(dir: string = DEFAULT_NETNS_DIR): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Opens a namespace file (DIR/NAME, /proc/PID/ns/net ...) for setns; the caller closes it. */
export function openNetnsFd(path: string): number {
  return openSync(path, fsConstants.O_RDONLY | O_CLOEXEC);
}

/**
 * Like iproute2: mark the directory shared so that namespace mounts (and their
 * removal) propagate to other mount namespaces; when it is not yet a mount
 * point (EINVAL), bind it onto itself once and try again.
 */
function makeSharedMountPoint(dir: string): void {
  try {
    mount('', dir, 'none', MS_SHARED | MS_REC);
    return;
  } catch (error) {
    if (!(error instanceof SystemCallError && error.code === 'EINVAL')) throw error;
  }
  mount(dir, dir, 'none', MS_BIND | MS_REC);
  mount('', dir, 'none', MS_SHARED | MS_REC);
}

// Best effort: the error that brought us here is the one worth reporting.
function removeQuietly(path: string): void {
  try {
    umount2(path, MNT_DETACH);
  } catch {
    // usually EINVAL: the mount never happened
  }
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

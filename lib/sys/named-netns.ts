/**
 * Named network namespaces the way iproute2 keeps them: a bind mount of a
 * namespace file onto /run/netns/NAME, so `ip netns list` and `ip netns exec`
 * see ours and we see theirs.
 */
import { closeSync, constants as fsConstants, fstatSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
  MNT_DETACH, MS_BIND, MS_REC, MS_SHARED, NS_GET_NSTYPE, O_CLOEXEC, O_PATH, UMOUNT_NOFOLLOW,
} from './constants.js';
import { directoryIdentityOfPath, identityOfPath } from './file-identity.js';
import { closeFd, closeFdQuietly, ioctlNoArgument, mount, openFd, programRunner, umount2, umount2Failure, unlink, unlinkFailure, unpinJoined } from './libc.js';
import { withNewNetns } from './netns-thread.js';
import { SyscallProgram } from './syscall-program.js';
import { UNLINK_AFTER_UMOUNT_FAILURE } from './unpin-code.js';
import { nodeCall, SystemCallError, systemCallErrorOf } from './system-call-error.js';
import { InvalidArgumentError } from '../../messages/errors.js';

export const DEFAULT_NETNS_DIR = '/run/netns';

export interface NetnsDirOptions {
  /** Directory holding the namespace files (default /run/netns). */
  dir?: string;
}

/** Throws InvalidArgumentError (field `field`) unless `name` can be a file name in the netns directory. */
export function validateNetnsName(name: string, field = 'namespace name'): void {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(field, name, 'is not a namespace name: a non-empty string');
  if (name === '.' || name === '..') throw new InvalidArgumentError(field, name, 'is not usable as a namespace name (it names a directory)');
  if (name.includes('/')) throw new InvalidArgumentError(field, name, 'contains "/": a name is one file name in the netns directory; to open a namespace by its path, pass { path }');
  if (name.includes('\0')) throw new InvalidArgumentError(field, name, 'contains a NUL byte');
  if (Buffer.byteLength(name) > 255) throw new InvalidArgumentError(field, name, 'is longer than 255 bytes');
}

/** Path of the file that holds the named namespace. */
export function namedNetnsPath(name: string, options: NetnsDirOptions = {}): string {
  validateNetnsName(name);
  return netnsFilePath(options.dir ?? DEFAULT_NETNS_DIR, name);
}

/**
 * join(dir, name) for a name validateNetnsName accepted. In the default directory that is
 * `${dir}/${name}` (a checked name has no '/' and is not '.' or '..', so join has nothing to
 * normalize): path.join's character-by-character pass was a tenth of creating a namespace.
 */
export function netnsFilePath(dir: string, name: string): string {
  return dir === DEFAULT_NETNS_DIR ? `${DEFAULT_NETNS_DIR}/${name}` : join(dir, name);
}

/**
 * Creates a new, empty network namespace pinned at DIR/NAME and returns that
 * path. Fails with code EEXIST when the name is taken. The calling thread ends
 * in the namespace it started in (verified). Only the default directory is made
 * a shared mount point (as iproute2 does with /run/netns); a directory given in
 * `options.dir` must exist and its mounts are left as they are.
 */
export function createNamedNetns(name: string, options: NetnsDirOptions = {}): string {
  return createNamedNetnsWith(name, options, () => undefined).path;
}

/**
 * createNamedNetns, running `inside` while the thread is still in the new namespace, once it is
 * pinned (to open what belongs there without entering it again: its fd, a socket). Returns the path
 * and what `inside` returned; when `inside` throws, the namespace is unpinned and removed. `inside`
 * must be synchronous and release what it made before it throws. `direct`, if given, is tried first
 * with the path: what it returns is taken as what the whole would have made; undefined when it
 * could not (it left nothing behind).
 */
export function createNamedNetnsWith<T>(name: string, options: NetnsDirOptions, inside: () => T, direct?: (path: string) => T | undefined): { path: string; made: T } {
  const dir = options.dir ?? DEFAULT_NETNS_DIR;
  const path = namedNetnsPath(name, options);
  if (dir === DEFAULT_NETNS_DIR) ensureSharedNetnsDir(dir);
  // All of it in one call where it can be (see netns-create-program.ts); undefined when it could
  // not, with nothing left of it: then the calls one by one, which fail as they always did.
  const made = direct?.(path);
  return { path, made: made !== undefined ? made : createNamedNetnsStepwise(path, inside) };
}

/**
 * createNamedNetnsWith's calls one by one (no stub, or the one call could not be made). Apart, so
 * that the usual path runs all of its function: V8 charges a function's tier-up only for the
 * bytecode it runs.
 */
function createNamedNetnsStepwise<T>(path: string, inside: () => T): T {
  nodeCall(() => closeFd(openFd(path, fsConstants.O_RDONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | O_CLOEXEC, 0)));
  try {
    return withNewNetns(() => {
      mount('/proc/thread-self/ns/net', path, 'none', MS_BIND);
      return inside();
    });
  } catch (error) {
    removeQuietly(path);
    throw error;
  }
}

/**
 * The default directory's identity (device and inode) when this process last made it a shared
 * mount point: while a stat still finds that, it is not done again (mkdir, stat and a mount that
 * takes the kernel's global mount lock, per namespace created). A directory mounted afresh over
 * it has another device or inode, and is made shared again.
 */
const sharedDirs = new Map<string, string>();

function ensureSharedNetnsDir(dir: string): void {
  const found = directoryIdentityOfPath(dir);
  if (found === undefined || sharedDirs.get(dir) !== found) makeSharedNetnsDir(dir, found);
}

/** ensureSharedNetnsDir's work when `dir` (whose identity is `found`) is not known to be shared yet. */
function makeSharedNetnsDir(dir: string, found: string | undefined): void {
  // Node's mkdirSync only where there is no directory yet: its first call in a process (Node's
  // own code run and compiled) cost more than the rest of a first creation's JavaScript.
  if (found === undefined) nodeCall(() => mkdirSync(dir, { recursive: true, mode: 0o755 }));
  // A directory that was already a mount point is the one found: read again only when one was
  // made (mkdir) or bound onto itself here.
  const bound = makeSharedMountPoint(dir);
  const identity = bound || found === undefined ? identityOfPath(dir) : found;
  if (identity !== undefined) sharedDirs.set(dir, identity);
}

/**
 * Unpins DIR/NAME; the namespace itself lives on while anything still uses it.
 * A symlink there is removed, never followed: what it points to is not ours.
 */
export function deleteNamedNetns(name: string, options: NetnsDirOptions = {}): void {
  deleteNetnsFile(namedNetnsPath(name, options));
}

/** deleteNamedNetns for a path already made by namedNetnsPath (a Namespace's own): nothing checked or joined again. */
export function deleteNetnsFile(path: string): void {
  try {
    umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
  } catch (error) {
    if (!(error instanceof SystemCallError && UNLINK_AFTER_UMOUNT_FAILURE.includes(error.errno))) throw error;
  }
  unlink(path);
}

const UNPIN_FLAGS = MNT_DETACH | UMOUNT_NOFOLLOW;

/** What path `i` of unpinJoined's `results` (`path`) ended with, as deleteNetnsFile would have. */
export function unpinOutcome(results: Int32Array, i: number, path: string): unknown {
  const unmounted = results[2 * i] ?? 0;
  const unlinked = results[2 * i + 1] ?? 0;
  if (unmounted < 0 && !UNLINK_AFTER_UMOUNT_FAILURE.includes(-unmounted)) return umount2Failure(unmounted, path, UNPIN_FLAGS);
  return unlinked < 0 ? unlinkFailure(unlinked, path) : undefined;
}

/**
 * What unpinning a teardown's paths ended with (unpinJoinedNetnsFiles): how many were not
 * unpinned, and the stub's results (path i unpinned exactly when results[2i + 1] is 0: unlink is
 * tried only after an unmount that succeeded or failed harmlessly), or where there was no stub,
 * each path's outcome.
 */
export interface UnpinOutcome {
  failed: number;
  paths: readonly string[];
  results: Int32Array | undefined;
  errors: unknown[] | undefined;
}

/**
 * deleteNetnsFile for each of a teardown's paths, joined as they came (see unpinJoined; undefined
 * where one holds a NUL byte), then the first `closing` fds of `fds` closed, in the same call.
 */
export function unpinJoinedNetnsFiles(paths: readonly string[], joined: string | undefined, fds: Int32Array, closing: number): UnpinOutcome {
  const results = new Int32Array(2 * paths.length);
  const failed = joined === undefined ? undefined : unpinJoined(joined, paths.length, results, UNPIN_FLAGS, fds, closing);
  if (failed !== undefined) return { failed, paths, results, errors: undefined };
  // No stub, or a path the stub cannot take: the paths one after another, then the fds.
  const errors = deleteEachNetnsFile(paths);
  for (let i = 0; i < closing; i++) closeFdQuietly(fds[i]!);
  return { failed: errors.filter((error) => error !== undefined).length, paths, results: undefined, errors };
}

/** deleteNetnsFile for each path, one after another (no stub to make them in one call). */
function deleteEachNetnsFile(paths: readonly string[]): unknown[] {
  return paths.map((path) => {
    try {
      deleteNetnsFile(path);
      return undefined;
    } catch (error) {
      return error;
    }
  });
}

/** Names in the netns directory (empty when it does not exist), sorted. */
export function listNamedNetns(dir: string = DEFAULT_NETNS_DIR): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw systemCallErrorOf(error);
  }
}

/**
 * A path that exists but is not a network namespace file; `what` says what it is instead. An
 * InvalidArgumentError (field 'namespace', `value` the path).
 */
export class NotNetnsError extends InvalidArgumentError {
  override readonly name = 'NotNetnsError';
  constructor(
    readonly path: string,
    /** e.g. 'a FIFO', 'a mount namespace', 'an empty regular file'. */
    readonly what: string,
    /**
     * An empty regular file: in a netns directory, the placeholder a creator (ours or
     * `ip netns add`) makes before it mounts the namespace on it, or one a failed creator left.
     */
    readonly placeholder: boolean,
  ) {
    super('namespace', path, `is ${what}, not a network namespace`);
  }
}

const NAMESPACE_KINDS: ReadonlyMap<number, string> = new Map([
  [CLONE_NEWNS, 'a mount namespace'],
  [CLONE_NEWCGROUP, 'a cgroup namespace'],
  [CLONE_NEWUTS, 'a UTS namespace'],
  [CLONE_NEWIPC, 'an IPC namespace'],
  [CLONE_NEWUSER, 'a user namespace'],
  [CLONE_NEWPID, 'a PID namespace'],
  [CLONE_NEWTIME, 'a time namespace'],
]);

function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isFile()) return st.size === 0 ? 'an empty regular file' : 'a regular file';
  return 'not a regular file';
}

/**
 * Opens a network namespace file (DIR/NAME, /proc/PID/ns/net ...) for setns; the caller closes it.
 * The path is first opened with O_PATH, which never blocks (a FIFO) and never opens a device, and
 * its type checked with fstat: a namespace file is a regular file on nsfs, whose device is that
 * of /proc/thread-self/ns/net. Only then is it opened for real, which is harmless for an nsfs
 * file, and the NS_GET_NSTYPE ioctl (Linux 4.11) tells a network namespace from the other kinds.
 * Throws NotNetnsError for anything else, and SystemCallError (code ENOENT ...) when it cannot be opened.
 */
export function openNetnsFd(path: string): number {
  const probe = nodeCall(() => openSync(path, O_PATH | O_CLOEXEC));
  try {
    const st = fstatSync(probe);
    if (!st.isFile() || st.dev !== statSync('/proc/thread-self/ns/net').dev) {
      throw new NotNetnsError(path, fileKind(st), st.isFile() && st.size === 0);
    }
    const fd = openSync(`/proc/self/fd/${probe}`, fsConstants.O_RDONLY | O_CLOEXEC);
    try {
      const type = ioctlNoArgument(fd, NS_GET_NSTYPE, 'NS_GET_NSTYPE');
      if (type !== CLONE_NEWNET) throw new NotNetnsError(path, NAMESPACE_KINDS.get(type) ?? `a namespace of type 0x${type.toString(16)}`, false);
      return fd;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  } finally {
    closeSync(probe);
  }
}

/**
 * Like iproute2: mark the directory shared so that namespace mounts (and their
 * removal) propagate to other mount namespaces; when it is not yet a mount
 * point (EINVAL), bind it onto itself once and try again. True when it bound.
 */
function makeSharedMountPoint(dir: string): boolean {
  // A directory that is a mount point already (for every process but the first to use it) is
  // made shared here, with no mount prototype parsed; any failure is met again below, and told there.
  if (mountSharedByProgram(dir) === 0) return false;
  try {
    mount('', dir, 'none', MS_SHARED | MS_REC);
    return false;
  } catch (error) {
    if (!(error instanceof SystemCallError && error.code === 'EINVAL')) throw error;
  }
  mount(dir, dir, 'none', MS_BIND | MS_REC);
  mount('', dir, 'none', MS_SHARED | MS_REC);
  return true;
}

/**
 * mount('', dir, 'none', MS_SHARED | MS_REC) as a program of one step (see syscall-program.ts):
 * the program stub is the one a namespace's creation runs, where the generic stub's mount would
 * parse a prototype for this call alone. 0 or -errno; undefined where there is no program stub.
 */
function mountSharedByProgram(dir: string): number | undefined {
  const run = programRunner();
  if (run === undefined || dir.includes('\0')) return undefined;
  // Room for '' and 'none' (8 bytes each) and the directory with its NUL, 8-byte aligned.
  const p = new SyscallProgram(1, 16 + ((Buffer.byteLength(dir) + 8) & ~7));
  p.step('mount', [{ at: p.string('') }, { at: p.string(dir) }, { at: p.string('none') }, MS_SHARED | MS_REC, 0], { mayFail: true });
  run(p.bytes, 1);
  return p.value(0);
}

// Best effort: the error that brought us here is the one worth reporting.
export function removeQuietly(path: string): void {
  try {
    umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
  } catch {
    // usually EINVAL: the mount never happened
  }
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

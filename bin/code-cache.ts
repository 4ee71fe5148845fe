/**
 * The package's V8 code cache files (bin/run-bundle.ts reads them, bin/keep-code-cache.ts writes them) and the rule
 * for when one is written again.
 *
 * A file per bundle build and Node version in $TMPDIR/netns-rtnl-code-cache-<uid>, a directory
 * only this user can write. The file is a small header (format, generation) followed by the data
 * V8 made. V8 puts in that data every function compiled at the time it is made: made once the
 * bundle's top level has run, it holds little more than the top level; made at the end of a process
 * that used the library, also every function that process called. A process loading a cache starts
 * with all of its functions compiled, so a cache made from it holds those and whatever the process
 * went on to run: rewritten at exit, the cache gathers what the user's processes run.
 *
 * Making the data costs several ms, so a process does it at exit only when the rule says so
 * ({@link rewriteAtExit}): not for a process that did next to nothing after loading (an import,
 * a VERSION call), whose data would hold nothing new; for the first few processes that did
 * something after a build (their data grows the cache); after those, at most once per
 * {@link STALE_MS} (a program that starts using new parts of the library weeks later is cached too,
 * and no process pays the cost twice within that time). And, a few times per build
 * ({@link GROWTH_REWRITES}), by a process that worked long enough for the check to be cheap against
 * its work ({@link GROWTH_WORK_MS}) and whose data came out much larger than the cache it loaded
 * ({@link grownSize}): it ran much the cache lacked, as a process making veth pairs does after
 * processes that only changed routes settled the cache.
 */
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readWhole } from '../lib/sys/read-whole.js';

export interface CacheFile {
  dir: string;
  /**
   * `file` (the bundle's device and inode), then `build` (its size and mtime), then the variant if
   * any, then the key of the process's V8 flags if it has any ({@link v8FlagsKey}), then the Node
   * version.
   */
  name: string;
  file: string;
  build: string;
}

/** What a cache file held when it was read. */
export interface CacheRead {
  data: Buffer;
  generation: number;
  /** Written by a call that ran one-off code (lib/cni/one-off-call.ts): the cache holds that code too. */
  oneOff: boolean;
  /** When it was written (ms since the epoch). */
  writtenMs: number;
}

/** What the exit rule looks at: the cache the process loaded and what the process did after loading it. */
export interface ExitState {
  /** The generation of the cache the process loaded or wrote at load. */
  generation: number;
  /** How long ago that cache was written. */
  ageMs: number;
  /**
   * CPU time (user + system) the process spent after the bundle was loaded, from the event loop's
   * next turn on: the turn in which it was loaded, and the garbage collection V8 runs right after a
   * load, count as loading; a process that ends in that turn did no work.
   */
  workMs: number;
}

/** Rewrites at exit after a build (generations 0 to REWRITES - 1), before the cache counts as settled. */
export const REWRITES = 4;
/** A settled cache is rewritten by a process that worked, once it is this old. */
export const STALE_MS = 60 * 60 * 1000;
/** Less CPU than this after loading: the process ran too little of the library to be worth a rewrite. */
export const WORK_MS = 10;
/** Rewrites of a settled cache (generations REWRITES to REWRITES + GROWTH_REWRITES - 1) by processes that ran much it lacked. */
export const GROWTH_REWRITES = 4;
/**
 * CPU after loading from which a process with a settled cache makes its data at exit to see whether
 * it ran much the cache lacked: making it costs 2.5-4 ms for the package's core (400 KB of data),
 * 2.5-4% of this; a process making 200 veth pairs at once works about 140 ms.
 */
export const GROWTH_WORK_MS = 100;

const MAGIC = 0x4343524e; // 'NRCC', little-endian
const FORMAT = 1;
/** Eight bytes (exported for tests), so that V8's data after it stays as aligned as the buffer it is read into. */
export const HEADER = 8;
const MAX_GENERATION = 255;

/**
 * Whether a process in this state makes the cache again when it exits. `everyCall`: a short-lived
 * process of the package's own (the cni-bridge executable), which rewrites the cache at each exit
 * until it is settled, whatever it did after loading: its calls (ADD, DEL) each run parts of the
 * shared bundle the others do not, in a few ms of CPU after loading, so by the work rule alone the
 * shared bundle's cache held only what the first call after a build ran, and every other kind of
 * call compiled the rest at each run.
 */
export function rewriteAtExit(state: ExitState, everyCall = false): boolean {
  if (everyCall && state.generation < REWRITES) return true;
  return state.workMs >= WORK_MS && (state.generation < REWRITES || state.ageMs >= STALE_MS);
}

/**
 * Whether rewriteAtExit or grownSize (the entry points' bundles only) can look at the work of a
 * process that loaded a cache of this generation and age: where neither can, the process need not
 * count its work. A call of the executable (`everyCall`) rewrites an unsettled cache whatever it did,
 * so only a settled and stale cache makes its work count.
 */
export function countsWork(generation: number, ageMs: number, everyCall: boolean): boolean {
  return !everyCall || (generation >= REWRITES && ageMs >= STALE_MS);
}

/**
 * For a process in this state whose cache is settled and which rewriteAtExit leaves alone: the least
 * size of its data at exit that holds much the cache of `held` bytes lacked, for the cache to be
 * written again; 0 when the process makes no such check (it worked less than GROWTH_WORK_MS, or the
 * cache is not settled, or GROWTH_REWRITES such rewrites were made). Much: larger by a sixty-fourth
 * (6 KB of the core's 400 KB; the veth path a process compiles after route work adds about 70 KB),
 * and by 4 KB at least (the small bundles' data varies by a few bytes run to run). The data of a
 * process that ran only what the cache held is within a few bytes of it, or smaller (V8 drops the
 * bytecode of functions a long process has not run for a while).
 */
export function grownSize(state: ExitState, held: number): number {
  const g = state.generation;
  return state.workMs >= GROWTH_WORK_MS && g >= REWRITES && g < REWRITES + GROWTH_REWRITES ? held + Math.max(4096, held >> 6) : 0;
}

/**
 * Node's own options that leave V8's flags as they are (and the code of -e/-p), each the start of an
 * option after its `--`: they do not make a cache of their own. Any other option of the command line
 * or NODE_OPTIONS may be a V8 flag. A list rather than a regular expression: every import of the
 * package reads the process's options, and V8 compiles a regular expression on its first use.
 */
const NODE_ONLY = 'input-type eval print enable-source-maps cpu-prof heap-prof import require experimental- no-warnings conditions env-file inspect title test watch'.split(' ');

function mayBeV8Flag(option: string): boolean {
  if (!option.startsWith('--')) return false;
  for (const name of NODE_ONLY) if (option.startsWith(name, 2)) return false;
  return true;
}

/**
 * A key of the V8 flags among `options` (the process's command line and NODE_OPTIONS), '' when
 * there are none. V8 refuses a code cache made under other flags (their hash is in the data), so
 * processes started with other flags (the cni-bridge executable with a --min-semi-space-size, say)
 * keep a cache of their own, rather than each replacing the other's at every load. An option that
 * is not a V8 flag after all only costs a cache more.
 */
export function v8FlagsKey(options: readonly string[]): string {
  const flags = options.filter(mayBeV8Flag);
  if (flags.length === 0) return '';
  // FNV-1a: the options only name the file; the flags' own hash is V8's, in the data.
  let hash = 0x811c9dc5;
  for (const c of flags.join(' ')) hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `v8-${hash.toString(16).padStart(8, '0')}-`;
}

/**
 * os.tmpdir() without loading node:os in every process that loads a bundle: TMPDIR, TMP or TEMP,
 * else /tmp, without a trailing slash. A process whose ids are not its user's (setuid, setgid),
 * where Node ignores those variables, asks os.tmpdir() itself.
 */
export function temporaryDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() !== process.geteuid?.() || process.getgid?.() !== process.getegid?.()) return tmpdir();
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/** Whether `name` has only ASCII letters and digits (no regular expression: see NODE_ONLY). */
function isPlainName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const digit = c >= 48 && c <= 57;
    if (!letter && !digit) return false;
  }
  return true;
}

/**
 * The cache file for this build of `file` under this Node and its V8 flags, or undefined if there is
 * no safe place for it. `variant` (letters and digits) names a kind of process that keeps a file of
 * its own: a cache holds every function the processes that wrote it ran, so processes that run
 * different parts of one bundle (the cni-bridge executable's commands) each load only their own.
 */
export function cacheFile(
  file: string,
  uid: number,
  base = temporaryDirectory(),
  options = [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(' ') ?? [])],
  variant = '',
): CacheFile | undefined {
  if (!isPlainName(variant)) throw new RangeError(`code cache variant ${JSON.stringify(variant)}: letters and digits only`);
  const dir = `${base}/netns-rtnl-code-cache-${uid}`;
  let d;
  try {
    d = lstatSync(dir);
  } catch {
    mkdirSync(dir, { mode: 0o700 });
    d = lstatSync(dir);
  }
  // Code read from here runs as this user: only a directory of this user's that nobody else can write.
  if (!d.isDirectory() || d.uid !== uid || (d.mode & 0o022) !== 0) return undefined;
  const s = statSync(file);
  const fileKey = `${s.dev}-${s.ino}-`;
  const build = `${fileKey}${s.size}-${Math.trunc(s.mtimeMs)}-`;
  return { dir, file: fileKey, build, name: `${build}${variant === '' ? '' : `${variant}-`}${v8FlagsKey(options)}${process.version}-${process.arch}.bin` };
}

/**
 * The cache, or undefined if there is none or it is not one of this format. Throws what the file
 * system throws. Read into `buffer(size)` (a buffer of its own by default): its data is a view of it.
 */
export function readCache(cache: CacheFile, buffer: (size: number) => Buffer = Buffer.allocUnsafeSlow): CacheRead | undefined {
  let fd;
  try {
    fd = openSync(`${cache.dir}/${cache.name}`, 'r');
  } catch {
    return undefined;
  }
  try {
    const writtenMs = fstatSync(fd).mtimeMs;
    const whole = readWhole(fd, buffer);
    if (whole.length <= HEADER || whole.readUInt32LE(0) !== MAGIC || whole[4] !== FORMAT) return undefined;
    return { data: whole.subarray(HEADER), generation: whole[5]!, oneOff: whole[6] === 1, writtenMs };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the cache (whole, then renamed into place), and removes those of earlier builds of the same
 * file (a build rewrites it in place). `oneOff`: written by a call that ran one-off code (CacheRead).
 * Processes write at once safely: each its own temporary file, made only if it does not exist
 * (another PID namespace's process of the same pid sharing the directory gets an error, not a file
 * written by two), and a reader opens either the old file or the new one whole.
 */
export function writeCache(cache: CacheFile, data: Buffer, generation: number, oneOff = false): void {
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = FORMAT;
  header[5] = Math.min(generation, MAX_GENERATION);
  header[6] = oneOff ? 1 : 0;
  const temporary = `${cache.dir}/${cache.name}.${process.pid}`;
  try {
    writeFileSync(temporary, Buffer.concat([header, data]), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, `${cache.dir}/${cache.name}`);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never made.
    }
    throw error;
  }
  for (const name of readdirSync(cache.dir)) {
    if (name.startsWith(cache.file) && !name.startsWith(cache.build)) unlinkSync(`${cache.dir}/${name}`);
  }
}

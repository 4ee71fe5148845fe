/**
 * A file's inode and device, read with stat(2)/fstat(2) into one reused buffer instead of an
 * fs.Stats: Node builds a Stats object of 14 numbers per call, which in the code a namespace's
 * creation runs (a few times per process, in baseline code) cost 10-20 times the system call.
 * Where there is no stub (see syscall-stubs.ts), or when the call failed, Node's call is made:
 * its result, or its error, is then the one given, as it was before.
 */
import { fstatSync, statSync } from 'node:fs';
import { directStatCalls } from './libc.js';

/** Room for x86_64's struct stat (144 bytes): st_dev at 0, st_ino at 8, both 64-bit. */
const buffer = new Uint8Array(144);
const words = new Uint32Array(buffer.buffer);

/** A 64-bit field of the last stat as a number, rounded as Node's Stats rounds it. */
function field(word: number): number {
  return (words[word] ?? 0) + (words[word + 1] ?? 0) * 0x1_0000_0000;
}

/** Inode of what `fd` refers to (fstatSync(fd).ino). */
export function inodeOfFd(fd: number): number {
  const calls = directStatCalls();
  if (calls === undefined || calls.fstat(fd, buffer) < 0) return fstatSync(fd).ino;
  return field(2);
}

/** Inode of the file at `path`, symlinks followed (statSync(path).ino). */
export function inodeOfPath(path: string): number {
  const calls = directStatCalls();
  if (calls === undefined || calls.stat(path, buffer) < 0) return statSync(path).ino;
  return field(2);
}

/** `${dev}:${ino}` of the file at `path`, or undefined when there is none (statSync with throwIfNoEntry false). */
export function identityOfPath(path: string): string | undefined {
  const calls = directStatCalls();
  if (calls === undefined || calls.stat(path, buffer) < 0) {
    const st = statSync(path, { throwIfNoEntry: false });
    return st === undefined ? undefined : `${st.dev}:${st.ino}`;
  }
  return `${field(0)}:${field(2)}`;
}

/** st_mode's file type bits, and a directory's (sys/stat.h). */
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/**
 * identityOfPath when `path` (symlinks followed) is a directory; undefined when it is not, or
 * cannot be read (never throws: the caller's next call, mkdir, reports what is wrong).
 */
export function directoryIdentityOfPath(path: string): string | undefined {
  const calls = directStatCalls();
  if (calls === undefined) return directoryIdentityByNode(path);
  // st_mode is the 32-bit word at byte 24 of x86_64's struct stat.
  if (calls.stat(path, buffer) < 0 || ((words[6] ?? 0) & S_IFMT) !== S_IFDIR) return undefined;
  return `${field(0)}:${field(2)}`;
}

/**
 * directoryIdentityOfPath through Node's statSync (no stub). Apart, so that the usual path runs all
 * of its function (run once per namespace created): V8 charges a function's tier-up only for the
 * bytecode it runs.
 */
function directoryIdentityByNode(path: string): string | undefined {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st?.isDirectory() ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `fd` and the file at `path` are the same file (inode and device); false when either cannot be read. */
export function sameFile(fd: number, path: string): boolean {
  const calls = directStatCalls();
  if (calls === undefined) {
    try {
      const a = fstatSync(fd);
      const b = statSync(path);
      return a.ino === b.ino && a.dev === b.dev;
    } catch {
      return false;
    }
  }
  if (calls.fstat(fd, buffer) < 0) return false;
  const dev = field(0);
  const ino = field(2);
  return calls.stat(path, buffer) === 0 && field(0) === dev && field(2) === ino;
}

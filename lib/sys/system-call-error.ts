import { getSystemErrorMap } from 'node:util';
import { NetnsRtnlError } from '../../messages/errors.js';
import type { ErrnoCode } from '../../messages/errno.js';
import { ERRNO, errnoName } from './errno.js';

/** System calls that need CAP_SYS_ADMIN for what this library does with them (namespaces and their mounts). */
const NEEDS_SYS_ADMIN: ReadonlySet<string> = new Set(['setns', 'unshare', 'mount', 'umount2']);

/**
 * A failed system call. `errno` is the positive kernel number (1 for EPERM),
 * `code` its symbolic name, `syscall` the function that failed.
 */
export class SystemCallError extends NetnsRtnlError {
  override readonly name = 'SystemCallError';
  readonly errno: number;
  readonly code: ErrnoCode;
  readonly syscall: string;

  constructor(syscall: string, errno: number, detail?: string, description?: string, options?: { cause?: unknown }) {
    const code = errnoName(errno);
    const what = detail === undefined ? syscall : `${syscall}(${detail})`;
    const hint = errno === ERRNO.EPERM && NEEDS_SYS_ADMIN.has(syscall) ? ': this needs root (CAP_SYS_ADMIN)' : '';
    super(`${what} failed: ${code}${description === undefined ? '' : ` (${description})`}${hint}`, options);
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}

/**
 * A failure of Node's own system calls (node:fs, the netlink binding: `errno`, `syscall`, `path`)
 * as a SystemCallError with the same code, the original kept as `cause`; anything else as it is.
 */
export function systemCallErrorOf(error: unknown, detail?: string, syscall = 'unknown'): unknown {
  if (error instanceof NetnsRtnlError || typeof error !== 'object' || error === null) return error;
  const e = error as { errno?: unknown; syscall?: unknown; path?: unknown };
  if (typeof e.errno !== 'number' || e.errno === 0) return error;
  const path = typeof e.path === 'string' ? e.path : undefined;
  return new SystemCallError(typeof e.syscall === 'string' ? e.syscall : syscall, Math.abs(e.errno), detail ?? path, undefined, { cause: error });
}

/** Runs `call` (Node's fs), its failure a SystemCallError (see systemCallErrorOf). */
export function nodeCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw systemCallErrorOf(error);
  }
}

/**
 * The error Node's fs gives when `syscall` fails with `errno` (fs.closeSync, fs.unlinkSync: a plain
 * Error with errno negative, code, syscall and path), for calls made through libc in their place.
 */
export function nodeFsError(errno: number, syscall: string, path?: string): NodeJS.ErrnoException {
  const [code, description] = getSystemErrorMap().get(-errno) ?? ['UNKNOWN', 'unknown error'];
  const error: NodeJS.ErrnoException = new Error(`${code}: ${description}, ${syscall}${path === undefined ? '' : ` '${path}'`}`);
  error.errno = -errno;
  error.code = code;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  return error;
}

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

  constructor(syscall: string, errno: number, detail?: string, description?: string) {
    const code = errnoName(errno);
    const what = detail === undefined ? syscall : `${syscall}(${detail})`;
    const hint = errno === ERRNO.EPERM && NEEDS_SYS_ADMIN.has(syscall) ? ': this needs root (CAP_SYS_ADMIN)' : '';
    super(`${what} failed: ${code}${description === undefined ? '' : ` (${description})`}${hint}`);
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}

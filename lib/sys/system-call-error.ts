import { getSystemErrorName } from 'node:util';

/**
 * A failed system call. `errno` is the positive kernel number (1 for EPERM),
 * `code` its symbolic name, `syscall` the function that failed.
 */
export class SystemCallError extends Error {
  override readonly name = 'SystemCallError';
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;

  constructor(syscall: string, errno: number, detail?: string, description?: string) {
    const code = errnoName(errno);
    const what = detail === undefined ? syscall : `${syscall}(${detail})`;
    super(`${what} failed: ${code}${description === undefined ? '' : ` (${description})`}`);
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}

function errnoName(errno: number): string {
  const name = Number.isInteger(errno) && errno > 0 ? getSystemErrorName(-errno) : '';
  return /^E[A-Z0-9]+$/.test(name) ? name : `E${errno}`;
}

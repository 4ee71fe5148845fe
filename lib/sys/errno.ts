import { ERRNO, type ErrnoCode } from '../../messages/errno.js';

/** The names by number, made on the first call: a process that names no errno (a successful CNI ADD) never makes them. */
let names: readonly string[] | undefined;

function namesByNumber(): readonly string[] {
  const made: string[] = [];
  for (const name in ERRNO) made[ERRNO[name as keyof typeof ERRNO]] = name;
  return made;
}

/**
 * The one errno namer of the library: 17 is 'EEXIST', 11 'EAGAIN', 95 'EOPNOTSUPP', 85 'ERESTART'
 * (the kernel's canonical names), and `E<n>` for a number the kernel's uapi headers do not name.
 */
export function errnoName(errno: number): ErrnoCode {
  return ((names ??= namesByNumber())[errno] as ErrnoCode | undefined) ?? `E${errno}`;
}

export { ERRNO, type ErrnoCode };

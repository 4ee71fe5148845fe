import { ERRNO, type ErrnoCode } from '../../messages/errno.js';

const NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, errno] of Object.entries(ERRNO)) names[errno] = name;
  return names;
})();

/**
 * The one errno namer of the library: 17 is 'EEXIST', 11 'EAGAIN', 95 'EOPNOTSUPP', 85 'ERESTART'
 * (the kernel's canonical names), and `E<n>` for a number the kernel's uapi headers do not name.
 */
export function errnoName(errno: number): ErrnoCode {
  return (NAMES[errno] as ErrnoCode | undefined) ?? `E${errno}`;
}

export { ERRNO, type ErrnoCode };

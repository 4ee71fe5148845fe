/**
 * closeFd, openFd and unlink (lib/sys/libc.ts) in place of fs.closeSync, fs.openSync and nodeCall(unlinkSync): each case
 * makes the library's call fail and Node's the same way, so that the errors can be compared.
 */
import { closeSync, constants, fstatSync, mkdtempSync, openSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

interface FsCalls {
  closeFd(fd: number): void;
  unlink(path: string): void;
  openFd(path: string, flags: number, mode?: number): number;
}

/** The error `call` throws (a test failure if it throws none). */
export function caught(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('no error');
}

/** An Error's message and own enumerable properties, in order (what a log or a `catch` sees). */
export const shape = (error: Error): unknown => ({ ...error, message: error.message, type: Object.getPrototypeOf(error) as unknown });

/** Checks that `calls` open, close and unlink, and fail with the errors Node's own calls give. */
export function expectNodeFsErrors({ closeFd, unlink, openFd }: FsCalls, SystemCallError: new (...args: never[]) => Error): void {
  const dir = mkdtempSync(join(tmpdir(), 'fs-calls-'));
  try {
    const file = join(dir, 'f');
    const fd = openSync(file, 'w');
    closeFd(fd);
    expect(shape(caught(() => closeFd(fd)))).toEqual(shape(caught(() => closeSync(fd))));
    expect(caught(() => closeFd(fd))).toMatchObject({ code: 'EBADF', errno: -9, syscall: 'close', message: 'EBADF: bad file descriptor, close' });

    const exclusive = constants.O_RDONLY | constants.O_CREAT | constants.O_EXCL;
    expect(shape(caught(() => openFd(file, exclusive, 0)))).toEqual(shape(caught(() => openSync(file, exclusive, 0))));
    const missing = join(dir, 'none');
    expect(shape(caught(() => openFd(missing, constants.O_RDONLY)))).toEqual(shape(caught(() => openSync(missing, constants.O_RDONLY))));
    expect(caught(() => openFd(missing, constants.O_RDONLY))).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'open', path: missing });
    const withNul = `${file}\0x`;
    expect(shape(caught(() => openFd(withNul, constants.O_RDONLY)))).toEqual(shape(caught(() => openSync(withNul, constants.O_RDONLY))));
    const opened = openFd(file, constants.O_RDONLY);
    expect(fstatSync(opened).ino).toBe(statSync(file).ino);
    closeFd(opened);

    unlink(file);
    const ours = caught(() => unlink(file));
    const node = caught(() => unlinkSync(file));
    expect(ours).toBeInstanceOf(SystemCallError);
    expect(ours).toMatchObject({ syscall: 'unlink', code: 'ENOENT', errno: 2, message: `unlink(${file}) failed: ENOENT` });
    expect(shape(ours.cause as Error)).toEqual(shape(node));
    expect(caught(() => unlink(dir))).toMatchObject({ code: 'EISDIR', cause: { code: 'EISDIR', path: dir } });
  } finally {
    rmdirSync(dir);
  }
}

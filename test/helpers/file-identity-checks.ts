/**
 * lib/sys/file-identity.ts against Node's fs.statSync / fstatSync: the same inodes and devices,
 * and where Node's call fails, the same error (each case made to fail both ways).
 */
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type * as FileIdentity from '../../lib/sys/file-identity.js';
import { caught, shape } from './fs-call-failures.js';

export function expectNodeStatResults({ directoryIdentityOfPath, identityOfPath, inodeOfFd, inodeOfPath, sameFile }: typeof FileIdentity): void {
  const dir = mkdtempSync(join(tmpdir(), 'file-identity-'));
  try {
    const file = join(dir, 'f');
    const link = join(dir, 'l');
    const fd = openSync(file, 'w');
    symlinkSync(file, link);
    try {
      for (const path of [file, link, dir, '/proc/thread-self/ns/net', '/dev/null']) {
        const st = statSync(path);
        expect(inodeOfPath(path)).toBe(st.ino);
        expect(identityOfPath(path)).toBe(`${st.dev}:${st.ino}`);
        expect(directoryIdentityOfPath(path)).toBe(st.isDirectory() ? `${st.dev}:${st.ino}` : undefined);
      }
      const dirLink = join(dir, 'd');
      symlinkSync(dir, dirLink);
      expect(directoryIdentityOfPath(dirLink)).toBe(identityOfPath(dir));
      expect(inodeOfFd(fd)).toBe(fstatSync(fd).ino);
      expect(sameFile(fd, file)).toBe(true);
      expect(sameFile(fd, link)).toBe(true);
      expect(sameFile(fd, dir)).toBe(false);
      expect(sameFile(fd, join(dir, 'none'))).toBe(false);
    } finally {
      closeSync(fd);
    }
    expect(sameFile(fd, file)).toBe(false);
    expect(shape(caught(() => inodeOfFd(fd)))).toEqual(shape(caught(() => fstatSync(fd))));
    for (const path of [join(dir, 'none'), join(file, 'below')]) {
      expect(shape(caught(() => inodeOfPath(path)))).toEqual(shape(caught(() => statSync(path))));
    }
    expect(identityOfPath(join(dir, 'none'))).toBeUndefined();
    expect(directoryIdentityOfPath(join(dir, 'none'))).toBeUndefined();
    expect(directoryIdentityOfPath(join(file, 'below'))).toBeUndefined();
    // ENOTDIR: Node 20 throws it, Node 22 and 24 return undefined as for ENOENT; either way, Node's answer.
    const notDir = join(file, 'below');
    const outcome = (call: () => unknown): unknown => {
      try {
        return { value: call() };
      } catch (error) {
        return shape(error as Error);
      }
    };
    expect(outcome(() => identityOfPath(notDir))).toEqual(outcome(() => statSync(notDir, { throwIfNoEntry: false })));
  } finally {
    rmSync(dir, { recursive: true });
  }
}

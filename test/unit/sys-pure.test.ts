import { closeSync, fstatSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ownSocket } from '../../lib/sys/tcp-in-netns.js';
import { namedNetnsPath, validateNetnsName } from '../../lib/sys/named-netns.js';
import { withNetns } from '../../lib/sys/netns-thread.js';
import { SystemCallError } from '../../lib/sys/system-call-error.js';

describe('SystemCallError', () => {
  it('names the errno, the call and its argument', () => {
    const error = new SystemCallError('setns', 1, 'fd 7, 0x40000000', 'Operation not permitted');
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('EPERM');
    expect(error.errno).toBe(1);
    expect(error.syscall).toBe('setns');
    expect(error.message).toBe('setns(fd 7, 0x40000000) failed: EPERM (Operation not permitted): this needs root (CAP_SYS_ADMIN)');
  });

  it('survives an errno it has no name for', () => {
    expect(new SystemCallError('x', 9999).code).toBe('E9999');
  });
});

describe('validateNetnsName', () => {
  it.each(['', '.', '..', 'a/b', '/x', 'a\0b', 'é'.repeat(128)])('refuses %j', (name) => {
    expect(() => validateNetnsName(name)).toThrow(TypeError);
  });

  it.each(['containerns', 'a', '...', 'x'.repeat(255), 'with space'])('accepts %j', (name) => {
    expect(() => validateNetnsName(name)).not.toThrow();
  });

  it('joins the name onto the directory', () => {
    expect(namedNetnsPath('blue')).toBe('/run/netns/blue');
    expect(namedNetnsPath('blue', { dir: '/tmp/ns' })).toBe('/tmp/ns/blue');
  });
});

describe('withNetns (no privileges needed)', () => {
  it('refuses an async action before touching anything', () => {
    let ran = false;
    expect(() =>
      withNetns(-1, async () => {
        ran = true;
      }),
    ).toThrow(TypeError);
    expect(ran).toBe(false);
  });
});

describe('ownSocket: whether Node still holds the socket we made, without its private handle', () => {
  it('is true for our open fd, false once it is closed, and false for another file given the same number', () => {
    const fd = openSync('/proc/self/status', 'r');
    const inode = fstatSync(fd).ino;
    expect(ownSocket(fd, inode)).toBe(true);
    closeSync(fd);
    expect(ownSocket(fd, inode)).toBe(false);
    const reused = openSync('/proc/self/stat', 'r');
    try {
      expect(reused).toBe(fd); // the lowest free number comes back
      expect(ownSocket(reused, inode)).toBe(false);
    } finally {
      closeSync(reused);
    }
  });
});

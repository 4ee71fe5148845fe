import { describe, expect, it } from 'vitest';
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

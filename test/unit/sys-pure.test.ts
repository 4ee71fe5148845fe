import { closeSync, fstatSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ownSocket } from '../../lib/sys/tcp-in-netns.js';
import { namedNetnsPath, validateNetnsName } from '../../lib/sys/named-netns.js';
import { withNetns } from '../../lib/sys/netns-thread.js';
import { SystemCallError, systemCallErrorOf } from '../../lib/sys/system-call-error.js';
import { setBufferSize } from '../../lib/sys/netlink-socket-common.js';
import { SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE } from '../../lib/sys/constants.js';
import { InvalidArgumentError } from '../../messages/errors.js';

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
    expect(() => validateNetnsName(name)).toThrow(InvalidArgumentError);
    expect(() => validateNetnsName(name, 'name')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', field: 'name', value: name }));
  });

  it('says what to do with a name that holds a "/": open it by path', () => {
    expect(() => validateNetnsName('a/b')).toThrow('namespace name: "a/b" contains "/": a name is one file name in the netns directory; to open a namespace by its path, pass { path }');
  });

  it.each(['containerns', 'a', '...', 'x'.repeat(255), 'with space'])('accepts %j', (name) => {
    expect(() => validateNetnsName(name)).not.toThrow();
  });

  it('joins the name onto the directory', () => {
    expect(namedNetnsPath('blue')).toBe('/run/netns/blue');
    expect(namedNetnsPath('blue', { dir: '/tmp/ns' })).toBe('/tmp/ns/blue');
  });
});

describe("systemCallErrorOf: Node's failed system calls as SystemCallError", () => {
  it('keeps the code, makes errno positive, names the call and path, keeps the original as cause', () => {
    let original: unknown;
    try {
      closeSync(openSync('/nonexistent/netns-rtnl', 'r'));
    } catch (error) {
      original = error;
    }
    const error = systemCallErrorOf(original);
    expect(error).toBeInstanceOf(SystemCallError);
    expect(error).toMatchObject({ code: 'ENOENT', errno: 2, syscall: 'open', cause: original, message: 'open(/nonexistent/netns-rtnl) failed: ENOENT' });
  });

  it('leaves what is not a failed system call as it is', () => {
    const plain = new Error('x');
    expect(systemCallErrorOf(plain)).toBe(plain);
    const own = new SystemCallError('setns', 1);
    expect(systemCallErrorOf(own)).toBe(own);
    expect(systemCallErrorOf('text')).toBe('text');
  });
});

describe('setBufferSize refuses a size that is not one before any system call', () => {
  it.each([0, -1, 1.5, 2 ** 31, Number.NaN])('%s', (bytes) => {
    expect(() => setBufferSize(-1, SO_RCVBUFFORCE, SO_RCVBUF, bytes)).toThrow(expect.objectContaining({ name: 'InvalidArgumentError', field: 'recvBufferSize', value: bytes }));
    expect(() => setBufferSize(-1, SO_SNDBUFFORCE, SO_SNDBUF, bytes)).toThrow(expect.objectContaining({ name: 'InvalidArgumentError', field: 'sendBufferSize' }));
  });
});

describe('withNetns (no privileges needed)', () => {
  it('refuses an async action before touching anything', () => {
    let ran = false;
    expect(() =>
      withNetns(-1, async function work() {
        ran = true;
      }),
    ).toThrow(expect.objectContaining({ name: 'InvalidArgumentError', field: 'action', message: expect.stringMatching(/^action: function work is an async function/) }));
    expect(ran).toBe(false);
    expect(() => withNetns(-1, 'run' as unknown as () => void)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', field: 'action', value: 'run' }));
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

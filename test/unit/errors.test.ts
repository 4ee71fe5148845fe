import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError as FromMessages, NetlinkDecodeError as DecodeFromMessages } from '../../messages/errors.js';
import {
  ConnectionClosedError,
  ConnectTimeoutError,
  DumpInterruptedError,
  ERRNO,
  errnoName,
  InvalidArgumentError as FromLib,
  NamespaceClosedError,
  NamespaceExistsError,
  NamespaceReplacedError,
  NetlinkDecodeError,
  NetlinkError,
  NetlinkOverrunError,
  NetnsRestoreError,
  NetnsRtnlError,
  RequestTimeoutError,
  SocketHandoffError,
  SystemCallError,
  UnexpectedReplyError,
  UnsupportedHostError,
  type ErrorCode,
} from '../../lib/index.js';
import { CNI_ERRORS, CniError } from '../../lib/cni/index.js';
import { MonitorSyncError } from '../../lib/monitor/monitor.js';
import { SocketClosedError } from '../../lib/sys/netlink-socket-common.js';
import { NotNetnsError } from '../../lib/sys/named-netns.js';
import { checkMtu } from '../../lib/validate.js';

describe('error classes', () => {
  it('InvalidArgumentError is one class, declared in messages/ so encoders can throw it', () => {
    expect(FromLib).toBe(FromMessages);
    expect(NetlinkDecodeError).toBe(DecodeFromMessages);
    const error = new FromMessages('mtu', 70000, 'is too large', { cause: 'x' });
    expect(error.message).toBe('mtu: 70000 is too large');
    expect(error.cause).toBe('x');
    expect(() => checkMtu(70000, 'mtu')).toThrow(FromMessages);
  });

  it('every error the library raises is a NetnsRtnlError with a string code and its own name', () => {
    const cause = new Error('underneath');
    const all: [NetnsRtnlError, ErrorCode, string][] = [
      [new FromLib('mtu', 1, 'is small'), 'ERR_INVALID_ARGUMENT', 'InvalidArgumentError'],
      [new NetlinkDecodeError('RTM_NEWLINK', 4, 'short'), 'ERR_NETLINK_DECODE', 'NetlinkDecodeError'],
      [new NetlinkError({ errno: 17, operation: 'RTM_NEWLINK x' }), 'EEXIST', 'NetlinkError'],
      [new DumpInterruptedError('RTM_GETLINK dump', 3, []), 'EINTR', 'DumpInterruptedError'],
      [new ConnectionClosedError('op', 'closed'), 'ERR_CONNECTION_CLOSED', 'ConnectionClosedError'],
      [new RequestTimeoutError('op', 5), 'ERR_REQUEST_TIMEOUT', 'RequestTimeoutError'],
      [new NetlinkOverrunError('op'), 'ENOBUFS', 'NetlinkOverrunError'],
      [new UnexpectedReplyError('op', 'no reply'), 'ERR_UNEXPECTED_REPLY', 'UnexpectedReplyError'],
      [new NamespaceExistsError('a', '/run/netns/a', { cause }), 'EEXIST', 'NamespaceExistsError'],
      [new SystemCallError('setns', 1, 'fd 3'), 'EPERM', 'SystemCallError'],
      [new NetnsRestoreError('lost', { cause }), 'ERR_NETNS_RESTORE', 'NetnsRestoreError'],
      [new SocketClosedError(), 'ERR_SOCKET_CLOSED', 'SocketClosedError'],
      [new ConnectTimeoutError('10.0.0.1', 80, 5), 'ETIMEDOUT', 'ConnectTimeoutError'],
      [new MonitorSyncError('gave up', { cause }), 'ERR_MONITOR_SYNC', 'MonitorSyncError'],
      [new CniError(CNI_ERRORS.INVALID_NETWORK_CONFIG, 'bad', undefined, { cause }), 'ERR_CNI', 'CniError'],
      [new NamespaceClosedError('netns a'), 'ERR_NAMESPACE_CLOSED', 'NamespaceClosedError'],
      [new NamespaceReplacedError('netns a', '/run/netns/a', 1, 2), 'ERR_NAMESPACE_REPLACED', 'NamespaceReplacedError'],
      [new UnsupportedHostError('big-endian'), 'ERR_UNSUPPORTED_HOST', 'UnsupportedHostError'],
      [new SocketHandoffError('lost'), 'ERR_SOCKET_HANDOFF', 'SocketHandoffError'],
      [new NotNetnsError('/dev/null', 'a character device', false), 'ERR_INVALID_ARGUMENT', 'NotNetnsError'],
    ];
    for (const [error, code, name] of all) {
      expect(error, name).toBeInstanceOf(NetnsRtnlError);
      expect(error, name).toBeInstanceOf(Error);
      expect(error.code, name).toBe(code);
      expect(error.name, name).toBe(name);
      expect(String(error.stack), name).toContain(name);
    }
    expect(new NamespaceExistsError('a', '/run/netns/a', { cause }).cause).toBe(cause);
  });

  it('a file that is not a namespace is an InvalidArgumentError naming the path', () => {
    const error = new NotNetnsError('/dev/null', 'a character device', false);
    expect(error).toBeInstanceOf(FromLib);
    expect(error).toMatchObject({ field: 'namespace', value: '/dev/null', message: 'namespace: "/dev/null" is a character device, not a network namespace' });
  });

  it('the errors of a namespace handle say which namespace and what changed', () => {
    expect(new NamespaceClosedError('netns a').message).toBe('netns a is closed: open it again (Namespace.open) to use it');
    expect(new NamespaceReplacedError('netns a', '/run/netns/a', 1, 2)).toMatchObject({
      namespace: 'netns a', path: '/run/netns/a', expectedInode: 1, foundInode: 2,
      message: 'netns a: /run/netns/a is now another namespace (inode 2, not 1)',
    });
  });

  it('a CniError keeps the spec number in cniCode and in its JSON result', () => {
    const error = new CniError(CNI_ERRORS.INVALID_NETWORK_CONFIG, 'bad bridge', 'a NUL');
    expect(error.cniCode).toBe(7);
    expect(error.toJSON('1.1.0')).toEqual({ cniVersion: '1.1.0', code: 7, msg: 'bad bridge', details: 'a NUL' });
  });
});

describe('errnoName: one namer, the kernel canonical names', () => {
  it('names numbers as the uapi headers do, not as libc aliases', () => {
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoName(95)).toBe('EOPNOTSUPP');
    expect(errnoName(35)).toBe('EDEADLK');
    expect(errnoName(85)).toBe('ERESTART');
    expect(errnoName(17)).toBe('EEXIST');
    expect(errnoName(133)).toBe('EHWPOISON');
    expect(errnoName(524)).toBe('E524');
    expect(errnoName(0)).toBe('E0');
  });

  it('agrees with the platform on every number both know', () => {
    const platform = constants.errno as Record<string, number>;
    let compared = 0;
    for (const [name, number] of Object.entries(ERRNO)) {
      if (platform[name] === undefined) continue;
      expect(platform[name], name).toBe(number);
      compared++;
    }
    expect(compared).toBeGreaterThan(70);
  });

  it('gives a kernel error and a system call error the same code for the same errno', () => {
    for (let errno = 1; errno <= 140; errno++) {
      const fromKernel = new NetlinkError({ errno, operation: 'op' }).code;
      expect(new SystemCallError('recvmsg', errno).code, String(errno)).toBe(fromKernel);
    }
  });

  it('says what privilege a refused operation needs', () => {
    expect(new SystemCallError('mount', 1, '/run/netns -> /run/netns').message).toMatch(/EPERM.*root \(CAP_SYS_ADMIN\)/);
    expect(new SystemCallError('recvmsg', 1).message).not.toMatch(/CAP_/);
    expect(new NetlinkError({ errno: 1, operation: 'RTM_NEWLINK x' }).message).toMatch(/EPERM.*CAP_NET_ADMIN/);
  });
});

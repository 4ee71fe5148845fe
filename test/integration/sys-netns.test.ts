import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';
import {
  AF_NETLINK,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_ROUTE,
  SOCK_CLOEXEC,
  SOCK_RAW,
  SOL_NETLINK,
  SystemCallError,
  createNamedNetns,
  currentNetnsInode,
  deleteNamedNetns,
  getsockoptInt,
  listNamedNetns,
  netnsInodeOfFd,
  openNetlinkEventSocket,
  openNetlinkSocket,
  openNetnsFd,
  withNetns,
} from '../../lib/sys/index.js';
import { bind, connect, sendOrErrno, socket } from '../../lib/sys/libc.js';
import { ERRNO } from '../../lib/sys/errno.js';
import { findNetlinkSocketFd, isNetlinkSocket } from '../../lib/sys/netlink-socket-fd.js';
import type { Transport } from '../../lib/transport.js';
import { InvalidArgumentError } from '../../messages/errors.js';

if (integrationSkipReason !== undefined) console.log(`sys-netns: ${integrationSkipReason}`);

// Hand-built frames: this suite tests the transport, not messages/.
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const IFLA_IFNAME = 3;
const IFLA_LINKINFO = 18;
const IFLA_EXT_MASK = 29;
const IFLA_INFO_KIND = 1;
const RTNLGRP_IPV4_IFADDR = 5;

function nlattr(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(4 + payload.length, 0);
  header.writeUInt16LE(type, 2);
  const padding = Buffer.alloc((4 - (payload.length % 4)) % 4);
  return Buffer.concat([header, payload, padding]);
}

function frame(type: number, flags: number, seq: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + body.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt32LE(seq, 8);
  return Buffer.concat([header, body]);
}

/** nlmsghdr + ifinfomsg (all zero) + IFLA_EXT_MASK 0: 40 bytes. */
function getLinkDump(seq: number): Buffer {
  const mask = Buffer.alloc(4);
  return frame(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq, Buffer.concat([Buffer.alloc(16), nlattr(IFLA_EXT_MASK, mask)]));
}

interface Message {
  type: number;
  seq: number;
  body: Buffer;
}

/** The messages of a datagram, from a copy (a transport's datagram is valid during its callback only). */
function messages(view: Uint8Array): Message[] {
  const datagram = Buffer.from(view);
  const out: Message[] = [];
  for (let offset = 0; offset + 16 <= datagram.length; ) {
    const length = datagram.readUInt32LE(offset);
    out.push({ type: datagram.readUInt16LE(offset + 4), seq: datagram.readUInt32LE(offset + 8), body: datagram.subarray(offset + 16, offset + length) });
    offset += (length + 3) & ~3;
  }
  return out;
}

function ifname(body: Buffer): string | undefined {
  for (let offset = 16; offset + 4 <= body.length; ) {
    const length = body.readUInt16LE(offset);
    if ((body.readUInt16LE(offset + 2) & 0x3fff) === IFLA_IFNAME) return body.toString('latin1', offset + 4, offset + length - 1);
    offset += (length + 3) & ~3;
  }
  return undefined;
}

/** Sends one request and collects replies to its sequence number until DONE or ERROR. */
function exchange(socket: Transport, request: Buffer): Promise<Message[]> {
  const seq = request.readUInt32LE(8);
  return new Promise((resolve, reject) => {
    const replies: Message[] = [];
    const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
    socket.onDatagram((datagram) => {
      for (const message of messages(datagram)) {
        if (message.seq !== seq) continue;
        replies.push(message);
        if (message.type === NLMSG_DONE || message.type === NLMSG_ERROR) {
          clearTimeout(timer);
          resolve(replies);
        }
      }
    });
    Promise.resolve()
      .then(() => socket.send(request))
      .catch(reject);
  });
}

function runChild(command: string, args: string[], start: (command: string, args: string[]) => ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = start(command, args);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}`))));
  });
}

const openFdCount = (): number => readdirSync('/proc/self/fd').length;
const mountinfoLine = (path: string): string | undefined => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((line) => line.split(' ')[4] === path);
const mountedAt = (path: string): boolean => mountinfoLine(path) !== undefined;
const ipLinkNames = (json: string): string[] => (JSON.parse(json) as Array<{ ifname: string }>).map((link) => link.ifname);

describe.skipIf(!canRunIntegration)('lib/sys namespaces and netlink transport', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        cleanup();
      } catch {
        // best effort
      }
    }
  });

  /** A fresh named namespace and an fd on it, both released after the test. */
  function scratchNetns(name: string): { name: string; fd: number } {
    createNamedNetns(name);
    const fd = openNetnsFd(`/run/netns/${name}`);
    cleanups.push(() => deleteNamedNetns(name));
    cleanups.push(() => closeSync(fd));
    return { name, fd };
  }

  it('withNetns enters the target and returns, even when the action throws', () => {
    const home = currentNetnsInode();
    const { fd } = scratchNetns('sys-enter');
    const homeFd = openNetnsFd('/proc/thread-self/ns/net');
    cleanups.push(() => closeSync(homeFd));
    const target = netnsInodeOfFd(fd);
    expect(target).not.toBe(home);

    expect(withNetns(fd, () => currentNetnsInode())).toBe(target);
    expect(currentNetnsInode()).toBe(home);

    expect(() =>
      withNetns(fd, () => {
        throw new RangeError('boom');
      }),
    ).toThrow('boom');
    expect(currentNetnsInode()).toBe(home);

    // nested sections unwind one level at a time
    const nested = withNetns(fd, () => [currentNetnsInode(), withNetns(homeFd, () => currentNetnsInode()), currentNetnsInode()]);
    expect(nested).toEqual([target, home, target]);
    expect(currentNetnsInode()).toBe(home);
  });

  it('withNetns refuses async work and still restores the thread', () => {
    const home = currentNetnsInode();
    const { fd } = scratchNetns('sys-async');
    expect(() => withNetns(fd, async () => 1)).toThrow(InvalidArgumentError);
    expect(() => withNetns(fd, () => Promise.resolve(1))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', field: 'action', message: expect.stringMatching(/returned a promise/) }));
    expect(() => withNetns(fd, () => Promise.reject(new Error('ignored')))).toThrow(/promise/);
    expect(currentNetnsInode()).toBe(home);
  });

  it('withNetns reports a bad fd as a SystemCallError and stays put', () => {
    const home = currentNetnsInode();
    const notANamespace = openSync('/proc/self/status', 'r');
    cleanups.push(() => closeSync(notANamespace));
    let caught: unknown;
    try {
      withNetns(notANamespace, () => 1);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SystemCallError);
    expect((caught as SystemCallError).code).toBe('EINVAL');
    expect((caught as SystemCallError).syscall).toBe('setns');
    expect(currentNetnsInode()).toBe(home);
  });

  it('createNamedNetns is what iproute2 makes: listed, usable by ip netns exec, only lo inside', () => {
    const home = currentNetnsInode();
    scratchNetns('sys-iproute');
    expect(currentNetnsInode()).toBe(home);
    expect(listNamedNetns()).toContain('sys-iproute');
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).toMatch(/^sys-iproute\b/m);
    expect(ipLinkNames(execFileSync('ip', ['netns', 'exec', 'sys-iproute', 'ip', '-j', 'link'], { encoding: 'utf8' }))).toEqual(['lo']);
    expect(mountedAt('/run/netns/sys-iproute')).toBe(true);
    // and we see namespaces iproute2 made
    execFileSync('ip', ['netns', 'add', 'sys-by-ip']);
    cleanups.push(() => execFileSync('ip', ['netns', 'delete', 'sys-by-ip']));
    expect(listNamedNetns()).toContain('sys-by-ip');
  });

  it('createNamedNetns refuses a taken name and leaves the existing one alone', () => {
    scratchNetns('sys-taken');
    expect(() => createNamedNetns('sys-taken')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(mountedAt('/run/netns/sys-taken')).toBe(true);
    expect(() => createNamedNetns('a/b')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', value: 'a/b' }));
  });

  it('makes /run/netns a shared mount point, as iproute2 does, but leaves the mounts of a dir option alone', () => {
    createNamedNetns('sys-shared');
    cleanups.push(() => deleteNamedNetns('sys-shared'));
    expect(mountinfoLine('/run/netns')).toMatch(/ shared:\d+/);

    const dir = mkdtempSync(join(tmpdir(), 'sys-netns-dir-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    createNamedNetns('x', { dir });
    expect(mountinfoLine(dir), 'the directory itself was made a mount point').toBeUndefined();
    expect(mountedAt(join(dir, 'x'))).toBe(true);
    expect(listNamedNetns(dir)).toEqual(['x']);
    deleteNamedNetns('x', { dir });
    expect(listNamedNetns(dir)).toEqual([]);
    expect(mountinfoLine(dir)).toBeUndefined();
    // A dir option that does not exist is not made.
    expect(() => createNamedNetns('y', { dir: join(dir, 'missing') })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('makes a private mount placed afresh over /run/netns shared at the next creation, each time', () => {
    // In a mount namespace of its own (a child process): the other test files share /run/netns.
    const script = `
      import { execFileSync } from 'node:child_process';
      import { readFileSync } from 'node:fs';
      const { createNamedNetns, deleteNamedNetns, listNamedNetns } = await import(process.env.SYS_MODULE);
      // The topmost of the mounts stacked at /run/netns (mountinfo lists them in mount order).
      const shared = () => / shared:\\d+/.test(readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter((l) => l.split(' ')[4] === '/run/netns').at(-1) ?? '');
      const seen = [];
      for (const round of [0, 1, 2]) {
        // Round 0: the private copy of the suite's own mount; then a private tmpfs mounted over it.
        if (round > 0) {
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'fresh' + round, '/run/netns']);
          execFileSync('mount', ['--make-private', '/run/netns']);
        }
        const before = shared();
        createNamedNetns('fresh' + round);
        seen.push({ before, after: shared(), names: listNamedNetns() });
        // Round 0's file is on the suite's own tmpfs: removed, as every round's.
        deleteNamedNetns('fresh' + round);
      }
      console.log(JSON.stringify(seen));`;
    const out = execFileSync('unshare', ['--mount', '--propagation', 'private', '--', process.execPath, '--input-type=module', '-e', script], {
      env: { ...process.env, SYS_MODULE: new URL('../../dist/lib/sys/index.js', import.meta.url).href },
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([
      { before: false, after: true, names: expect.arrayContaining(['fresh0']) },
      { before: false, after: true, names: ['fresh1'] },
      { before: false, after: true, names: ['fresh2'] },
    ]);
  });

  it('a socket opened inside dumps only that namespace: lo', async () => {
    const { fd } = scratchNetns('sys-dump');
    const socket = openNetlinkSocket({ netnsFd: fd });
    cleanups.push(() => socket.close());
    expect(socket.port).toBeGreaterThan(0);
    expect(readFileSync('/proc/self/fdinfo/' + socket.fd, 'utf8')).toBeTruthy();
    expect(getsockoptInt(socket.fd, SOL_NETLINK, NETLINK_EXT_ACK)).toBe(1);
    expect(getsockoptInt(socket.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK)).toBe(1);
    expect(getsockoptInt(socket.fd, SOL_NETLINK, NETLINK_CAP_ACK)).toBe(1);

    const request = getLinkDump(7);
    expect(request.length).toBe(40);
    const replies = await exchange(socket, request);
    expect(replies.at(-1)?.type).toBe(NLMSG_DONE);
    expect(replies.at(-1)?.body.readInt32LE(0)).toBe(0);
    expect(replies.filter((reply) => reply.type === RTM_NEWLINK).map((reply) => ifname(reply.body))).toEqual(['lo']);
  });

  it("a request socket takes the kernel's datagrams only: another socket's unicast to its port is refused, and never read as an answer", async () => {
    const { fd } = scratchNetns('sys-only-kernel');
    const requests = openNetlinkSocket({ netnsFd: fd });
    cleanups.push(() => requests.close());
    const seen: Message[] = [];
    requests.onDatagram((datagram) => {
      seen.push(...messages(datagram));
    });
    const intruder = withNetns(fd, () => socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    cleanups.push(() => closeSync(intruder));
    bind(intruder, Buffer.from([AF_NETLINK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'netlink, port 0');
    const port = Buffer.alloc(12);
    port.writeUInt16LE(AF_NETLINK, 0);
    port.writeUInt32LE(requests.port, 4);
    connect(intruder, port, `netlink port ${requests.port}`);
    // An ACK for sequence number 11, as if from the kernel.
    expect(sendOrErrno(intruder, frame(NLMSG_ERROR, 0, 11, Buffer.alloc(20)), 0)).toBe(-ERRNO.ECONNREFUSED);
    const replies = await exchange(requests, getLinkDump(11));
    expect(replies.at(-1)?.type).toBe(NLMSG_DONE);
    expect(seen.filter((m) => m.type === NLMSG_ERROR)).toEqual([]);
  });

  it('extended ACKs are on: a bad RTM_NEWLINK comes back with the kernel text', async () => {
    const { fd } = scratchNetns('sys-extack');
    const socket = openNetlinkSocket({ netnsFd: fd });
    cleanups.push(() => socket.close());
    const body = Buffer.concat([
      Buffer.alloc(16),
      nlattr(IFLA_IFNAME, Buffer.from('bad0\0')),
      nlattr(IFLA_LINKINFO, nlattr(IFLA_INFO_KIND, Buffer.from('nosuchkind\0'))),
    ]);
    const replies = await exchange(socket, frame(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 9, body));
    const error = replies.find((reply) => reply.type === NLMSG_ERROR);
    expect(error?.body.readInt32LE(0)).toBeLessThan(0);
    expect(error?.body.toString('latin1')).toContain('Unknown device type');
  });

  it("an event socket's fd is identified (namespace, protocol, port), not guessed: a decoy at the likely fd is passed over", () => {
    const { fd: netnsFd } = scratchNetns('sys-fd-decoy');
    const here = openNetlinkSocket();
    cleanups.push(() => here.close());
    // The same port id, in another namespace: not the socket asked for, though everything else matches.
    const decoy = withNetns(netnsFd, () => socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    cleanups.push(() => closeSync(decoy));
    const address = Buffer.alloc(12);
    address.writeUInt16LE(AF_NETLINK, 0);
    address.writeUInt32LE(here.port, 4);
    bind(decoy, address, 'decoy');
    const identity = { protocol: NETLINK_ROUTE, port: here.port, netnsInode: currentNetnsInode() };
    expect(isNetlinkSocket(decoy, identity)).toBe(false);
    expect(isNetlinkSocket(here.fd, identity)).toBe(true);
    expect(isNetlinkSocket(here.fd, { ...identity, protocol: 12 })).toBe(false);
    expect(findNetlinkSocketFd(identity, decoy)).toBe(here.fd);
    // A likely fd that is not a socket at all.
    expect(findNetlinkSocketFd(identity, 0)).toBe(here.fd);
    // Nothing matches: a loud error, not a wrong fd.
    expect(() => findNetlinkSocketFd({ ...identity, port: 1 }, here.fd)).toThrow(expect.objectContaining({
      name: 'SocketHandoffError',
      code: 'ERR_SOCKET_HANDOFF',
      message: expect.stringMatching(/^no fd of this process is the netlink socket/),
    }));
    // And opened for real, inside another namespace, while other fds come and go.
    const events = openNetlinkEventSocket({ netnsFd });
    cleanups.push(() => events.close());
    expect(isNetlinkSocket(events.fd, { protocol: NETLINK_ROUTE, port: events.port, netnsInode: netnsInodeOfFd(netnsFd) })).toBe(true);
  });

  it('an event socket reports a receive overrun as ENOBUFS and keeps working', async () => {
    const { name, fd } = scratchNetns('sys-enobufs');
    const socket = openNetlinkEventSocket({ netnsFd: fd });
    cleanups.push(() => socket.close());
    socket.setRecvBufferSize(1);
    socket.addMembership(RTNLGRP_IPV4_IFADDR);
    socket.addMembership(33); // above the 32-bit bind mask
    socket.dropMembership(33);
    const errors: Error[] = [];
    socket.onError((error) => errors.push(error));
    socket.onDatagram(() => undefined);
    // The event loop is blocked while ip runs, so notifications pile up unread.
    const batch = Array.from({ length: 300 }, (_, i) => `address add 10.9.${i >> 8}.${i & 255}/32 dev lo`).join('\n');
    execFileSync('ip', ['-n', name, '-batch', '-'], { input: batch });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors.some((error) => (error as SystemCallError).code === 'ENOBUFS')).toBe(true);
    expect(errors[0]).toBeInstanceOf(SystemCallError);
    socket.dropMembership(RTNLGRP_IPV4_IFADDR);
    socket.setRecvBufferSize(1 << 20);
    const replies = await exchange(socket, getLinkDump(11));
    expect(replies.at(-1)?.type).toBe(NLMSG_DONE);
  });

  it('a request socket reports answers the kernel dropped as ENOBUFS and keeps working', async () => {
    const { fd } = scratchNetns('sys-request-enobufs');
    const socket = openNetlinkSocket({ netnsFd: fd });
    cleanups.push(() => socket.close());
    socket.setRecvBufferSize(1);
    const errors: Error[] = [];
    socket.onError((error) => errors.push(error));
    let answers = 0;
    socket.onDatagram((datagram) => {
      answers += messages(datagram).length;
    });
    // 200 link dumps in one datagram: the kernel answers each at once, and the small buffer
    // overflows before the socket is read.
    await socket.send(Buffer.concat(Array.from({ length: 200 }, (_, i) => getLinkDump(100 + i))));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answers).toBeLessThan(400);
    expect(errors.map((error) => (error as SystemCallError).code)).toContain('ENOBUFS');
    socket.setRecvBufferSize(1 << 20);
    expect((await exchange(socket, getLinkDump(11))).at(-1)?.type).toBe(NLMSG_DONE);
  });

  it('a request socket reads a dump of many datagrams to its end without starving the event loop', async () => {
    const { name, fd } = scratchNetns('sys-long-dump');
    const batch = Array.from({ length: 10000 }, (_, i) => `address add 10.8.${i >> 8}.${i & 255}/32 dev lo`).join('\n');
    execFileSync('ip', ['-n', name, '-batch', '-'], { input: batch });
    const socket = openNetlinkSocket({ netnsFd: fd });
    cleanups.push(() => socket.close());
    const RTM_GETADDR = 22;
    let datagrams = 0;
    socket.onDatagram(() => {
      datagrams++;
    });
    let immediates = 0;
    const tick = (): void => {
      immediates++;
      if (immediates < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    const dump = frame(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 5, Buffer.alloc(8));
    const replies = await exchange(socket, dump);
    expect(replies.filter((reply) => reply.type === 20)).toHaveLength(10000); // lo is down: it has no 127.0.0.1 yet
    expect(replies.at(-1)?.type).toBe(NLMSG_DONE);
    expect(datagrams).toBeGreaterThan(16); // more than one pass reads
    expect(immediates).toBeGreaterThan(0);
  });

  it('a request socket answers within the same event-loop turn', async () => {
    const { fd } = scratchNetns('sys-same-turn');
    const socket = openNetlinkSocket({ netnsFd: fd });
    cleanups.push(() => socket.close());
    // Each request starts on a fresh turn: the socket yields to the event loop after a run of
    // passes that lasts too long (a wall-clock bound), so only the first of a run is deterministic.
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      let turned = false;
      setImmediate(() => (turned = true));
      await exchange(socket, getLinkDump(200 + i));
      expect(turned).toBe(false);
    }
  });

  it('a request socket stops reading when its listener expects nothing more, and reads the rest after the next send', async () => {
    const { fd } = scratchNetns('sys-enough');
    const socket = openNetlinkSocket({ netnsFd: fd });
    cleanups.push(() => socket.close());
    const seen: number[] = [];
    socket.onDatagram((datagram) => {
      for (const message of messages(datagram)) seen.push(message.seq);
      return false;
    });
    // Two GETs of lo in one datagram: the kernel queues two answers at once.
    const getLo = (seq: number): Buffer => frame(RTM_GETLINK, NLM_F_REQUEST, seq, Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 0, 0, 0]), Buffer.alloc(8)]));
    await socket.send(Buffer.concat([getLo(21), getLo(22)]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([21]);
    await socket.send(getLo(23));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([21, 22]);
  });

  it('a slow send goes out from a worker thread: its answer waits for the event loop, and sends made meanwhile follow it in order', async () => {
    const { fd } = scratchNetns('sys-slow');
    const socket = openNetlinkSocket({ netnsFd: fd });
    cleanups.push(() => socket.close());
    const seen: Message[] = [];
    socket.onDatagram((datagram) => void seen.push(...messages(datagram)));
    const create = frame(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 31, Buffer.concat([
      Buffer.alloc(16),
      nlattr(IFLA_IFNAME, Buffer.from('slow0\0')),
      nlattr(IFLA_LINKINFO, nlattr(IFLA_INFO_KIND, Buffer.from('veth\0'))),
    ]));
    const lookup = frame(RTM_GETLINK, NLM_F_REQUEST, 32, Buffer.concat([Buffer.alloc(16), nlattr(IFLA_IFNAME, Buffer.from('slow0\0'))]));
    const sent = Promise.all([socket.send(create, { slow: true }), socket.send(lookup)]);
    // A send from this thread would be answered within these microtasks; the worker's is not.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(seen).toEqual([]);
    await sent;
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((m) => [m.seq, m.type])).toEqual([[31, NLMSG_ERROR], [32, RTM_NEWLINK]]);
    expect(seen[0]!.body.readInt32LE(0)).toBe(0);
    // The lookup, sent after the creation was handed to the worker, found the link.
    expect(ifname(seen[1]!.body)).toBe('slow0');
  });

  it('a socket closed while a worker thread sends on it keeps its fd until that send is done', async () => {
    const { fd } = scratchNetns('sys-slow-close');
    const socket = openNetlinkSocket({ netnsFd: fd });
    const target = readlinkSync(`/proc/self/fd/${socket.fd}`);
    const create = frame(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 41, Buffer.concat([
      Buffer.alloc(16),
      nlattr(IFLA_IFNAME, Buffer.from('slow1\0')),
      nlattr(IFLA_LINKINFO, nlattr(IFLA_INFO_KIND, Buffer.from('veth\0'))),
    ]));
    const outcomes = Promise.allSettled([socket.send(create, { slow: true }), socket.send(getLinkDump(42))]);
    socket.close();
    // Still ours: no other file can be given this fd number while the worker may use it.
    expect(readlinkSync(`/proc/self/fd/${socket.fd}`)).toBe(target);
    for (const outcome of await outcomes) expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'ERR_SOCKET_CLOSED' } });
    let now: string | undefined;
    try {
      now = readlinkSync(`/proc/self/fd/${socket.fd}`);
    } catch {
      now = undefined;
    }
    expect(now).not.toBe(target);
  });

  it('close is idempotent and rejects later sends', async () => {
    const socket = openNetlinkSocket();
    socket.close();
    socket.close();
    expect(() => socket.send(getLinkDump(1))).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
  });

  it('deleteNamedNetns removes the file and the mount', () => {
    createNamedNetns('sys-delete');
    expect(mountedAt('/run/netns/sys-delete')).toBe(true);
    deleteNamedNetns('sys-delete');
    expect(listNamedNetns()).not.toContain('sys-delete');
    expect(mountedAt('/run/netns/sys-delete')).toBe(false);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(/sys-delete/);
    expect(() => deleteNamedNetns('sys-delete')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('a child spawned inside withNetns lives in that namespace', async () => {
    const { fd } = scratchNetns('sys-spawn');
    const links = await runChild('ip', ['-j', 'link'], (command, args) => withNetns(fd, () => spawn(command, args)));
    expect(ipLinkNames(links)).toEqual(['lo']);
    const link = await runChild('readlink', ['/proc/self/ns/net'], (command, args) => withNetns(fd, () => spawn(command, args)));
    expect(link.trim()).toBe(`net:[${netnsInodeOfFd(fd)}]`);
  });

  it('leaks no fd and no namespace over 200 create/socket/close/delete cycles', async () => {
    const fdsBefore = openFdCount();
    const namesBefore = listNamedNetns();
    for (let i = 0; i < 200; i++) {
      createNamedNetns('sys-cycle');
      const fd = openNetnsFd('/run/netns/sys-cycle');
      const socket = openNetlinkSocket({ netnsFd: fd });
      socket.close();
      closeSync(fd);
      deleteNamedNetns('sys-cycle');
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(openFdCount()).toBe(fdsBefore);
    expect(listNamedNetns()).toEqual(namesBefore);
    expect(mountedAt('/run/netns/sys-cycle')).toBe(false);
  });

  it('times the operations (printed)', () => {
    const rounds = 50;
    let started = performance.now();
    for (let i = 0; i < rounds; i++) createNamedNetns(`sys-time-${i}`);
    const create = (performance.now() - started) / rounds;

    const fd = openNetnsFd('/run/netns/sys-time-0');
    started = performance.now();
    for (let i = 0; i < rounds; i++) openNetlinkSocket({ netnsFd: fd }).close();
    const socketInside = (performance.now() - started) / rounds;
    started = performance.now();
    for (let i = 0; i < rounds; i++) openNetlinkSocket().close();
    const socketHere = (performance.now() - started) / rounds;
    closeSync(fd);

    started = performance.now();
    for (let i = 0; i < rounds; i++) deleteNamedNetns(`sys-time-${i}`);
    const remove = (performance.now() - started) / rounds;

    const ipRounds = 10;
    started = performance.now();
    for (let i = 0; i < ipRounds; i++) execFileSync('ip', ['netns', 'add', `sys-ip-${i}`]);
    const ipAdd = (performance.now() - started) / ipRounds;
    for (let i = 0; i < ipRounds; i++) execFileSync('ip', ['netns', 'delete', `sys-ip-${i}`]);

    const ms = (value: number): string => `${value.toFixed(3)} ms`;
    console.log(
      `lib/sys timings (mean): createNamedNetns ${ms(create)}, deleteNamedNetns ${ms(remove)}, ` +
        `openNetlinkSocket in another netns ${ms(socketInside)}, in the current one ${ms(socketHere)}, ` +
        `\`ip netns add\` ${ms(ipAdd)}`,
    );
    expect(create).toBeGreaterThan(0);
  });
});

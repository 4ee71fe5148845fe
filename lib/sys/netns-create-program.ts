/**
 * A named namespace's creation and its request socket in one call into native code (the program
 * stub, program-code.ts): the same system calls, in the same order, that createNamedNetnsWith with
 * the request socket opened inside makes one koffi call at a time (21 of them, each with its
 * checks in JavaScript). The thread leaves for the new namespace and comes back within the call.
 *
 * Where a step fails, what the steps did is undone (the thread put back, fds closed, the file
 * unmounted and removed) and undefined returned: the caller then makes the calls one by one,
 * which fail as they always did, with the same errors and the same cleanup.
 */
import { constants as fsConstants } from 'node:fs';
import {
  AF_NETLINK, CLONE_NEWNET, MS_BIND, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_NO_ENOBUFS, NETLINK_ROUTE,
  O_CLOEXEC, SO_RCVBUF, SO_RCVBUFFORCE, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOCKADDR_NL_SIZE, SOL_NETLINK, SOL_SOCKET,
} from './constants.js';
import { ERRNO } from './errno.js';
import { closeFdQuietly, getsockoptInt, programRunner, setsockoptInt } from './libc.js';
import { removeQuietly } from './named-netns.js';
import { RequestSocket } from './netlink-request-socket.js';
import { restore, restoredElsewhere, THREAD_NETNS } from './netns-thread.js';
import { CREATION_IMAGE, CREATION_LAYOUT } from './netns-create-image.js';
import { STAT_SIZE, SyscallProgram } from './syscall-program.js';

/** Room for the namespace file's path (PATH_MAX); a longer one is left to the calls one by one. */
const PATH_ROOM = 4096;

/** What the creation opened: the namespace's fd, its inode and its request socket (given the SO_RCVBUF read in the program). */
export interface CreatedHandles {
  fd: number;
  inode: number;
  socket: RequestSocket;
}

/** Where a creation program's data are and which of its steps are read. */
export interface CreationLayout {
  /** Offsets of the data rewritten or read per run. */
  path: number;
  addressLength: number;
  address: number;
  receiveBuffer: number;
  granted: number;
  grantedLength: number;
  before: number;
  after: number;
  namespace: number;
  /** Indexes of the steps whose values are read. */
  placeholder: number;
  placeholderClosed: number;
  original: number;
  unshared: number;
  namespaceFd: number;
  socket: number;
  forced: number;
  back: number;
  closed: number;
}

interface Creation extends CreationLayout {
  program: SyscallProgram;
}

/** Steps in the creation program, and the bytes of data it holds besides the path's room. */
export const CREATION_STEPS = 21;
const CREATION_DATA = 1024;

let creation: Creation | undefined;

/**
 * The creation program as creationProgram() builds it, from its image (netns-create-image.ts): a
 * fresh process's first namespace creation ran the builder's every line once, cold (about 0.5 M
 * instructions), for bytes that are the same in every process.
 */
function creationFromImage(): Creation {
  return { ...CREATION_LAYOUT, program: SyscallProgram.fromImage(CREATION_STEPS, PATH_ROOM + CREATION_DATA, CREATION_STEPS, CREATION_IMAGE) };
}

/** The creation program, step by step (what CREATION_IMAGE and CREATION_LAYOUT hold; test/unit/program-images.test.ts compares them). */
export function creationProgram(): Creation {
  const p = new SyscallProgram(CREATION_STEPS, PATH_ROOM + CREATION_DATA);
  const threadNetns = p.string(THREAD_NETNS);
  const none = p.string('none');
  const port0 = p.reserve(SOCKADDR_NL_SIZE);
  p.bytes[port0] = AF_NETLINK;
  const address = p.reserve(SOCKADDR_NL_SIZE);
  const addressLength = p.reserve(4);
  const one = p.reserve(4);
  p.words[one / 4] = 1;
  const receiveBuffer = p.reserve(4);
  const granted = p.reserve(4);
  const grantedLength = p.reserve(4);
  const before = p.reserve(STAT_SIZE);
  const after = p.reserve(STAT_SIZE);
  const namespace = p.reserve(STAT_SIZE);
  // Last: the room the path is written into per run (zero in the image).
  const path = p.reserve(PATH_ROOM);
  const readOnly = fsConstants.O_RDONLY | O_CLOEXEC;

  // createNamedNetnsWith: the placeholder file, then withNewNetns.
  const placeholder = p.step('open', [{ at: path }, readOnly | fsConstants.O_CREAT | fsConstants.O_EXCL, 0]);
  const placeholderClosed = p.step('close', [{ step: placeholder }]);
  const original = p.step('open', [{ at: threadNetns }, readOnly, 0]);
  p.step('fstat', [{ step: original }, { at: before }]);
  const unshared = p.step('unshare', [CLONE_NEWNET]);
  p.step('mount', [{ at: threadNetns }, { at: path }, { at: none }, MS_BIND, 0]);
  // Inside (openHandlesHere): the namespace's fd, then openNetlinkSocket's calls in its order.
  const namespaceFd = p.step('open', [{ at: threadNetns }, readOnly, 0]);
  const socket = p.step('socket', [AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE]);
  p.step('bind', [{ step: socket }, { at: port0 }, SOCKADDR_NL_SIZE]);
  p.step('getsockname', [{ step: socket }, { at: address }, { at: addressLength }]);
  p.step('connect', [{ step: socket }, { at: port0 }, SOCKADDR_NL_SIZE]);
  for (const option of [NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK, NETLINK_NO_ENOBUFS]) {
    p.step('setsockopt', [{ step: socket }, SOL_NETLINK, option, { at: one }, 4]);
  }
  // Without CAP_NET_ADMIN (EPERM) the capped option is set afterwards, as setBufferSize does.
  const forced = p.step('setsockopt', [{ step: socket }, SOL_SOCKET, SO_RCVBUFFORCE, { at: receiveBuffer }, 4], { mayFail: true });
  p.step('getsockopt', [{ step: socket }, SOL_SOCKET, SO_RCVBUF, { at: granted }, { at: grantedLength }]);
  // restore: back, checked, and the original's fd closed; then the inode NamespaceHandles reads.
  const back = p.step('setns', [{ step: original }, CLONE_NEWNET]);
  p.step('stat', [{ at: threadNetns }, { at: after }]);
  const closed = p.step('close', [{ step: original }]);
  p.step('fstat', [{ step: namespaceFd }, { at: namespace }]);
  return {
    program: p, path, addressLength, address, receiveBuffer, granted, grantedLength, before, after, namespace,
    placeholder, placeholderClosed, original, unshared, namespaceFd, socket, forced, back, closed,
  };
}

/**
 * Creates the namespace pinned at `path` (its parent directory ready, as createNamedNetnsWith
 * leaves it) and opens its fd and request socket (receive buffer `receiveBuffer`), in one call;
 * undefined, with nothing done, where there is no program stub, the path does not fit or holds a
 * NUL, or a step failed. Throws only what the calls one by one would: the thread not put back
 * (NetnsRestoreError), and a failure of SO_RCVBUF after SO_RCVBUFFORCE's EPERM. `steps`, for
 * tests: run only that many steps, as if the next had failed.
 */
export function createNetnsDirect(path: string, receiveBuffer: number, steps?: number): CreatedHandles | undefined {
  const run = programRunner();
  if (run === undefined || path.includes('\0')) return undefined;
  const c = (creation ??= creationFromImage());
  const p = c.program;
  const length = p.text.write(path, c.path, PATH_ROOM - 1);
  if (length !== Buffer.byteLength(path)) return undefined;
  p.bytes[c.path + length] = 0;
  p.words[c.addressLength / 4] = SOCKADDR_NL_SIZE;
  p.words[c.receiveBuffer / 4] = receiveBuffer;
  p.words[c.grantedLength / 4] = 4;
  const ran = run(p.bytes, steps ?? p.steps);
  const forced = p.value(c.forced);
  if (ran !== p.steps || (forced < 0 && forced !== -ERRNO.EPERM)) {
    undo(c, ran, path);
    return undefined;
  }
  const fd = p.value(c.namespaceFd);
  const socket = p.value(c.socket);
  const expected = p.inode(c.before);
  const now = p.inode(c.after);
  try {
    if (now !== expected) throw restoredElsewhere(now, expected, undefined);
    let granted = p.words[c.granted / 4] ?? 0;
    if (forced < 0) {
      setsockoptInt(socket, SOL_SOCKET, SO_RCVBUF, receiveBuffer);
      granted = getsockoptInt(socket, SOL_SOCKET, SO_RCVBUF);
    }
    return { fd, inode: p.inode(c.namespace), socket: new RequestSocket(socket, (p.words[(c.address + 4) / 4] ?? 0) >>> 0, granted) };
  } catch (error) {
    closeFdQuietly(socket);
    closeFdQuietly(fd);
    removeQuietly(path);
    throw error;
  }
}

/** Undoes what the first `ran` steps did: the thread put back if it left, fds closed, the file removed. */
function undo(c: Creation, ran: number, path: string): void {
  const p = c.program;
  const did = (step: number): boolean => step < ran && p.value(step) >= 0;
  // Linux releases the fd whatever close returns: a close that ran is not made again.
  const ranClose = (step: number): boolean => step < ran;
  try {
    if (did(c.unshared) && !did(c.back)) restore(p.value(c.original), p.inode(c.before), undefined);
  } finally {
    if (did(c.socket)) closeFdQuietly(p.value(c.socket));
    if (did(c.namespaceFd)) closeFdQuietly(p.value(c.namespaceFd));
    if (did(c.original) && !ranClose(c.closed)) closeFdQuietly(p.value(c.original));
    if (did(c.placeholder) && !ranClose(c.placeholderClosed)) closeFdQuietly(p.value(c.placeholder));
    if (did(c.placeholder)) removeQuietly(path);
  }
}

/**
 * A sysctl read, or written and read back, inside a namespace in one call into native code (the
 * program stub, program-code.ts): the system calls withNetns and Node's writeFileSync and
 * readFileSync make, one koffi call or Node call each, as one program. The thread enters the
 * namespace and comes back within the call.
 *
 * Where anything fails (the namespace cannot be entered, the key does not exist, the value is
 * refused, the file is larger than one read), what the program did is undone (the thread put
 * back, fds closed) and undefined returned: the caller then goes the usual way, which fails with
 * its usual error. A sysctl written again by that way is written with the same value.
 */
import { constants as fsConstants } from 'node:fs';
import { CLONE_NEWNET, O_CLOEXEC } from './constants.js';
import { ERRNO } from './errno.js';
import { closeFdQuietly, programRunner } from './libc.js';
import { restore, restoredElsewhere, THREAD_NETNS } from './netns-thread.js';
import { SYSCTL_READ, SYSCTL_WRITE } from './sysctl-image.js';
import { STAT_SIZE, SyscallProgram } from './syscall-program.js';

/** Room for the file's path and for the value; longer ones go the usual way. */
const FILE_ROOM = 1024;
const VALUE_ROOM = 1024;
/** The file is read once into this much room; a file that fills it goes the usual way. */
const READ_ROOM = 4096;

/** Where a sysctl program's data are and which of its steps are read. */
export interface SysctlLayout {
  path: number;
  value: number;
  read: number;
  before: number;
  after: number;
  /** The step that writes (its length argument rewritten per run), or -1. */
  write: number;
  original: number;
  entered: number;
  written: number;
  writeClosed: number;
  reader: number;
  firstRead: number;
  secondRead: number;
  readClosed: number;
  back: number;
  closed: number;
}

interface SysctlProgram extends SysctlLayout {
  program: SyscallProgram;
}

/** The most steps a sysctl program has, and its data bytes. */
const SYSCTL_STEPS = 14;
const SYSCTL_DATA = FILE_ROOM + VALUE_ROOM + 2 * READ_ROOM + 512;

/**
 * The program as sysctlProgram() builds it, from its image (sysctl-image.ts): the builder's every
 * line run once, cold, in a fresh process, for bytes that are the same in every process.
 */
function sysctlFromImage(write: boolean): SysctlProgram {
  const { steps, image, layout } = write ? SYSCTL_WRITE : SYSCTL_READ;
  return { ...layout, program: SyscallProgram.fromImage(SYSCTL_STEPS, SYSCTL_DATA, steps, image) };
}

const programs: { read?: SysctlProgram; write?: SysctlProgram } = {};

/** The program, step by step (what SYSCTL_READ and SYSCTL_WRITE hold; test/unit/program-images.test.ts compares them). */
export function sysctlProgram(write: boolean): SysctlProgram {
  const p = new SyscallProgram(SYSCTL_STEPS, SYSCTL_DATA);
  const threadNetns = p.string(THREAD_NETNS);
  const before = p.reserve(STAT_SIZE);
  const after = p.reserve(STAT_SIZE);
  // After the fixed data, the rooms written or read per run (zero in the image).
  const path = p.reserve(FILE_ROOM);
  const value = p.reserve(VALUE_ROOM);
  const read = p.reserve(2 * READ_ROOM);
  const readOnly = fsConstants.O_RDONLY | O_CLOEXEC;
  // withNetns: the thread's own namespace kept, then setns into the target (its fd set per run).
  const original = p.step('open', [{ at: threadNetns }, readOnly, 0]);
  p.step('fstat', [{ step: original }, { at: before }]);
  const entered = p.step('setns', [-1, CLONE_NEWNET]);
  let writeStep = -1;
  let written = -1;
  let writeClosed = -1;
  if (write) {
    // writeFileSync(file, value): flag 'w', mode 0o666 (libuv adds O_CLOEXEC).
    written = p.step('open', [{ at: path }, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | O_CLOEXEC, 0o666]);
    writeStep = p.step('write', [{ step: written }, { at: value }, 0]);
    writeClosed = p.step('close', [{ step: written }]);
  }
  // readFileSync(file): until a read returns nothing. A write-only key's EACCES is an answer.
  const reader = p.step('open', [{ at: path }, readOnly, 0], { mayFail: true });
  const firstRead = p.step('read', [{ step: reader }, { at: read }, READ_ROOM], { mayFail: true });
  const secondRead = p.step('read', [{ step: reader }, { at: read + READ_ROOM }, READ_ROOM], { mayFail: true });
  const readClosed = p.step('close', [{ step: reader }], { mayFail: true });
  const back = p.step('setns', [{ step: original }, CLONE_NEWNET]);
  p.step('stat', [{ at: threadNetns }, { at: after }]);
  const closed = p.step('close', [{ step: original }]);
  return { program: p, path, value, read, before, after, write: writeStep, original, entered, written, writeClosed, reader, firstRead, secondRead, readClosed, back, closed };
}

/**
 * sysctlInNetns's answer for /proc/sys `file` inside the namespace `netnsFd`, `value` written
 * first when given; undefined, with nothing left done but a write of `value`, where it could not
 * be had in one call (see above).
 */
export function sysctlDirect(netnsFd: number, file: string, value: string | undefined): string | undefined {
  const run = programRunner();
  if (run === undefined || file.includes('\0') || value?.includes('\0') === true) return undefined;
  const s = value === undefined ? (programs.read ??= sysctlFromImage(false)) : (programs.write ??= sysctlFromImage(true));
  const p = s.program;
  const pathLength = p.text.write(file, s.path, FILE_ROOM - 1);
  if (pathLength !== Buffer.byteLength(file)) return undefined;
  p.bytes[s.path + pathLength] = 0;
  let valueLength = 0;
  if (value !== undefined) {
    valueLength = p.text.write(value, s.value, VALUE_ROOM);
    // writeFileSync makes no write(2) for an empty value.
    if (valueLength === 0 || valueLength !== Buffer.byteLength(value)) return undefined;
    p.setArgument(s.write, 2, valueLength);
  }
  p.setArgument(s.entered, 0, netnsFd);
  const ran = run(p.bytes, p.steps);
  const opened = p.value(s.reader);
  const length = p.value(s.firstRead);
  const answered = opened >= 0 ? length >= 0 && length < READ_ROOM && p.value(s.secondRead) === 0 : opened === -ERRNO.EACCES && value !== undefined;
  if (ran !== p.steps || (value !== undefined && p.value(s.write) !== valueLength) || !answered) {
    undo(s, ran);
    return undefined;
  }
  const expected = p.inode(s.before);
  const now = p.inode(s.after);
  if (now !== expected) throw restoredElsewhere(now, expected, undefined);
  return opened >= 0 ? p.text.toString('utf8', s.read, s.read + length).trim() : (value as string);
}

/** Undoes what the first `ran` steps did: the thread put back if it left, fds closed. */
function undo(s: SysctlProgram, ran: number): void {
  const p = s.program;
  const did = (step: number): boolean => step >= 0 && step < ran && p.value(step) >= 0;
  // Linux releases the fd whatever close returns: a close that ran is not made again.
  const ranClose = (step: number): boolean => step < ran;
  try {
    if (did(s.entered) && !did(s.back)) restore(p.value(s.original), p.inode(s.before), undefined);
  } finally {
    if (did(s.written) && !ranClose(s.writeClosed)) closeFdQuietly(p.value(s.written));
    if (did(s.reader) && !ranClose(s.readClosed)) closeFdQuietly(p.value(s.reader));
    if (did(s.original) && !ranClose(s.closed)) closeFdQuietly(p.value(s.original));
  }
}

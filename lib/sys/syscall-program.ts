/**
 * A fixed sequence of system calls, written once into a buffer and run in one crossing into native
 * code by the program stub (program-code.ts): its steps, the data they point at (paths, structs
 * the kernel reads or fills), and after a run each step's value.
 */
import { ARG_IN_PROGRAM, ARG_IS_STEP, MAY_FAIL, PROGRAM_STEP } from './program-code.js';
import { X64_NUMBERS, type SyscallName } from './syscall-stubs.js';

/** An argument: a number, the value an earlier step returned, or the address of data in the program. */
export type ProgramArgument = number | { step: number } | { at: number };

/** x86_64's struct stat, as stat(2) and fstat(2) fill it. */
export const STAT_SIZE = 144;
const ST_INO = 8;

export class SyscallProgram {
  readonly bytes: Uint8Array;
  /** The same bytes, for strings (Buffer's write) and words. */
  readonly text: Buffer;
  readonly words: Int32Array;
  #steps = 0;
  #dataEnd: number;

  constructor(
    readonly maxSteps: number,
    dataBytes: number,
  ) {
    this.bytes = new Uint8Array(maxSteps * PROGRAM_STEP + dataBytes);
    this.text = Buffer.from(this.bytes.buffer);
    this.words = new Int32Array(this.bytes.buffer);
    this.#dataEnd = maxSteps * PROGRAM_STEP;
  }

  /**
   * A program of `steps` steps whose bytes start with `image` (what image() gave for the same
   * program built step by step) and are zero after it: no step is added, no data reserved.
   */
  static fromImage(maxSteps: number, dataBytes: number, steps: number, image: string): SyscallProgram {
    const p = new SyscallProgram(maxSteps, dataBytes);
    p.text.write(image, 'hex');
    p.#steps = steps;
    p.#dataEnd = p.bytes.length;
    return p;
  }

  /** The program's bytes up to its last one that is not zero, in hex (see fromImage). */
  image(): string {
    let end = this.bytes.length;
    while (end > 0 && this.bytes[end - 1] === 0) end--;
    return this.text.toString('hex', 0, end);
  }

  /** Steps written so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Adds a step; returns its index. */
  step(name: SyscallName, args: readonly ProgramArgument[], options: { mayFail?: boolean } = {}): number {
    const index = this.#steps++;
    if (index >= this.maxSteps || args.length > 6) throw new RangeError('SyscallProgram: too many steps or arguments');
    const at = (index * PROGRAM_STEP) / 4;
    let flags = options.mayFail === true ? MAY_FAIL : 0;
    args.forEach((arg, i) => {
      let value: number;
      if (typeof arg === 'number') value = arg;
      else if ('step' in arg) {
        value = arg.step;
        flags |= ARG_IS_STEP << i;
      } else {
        value = arg.at;
        flags |= ARG_IN_PROGRAM << i;
      }
      this.setArgument(index, i, value);
    });
    this.words[at] = X64_NUMBERS[name];
    this.words[at + 1] = flags;
    return index;
  }

  /** Rewrites argument `i` of step `index`, a number (one given as a number when the step was added). */
  setArgument(index: number, i: number, value: number): void {
    const at = (index * PROGRAM_STEP) / 4 + 2 + 2 * i;
    this.words[at] = value;
    this.words[at + 1] = value < 0 ? -1 : 0;
  }

  /** Room for `length` bytes of data, 8-byte aligned; returns its offset. */
  reserve(length: number): number {
    const at = this.#dataEnd;
    this.#dataEnd = at + ((length + 7) & ~7);
    if (this.#dataEnd > this.bytes.length) throw new RangeError('SyscallProgram: out of data space');
    return at;
  }

  /** A NUL-terminated string as data; returns its offset. */
  string(value: string): number {
    const at = this.reserve(Buffer.byteLength(value) + 1);
    this.text.write(value, at);
    return at;
  }

  /** The value step `index` returned in the last run (meaningful for the steps that ran). */
  value(index: number): number {
    return this.words[(index * PROGRAM_STEP + 56) / 4] ?? 0;
  }

  /** st_ino of the struct stat at byte `at`. */
  inode(at: number): number {
    return this.u64(at + ST_INO);
  }

  /** The unsigned 64-bit field at byte `at` (an inode, a device) as a number, rounded as Node's Stats rounds it. */
  u64(at: number): number {
    return ((this.words[at / 4] ?? 0) >>> 0) + 0x1_0000_0000 * ((this.words[at / 4 + 1] ?? 0) >>> 0);
  }
}

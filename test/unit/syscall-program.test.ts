/** System calls run as a program in one call into native code (lib/sys/program-code.ts). */
import { constants, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { programRunner } from '../../lib/sys/libc.js';
import { ERRNO } from '../../lib/sys/errno.js';
import { O_CLOEXEC } from '../../lib/sys/constants.js';
import { SyscallProgram } from '../../lib/sys/syscall-program.js';

describe('SyscallProgram', () => {
  it('passes step values and addresses in the program, goes past a failure allowed, stops at the next', () => {
    const run = programRunner();
    expect(run).toBeDefined();
    const p = new SyscallProgram(6, 256);
    const path = p.string('/dev/null');
    const stat = p.reserve(144);
    const opened = p.step('open', [{ at: path }, constants.O_RDONLY | O_CLOEXEC, 0]);
    p.step('fstat', [{ step: opened }, { at: stat }]);
    p.step('close', [-1], { mayFail: true });
    p.step('close', [{ step: opened }]);
    p.step('close', [{ step: opened }]);
    p.step('close', [-1]);
    expect(run?.(p.bytes, p.steps)).toBe(5);
    expect(p.value(opened)).toBeGreaterThanOrEqual(0);
    expect([p.value(1), p.value(2), p.value(3), p.value(4), p.value(5)]).toEqual([0, -ERRNO.EBADF, 0, -ERRNO.EBADF, 0]);
    const st = statSync('/dev/null');
    expect([p.u64(stat), p.u64(stat + 8)]).toEqual([st.dev, st.ino]);
  });

  it('runs only as many steps as asked', () => {
    const p = new SyscallProgram(2, 0);
    p.step('close', [-1], { mayFail: true });
    p.step('close', [-1], { mayFail: true });
    expect(programRunner()?.(p.bytes, 1)).toBe(1);
    expect([p.value(0), p.value(1)]).toEqual([-ERRNO.EBADF, 0]);
  });

  it('refuses more steps than it has room for, and data past its end', () => {
    const p = new SyscallProgram(1, 8);
    p.step('close', [-1]);
    expect(() => p.step('close', [-1])).toThrow(RangeError);
    p.reserve(8);
    expect(() => p.reserve(1)).toThrow(RangeError);
  });
});

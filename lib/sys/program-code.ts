/**
 * Machine code (x86_64) of the program stub, written into the page of stubs (syscall-stubs.ts):
 *
 *   long runProgram(uint8_t *program, long count)
 *
 * runs up to `count` system calls described one after another at the start of `program`, each in
 * PROGRAM_STEP bytes: the call's number (int32 at 0), flags (int32 at 4), six arguments (int64 at
 * 8 ... 48) and the place of the kernel's value (int64 at 56). An argument whose bit i of the flags
 * is set is a step's index, replaced by what that step returned (an fd it opened); one whose bit
 * 8 + i is set is an offset into `program`, replaced by its address (a path, a buffer the kernel
 * writes into, kept after the steps). The first step that fails (a negative value) ends the run,
 * unless its flags hold MAY_FAIL. Returns how many steps ran: fewer than `count` when one failed.
 *
 * One crossing into native code for what was one koffi call each (a namespace's creation: 21).
 */
import { assemble, JAE, JB, JMP, JNC, JNS, JZ, SYSCALL } from './machine-code.js';

/** Bytes per step. */
export const PROGRAM_STEP = 64;
/** A step's flags: argument i (0-5) is the index of an earlier step, whose value is passed. */
export const ARG_IS_STEP = 1;
/** A step's flags: argument i (0-5) is an offset into the program, whose address is passed. */
export const ARG_IN_PROGRAM = 1 << 8;
/** A step's flags: a failure does not end the run. */
export const MAY_FAIL = 1 << 16;

/** The stub's bytes. rbx (the program), r12 (the step), r13 (count) and r14 (steps run) are kept by the kernel across a system call. */
export function programCode(): number[] {
  return assemble([
    [0x53, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56], // push rbx, r12, r13, r14
    [0x48, 0x89, 0xfb], // mov rbx, rdi
    [0x49, 0x89, 0xfc], // mov r12, rdi
    [0x49, 0x89, 0xf5], // mov r13, rsi
    [0x45, 0x31, 0xf6], // xor r14d, r14d
    [0x48, 0x83, 0xec, 0x30], // sub rsp, 48 (the resolved arguments)
    { label: 'step' },
    [0x4d, 0x39, 0xee], // cmp r14, r13
    { jump: JAE, to: 'done' },
    [0x41, 0x8b, 0x54, 0x24, 0x04], // mov edx, [r12+4] (flags)
    [0x31, 0xc9], // xor ecx, ecx (argument index)
    { label: 'argument' },
    [0x49, 0x8b, 0x44, 0xcc, 0x08], // mov rax, [r12+rcx*8+8]
    [0x0f, 0xa3, 0xca], // bt edx, ecx
    { jump: JNC, to: 'not-step' },
    [0x48, 0xc1, 0xe0, 0x06], // shl rax, 6 (times PROGRAM_STEP)
    [0x48, 0x8b, 0x44, 0x03, 0x38], // mov rax, [rbx+rax+56]
    { label: 'not-step' },
    [0x8d, 0x71, 0x08], // lea esi, [rcx+8]
    [0x0f, 0xa3, 0xf2], // bt edx, esi
    { jump: JNC, to: 'store' },
    [0x48, 0x01, 0xd8], // add rax, rbx
    { label: 'store' },
    [0x48, 0x89, 0x04, 0xcc], // mov [rsp+rcx*8], rax
    [0xff, 0xc1], // inc ecx
    [0x83, 0xf9, 0x06], // cmp ecx, 6
    { jump: JB, to: 'argument' },
    [0x41, 0x8b, 0x04, 0x24], // mov eax, [r12] (the call's number)
    [0x48, 0x8b, 0x3c, 0x24], // mov rdi, [rsp]
    [0x48, 0x8b, 0x74, 0x24, 0x08], // mov rsi, [rsp+8]
    [0x48, 0x8b, 0x54, 0x24, 0x10], // mov rdx, [rsp+16]
    [0x4c, 0x8b, 0x54, 0x24, 0x18], // mov r10, [rsp+24]
    [0x4c, 0x8b, 0x44, 0x24, 0x20], // mov r8, [rsp+32]
    [0x4c, 0x8b, 0x4c, 0x24, 0x28], // mov r9, [rsp+40]
    SYSCALL,
    [0x49, 0x89, 0x44, 0x24, 0x38], // mov [r12+56], rax
    [0x49, 0xff, 0xc6], // inc r14
    [0x48, 0x85, 0xc0], // test rax, rax
    { jump: JNS, to: 'next' },
    [0x41, 0xf7, 0x44, 0x24, 0x04, 0, 0, 1, 0], // test dword [r12+4], MAY_FAIL
    { jump: JZ, to: 'done' },
    { label: 'next' },
    [0x49, 0x83, 0xc4, PROGRAM_STEP], // add r12, PROGRAM_STEP
    { jump: JMP, to: 'step' },
    { label: 'done' },
    [0x48, 0x83, 0xc4, 0x30], // add rsp, 48
    [0x4c, 0x89, 0xf0], // mov rax, r14
    [0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5b], // pop r14, r13, r12, rbx
    [0xc3], // ret
  ]);
}

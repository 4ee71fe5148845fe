/**
 * The page of stubs' machine code (x86_64), as assembled from its parts: the socket stubs and the
 * generic one here, the unpin stub (unpin-code.ts) and the program stub (program-code.ts), each
 * at its offset. Not run by the library: syscall-stubs.ts writes the same bytes from a literal
 * (stub-page-bytes.ts), which test/unit/stub-page-bytes.test.ts holds equal to these. Assembling
 * them was about 0.8 M instructions of a fresh process's first namespace creation (every line of
 * it run once, cold).
 */
import { unpinCode } from './unpin-code.js';
import { programCode } from './program-code.js';

/** Where each stub starts in the page. */
export const RECVFROM_OFFSET = 0;
export const SEND_OFFSET = 32;
export const SYSCALL_OFFSET = 64;
export const RECV_OFFSET = 96;
export const SEND_RECV_OFFSET = 128;
export const UNPIN_OFFSET = 256;
export const PROGRAM_OFFSET = 416;

/** The page's bytes up to the end of its last stub (the rest of the page stays zero). */
export function stubPageCode(): Uint8Array {
  const code = stubs();
  const bytes = new Uint8Array(PROGRAM_OFFSET + code.program.length);
  const at: Array<[number[], number]> = [
    [code.recvfrom, RECVFROM_OFFSET],
    [code.send, SEND_OFFSET],
    [code.syscall, SYSCALL_OFFSET],
    [code.recv, RECV_OFFSET],
    [code.sendRecv, SEND_RECV_OFFSET],
    [code.unpin, UNPIN_OFFSET],
    [code.program, PROGRAM_OFFSET],
  ];
  at.forEach(([stub, offset], i) => {
    const next = at[i + 1]?.[1] ?? bytes.length;
    if (offset + stub.length > next) throw new Error(`stub at ${offset}: ${stub.length} bytes overrun the next at ${next}`);
    bytes.set(stub, offset);
  });
  return bytes;
}

/** Each stub's code. */
function stubs(): { recvfrom: number[]; send: number[]; syscall: number[]; recv: number[]; sendRecv: number[]; unpin: number[]; program: number[] } {
  // <asm/unistd_64.h>: recvfrom 45, sendto 44.
  const MOV_R10_RCX = [0x49, 0x89, 0xca];
  const XOR_R8D_R8D = [0x45, 0x31, 0xc0];
  const XOR_R9D_R9D = [0x45, 0x31, 0xc9];
  const SYSCALL_RET = [0x0f, 0x05, 0xc3];
  const callAndReturn = (nr: number): number[] => [0xb8, nr, 0, 0, 0, ...SYSCALL_RET];
  // long syscall(long nr, a1, ..., a6): the C arguments arrive in rdi rsi rdx rcx r8 r9 and the
  // stack; the kernel takes the number in rax and a1..a6 in rdi rsi rdx r10 r8 r9. The seventh C
  // argument's slot, [rsp+8], is read whatever the prototype (the caller's frame: always there,
  // and ignored by a call that takes fewer arguments). An int argument's upper half is left as the
  // caller had it: the kernel reads each argument as its declared C type.
  const syscall = [
    ...[0x48, 0x89, 0xf8], // mov rax, rdi
    ...[0x48, 0x89, 0xf7], // mov rdi, rsi
    ...[0x48, 0x89, 0xd6], // mov rsi, rdx
    ...[0x48, 0x89, 0xca], // mov rdx, rcx
    ...[0x4d, 0x89, 0xc2], // mov r10, r8
    ...[0x4d, 0x89, 0xc8], // mov r8, r9
    ...[0x4c, 0x8b, 0x4c, 0x24, 0x08], // mov r9, [rsp+8]
    ...SYSCALL_RET,
  ];
  const noAddress = [...MOV_R10_RCX, ...XOR_R8D_R8D, ...XOR_R9D_R9D];
  // long sendRecv(int fd, buf, len, readBuf, readLen, readFlags): the read's arguments kept on the
  // stack across the send (the kernel keeps rdi, rsi and rdx; it clobbers rcx and r11).
  const sendRecv = [
    0x51, // push rcx (readBuf)
    ...[0x41, 0x50], // push r8 (readLen)
    ...[0x41, 0x51], // push r9 (readFlags)
    ...[0x41, 0xba, 0x40, 0, 0, 0], // mov r10d, MSG_DONTWAIT
    ...XOR_R8D_R8D,
    ...XOR_R9D_R9D,
    ...[0xb8, 44, 0, 0, 0], // mov eax, sendto
    ...[0x0f, 0x05], // syscall
    ...[0x41, 0x5a], // pop r10 (readFlags)
    0x5a, // pop rdx (readLen)
    0x5e, // pop rsi (readBuf)
    ...[0x48, 0x85, 0xc0], // test rax, rax
    ...[0x78, 14], // js failed (the next 14 bytes: the read)
    ...XOR_R8D_R8D,
    ...XOR_R9D_R9D,
    ...callAndReturn(45), // recvfrom with no address
    ...[0x48, 0x2d, 0x00, 0x10, 0, 0], // failed: sub rax, SEND_FAILED
    0xc3, // ret
  ];
  return { recvfrom: [...MOV_R10_RCX, ...callAndReturn(45)], send: [...noAddress, ...callAndReturn(44)], syscall, recv: [...noAddress, ...callAndReturn(45)], sendRecv, unpin: unpinCode(), program: programCode() };
}

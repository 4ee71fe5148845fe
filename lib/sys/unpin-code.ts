/**
 * Machine code (x86_64) of the unpin stub, written into the page of stubs (syscall-stubs.ts):
 *
 *   long unpinAll(const char *paths, long count, int32_t *results, int flags, const int32_t *fds, long fdCount)
 *
 * `paths` holding `count` NUL-terminated paths one after another, for each umount2(path, flags),
 * then, unless it failed with anything but EINVAL (not a mount point) or ENOENT, unlink(path): what
 * deleteNetnsFile does, without a return to JavaScript between the calls. results[2i] is umount2's
 * value (0 or -errno), results[2i + 1] unlink's, or UNLINK_NOT_TRIED. Then close(2) of each of the
 * `fdCount` fds (their results not kept: Linux releases an fd whatever close returns). Returns how
 * many paths were not unpinned (results[2i + 1] not 0).
 *
 * Each umount2 waits for an RCU grace period with the thread asleep; code that ran between two of
 * them (ours, through koffi, twice per namespace) found its caches cold every time. The fds are
 * closed after the unmounts, which makes the whole cheaper (measured in C, six namespaces with the
 * cluster's devices, bench/results/w4-2026-12-06-x.md): presumably because an unmount then never
 * drops a namespace's last reference, which the closes drop after every grace period.
 */
import { ERRNO } from './errno.js';
import { assemble, JMP, JNS, JNZ, JS, JZ, SYSCALL, type Part } from './machine-code.js';

/** results[2i + 1] when umount2 failed and unlink was left undone. */
export const UNLINK_NOT_TRIED = 1;

/**
 * umount2's failures after which the file is still unlinked: EINVAL (not a mount point: a stale
 * file, a symlink) and ENOENT (which unlink then reports). The stub tests these, and so does
 * deleteNetnsFile where there is no stub.
 */
export const UNLINK_AFTER_UMOUNT_FAILURE: readonly number[] = [ERRNO.EINVAL, ERRNO.ENOENT];

/**
 * The stub's bytes. rbx, r12, r13 and r14 hold the paths loop's state, r8 and r9 the closes' (not
 * touched by the paths loop), r10 the count returned (each kept by the kernel across a system call,
 * which changes only rax, rcx and r11).
 */
export function unpinCode(): number[] {
  return assemble([
    [0x53, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56], // push rbx, r12, r13, r14
    [0x48, 0x89, 0xfb], // mov rbx, rdi (the next path)
    [0x49, 0x89, 0xf4], // mov r12, rsi (paths left)
    [0x49, 0x89, 0xd5], // mov r13, rdx (the next pair of results)
    [0x49, 0x89, 0xce], // mov r14, rcx (flags)
    [0x45, 0x31, 0xd2], // xor r10d, r10d (paths not unpinned)
    { label: 'loop' },
    [0x4d, 0x85, 0xe4], // test r12, r12
    { jump: JZ, to: 'close' },
    [0x48, 0x89, 0xdf], // mov rdi, rbx
    [0x4c, 0x89, 0xf6], // mov rsi, r14
    [0xb8, 166, 0, 0, 0], // mov eax, umount2
    SYSCALL,
    [0x41, 0x89, 0x45, 0x00], // mov [r13], eax
    [0x85, 0xc0], // test eax, eax
    { jump: JNS, to: 'unlink' },
    ...UNLINK_AFTER_UMOUNT_FAILURE.flatMap((errno): Part[] => [[0x83, 0xf8, -errno & 0xff], { jump: JZ, to: 'unlink' }]), // cmp eax, -errno; jz
    [0x41, 0xc7, 0x45, 0x04, UNLINK_NOT_TRIED, 0, 0, 0], // mov dword [r13+4], UNLINK_NOT_TRIED
    [0x41, 0xff, 0xc2], // inc r10d
    { jump: JMP, to: 'next' },
    { label: 'unlink' },
    [0x48, 0x89, 0xdf], // mov rdi, rbx
    [0xb8, 87, 0, 0, 0], // mov eax, unlink
    SYSCALL,
    [0x41, 0x89, 0x45, 0x04], // mov [r13+4], eax
    [0xf7, 0xd8], // neg eax (carry: unlink failed)
    [0x41, 0x83, 0xd2, 0x00], // adc r10d, 0
    { label: 'next' },
    [0x8a, 0x03], // mov al, [rbx]
    [0x48, 0xff, 0xc3], // inc rbx
    [0x84, 0xc0], // test al, al
    { jump: JNZ, to: 'next' }, // past this path's NUL
    [0x49, 0x83, 0xc5, 0x08], // add r13, 8
    [0x49, 0xff, 0xcc], // dec r12
    { jump: JMP, to: 'loop' },
    { label: 'close' },
    [0x49, 0xff, 0xc9], // dec r9 (fds left)
    { jump: JS, to: 'done' },
    [0x41, 0x8b, 0x38], // mov edi, [r8] (the next fd)
    [0x49, 0x83, 0xc0, 0x04], // add r8, 4
    [0x6a, 3, 0x58], // push close; pop rax
    SYSCALL,
    { jump: JMP, to: 'close' },
    { label: 'done' },
    [0x44, 0x89, 0xd0], // mov eax, r10d
    [0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5b], // pop r14, r13, r12, rbx
    [0xc3], // ret
  ]);
}

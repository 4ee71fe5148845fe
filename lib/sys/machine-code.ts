/** Hand-assembled x86_64 for the page of stubs (syscall-stubs.ts): bytes with short jumps resolved. */

/** Bytes as they are, a label, or a short jump (opcode, 8-bit displacement) to a label. */
export type Part = number[] | { label: string } | { jump: number; to: string };

export const JZ = 0x74;
export const JNZ = 0x75;
export const JAE = 0x73;
export const JB = 0x72;
export const JNC = 0x73;
export const JNS = 0x79;
export const JS = 0x78;
export const JMP = 0xeb;
export const SYSCALL = [0x0f, 0x05];

/** Bytes, with each short jump's displacement (rel8) resolved against the labels. */
export function assemble(parts: Part[]): number[] {
  const at = new Map<string, number>();
  let offset = 0;
  for (const part of parts) {
    if ('label' in part) at.set(part.label, offset);
    else offset += 'jump' in part ? 2 : part.length;
  }
  const bytes: number[] = [];
  for (const part of parts) {
    if ('label' in part) continue;
    if (!('jump' in part)) {
      bytes.push(...part);
      continue;
    }
    const rel = (at.get(part.to) ?? Number.NaN) - (bytes.length + 2);
    if (!(rel >= -128 && rel <= 127)) throw new Error(`stub: jump to ${part.to} out of range`);
    bytes.push(part.jump, rel & 0xff);
  }
  return bytes;
}

/** The programs written at run time from images are the ones their builders make step by step. */
import { describe, expect, it } from 'vitest';
import { CREATION_IMAGE, CREATION_LAYOUT } from '../../lib/sys/netns-create-image.js';
import { CREATION_STEPS, creationProgram } from '../../lib/sys/netns-create-program.js';
import { SyscallProgram } from '../../lib/sys/syscall-program.js';
import { SYSCTL_READ, SYSCTL_WRITE } from '../../lib/sys/sysctl-image.js';
import { sysctlProgram } from '../../lib/sys/sysctl-program.js';

describe('program images', () => {
  it('CREATION_IMAGE and CREATION_LAYOUT are what creationProgram() builds (if not, put these in lib/sys/netns-create-image.ts)', () => {
    const { program, ...layout } = creationProgram();
    expect(program.steps).toBe(CREATION_STEPS);
    expect(CREATION_IMAGE).toBe(program.image());
    expect(CREATION_LAYOUT).toEqual(layout);
  });

  it('a program from its image has the same bytes and steps as the one built', () => {
    const built = new SyscallProgram(2, 64);
    built.step('close', [-1], { mayFail: true });
    built.step('stat', [{ at: built.string('/') }, { at: built.reserve(16) }]);
    const copy = SyscallProgram.fromImage(2, 64, built.steps, built.image());
    expect(copy.steps).toBe(2);
    expect(Array.from(copy.bytes)).toEqual(Array.from(built.bytes));
    expect(() => copy.reserve(1)).toThrow(RangeError);
  });
});

describe('sysctl program images', () => {
  for (const [write, held] of [[false, SYSCTL_READ], [true, SYSCTL_WRITE]] as const) {
    it(`SYSCTL_${write ? 'WRITE' : 'READ'} is what sysctlProgram(${write}) builds (if not, put this in lib/sys/sysctl-image.ts)`, () => {
      const { program, ...layout } = sysctlProgram(write);
      expect(held.steps).toBe(program.steps);
      expect(held.image).toBe(program.image());
      expect(held.layout).toEqual(layout);
    });
  }
});

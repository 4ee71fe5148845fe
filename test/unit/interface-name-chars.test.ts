import { describe, expect, it } from 'vitest';
import { interfaceNameProblem } from '../../lib/validate.js';

// The characters the kernel refuses in a name (dev_valid_name: '/', ':' and isspace()), the NUL
// that would cut it short, and '%', which makes the kernel choose the name.
const REFUSED = new Set([0x2f, 0x3a, 0x00, 0x25, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]);

describe('interface names, character by character', () => {
  it('takes every ASCII character but the refused ones, alone, first, inside and last', () => {
    for (let c = 0; c < 0x80; c++) {
      const ch = String.fromCharCode(c);
      for (const name of [ch, `${ch}ab`, `a${ch}b`, `ab${ch}`]) {
        if (name === '.') continue;
        const problem = interfaceNameProblem(name);
        if (REFUSED.has(c)) expect(problem, `0x${c.toString(16)} in ${JSON.stringify(name)}`).toMatch(/contains/);
        else expect(problem, `0x${c.toString(16)} in ${JSON.stringify(name)}`).toBeUndefined();
      }
    }
  });

  it('takes non-ASCII text the kernel takes, and refuses a Latin-1 space byte', () => {
    expect(interfaceNameProblem('é0')).toBeUndefined();
    expect(interfaceNameProblem('a\u3000b')).toBeUndefined();
    // 'à' is C3 A0 in UTF-8: the kernel's isspace() matches 0xA0.
    expect(interfaceNameProblem('aà')).toMatch(/contains/);
    expect(interfaceNameProblem('a\u0080')).toBeUndefined();
  });
});

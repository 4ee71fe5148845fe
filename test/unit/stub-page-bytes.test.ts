/** The page of stubs' bytes written at run time (a literal) are the ones its assembler makes. */
import { describe, expect, it } from 'vitest';
import { STUB_PAGE_X64 } from '../../lib/sys/stub-page-bytes.js';
import { PROGRAM_OFFSET, stubPageCode, UNPIN_OFFSET } from '../../lib/sys/stub-page-code.js';
import { programCode } from '../../lib/sys/program-code.js';
import { unpinCode } from '../../lib/sys/unpin-code.js';

describe('STUB_PAGE_X64', () => {
  it('holds the bytes stubPageCode() assembles (if not, put these in lib/sys/stub-page-bytes.ts)', () => {
    expect(STUB_PAGE_X64).toBe(Buffer.from(stubPageCode()).toString('hex'));
  });

  it('places the unpin and program stubs at their offsets', () => {
    const page = stubPageCode();
    expect(Array.from(page.subarray(UNPIN_OFFSET, UNPIN_OFFSET + unpinCode().length))).toEqual(unpinCode());
    expect(Array.from(page.subarray(PROGRAM_OFFSET))).toEqual(programCode());
  });
});

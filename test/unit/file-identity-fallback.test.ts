/** Without a page of stubs (another architecture, executable memory refused), file identities are Node's own calls. */
import { describe, expect, it, vi } from 'vitest';

const stubs = vi.hoisted(() => ({ directSocketCalls: vi.fn(() => undefined), directSyscall: vi.fn(() => undefined), directUnpin: vi.fn(() => undefined), directProgram: vi.fn(() => undefined) }));
vi.mock('../../lib/sys/syscall-stubs.js', () => stubs);

vi.resetModules();
const fileIdentity = await import('../../lib/sys/file-identity.js');
const { directStatCalls } = await import('../../lib/sys/libc.js');
const { expectNodeStatResults } = await import('../helpers/file-identity-checks.js');

describe('file identities without stubs', () => {
  it("are Node's stat results, and a failure Node's error", () => {
    expect(directStatCalls()).toBeUndefined();
    expectNodeStatResults(fileIdentity);
  });
});

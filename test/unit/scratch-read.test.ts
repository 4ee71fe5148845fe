/**
 * bin/scratch-read.ts (and lib/sys/read-whole.ts, which it reads with): the one buffer bin/run-bundle.ts reads a bundle's source and its code cache
 * into, kept for the loads inside one withScratch call and let go after it.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLatin1, SCRATCH_BYTES, scratchBuffer, withScratch } from '../../bin/scratch-read.js';
import { readWhole } from '../../lib/sys/read-whole.js';

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(contents: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'scratch-read-test-'));
  made.push(dir);
  const path = join(dir, 'f');
  writeFileSync(path, contents);
  return path;
}

describe('scratch-read', () => {
  it('gives the same buffer inside withScratch, at least SCRATCH_BYTES long, a larger one when asked, and a new one once the outermost call returned', () => {
    const [first, larger] = withScratch(() => {
      const first = scratchBuffer(10);
      expect(first.length).toBe(SCRATCH_BYTES);
      expect(scratchBuffer(SCRATCH_BYTES)).toBe(first);
      const larger = withScratch(() => scratchBuffer(SCRATCH_BYTES + 1));
      expect(larger.length).toBe(SCRATCH_BYTES + 1);
      // The inner call returned: the outer one still holds it.
      expect(scratchBuffer(1)).toBe(larger);
      return [first, larger];
    });
    const after = withScratch(() => scratchBuffer(1));
    expect(after).not.toBe(larger);
    expect(after).not.toBe(first);
  });

  it('lets go of the buffer when the loads throw', () => {
    let held: Buffer | undefined;
    expect(() =>
      withScratch(() => {
        held = scratchBuffer(1);
        throw new Error('load failed');
      }),
    ).toThrow('load failed');
    expect(withScratch(() => scratchBuffer(1))).not.toBe(held);
  });

  it('reads a whole file into the buffer given, its first bytes; the string read through it stays whole when the buffer is reused', () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 128));
    const path = file(bytes);
    const fd = openSync(path, 'r');
    try {
      const into = Buffer.alloc(100_000, 0xff);
      const read = readWhole(fd, (size) => {
        expect(size).toBe(bytes.length);
        return into;
      });
      expect(read.buffer).toBe(into.buffer);
      expect(Buffer.compare(read, bytes)).toBe(0);
    } finally {
      closeSync(fd);
    }
    const text = readLatin1(path);
    readLatin1(file('x'.repeat(80_000)));
    expect(text).toBe(bytes.toString('latin1'));
    expect(readLatin1(file(''))).toBe('');
  });
});

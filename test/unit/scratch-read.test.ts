/**
 * bin/scratch-read.ts (and lib/sys/read-whole.ts, which it reads with): the one buffer bin/load-bundle.ts reads a bundle's source and its code cache
 * into, kept for the loads of one turn of the event loop and let go after it.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLatin1, SCRATCH_BYTES, scratchBuffer } from '../../bin/scratch-read.js';
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
  it('gives the same buffer within a turn of the event loop, at least SCRATCH_BYTES long, a larger one when asked, and a new one after the turn', async () => {
    await new Promise(setImmediate);
    const first = scratchBuffer(10);
    expect(first.length).toBe(SCRATCH_BYTES);
    expect(scratchBuffer(SCRATCH_BYTES)).toBe(first);
    const larger = scratchBuffer(SCRATCH_BYTES + 1);
    expect(larger.length).toBe(SCRATCH_BYTES + 1);
    expect(scratchBuffer(1)).toBe(larger);
    await new Promise(setImmediate);
    expect(scratchBuffer(1)).not.toBe(larger);
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

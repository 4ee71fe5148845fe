import { readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canRunIntegration } from '../helpers/sandbox.js';
import { Namespace } from '../../lib/index.js';

// test/helpers/own-netns.ts, the setup file: what one test file leaves in its namespace cannot reach another.
describe.skipIf(!canRunIntegration)('each test file has a network namespace of its own', () => {
  it('is not the namespace of the vitest process that started this worker, and has only lo, up', async () => {
    expect(readlinkSync('/proc/self/ns/net')).not.toBe(readlinkSync(`/proc/${process.ppid}/ns/net`));
    expect(readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8')).toContain('vitest');
    const here = Namespace.current();
    try {
      expect((await here.links()).map((l) => [l.name, l.isUp])).toEqual([['lo', true]]);
    } finally {
      here.close();
    }
  });
});

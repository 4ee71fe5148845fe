/**
 * /run/netns made a shared mount point by a one-step program of the program stub where it is a
 * mount point already (lib/sys/named-netns.ts): no prototype is parsed for mount(2) then, and a
 * plain directory still goes the libc way (bound onto itself, then made shared).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`shared-dir-by-program: ${integrationSkipReason}`);

describe.skipIf(!canRunIntegration)('the netns directory made shared', () => {
  it('through the program stub where it is a mount point, through mount() where it is a plain directory', () => {
    // In a mount namespace of its own (a child process): the other test files share /run/netns.
    const script = `
      import { execFileSync } from 'node:child_process';
      import { mkdirSync, readFileSync } from 'node:fs';
      import koffi from 'koffi';
      const parsed = [];
      const proto = koffi.proto;
      koffi.proto = (...args) => (parsed.push(String(args[0])), proto(...args));
      const { Namespace } = await import(process.env.LIB_MODULE);
      // The mounts at /run/netns, in mount order (the topmost last; those under a newer /run stay listed).
      const mounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter((l) => l.split(' ')[4] === '/run/netns');
      const shared = () => / shared:\\d+/.test(mounts().at(-1) ?? '');
      const mountParsed = () => parsed.filter((p) => p.includes('const char *source')).length;
      const seen = [];
      // A private mount point at /run/netns, then a plain directory there (a fresh /run under it).
      for (const round of ['mount point', 'plain directory']) {
        if (round === 'mount point') {
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'w4t', '/run/netns']);
          execFileSync('mount', ['--make-private', '/run/netns']);
        } else {
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'w4t-run', '/run']);
          execFileSync('mount', ['--make-private', '/run']);
          mkdirSync('/run/netns');
        }
        const before = { count: mounts().length, shared: shared() };
        const ns = await Namespace.create('shared-by-program');
        seen.push({ round, sharedBefore: before.shared, added: mounts().length - before.count, after: shared(), mountParsed: mountParsed() });
        await ns.delete();
      }
      console.log(JSON.stringify(seen));`;
    const out = execFileSync('unshare', ['--mount', '--propagation', 'private', '--', process.execPath, '--input-type=module', '-e', script], {
      env: { ...process.env, LIB_MODULE: new URL('../../dist/lib/index.js', import.meta.url).href },
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([
      // Made shared where it is: no mount added, no prototype parsed for mount(2).
      { round: 'mount point', sharedBefore: false, added: 0, after: true, mountParsed: 0 },
      // Bound onto itself first (the one mount added), then made shared, through mount().
      { round: 'plain directory', sharedBefore: true, added: 1, after: true, mountParsed: 1 },
    ]);
  });
});

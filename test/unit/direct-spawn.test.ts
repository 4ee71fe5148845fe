/**
 * spawnDirect (lib/sys/direct-spawn.ts), the IPAM plugin's start without child_process: stdin fed
 * and closed, stdout and stderr collected whole (beyond a pipe's capacity too), the exit status or
 * the signal's name, the child's signals as libuv leaves them (defaults, nothing blocked), start
 * failures as SystemCallErrors.
 */
import { describe, expect, it } from 'vitest';
import { directSpawnAvailable, spawnDirect } from '../../lib/sys/direct-spawn.js';
import { SystemCallError } from '../../lib/sys/system-call-error.js';

const SH = '/bin/sh';

describe.skipIf(!directSpawnAvailable())('spawnDirect', () => {
  it('feeds stdin, collects stdout and stderr, gives the exit status and only the environment given', async () => {
    const child = spawnDirect(SH, ['-c', 'read -r line; echo "out:$line:$ONLY:${HOME-unset}"; echo err >&2; exit 3'], { ONLY: 'this', PATH: '/usr/bin:/bin' });
    child.end('hello\n');
    const exit = await child.exited;
    expect({ status: exit.status, stdout: exit.stdout.toString(), stderr: exit.stderr.toString() }).toEqual({ status: 3, stdout: 'out:hello:this:unset\n', stderr: 'err\n' });
  });

  it('passes more than a pipe holds both ways', async () => {
    const child = spawnDirect(SH, ['-c', 'wc -c; head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2'], { PATH: '/usr/bin:/bin' });
    child.end('x'.repeat(200_000));
    const exit = await child.exited;
    expect(exit.status).toBe(0);
    expect(exit.stdout.length).toBe(300_000 + '200000\n'.length);
    expect(exit.stdout.subarray(0, 7).toString()).toBe('200000\n');
    expect(exit.stderr.length).toBe(200_000);
  });

  it('leaves every signal at its default and none blocked in the child, as libuv does', async () => {
    const child = spawnDirect('/bin/grep', ['-E', '^Sig(Ign|Blk):', '/proc/self/status'], {});
    child.end('');
    const lines = (await child.exited).stdout.toString().trim().split('\n');
    expect(lines).toEqual(['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
  });

  it('names the signal that ended the program, and accepts stdin after it is gone', async () => {
    const child = spawnDirect('/bin/sleep', ['60'], {});
    child.kill('SIGKILL');
    expect((await child.exited).status).toBe('SIGKILL');
    child.end('nobody reads this');
  });

  it('refuses a missing or non-executable file as a SystemCallError of posix_spawn', () => {
    expect(() => spawnDirect('/nonexistent/plugin', [], {})).toThrow(expect.objectContaining({ syscall: 'posix_spawn', code: 'ENOENT' }));
    expect(() => spawnDirect('/etc/passwd', [], {})).toThrow(SystemCallError);
  });
});

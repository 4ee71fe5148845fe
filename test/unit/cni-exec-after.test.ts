/**
 * execPlugin's stdinAfter (DEL starts the IPAM plugin while the kernel removes the interface): the
 * plugin gets its configuration only once the promise resolves, and is killed unread when it rejects.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execPlugin, type CniEnv } from '../../lib/cni/exec.js';

const dir = mkdtempSync(join(tmpdir(), 'cni-exec-after-'));
const seen = join(dir, 'stdin-seen');
// A plugin that acts on its whole stdin, as a CNI plugin does: here, writes it down and echoes it.
writeFileSync(join(dir, 'recorder'), `#!/bin/sh\ninput=$(cat)\nprintf '%s' "$input" > '${seen}'\nprintf '{"got":%s}' "$input"\n`);
chmodSync(join(dir, 'recorder'), 0o755);
const env: CniEnv = { containerId: 'c', netns: '', ifname: 'eth0', args: '', path: dir };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('execPlugin with stdinAfter', () => {
  it('gives the plugin its stdin once the promise resolves', async () => {
    rmSync(seen, { force: true });
    let open!: () => void;
    const after = new Promise<void>((resolve) => (open = resolve));
    const result = execPlugin('recorder', 'DEL', '{"n":1}', env, { stdinAfter: after });
    setTimeout(open, 20);
    await expect(result).resolves.toEqual({ got: { n: 1 } });
    expect(readFileSync(seen, 'utf8')).toBe('{"n":1}');
  });

  it('kills the plugin unread and rejects with the same reason when the promise rejects', async () => {
    rmSync(seen, { force: true });
    const reason = new Error('the interface could not be deleted');
    const after = Promise.reject(reason);
    await expect(execPlugin('recorder', 'DEL', '{"n":2}', env, { stdinAfter: after })).rejects.toBe(reason);
    expect(existsSync(seen)).toBe(false);
  });
});
